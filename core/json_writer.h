/*
 * json_writer.h - JSON text written straight into one growable buffer.
 *
 * Events are write-once: building a tree of objects only to print it cost a quarter
 * of a DMARC parse (allocations, hashing of keys, a second pass to print). The writer
 * appends the encoding as the values come, with the separators in the right places.
 *
 *   struct rb_json_writer w;  rb_json_writer_init(&w);
 *   rb_json_begin_object(&w);
 *   rb_json_key(&w, "domain");  rb_json_str(&w, "example.com");
 *   rb_json_key(&w, "results"); rb_json_begin_array(&w); ... rb_json_end_array(&w);
 *   rb_json_end_object(&w);
 *   text = rb_json_text(&w, &len);  ...  rb_json_writer_free(&w);
 *
 * Strings: '"', '\\' and the control characters are escaped (\b \f \n \r \t, the rest
 * as \u00XX with lowercase hex, as json-c wrote them); '/' and DEL are not. A byte
 * that does not belong to a valid UTF-8 sequence (RFC 3629: no overlong forms, no
 * surrogates, nothing past U+10FFFF) is written as U+FFFD, one per byte, so the
 * output is always valid UTF-8 JSON text (json-c copied such bytes through as they
 * were, which made lines that strict JSON readers refuse).
 *
 * Out of memory is sticky: every later call does nothing, and rb_json_writer_check()
 * says so. Nesting past RB_JSON_MAX_DEPTH, or a value in an object with no key, is a
 * programming error and is reported the same way.
 */
#ifndef REBOUND_CORE_JSON_WRITER_H
#define REBOUND_CORE_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rebound/rebound.h"

#define RB_JSON_MAX_DEPTH 64

struct rb_json_writer {
	char *buf;
	size_t len, cap;
	unsigned depth;	    /* containers open */
	uint64_t has_items; /* bit d: the container at depth d has a member already */
	uint64_t in_object; /* bit d: the container at depth d is an object */
	bool after_key;	    /* a key was written; its value comes next */
	bool failed;	    /* out of memory or misuse; see rb_json_writer_check() */
	bool misused;
};

void rb_json_writer_init(struct rb_json_writer *w);
/* Empty the writer for another document, keeping its buffer. */
void rb_json_writer_reset(struct rb_json_writer *w);
void rb_json_writer_free(struct rb_json_writer *w);

void rb_json_begin_object(struct rb_json_writer *w);
void rb_json_end_object(struct rb_json_writer *w);
void rb_json_begin_array(struct rb_json_writer *w);
void rb_json_end_array(struct rb_json_writer *w);
/* The key of the next member of the object being written. */
void rb_json_key(struct rb_json_writer *w, const char *key);

/* Values. A NULL string is written as "". */
void rb_json_str(struct rb_json_writer *w, const char *s);
void rb_json_strn(struct rb_json_writer *w, const char *s, size_t len);
void rb_json_int(struct rb_json_writer *w, int64_t v);
void rb_json_bool(struct rb_json_writer *w, bool v);
void rb_json_null(struct rb_json_writer *w);
/* A complete value that another writer produced (its whole text). */
void rb_json_value_of(struct rb_json_writer *w, const struct rb_json_writer *value);

/* Object members: key and value in one call. */
void rb_json_field_str(struct rb_json_writer *w, const char *key, const char *s);
void rb_json_field_int(struct rb_json_writer *w, const char *key, int64_t v);

/*
 * Append s as a JSON string's contents (escaped, no quotes, no separator): for
 * callers that frame the value themselves.
 */
void rb_json_escape_into(struct rb_json_writer *w, const char *s, size_t len);

/*
 * The writer as a plain buffer, for callers that put a document together from pieces
 * (events): no separators, no checks of where a value may go.
 *   rb_json_append_raw: bytes as they are (JSON text made elsewhere);
 *   rb_json_append_key: ,"key": (the key escaped if it needs to be);
 *   rb_json_str_value:  a quoted, escaped string.
 */
void rb_json_append_raw(struct rb_json_writer *w, const char *s, size_t len);
void rb_json_append_key(struct rb_json_writer *w, const char *key);
void rb_json_append_key_n(struct rb_json_writer *w, const char *key, size_t len);
void rb_json_str_value(struct rb_json_writer *w, const char *s, size_t len);

/*
 * Editing what was written, for event fields that are replaced in place: drop the
 * text past len (only back to a point between two members of the open container),
 * and replace the old_len bytes at off with len new ones (a complete value by a
 * complete value).
 */
void rb_json_truncate(struct rb_json_writer *w, size_t len);
void rb_json_splice(struct rb_json_writer *w, size_t off, size_t old_len, const char *bytes,
		    size_t len);

/* The text so far (NUL-terminated; "" when empty or failed). Borrowed. */
const char *rb_json_text(const struct rb_json_writer *w, size_t *len_r);

/* RB_OK, or RB_ERR_NOMEM / RB_ERR_INTERNAL with err filled. */
enum rb_status rb_json_writer_check(const struct rb_json_writer *w, struct rb_error *err);

#endif
