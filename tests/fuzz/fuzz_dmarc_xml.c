/*
 * fuzz_dmarc_xml.c - libFuzzer target for the DMARC aggregate XML reader and the
 * XML repair filter: the input is prefixed with a report header so the fuzzer
 * spends its time inside <feedback>; every input must leave an event.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rebound/rebound.h"

struct mem {
	const uint8_t *data;
	size_t len, pos;
};

static enum rb_status mem_read(void *ctx, unsigned char *buf, size_t cap, size_t *got_r,
			       struct rb_error *err)
{
	(void)err;
	struct mem *m = ctx;
	/* Odd read sizes, so every layer sees its input cut at awkward places. */
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

static enum rb_status count_event(void *ctx, const struct rb_event *event, struct rb_error *err)
{
	(void)err;
	(void)event;
	(*(size_t *)ctx)++;
	return RB_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char head[] = "<?xml version=\"1.0\"?><feedback><report_metadata>";
	uint8_t *buf = malloc(sizeof(head) - 1 + size);
	if (buf == NULL)
		return 0;
	memcpy(buf, head, sizeof(head) - 1);
	memcpy(buf + sizeof(head) - 1, data, size);
	struct mem m = {.data = buf, .len = sizeof(head) - 1 + size};
	struct rb_source src = {.kind = "file", .path = "fuzz"};
	struct rb_limits limits;
	rb_limits_default(&limits);
	limits.max_decompressed_bytes = 64u << 20; /* keep each run short */
	struct rb_error err = {0};
	size_t events = 0;
	enum rb_status st =
		rb_parse_report_stream(NULL, 0, mem_read, &m, &src, &limits, count_event, &events, &err);
	if (st == RB_OK && events == 0)
		abort();
	free(buf);
	return 0;
}
