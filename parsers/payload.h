/*
 * payload.h - report payloads in any wrapping, as a stream of their content.
 *
 * DMARC and TLS reports arrive as raw XML or JSON, gzip, zip (any member name, gzip
 * inside a member), even gzip inside gzip, under content types that lie. The
 * wrapping is found by magic bytes, layer by layer, and undone while streaming, so a
 * report of any size is read in bounded memory. Caps from struct rb_limits stop
 * bombs: max_decompressed_bytes in all, max_decompress_ratio (checked once 1 MiB has
 * come out, so small inputs are never refused for a high ratio), max_archive_members.
 */
#ifndef REBOUND_PARSERS_PAYLOAD_H
#define REBOUND_PARSERS_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "rebound/rebound.h"

/* A pull reader: read() fills up to cap bytes and sets *got_r, 0 at the end. */
struct rb_reader {
	rb_read_fn read;
	void *ctx;
};

enum rb_payload_kind {
	RB_PAYLOAD_UNKNOWN = 0,
	RB_PAYLOAD_GZIP,
	RB_PAYLOAD_ZIP,
	RB_PAYLOAD_XML,
	RB_PAYLOAD_JSON,
};

/* What the first bytes are (a UTF-8 BOM and white space are skipped for XML/JSON). */
enum rb_payload_kind rb_payload_sniff(const unsigned char *head, size_t len);

/*
 * Called once per piece of content found (one for a raw or gzip payload, one per
 * zip member). `kind` is RB_PAYLOAD_XML, RB_PAYLOAD_JSON or RB_PAYLOAD_UNKNOWN;
 * `head` holds its first bytes (also still readable from `content`).
 * `name` is the zip member name or "". Return RB_OK to go on.
 */
typedef enum rb_status (*rb_payload_content_fn)(void *ctx, enum rb_payload_kind kind,
						const unsigned char *head, size_t head_len,
						struct rb_reader *content, const char *name,
						struct rb_error *err);

/*
 * Undo the wrapping of the payload read from `in` and hand each piece of content to
 * on_content. Returns RB_OK, RB_ERR_LIMIT (a cap was hit: err says which),
 * RB_ERR_INPUT (a broken archive or gzip stream), or what on_content or `in`
 * returned.
 */
enum rb_status rb_payload_unwrap(struct rb_reader *in, const struct rb_limits *limits,
				 rb_payload_content_fn on_content, void *ctx,
				 struct rb_error *err);

/*
 * A reader that first gives bytes already read (head, borrowed) and then the rest of
 * `rest`: ctx is a struct rb_prefixed_reader.
 */
struct rb_prefixed_reader {
	const unsigned char *head;
	size_t len, pos;
	struct rb_reader rest;
};
enum rb_status rb_prefixed_read(void *ctx, unsigned char *buf, size_t cap, size_t *got_r,
				struct rb_error *err);

/* A reader over a memory buffer (for mail parts): ctx is a struct rb_mem_reader. */
struct rb_mem_reader {
	const unsigned char *data;
	size_t len, pos;
};
enum rb_status rb_mem_read(void *ctx, unsigned char *buf, size_t cap, size_t *got_r,
			   struct rb_error *err);

#endif
