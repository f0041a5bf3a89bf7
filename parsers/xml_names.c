/*
 * xml_names.c - the vocabulary's hash table (see xml_names.h).
 */
#include "parsers/xml_names.h"

#include <string.h>

void rb_xml_names_init(struct rb_xml_names *v, const char *const *names)
{
	memset(v, 0, sizeof(*v));
	v->names = names;
	while (names[v->count] != NULL && v->count < RB_XML_NAMES_MAX) {
		size_t len = strlen(names[v->count]);
		v->len[v->count] = (unsigned char)(len > 255 ? 255 : len);
		if (len > 0 && len <= 255) {
			unsigned h = rb_xml_names_hash((const unsigned char *)names[v->count], len);
			while (v->slot[h] != 0)
				h = (h + 1) & (RB_XML_NAMES_SLOTS - 1);
			v->slot[h] = (unsigned char)(v->count + 1);
		}
		v->count++;
	}
}
