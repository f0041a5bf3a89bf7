/*
 * mime.h - one message, taken apart for the classifiers.
 *
 * rb_mime_parse() turns raw RFC 5322 bytes (any line ending) into a struct rb_mail:
 * top-level headers (unfolded, RFC 2047 decoded), the human-readable body, the
 * machine-readable parts of a report (delivery-status, feedback-report), the returned
 * original message, and every leaf part with its transfer encoding undone. All text
 * is UTF-8 with LF line endings, whatever the charset and line endings of the input.
 * Everything lives in the arena passed in. Fields that are absent are "" (never NULL),
 * except rb_part.text which is NULL for binary parts.
 */
#ifndef REBOUND_PARSERS_MIME_H
#define REBOUND_PARSERS_MIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/arena.h"
#include "core/needle.h"
#include "rebound/rebound.h"

/*
 * A header field. Its value is unfolded, squeezed and RFC 2047 decoded when it is
 * first looked up (rb_mail_header and friends), not when the block is parsed: most
 * fields of a bounce (Received, DKIM-Signature, ...) are never read. Until then
 * `value` is NULL and `raw` holds the bytes after the colon; read values through the
 * lookup functions or rb_header_value().
 */
struct rb_header {
	const char *name;  /* name_len bytes where the message has them: not NUL-terminated */
	const char *value;
	size_t name_len;
	const char *raw;  /* the value as written (folded), raw_len bytes */
	size_t raw_len;
	bool raw_decode;  /* RFC 2047 words and charsets are decoded */
	uint32_t name_key; /* header_name_key of the name: most names sought are told apart by it */
	uint32_t next_same; /* 1 + the index of the next header in its index slot; 0: none */
};

/*
 * Where the headers of a block lie by name: slot k holds 1 + the index of the first
 * header whose name hashes to k (0: none), and each header the next in its slot, so a
 * lookup reads the few headers of its slot instead of the whole block (a message's
 * headers are looked up by name dozens of times, and a block has dozens).
 */
#define RB_HEADER_SLOTS 64
struct rb_header_index {
	uint32_t first[RB_HEADER_SLOTS];
	uint32_t last[RB_HEADER_SLOTS]; /* where the next header of the slot is chained on */
};

struct rb_part {
	const char *content_type;   /* "type/subtype", lowercase */
	const char *filename;       /* Content-Disposition filename or Content-Type name; "" */
	const char *charset;        /* lowercase; "" */
	const unsigned char *data;  /* transfer-decoded bytes */
	size_t len;
	const char *text;           /* UTF-8 LF text for textual parts, NULL for binary */
	size_t text_len;
	unsigned depth;             /* nesting depth, 0 = top-level single part */
	bool in_attached_message;   /* inside a message/rfc822 part */
};

struct rb_mail {
	struct rb_arena *arena;         /* where header values are decoded on lookup */
	const struct rb_header *headers;  /* top-level headers in order */
	size_t header_count;
	const struct rb_header_index *header_index; /* by name; NULL: look through them all */
	const char *subject;
	const char *from;               /* as written, decoded */
	const char *to;
	const char *date;
	const char *message_id;         /* without <> */
	const char *content_type;       /* top-level "type/subtype", lowercase */
	const char *report_type;        /* report-type parameter of multipart/report, lowercase */

	const char *body;               /* readable text outside attached messages, UTF-8 LF */
	size_t body_len;
	/* The body lowercased and its byte pairs, made on first use (rb_mail_body_lower,
	 * rb_mail_body_pairs): a DSN's classification often needs neither. */
	const char *body_lower;
	const unsigned char *body_pairs;
	const char *delivery_status;    /* message/delivery-status text (all such parts) */
	const char *feedback_report;    /* message/feedback-report text */
	/* The returned message (message/rfc822, text/rfc822-headers): its header block only,
	 * unless it was walked for a report part it may hold (then all of it). */
	const char *original;
	const struct rb_header *original_headers; /* headers of `original`, parsed */
	size_t original_header_count;
	const struct rb_header_index *original_header_index;

	const struct rb_part *parts;    /* every leaf part, in order */
	size_t part_count;
	const char *problems;           /* what was repaired or cut by a limit; "" if nothing */
	const char *time;               /* Date as RFC 3339 UTC, "" when absent or invalid */
};

/*
 * Parse data into *mail_r (arena-owned; it may point into data, which must outlive
 * it). Returns RB_OK; RB_ERR_INPUT with err filled
 * when the bytes are not a message at all (no header); RB_ERR_NOMEM. Limits on MIME
 * depth and part count are enforced: parts beyond them are skipped and named in
 * mail->problems.
 */
enum rb_status rb_mime_parse(struct rb_arena *arena, const unsigned char *data, size_t len,
			     const struct rb_limits *limits, struct rb_mail **mail_r,
			     struct rb_error *err);

/* The body, ASCII letters lowercased (body_len bytes), and its byte pairs (rb_pairs_of:
 * RB_PAIRS_BYTES). Made on first use; both NULL on out of memory (the arena has then
 * failed, and so will the parse). */
const char *rb_mail_body_lower(const struct rb_mail *mail);
const unsigned char *rb_mail_body_pairs(const struct rb_mail *mail);

/*
 * Find a needle of any case in the readable body (NULL when absent): a pointer into
 * the lowercased body (rb_mail_body_lower). A needle whose leading byte pair never
 * occurs in the body is rejected at once, so the hundreds of phrase searches per
 * message cost little.
 */
const char *rb_mail_body_find(const struct rb_mail *mail, const char *needle);
/* The same for a prepared needle (core/needle.h): no lowering, its rarest pairs first. */
const char *rb_mail_body_find_needle(const struct rb_mail *mail, const struct rb_needle *needle);

/* First top-level header with this name (case-insensitive), "" if absent. */
const char *rb_mail_header_n(const struct rb_mail *mail, const char *name, size_t name_len);
/* (Inline so that a literal name's length is the compiler's to work out.) */
static inline const char *rb_mail_header(const struct rb_mail *mail, const char *name)
{
	return rb_mail_header_n(mail, name, strlen(name));
}
/* First header of the returned original message, "" if absent. */
const char *rb_mail_original_header_n(const struct rb_mail *mail, const char *name,
				      size_t name_len);
static inline const char *rb_mail_original_header(const struct rb_mail *mail, const char *name)
{
	return rb_mail_original_header_n(mail, name, strlen(name));
}

/*
 * A Message-ID header value as the id without <> (RFC 5322 msg-id, leniently, as
 * GMime reads it), in the arena; "" when there is none.
 */
const char *rb_mime_message_id(struct rb_arena *arena, const char *value);

/*
 * An RFC 5322 date ("Thu, 29 Apr 2015 23:34:45 +0000", also the obsolete zone names)
 * as RFC 3339 UTC ("2015-04-29T23:34:45Z"); "" when absent or unreadable.
 */
const char *rb_mime_date_rfc3339(struct rb_arena *arena, const char *date);

/* Normalize CRLF and lone CR to LF into a new arena buffer (NUL-terminated). */
char *rb_mime_normalize_newlines(struct rb_arena *arena, const unsigned char *data, size_t len,
				 size_t *len_r);

/* Parse a header block ("Name: value" lines, folded) into arena headers. */
size_t rb_mime_parse_header_block(struct rb_arena *arena, const char *text,
				  struct rb_header **headers_r);

/* The value of h (decoded into arena on first use; arena is the one h was parsed in). */
const char *rb_header_value(struct rb_arena *arena, const struct rb_header *h);
/* Is h named name (ASCII case-insensitive)? */
bool rb_header_is_n(const struct rb_header *h, const char *name, size_t name_len);
static inline bool rb_header_is(const struct rb_header *h, const char *name)
{
	return rb_header_is_n(h, name, strlen(name));
}

#endif
