/*
 * libraries.h - libxml2 and libarchive, loaded when the first report needs them.
 *
 * Why: most runs read bounces only, and loading these two with their dependencies
 * (ICU, the C++ runtime, five compression libraries: ten shared objects) took half of
 * rebound's start-up, 4.6 of 8.7 ms, for every `rebound parse`. The library names are
 * the sonames found at build time (REBOUND_LIBXML2_SONAME, REBOUND_LIBARCHIVE_SONAME).
 * The tables are filled once per process (thread-safe) and never change after.
 */
#ifndef REBOUND_CORE_LIBRARIES_H
#define REBOUND_CORE_LIBRARIES_H

#include <archive.h>
#include <archive_entry.h>
#include <libxml/xmlreader.h>

#include "rebound/rebound.h"

/* The libxml2 functions rebound calls (xml_stream.c), typed as libxml2 declares them. */
struct rb_libxml2 {
	__typeof__(&xmlReaderForIO) reader_for_io;
	__typeof__(&xmlTextReaderSetErrorHandler) set_error_handler;
	__typeof__(&xmlTextReaderRead) read;
	__typeof__(&xmlFreeTextReader) free_reader;
	__typeof__(&xmlTextReaderNodeType) node_type;
	__typeof__(&xmlTextReaderIsEmptyElement) is_empty_element;
	__typeof__(&xmlTextReaderConstLocalName) const_local_name;
	__typeof__(&xmlTextReaderConstNamespaceUri) const_namespace_uri;
	__typeof__(&xmlTextReaderConstValue) const_value;
	__typeof__(&xmlTextReaderLocatorLineNumber) locator_line_number;
};

/* The libarchive functions rebound calls (payload.c). */
struct rb_libarchive {
	__typeof__(&archive_read_new) read_new;
	__typeof__(&archive_read_support_format_zip_streamable) read_support_format_zip_streamable;
	__typeof__(&archive_read_open) read_open;
	__typeof__(&archive_read_next_header) read_next_header;
	__typeof__(&archive_read_data) read_data;
	__typeof__(&archive_read_free) read_free;
	__typeof__(&archive_error_string) error_string;
	__typeof__(&archive_set_error) set_error;
	__typeof__(&archive_entry_filetype) entry_filetype;
	__typeof__(&archive_entry_pathname) entry_pathname;
};

/* The loaded table, or NULL with err saying which library could not be loaded. */
const struct rb_libxml2 *rb_libxml2(struct rb_error *err);
const struct rb_libarchive *rb_libarchive(struct rb_error *err);

#endif
