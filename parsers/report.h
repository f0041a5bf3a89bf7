/*
 * report.h - DMARC aggregate reports and SMTP TLS reports found in a mail message
 * (an attachment, or the whole body of a single-part message), in any wrapping:
 * zip, gzip, gzip in zip, double gzip, raw XML or JSON, base64 or quoted-printable,
 * whatever the content type claims. Emits `dmarc_report` + `dmarc_record` events or
 * a `tls_report` event; an unreadable payload becomes an `error` event.
 * *handled_r is false when the message carries no report payload.
 *
 * rb_parse_report_stream() and rb_payload_is_report() (rebound.h) are implemented
 * with it, for bare report files.
 */
#ifndef REBOUND_PARSERS_REPORT_H
#define REBOUND_PARSERS_REPORT_H

#include <stdbool.h>

#include "core/arena.h"
#include "core/event.h"
#include "parsers/mime.h"

enum rb_status rb_report_parse_mail(const struct rb_mail *mail, struct rb_arena *arena,
				    const struct rb_limits *limits, struct rb_emitter *em,
				    bool *handled_r);

#endif
