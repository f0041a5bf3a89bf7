/*
 * xml_repair.h - a streaming filter that mends the XML mistakes report senders make.
 *
 * Between the payload and libxml2: a bare '&' that starts no entity or character
 * reference becomes "&amp;", and a '<' that starts no element of the DMARC
 * vocabulary (nor a closing tag, comment, CDATA section or processing instruction)
 * becomes "&lt;", so "<org_name>A & B <Corp></org_name>" reads as the text it meant.
 * Bytes that are not valid UTF-8 in a document declared (or defaulting to) UTF-8
 * are taken as Latin-1 and re-encoded. When the input ends with the root element
 * still open, its end tag is added. CDATA sections, comments and processing instructions pass unchanged. What was
 * mended is counted so the report can say so in its `errors`.
 */
#ifndef REBOUND_PARSERS_XML_REPAIR_H
#define REBOUND_PARSERS_XML_REPAIR_H

#include <stdbool.h>
#include <stddef.h>

#include "parsers/payload.h"
#include "parsers/xml_names.h"

struct rb_xml_repair;

/* Element names (local part, without prefix) that are kept as markup. NULL-terminated. */
struct rb_xml_repair *rb_xml_repair_new(struct rb_reader *src, const char *const *elements);
void rb_xml_repair_free(struct rb_xml_repair **repair);
/*
 * The document's encoding was judged from its real start already (the repair then
 * reads it from the middle): UTF-8 or not, instead of looking at the first bytes it
 * is given. Call before the first read.
 */
void rb_xml_repair_set_utf8(struct rb_xml_repair *repair, bool utf8);
/*
 * An end tag with the root's name was read already (the repair then reads the document
 * from the middle, its root's start tag given again): no end tag is added at the end
 * of input, and later elements are not taken for the root. Call before the first read.
 */
void rb_xml_repair_set_root_closed(struct rb_xml_repair *repair);
/* Read mended bytes (an rb_read_fn). */
enum rb_status rb_xml_repair_read(void *ctx, unsigned char *buf, size_t cap, size_t *got_r,
				  struct rb_error *err);
size_t rb_xml_repair_ampersands(const struct rb_xml_repair *repair);
size_t rb_xml_repair_brackets(const struct rb_xml_repair *repair);
size_t rb_xml_repair_latin1(const struct rb_xml_repair *repair);
/* True when the input ended with the root element open and its end tag was added. */
bool rb_xml_repair_closed_root(const struct rb_xml_repair *repair);

/*
 * Whether the mending keeps the '<' at p (n bytes in view) as markup (1: a comment,
 * CDATA, PI or declaration, or an element of the vocabulary) or escapes it (0); -1
 * when a name runs to the end of the view and complete is false (more is coming).
 */
int rb_xml_repair_markup(const struct rb_xml_names *elements, const unsigned char *p, size_t n,
			 bool complete);

/* Bytes at the start of a document in which an encoding declaration is looked for. */
#define RB_XML_REPAIR_DECLARATION_BYTES 200
/*
 * Whether the document that starts with these bytes is mended as UTF-8: it is unless
 * an encoding="..." other than UTF-8 comes in its first RB_XML_REPAIR_DECLARATION_BYTES.
 */
bool rb_xml_repair_declares_utf8(const unsigned char *head, size_t len);

#endif
