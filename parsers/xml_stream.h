/*
 * xml_stream.h - an XML document as a stream of elements and text, in bounded memory,
 * mended the way report senders need it.
 *
 * The handler sees what libxml2's xmlReader shows (XML_PARSE_NONET, recover mode, no
 * entity substitution, no DTD loading, CDATA read as text) of the document as
 * xml_repair.c mends it for a vocabulary of element names: each element's start and
 * end, and its text nodes, except those made of white space only (the reader calls
 * them whitespace, not text). A text node is the text between two pieces of markup
 * other than CDATA sections and the predefined or character references, decoded.
 * libxml2's complaints come with the line number the xmlReader gives (the line of the
 * innermost element open when it complained).
 *
 * Plain documents, on which the mending changes nothing, are read by xml_fast.c
 * directly; the mending and libxml2 take over from the first thing that is not plain.
 */
#ifndef REBOUND_PARSERS_XML_STREAM_H
#define REBOUND_PARSERS_XML_STREAM_H

#include <stdbool.h>
#include <stddef.h>

#include "parsers/payload.h"

/* Bytes of a text node handed over: enough for any value a caller keeps. */
#define RB_XML_TEXT_PREFIX 1024

struct rb_xml_handler {
	void *ctx;
	/*
	 * An element starts: its local name (name_len bytes, not NUL-terminated), its
	 * namespace URI ("" when none), and the index of its name in the vocabulary (-1
	 * when it is not there). Return false to stop reading.
	 */
	bool (*on_start)(void *ctx, const char *name, size_t name_len, const char *ns_uri,
			 int element);
	/*
	 * A text node of the innermost element: its first len bytes (all of it, or
	 * RB_XML_TEXT_PREFIX when longer) and its whole length in bytes.
	 */
	bool (*on_text)(void *ctx, const char *text, size_t len, size_t total);
	/* The innermost element ends (also right after on_start for <empty/>). */
	bool (*on_end)(void *ctx);
	/* libxml2 complained (message as it wrote it, with its newline). */
	void (*on_error)(void *ctx, int line, const char *message);
};

/* What xml_repair.c mended (all 0 when the document was plain). */
struct rb_xml_mends {
	size_t ampersands, brackets, latin1;
	bool closed_root;
};

/*
 * Read the XML document from `in` and hand it to the handler until its end or until a
 * callback returns false. vocabulary: the NULL-terminated element names (local names)
 * that are markup, as xml_repair.h takes them. Returns RB_OK, the failure of `in`
 * (with err filled), or RB_ERR_NOMEM / RB_ERR_INTERNAL; *mends says what was mended.
 */
enum rb_status rb_xml_stream(struct rb_reader *in, const char *const *vocabulary,
			     const struct rb_xml_handler *handler, struct rb_xml_mends *mends,
			     struct rb_error *err);

/*
 * For tests: the same, with the mending and libxml2 taking over after `units` units of
 * the document (xml_fast.h) whatever they are. A handler sees the same either way.
 */
enum rb_status rb_xml_stream_handoff_after(struct rb_reader *in, const char *const *vocabulary,
					   const struct rb_xml_handler *handler, size_t units,
					   struct rb_xml_mends *mends, struct rb_error *err);

#endif
