/*
 * xml_names.h - a vocabulary of element names, looked up by local name.
 *
 * A report's every tag is looked up (xml_repair.c decides by it whether a '<' starts
 * markup; xml_fast.c and the DMARC reader which element it is), so the lookup is a
 * small open-addressing hash table instead of a walk through the list.
 */
#ifndef REBOUND_PARSERS_XML_NAMES_H
#define REBOUND_PARSERS_XML_NAMES_H

#include <stddef.h>
#include <string.h>

#define RB_XML_NAMES_MAX   128 /* names kept (a longer list is cut) */
#define RB_XML_NAMES_SLOTS 256 /* a power of two, twice RB_XML_NAMES_MAX */

struct rb_xml_names {
	const char *const *names; /* NULL-terminated, borrowed */
	unsigned char len[RB_XML_NAMES_MAX];
	unsigned char slot[RB_XML_NAMES_SLOTS]; /* 1 + index of a name; 0: empty */
	size_t count;
};

/* names: NULL-terminated list of local names, kept by reference. */
void rb_xml_names_init(struct rb_xml_names *v, const char *const *names);
static inline unsigned rb_xml_names_hash(const unsigned char *name, size_t len)
{
	return ((unsigned)len * 31u + name[0] * 7u + name[len - 1]) & (RB_XML_NAMES_SLOTS - 1);
}

/* The index of the local name (len bytes) in the list, or -1. Inline: it is called for
 * every tag. */
static inline int rb_xml_names_find(const struct rb_xml_names *v, const char *name, size_t len)
{
	if (len == 0 || len > 255)
		return -1;
	const unsigned char *p = (const unsigned char *)name;
	for (unsigned h = rb_xml_names_hash(p, len);; h = (h + 1) & (RB_XML_NAMES_SLOTS - 1)) {
		unsigned i = v->slot[h];
		if (i-- == 0)
			return -1;
		if (v->len[i] != len)
			continue;
		if (memcmp(v->names[i], name, len) == 0)
			return (int)i;
	}
}

#endif
