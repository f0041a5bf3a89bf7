/*
 * libraries.c - libxml2 and libarchive loaded on first use (see libraries.h).
 */
#include "libraries.h"

#include <dlfcn.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>

/* One library's loading, done once: its table, or why it failed. */
struct lazy_library {
	gsize once;
	bool loaded;
	char why[sizeof(((struct rb_error *)0)->message)];
};

/*
 * dlopen soname and fill n function pointers (table, in order) from names. A
 * missing library or symbol is a broken installation: said in l->why.
 */
static void load_library(struct lazy_library *l, const char *soname, const char *const *names,
			 void **table, size_t n)
{
	void *handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (handle == NULL) {
		const char *e = dlerror();
		snprintf(l->why, sizeof(l->why), "cannot load %s (needed to read reports): %s",
			 soname, e ? e : "unknown error");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		table[i] = dlsym(handle, names[i]);
		if (table[i] == NULL) {
			snprintf(l->why, sizeof(l->why), "%s has no %s: a version rebound cannot use",
				 soname, names[i]);
			return; /* the handle stays open: a failed library is not retried */
		}
	}
	l->loaded = true;
}

/* Function pointers are stored through void * slots: POSIX dlsym's own convention. */
#define SLOTS(table) ((void **)(void *)&(table))
#define SLOT_COUNT(table) (sizeof(table) / sizeof(void *))

/* l loaded once per process; false with err set to why when it could not be. */
static bool ensure_loaded(struct lazy_library *l, const char *soname, const char *const *names,
			  void **table, size_t n, struct rb_error *err)
{
	if (g_once_init_enter(&l->once)) {
		load_library(l, soname, names, table, n);
		g_once_init_leave(&l->once, 1);
	}
	if (!l->loaded)
		rb_error_set(err, RB_ERR_INTERNAL, "%s", l->why);
	return l->loaded;
}

static struct lazy_library libxml2_state;
static struct rb_libxml2 libxml2_table;
static const char *const libxml2_names[] = {
	"xmlReaderForIO",	      "xmlTextReaderSetErrorHandler", "xmlTextReaderRead",
	"xmlFreeTextReader",	      "xmlTextReaderNodeType",	      "xmlTextReaderIsEmptyElement",
	"xmlTextReaderConstLocalName", "xmlTextReaderConstNamespaceUri",
	"xmlTextReaderConstValue",     "xmlTextReaderLocatorLineNumber",
};
_Static_assert(sizeof(libxml2_names) / sizeof(libxml2_names[0]) == SLOT_COUNT(libxml2_table),
	       "one name per libxml2 function");

const struct rb_libxml2 *rb_libxml2(struct rb_error *err)
{
	return ensure_loaded(&libxml2_state, REBOUND_LIBXML2_SONAME, libxml2_names,
			     SLOTS(libxml2_table), SLOT_COUNT(libxml2_table), err)
		       ? &libxml2_table
		       : NULL;
}

static struct lazy_library libarchive_state;
static struct rb_libarchive libarchive_table;
static const char *const libarchive_names[] = {
	"archive_read_new",	   "archive_read_support_format_zip_streamable",
	"archive_read_open",	   "archive_read_next_header",
	"archive_read_data",	   "archive_read_free",
	"archive_error_string",	   "archive_set_error",
	"archive_entry_filetype", "archive_entry_pathname",
};
_Static_assert(sizeof(libarchive_names) / sizeof(libarchive_names[0]) ==
		   SLOT_COUNT(libarchive_table),
	       "one name per libarchive function");

const struct rb_libarchive *rb_libarchive(struct rb_error *err)
{
	return ensure_loaded(&libarchive_state, REBOUND_LIBARCHIVE_SONAME, libarchive_names,
			     SLOTS(libarchive_table), SLOT_COUNT(libarchive_table), err)
		       ? &libarchive_table
		       : NULL;
}
