/*
 * report.c - DMARC aggregate and TLS reports in mail and in bare files.
 *
 * In mail: every leaf part outside a returned message whose bytes are a payload
 * (gzip or zip by magic, XML naming <feedback>, JSON naming a TLS report's fields,
 * or a part typed application/tlsrpt+json or +gzip) is unwrapped (payload.c) and
 * read as an aggregate report (dmarc_aggregate.c) or a TLS report (tlsrpt.c). A
 * message is claimed when one of its parts is a report, or when a compressed or
 * report-typed part cannot be read (a bomb, a broken archive, something else in a
 * report's wrapping): that becomes an `error` event, and the message is kept.
 *
 * Bare files (rb_parse_report_stream): the same path over a stream. Events of a
 * streamed file carry source.sha256 = "": the hash of the whole input is known only
 * after the last event has gone out. Report events have key-based ids anyway.
 */
#define _GNU_SOURCE /* memmem */
#include "parsers/report.h"

#include <stdio.h>
#include <string.h>

#include "core/limits.h"
#include "core/text.h"
#include "parsers/dmarc_aggregate.h"
#include "parsers/payload.h"
#include "parsers/tlsrpt.h"

#define REPORT_SNIFF_BYTES 2048

struct report_run {
	struct rb_emitter *em;
	const struct rb_limits *limits;
	unsigned reports;       /* reports found */
	unsigned not_reports;   /* contents that were neither */
};

static enum rb_status on_content(void *ctx, enum rb_payload_kind kind,
				 const unsigned char *head, size_t head_len,
				 struct rb_reader *content, const char *name, struct rb_error *err)
{
	(void)head;
	(void)head_len;
	(void)name;
	struct report_run *run = ctx;
	bool is_report = false;
	enum rb_status st = RB_OK;
	if (kind == RB_PAYLOAD_XML)
		st = rb_dmarc_aggregate_parse(content, run->limits, run->em, &is_report, err);
	else if (kind == RB_PAYLOAD_JSON)
		st = rb_tlsrpt_parse(content, run->em, &is_report, err);
	if (is_report)
		run->reports++;
	else
		run->not_reports++;
	return st;
}

/* Unwrap and read one payload; failures of the input become an `error` event. */
static enum rb_status read_payload(struct report_run *run, struct rb_reader *in,
				   const char *what)
{
	struct rb_error err = {0};
	enum rb_status st = rb_payload_unwrap(in, run->limits, on_content, run, &err);
	if (st == RB_OK || run->em->status != RB_OK)
		return run->em->status;
	if (st == RB_ERR_NOMEM)
		return st;
	char why[sizeof(err.message) + 256];
	snprintf(why, sizeof(why), "%.200s cannot be read: %s", what, err.message);
	run->reports++; /* claimed: the error is the record of it */
	return rb_emit_problem(run->em, RB_EVENT_ERROR, why);
}

static bool contains(const unsigned char *data, size_t len, const char *needle)
{
	size_t n = len < REPORT_SNIFF_BYTES ? len : REPORT_SNIFF_BYTES;
	return memmem(data, n, needle, strlen(needle)) != NULL;
}

/* Is this part's content a report payload worth unwrapping? */
static bool part_is_candidate(const struct rb_part *p, bool *strong_r)
{
	*strong_r = rb_text_starts_with_ci(p->content_type, "application/tlsrpt");
	if (p->in_attached_message || p->len == 0)
		return false;
	switch (rb_payload_sniff(p->data, p->len)) {
	case RB_PAYLOAD_GZIP:
	case RB_PAYLOAD_ZIP:
		*strong_r = true;
		return true;
	case RB_PAYLOAD_XML:
		return contains(p->data, p->len, "feedback");
	case RB_PAYLOAD_JSON:
		return *strong_r || contains(p->data, p->len, "organization-name") ||
		       contains(p->data, p->len, "\"policies\"");
	default:
		return *strong_r;
	}
}

enum rb_status rb_report_parse_mail(const struct rb_mail *mail, struct rb_arena *arena,
				    const struct rb_limits *limits, struct rb_emitter *em,
				    bool *handled_r)
{
	(void)arena;
	*handled_r = false;
	struct report_run run = {.em = em, .limits = limits};
	bool strong_seen = false;
	for (size_t i = 0; i < mail->part_count; i++) {
		const struct rb_part *p = &mail->parts[i];
		bool strong = false;
		if (!part_is_candidate(p, &strong))
			continue;
		strong_seen |= strong;
		struct rb_mem_reader mem = {.data = p->data, .len = p->len};
		struct rb_reader in = {rb_mem_read, &mem};
		char what[300];
		snprintf(what, sizeof(what), "report attachment %zu%s%.200s%s", i + 1,
			 *p->filename ? " (\"" : "", p->filename, *p->filename ? "\")" : "");
		enum rb_status st = read_payload(&run, &in, what);
		if (st != RB_OK)
			return st;
	}
	if (run.reports == 0 && strong_seen && run.not_reports > 0 &&
	    (rb_text_find_ci(mail->subject, "report domain") != NULL ||
	     rb_text_find_ci(mail->subject, "dmarc") != NULL ||
	     rb_text_find_ci(mail->subject, "tls report") != NULL)) {
		/* It says it is a report and carries a payload, but the payload is not one. */
		run.reports++;
		enum rb_status st = rb_emit_problem(
			em, RB_EVENT_ERROR,
			"report message whose attachment is neither a DMARC aggregate report nor "
			"an SMTP TLS report");
		if (st != RB_OK)
			return st;
	}
	*handled_r = run.reports > 0;
	return RB_OK;
}

bool rb_payload_is_report(const unsigned char *head, size_t head_len)
{
	return rb_payload_sniff(head, head_len) != RB_PAYLOAD_UNKNOWN;
}

enum rb_status rb_parse_report_stream(const unsigned char *head, size_t head_len,
				      rb_read_fn read, void *read_ctx,
				      const struct rb_source *source,
				      const struct rb_limits *limits_in, rb_emit_fn emit,
				      void *ctx, struct rb_error *err)
{
	if (read == NULL)
		return rb_error_set(err, RB_ERR_USAGE, "rb_parse_report_stream: read is NULL");
	struct rb_limits limits;
	rb_limits_resolve(limits_in, &limits);
	struct rb_emitter em;
	rb_emitter_init(&em, source, emit, ctx);
	struct rb_prefixed_reader h = {
		.head = head, .len = head ? head_len : 0, .rest = {read, read_ctx}};
	struct rb_reader in = {rb_prefixed_read, &h};
	struct report_run run = {.em = &em, .limits = &limits};
	enum rb_status st = read_payload(&run, &in, "report file");
	if (st == RB_OK && run.reports == 0)
		st = rb_emit_problem(&em, RB_EVENT_ERROR,
				     "not a DMARC aggregate report (XML with <feedback>) nor an SMTP "
				     "TLS report (JSON)");
	rb_emitter_release(&em);
	if (st != RB_OK) {
		if (err != NULL)
			*err = em.status != RB_OK ? em.error : (struct rb_error){st, "out of memory"};
		return em.status != RB_OK ? em.status : st;
	}
	return RB_OK;
}
