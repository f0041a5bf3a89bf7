/*
 * bounce.h - bounces: one record per recipient, from RFC 3464 or an MTA's own format.
 *
 * rb_bounce_parse() finds the records of a bounce (DSN fields, or the text of one of
 * the MTA formats under parsers/mta/), classifies each (reason, hard) and emits one
 * `bounce` event per failed/delayed recipient and one `delivery` event per delivered
 * one. *handled_r is false when the message is no bounce at all.
 */
#ifndef REBOUND_PARSERS_BOUNCE_H
#define REBOUND_PARSERS_BOUNCE_H

#include <stdbool.h>

#include "core/arena.h"
#include "core/event.h"
#include "parsers/mime.h"

/* One recipient of a bounce. Strings are arena-owned; absent is "". */
struct rb_bounce {
	const char *recipient;          /* Final-Recipient address, normalized */
	const char *original_recipient; /* Original-Recipient, or "" */
	const char *action;             /* failed, delayed, delivered, relayed, expanded */
	const char *status;             /* RFC 3463 code as found, "" when none */
	int reply_code;                 /* SMTP reply code, 0 when none */
	const char *diagnostic;         /* Diagnostic-Code text or the MTA's words */
	const char *diagnostic_type;    /* "smtp", "x-unix", ... or "" */
	const char *remote_mta;
	const char *reporting_mta;
	const char *smtp_command;       /* RCPT, DATA, MAIL, HELO, EHLO, CONN, ... or "" */
	const char *last_attempt;       /* Last-Attempt-Date as written */
	const char *reason;             /* set by a format that knows; else by classify */
	bool diagnostic_is_notice;      /* diagnostic is the notice's prose, no server words */
	bool hard;
};

struct rb_bounce_set {
	struct rb_arena *arena;
	struct rb_bounce *items;
	size_t count, cap;
	unsigned max;               /* limits->max_recipients */
	bool truncated;             /* more recipients than max were seen */
	const char *decoded_by;     /* format name: "rfc3464", "postfix", ... */
	bool commands_per_recipient; /* the format found each record's command (or none):
				      * the body's transcript does not speak for all */
	/* Headers of a returned message quoted inline in the text (no MIME part). */
	const struct rb_header *inline_original;
	size_t inline_original_count;
};

/* A new zeroed record with every string "" (NULL when the set is full or out of memory). */
struct rb_bounce *rb_bounce_add(struct rb_bounce_set *set);

enum rb_status rb_bounce_parse(const struct rb_mail *mail, struct rb_arena *arena,
			       const struct rb_limits *limits, struct rb_emitter *em,
			       bool *handled_r);

#endif
