/*
 * xml_names.c - the vocabulary's hash table (see xml_names.h).
 */
#include "parsers/xml_names.h"

#include <string.h>

static unsigned name_hash(const unsigned char *name, size_t len)
{
	return ((unsigned)len * 31u + name[0] * 7u + name[len - 1]) & (RB_XML_NAMES_SLOTS - 1);
}

void rb_xml_names_init(struct rb_xml_names *v, const char *const *names)
{
	memset(v, 0, sizeof(*v));
	v->names = names;
	while (names[v->count] != NULL && v->count < RB_XML_NAMES_MAX) {
		size_t len = strlen(names[v->count]);
		v->len[v->count] = (unsigned char)(len > 255 ? 255 : len);
		if (len > 0 && len <= 255) {
			unsigned h = name_hash((const unsigned char *)names[v->count], len);
			while (v->slot[h] != 0)
				h = (h + 1) & (RB_XML_NAMES_SLOTS - 1);
			v->slot[h] = (unsigned char)(v->count + 1);
		}
		v->count++;
	}
}

int rb_xml_names_find(const struct rb_xml_names *v, const char *name, size_t len)
{
	if (len == 0 || len > 255)
		return -1;
	const unsigned char *p = (const unsigned char *)name;
	for (unsigned h = name_hash(p, len);; h = (h + 1) & (RB_XML_NAMES_SLOTS - 1)) {
		unsigned i = v->slot[h];
		if (i-- == 0)
			return -1;
		if (v->len[i] != len)
			continue;
		const char *known = v->names[i];
		size_t k = 0;
		while (k < len && known[k] == name[k])
			k++;
		if (k == len)
			return (int)i;
	}
}
