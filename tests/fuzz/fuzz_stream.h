/*
 * fuzz_stream.h - shared by the report fuzz targets: parse bytes (after an optional
 * prefix that puts the fuzzer inside a format) as a bare report stream, read back in
 * odd-sized pieces so every layer sees its input cut at awkward places. Any input must
 * leave at least one event.
 */
#ifndef REBOUND_FUZZ_STREAM_H
#define REBOUND_FUZZ_STREAM_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rebound/rebound.h"

struct fuzz_mem {
	const uint8_t *data;
	size_t len, pos;
};

static enum rb_status fuzz_mem_read(void *ctx, unsigned char *buf, size_t cap, size_t *got_r,
				    struct rb_error *err)
{
	(void)err;
	struct fuzz_mem *m = ctx;
	size_t n = m->len - m->pos;
	if (n > cap)
		n = cap;
	if (n > 7 && (m->pos % 3) == 1)
		n = 7;
	memcpy(buf, m->data + m->pos, n);
	m->pos += n;
	*got_r = n;
	return RB_OK;
}

static enum rb_status fuzz_count_event(void *ctx, const struct rb_event *event,
				       struct rb_error *err)
{
	(void)err;
	(void)event;
	(*(size_t *)ctx)++;
	return RB_OK;
}

static void fuzz_report_stream(const char *prefix, const uint8_t *data, size_t size)
{
	size_t pl = strlen(prefix);
	uint8_t *buf = malloc(pl + size + 1);
	if (buf == NULL)
		return;
	memcpy(buf, prefix, pl);
	if (size > 0)
		memcpy(buf + pl, data, size);
	struct fuzz_mem m = {.data = buf, .len = pl + size};
	struct rb_source src = {.kind = "file", .path = "fuzz"};
	struct rb_limits limits;
	rb_limits_default(&limits);
	limits.max_decompressed_bytes = 64u << 20; /* keep each run short */
	struct rb_error err = {0};
	size_t events = 0;
	enum rb_status st = rb_parse_report_stream(NULL, 0, fuzz_mem_read, &m, &src, &limits,
						   fuzz_count_event, &events, &err);
	if (st == RB_OK && events == 0)
		abort(); /* every input must leave a trace */
	free(buf);
}

#endif
