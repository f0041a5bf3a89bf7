/*
 * fuzz_message.c - libFuzzer target for the whole message path: MIME through GMime,
 * then every classifier (reports, ARF, bounces and their MTA formats, auto-replies).
 * Any input must give at least one event and no crash, leak or sanitizer report.
 */
#include <stdint.h>
#include <stdlib.h>

#include "rebound/rebound.h"

static enum rb_status count_event(void *ctx, const struct rb_event *event, struct rb_error *err)
{
	(void)err;
	size_t len = 0;
	const char *json = rb_event_json(event, &len);
	if (json == NULL || len == 0 || json[0] != '{')
		abort();
	(*(size_t *)ctx)++;
	return RB_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rb_source src = {.kind = "file", .path = "fuzz"};
	struct rb_limits limits;
	rb_limits_default(&limits);
	struct rb_error err = {0};
	size_t events = 0;
	enum rb_status st = rb_parse_message(data, size, &src, &limits, count_event, &events, &err);
	if (st == RB_OK && events == 0)
		abort(); /* every message must leave a trace */
	return 0;
}
