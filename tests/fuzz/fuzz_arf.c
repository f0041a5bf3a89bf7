/*
 * fuzz_arf.c - libFuzzer target for feedback reports: the input becomes the
 * message/feedback-report part of an ARF message (and, as a second case, the body
 * of a plain-text Exim forensic report), so the fuzzer spends its time in arf.c's
 * field parsing rather than in finding a MIME structure first.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rebound/rebound.h"

static enum rb_status ignore_event(void *ctx, const struct rb_event *event, struct rb_error *err)
{
	(void)err;
	(void)event;
	(*(size_t *)ctx)++;
	return RB_OK;
}

static void parse(const char *head, const uint8_t *data, size_t size, const char *tail)
{
	size_t hl = strlen(head), tl = strlen(tail);
	unsigned char *msg = malloc(hl + size + tl);
	if (msg == NULL)
		return;
	memcpy(msg, head, hl);
	memcpy(msg + hl, data, size);
	memcpy(msg + hl + size, tail, tl);
	struct rb_source src = {.kind = "file", .path = "fuzz"};
	struct rb_error err = {0};
	size_t events = 0;
	if (rb_parse_message(msg, hl + size + tl, &src, NULL, ignore_event, &events, &err) == RB_OK &&
	    events == 0)
		abort();
	free(msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	parse("From: fbl@isp.example\nSubject: report\n"
	      "Content-Type: multipart/report; report-type=feedback-report; boundary=\"B\"\n\n"
	      "--B\nContent-Type: message/feedback-report\n\n",
	      data, size,
	      "\n--B\nContent-Type: text/rfc822-headers\n\nFrom: a@example.com\nTo: b@isp.example\n"
	      "Message-ID: <m@example.com>\n--B--\n");
	parse("From: Mailer-Daemon@mx.example\nSubject: DMARC Forensic Report\n\n"
	      "A message claiming to be from you has failed the published DMARC\npolicy.\n\n",
	      data, size, "\n\nTo: c@example.net\n");
	return 0;
}
