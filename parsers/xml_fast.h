/*
 * xml_fast.h - a strict reader for the plain, well-formed XML that reports nearly always
 * are, handing over to the mending and libxml2 at the first thing it does not know.
 *
 * It reads UTF-8 documents made of an XML declaration, elements of the vocabulary with
 * attributes and namespace declarations, text with the predefined and character
 * references, CDATA sections, comments and processing instructions, and gives the
 * handler exactly what libxml2's xmlReader would after xml_repair.c (xml_stream.h).
 * Anything else - anything the mending would change, libxml2 would warn about or have
 * to recover from, or a unit of the document larger than the window - stops it
 * *before* that unit: rb_xml_fast_run() returns RB_XML_FAST_HANDOFF and
 * rb_xml_fast_resume() gives the document again, to be mended and read by libxml2
 * from there on.
 *
 * The resumed document starts with the XML declaration, then reopens the elements that
 * are open (their start tags as written, each on its own line, with comments made of
 * newlines in between), so that libxml2 resolves the same namespaces and reports the
 * same line numbers as it would have over the whole document; then come the bytes not
 * yet read. The handler has seen those start tags already: the caller skips the first
 * rb_xml_fast_replayed_starts() element starts of the resumed document (and, when
 * rb_xml_fast_replayed_root_end() is true, the end of that replayed root element).
 * Before the root element has been read, the resumed document is the document itself.
 */
#ifndef REBOUND_PARSERS_XML_FAST_H
#define REBOUND_PARSERS_XML_FAST_H

#include <stdbool.h>

#include "parsers/payload.h"
#include "parsers/xml_names.h"
#include "parsers/xml_stream.h"

enum rb_xml_fast_result {
	RB_XML_FAST_DONE,    /* the document ended, or the handler stopped the reading */
	RB_XML_FAST_HANDOFF, /* libxml2 must go on, with rb_xml_fast_resume() */
	RB_XML_FAST_FAILED,  /* the input failed or memory ran out (err is filled) */
};

struct rb_xml_fast;

/* names: the vocabulary (borrowed); elements named otherwise are left to the mending. */
struct rb_xml_fast *rb_xml_fast_new(struct rb_reader *in, const struct rb_xml_names *names,
				    const struct rb_xml_handler *handler);
void rb_xml_fast_free(struct rb_xml_fast **fast);

enum rb_xml_fast_result rb_xml_fast_run(struct rb_xml_fast *fast, struct rb_error *err);

/* For tests: hand over after this many units, as if the next one were not plain XML. */
void rb_xml_fast_handoff_after(struct rb_xml_fast *fast, size_t units);

/* After a handoff: a reader of the document from where the fast reader stopped. */
struct rb_reader rb_xml_fast_resume(struct rb_xml_fast *fast);
unsigned rb_xml_fast_replayed_starts(const struct rb_xml_fast *fast);
bool rb_xml_fast_replayed_root_end(const struct rb_xml_fast *fast);
/* Whether an end tag with the root's name was read (the mending must know: it takes
 * one for the root's end, and then adds none at the end of input). */
bool rb_xml_fast_root_name_ended(const struct rb_xml_fast *fast);

#endif
