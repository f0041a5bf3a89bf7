/*
 * message.c - rb_parse_message(): one message in, its events out.
 *
 * The order of the classifiers is the order of certainty: a report payload
 * (DMARC aggregate, TLS-RPT) and an ARF feedback report are self-describing; a bounce
 * is recognized by its DSN part or an MTA's signature; an auto-reply by RFC 3834
 * headers or vacation wording, checked last because bounces often quote them. A
 * message none of them claims is one `unrecognized` event, never dropped.
 *
 * Diagnostics: a message over max_message_bytes or with no header block becomes an
 * `error` event (the caller quarantines it); the call still returns RB_OK.
 */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/event.h"
#include "core/limits.h"
#include "core/text.h"
#include "parsers/arf.h"
#include "parsers/autoreply.h"
#include "parsers/bounce.h"
#include "parsers/mime.h"
#include "parsers/report.h"
#include "rebound/rebound.h"

typedef enum rb_status (*classifier_fn)(const struct rb_mail *mail, struct rb_arena *arena,
					const struct rb_limits *limits, struct rb_emitter *em,
					bool *handled_r);

static enum rb_status classify_arf(const struct rb_mail *mail, struct rb_arena *arena,
				   const struct rb_limits *limits, struct rb_emitter *em,
				   bool *handled_r)
{
	(void)limits;
	return rb_arf_parse(mail, arena, em, handled_r);
}

static enum rb_status classify_autoreply(const struct rb_mail *mail, struct rb_arena *arena,
					 const struct rb_limits *limits, struct rb_emitter *em,
					 bool *handled_r)
{
	(void)limits;
	return rb_autoreply_parse(mail, arena, em, handled_r);
}

static const classifier_fn classifiers[] = {
	rb_report_parse_mail,
	classify_arf,
	rb_bounce_parse,
	classify_autoreply,
};

/*
 * A bounce forwarded as text (a helpdesk passing on what its MAILER-DAEMON got:
 * "From MAILER-DAEMON ..." and the whole notice pasted into the body). When the
 * message itself has no delivery status but such an embedded notice has one, the
 * embedded notice is what gets classified. One level only.
 */
static const struct rb_mail *forwarded_bounce(struct rb_arena *arena, const unsigned char *data,
					      size_t len, const struct rb_limits *limits,
					      const struct rb_mail *mail)
{
	static const char marker[] = "From MAILER-DAEMON ";
	const size_t mlen = sizeof(marker) - 1;
	if (*mail->delivery_status != '\0' || data == NULL)
		return mail;
	for (const unsigned char *p = data; p != NULL && p + mlen < data + len;) {
		p = (const unsigned char *)rb_text_memmem((const char *)p, (size_t)(data + len - p), marker, mlen);
		if (p == NULL)
			break;
		if (p > data && (p[-1] == '\n' || p[-1] == '\r')) {
			const unsigned char *line_end = p;
			while (line_end < data + len && *line_end != '\n' && *line_end != '\r')
				line_end++;
			while (line_end < data + len && (*line_end == '\n' || *line_end == '\r'))
				line_end++;
			struct rb_mail *inner = NULL;
			struct rb_error ignored = {0};
			if (rb_mime_parse(arena, line_end, (size_t)(data + len - line_end), limits,
					  &inner, &ignored) == RB_OK &&
			    *inner->delivery_status != '\0')
				return inner;
			return mail;
		}
		p += mlen;
	}
	return mail;
}

static enum rb_status finish(struct rb_emitter *em, struct rb_error *err)
{
	rb_emitter_release(em);
	if (em->status != RB_OK) {
		if (err != NULL)
			*err = em->error;
		return em->status;
	}
	return RB_OK;
}

struct rb_parser {
	struct rb_arena *arena; /* reset after each message */
	struct rb_emitter_cache cache;
};

struct rb_parser *rb_parser_new(void)
{
	struct rb_parser *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	p->arena = rb_arena_new();
	if (p->arena == NULL) {
		free(p);
		return NULL;
	}
	return p;
}

void rb_parser_free(struct rb_parser **parser)
{
	if (parser == NULL || *parser == NULL)
		return;
	rb_arena_free(&(*parser)->arena);
	rb_emitter_cache_free(&(*parser)->cache);
	free(*parser);
	*parser = NULL;
}

enum rb_status rb_parse_message(const unsigned char *data, size_t len,
				const struct rb_source *source, const struct rb_limits *limits,
				rb_emit_fn emit, void *ctx, struct rb_error *err)
{
	struct rb_parser *parser = rb_parser_new();
	if (parser == NULL)
		return rb_error_set(err, RB_ERR_NOMEM, "out of memory");
	enum rb_status st =
	    rb_parser_parse_message(parser, data, len, source, limits, emit, ctx, err);
	rb_parser_free(&parser);
	return st;
}

enum rb_status rb_parser_parse_message(struct rb_parser *parser, const unsigned char *data,
				       size_t len, const struct rb_source *source,
				       const struct rb_limits *limits_in, rb_emit_fn emit, void *ctx,
				       struct rb_error *err)
{
	if (parser == NULL)
		return rb_error_set(err, RB_ERR_USAGE, "rb_parser_parse_message: parser is NULL");
	if (data == NULL && len > 0)
		return rb_error_set(err, RB_ERR_USAGE,
				    "rb_parse_message: data is NULL but len is %zu", len);
	struct rb_limits limits;
	rb_limits_resolve(limits_in, &limits);
	struct rb_emitter em;
	rb_emitter_init_cached(&em, source, emit, ctx, &parser->cache);
	if (source != NULL && source->sha256 != NULL && strlen(source->sha256) == 64)
		memcpy(em.sha256, source->sha256, sizeof(em.sha256));
	else
		rb_emitter_hash(&em, data ? data : (const unsigned char *)"", len);

	if (len > limits.max_message_bytes) {
		char why[160];
		snprintf(why, sizeof(why),
			 "message of %zu bytes exceeds max_message_bytes (%zu); not parsed", len,
			 limits.max_message_bytes);
		rb_emit_problem(&em, RB_EVENT_ERROR, why);
		return finish(&em, err);
	}

	struct rb_arena *arena = parser->arena;
	struct rb_mail *parsed = NULL;
	struct rb_error perr = {0};
	enum rb_status st = rb_mime_parse(arena, data ? data : (const unsigned char *)"", len,
					  &limits, &parsed, &perr);
	if (st == RB_ERR_NOMEM) {
		rb_arena_reset(arena);
		rb_emitter_release(&em);
		if (err != NULL)
			*err = perr;
		return st;
	}
	if (st != RB_OK) {
		rb_emit_problem(&em, RB_EVENT_ERROR, perr.message);
		rb_arena_reset(arena);
		return finish(&em, err);
	}
	const struct rb_mail *mail = parsed;
	em.message_id = mail->message_id;
	em.time = *mail->time ? mail->time : NULL;
	mail = forwarded_bounce(arena, data, len, &limits, mail);

	bool handled = false;
	for (size_t i = 0; i < sizeof(classifiers) / sizeof(classifiers[0]) && !handled; i++) {
		unsigned before = em.emitted;
		st = classifiers[i](mail, arena, &limits, &em, &handled);
		if (handled && st == RB_OK && em.status == RB_OK && em.emitted == before) {
			/* A classifier that claims a message must leave a trace of it. */
			rb_emit_problem(&em, RB_EVENT_ERROR,
					"message recognized but no event could be made of it");
		}
		if (st != RB_OK && em.status == RB_OK) {
			rb_arena_reset(arena);
			rb_emitter_release(&em);
			return rb_error_set(err, st, "%s",
					    st == RB_ERR_NOMEM ? "out of memory while classifying"
							       : "classifier failed");
		}
		if (em.status != RB_OK)
			break;
	}
	if (!handled && em.status == RB_OK) {
		const char *why = "not a bounce, complaint, auto-reply or report: no delivery "
				  "status, feedback report, report payload or known bounce format";
		rb_emit_problem(&em, RB_EVENT_UNRECOGNIZED, why);
	}
	rb_arena_reset(arena);
	return finish(&em, err);
}
