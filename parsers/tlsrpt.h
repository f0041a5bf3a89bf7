/*
 * tlsrpt.h - SMTP TLS reports (RFC 8460), JSON.
 *
 * rb_tlsrpt_parse() reads the report's JSON from `in` (at most TLSRPT_MAX_BYTES) and
 * emits one `tls_report` event. *is_report_r is false, and nothing is emitted, when
 * the JSON is not a TLS report (no "organization-name" or "report-id" and no
 * "policies"); a JSON syntax error in something that is one gives an `error` event.
 */
#ifndef REBOUND_PARSERS_TLSRPT_H
#define REBOUND_PARSERS_TLSRPT_H

#include <stdbool.h>

#include "core/event.h"
#include "parsers/payload.h"

#define TLSRPT_MAX_BYTES (64u * 1024 * 1024)

enum rb_status rb_tlsrpt_parse(struct rb_reader *in, struct rb_emitter *em, bool *is_report_r,
			       struct rb_error *err);

#endif
