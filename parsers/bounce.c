/*
 * bounce.c - find the recipients of a bounce, classify them, emit their events.
 *
 * RFC 3464 (DSN), RFC 3463 (enhanced status codes), RFC 5321 (reply codes).
 *
 * Where the records come from, in order:
 *   1. an MTA or provider format of parsers/mta/ whose signature matches (their text
 *      often says more than their DSN part, and some have no DSN part at all);
 *   2. the message/delivery-status part (dsn.c).
 * Gaps are then filled from what else the message says: a record without a
 * diagnostic takes the one the readable text gives for its recipient; a record
 * without a recipient takes the returned message's To.
 *
 * Events: `bounce` for failed and delayed recipients, `delivery` for delivered,
 * relayed and expanded ones. More recipients than max_recipients: the rest are
 * counted in one `error` event, never silently dropped.
 */
#include "parsers/bounce.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <threads.h>

#include "core/phrases.h"
#include "core/text.h"
#include "parsers/classify.h"
#include "parsers/dsn.h"
#include "parsers/mta/mta.h"

/* Bytes of readable text taken as the diagnostic when nothing closer is found. */
#define BOUNCE_BODY_DIAGNOSTIC_MAX 600
/* Bytes of readable text searched for a recipient's own line. */
#define BOUNCE_BODY_SCAN_MAX (256 * 1024)

struct rb_bounce *rb_bounce_add(struct rb_bounce_set *set)
{
	if (set->count >= set->max) {
		set->truncated = true;
		return NULL;
	}
	if (set->count == set->cap) {
		size_t nc = set->cap ? set->cap * 2 : 4;
		struct rb_bounce *ni = rb_arena_realloc(set->arena, set->items,
							set->cap * sizeof(*ni), nc * sizeof(*ni));
		if (ni == NULL)
			return NULL;
		set->items = ni;
		set->cap = nc;
	}
	struct rb_bounce *b = &set->items[set->count++];
	b->recipient = b->original_recipient = b->action = b->status = "";
	b->diagnostic = b->diagnostic_type = b->remote_mta = b->reporting_mta = "";
	b->smtp_command = b->last_attempt = b->reason = "";
	b->reply_code = 0;
	b->hard = false;
	return b;
}

static bool is_success_action(const char *action)
{
	return strcmp(action, "delivered") == 0 || strcmp(action, "relayed") == 0 ||
	       strcmp(action, "expanded") == 0;
}

/* The line of the readable text that names this recipient with an error, if any. */
static const char *diagnostic_from_body(struct rb_arena *arena, const char *body,
					const char *recipient)
{
	if (*recipient == '\0')
		return NULL;
	const char *cursor = body, *line;
	size_t len;
	/* Bounded: done once per recipient, and a hostile bounce may list a thousand. */
	while ((size_t)(cursor - body) < BOUNCE_BODY_SCAN_MAX &&
	       rb_text_next_line(&cursor, &line, &len)) {
		if (rb_text_find_ci_n(line, len, recipient) == NULL)
			continue;
		char *l = rb_arena_strndup(arena, line, len);
		if (l != NULL && rb_text_find_reply_code(l) >= 400)
			return rb_text_squeeze(arena, l);
	}
	return NULL;
}

/* Phrases that tell which SMTP command an error answered (lowercase). */
static const struct {
	const char *phrase;
	const char *command;
} command_phrases[] = {
	{"in reply to end of data", "DATA"},       /* Postfix */
	{"in reply to data", "DATA"},
	{"after end of data", "DATA"},             /* Exim */
	{"after data", "DATA"},
	{"in reply to rcpt to", "RCPT"},           /* Postfix */
	{"after rcpt to", "RCPT"},                 /* Exim */
	{"after rcpt", "RCPT"},
	{"rcpt to response", "RCPT"},              /* qmail */
	{"[rcpt_to]", "RCPT"},                     /* Yahoo */
	{"did not like our rcpt to", "RCPT"},      /* DragonFly */
	{"does not like recipient", "RCPT"},       /* qmail */
	{"smtp:rcpt", "RCPT"},                     /* Technical details: SMTP:RCPT host */
	{"in reply to mail from", "MAIL"},
	{"after mail from", "MAIL"},
	{"did not like our mail from", "MAIL"},
	{"mail from response", "MAIL"},
	{"but sender was rejected", "MAIL"},       /* qmail */
	{"in reply to ehlo", "EHLO"},
	{"in reply to helo", "HELO"},
	{"after ehlo", "EHLO"},
	{"after helo", "HELO"},
	{"after initial connection", "CONN"},
	{"greeting", "CONN"},
	{"while connected", "CONN"},
	{"connect to", "CONN"},
	{"in reply to end of data", "DATA"},
	{"did not like our data", "DATA"},
	{"data response", "DATA"},
};

/* Sendmail's transcript: the last ">>> COMMAND" before the first "<<< 4xx/5xx". */
static const char *command_from_transcript(const char *body)
{
	const char *cmd = NULL;
	const char *cursor = body, *line;
	size_t len;
	while (rb_text_next_line(&cursor, &line, &len)) {
		if (len > 4 && strncmp(line, ">>> ", 4) == 0) {
			static const char *const commands[] = {"DATA", "RCPT", "MAIL", "EHLO", "HELO"};
			for (size_t i = 0; i < 5; i++)
				if (rb_text_starts_with_ci(line + 4, commands[i]))
					cmd = commands[i];
		} else if (len > 5 && strncmp(line, "<<< ", 4) == 0 && (line[4] == '4' || line[4] == '5')) {
			return cmd;
		}
	}
	return NULL;
}

#define COMMAND_PHRASES (sizeof(command_phrases) / sizeof(command_phrases[0]))

/* The command phrases as one set (rb_phrases) for a diagnostic's words, and as
 * needles for the body's pair table; built once. */
static struct rb_phrases command_set;
static struct rb_needle command_needles[COMMAND_PHRASES];
static once_flag command_set_once = ONCE_FLAG_INIT;

static void command_set_build(void)
{
	static const char *list[COMMAND_PHRASES];
	bool built = true;
	for (size_t i = 0; i < COMMAND_PHRASES; i++) {
		list[i] = command_phrases[i].phrase;
		built &= rb_needle_init(&command_needles[i], list[i]);
	}
	built &= rb_phrases_build(&command_set, list, COMMAND_PHRASES);
	assert(built);
	(void)built;
}

/* The command of the first phrase (table order) in a lowercased text, or NULL. */
static const char *command_in_lowered(const char *lower, size_t len)
{
	call_once(&command_set_once, command_set_build);
	int i = rb_phrases_first(&command_set, lower, len);
	return i < 0 ? NULL : command_phrases[i].command;
}

/* The SMTP command a recipient's own words name. */
static const char *command_in_diagnostic(struct rb_arena *arena, struct rb_lowered *diagnostic)
{
	const struct rb_lowered *d = rb_lowered_get(diagnostic, arena);
	return command_in_lowered(d->lower, d->len);
}

/* The SMTP command the whole notice names; worked out once per message. */
static const char *command_in_body(const struct rb_mail *mail)
{
	/* The body's byte pairs rule most phrases out at once: cheaper than a pass. */
	call_once(&command_set_once, command_set_build);
	for (size_t i = 0; i < COMMAND_PHRASES; i++)
		if (rb_mail_body_find_needle(mail, &command_needles[i]) != NULL)
			return command_phrases[i].command;
	/* A transcript needs both a ">>> " and a "<<< " line: most bodies have neither. */
	const unsigned char *pairs = rb_mail_body_pairs(mail);
	if (pairs != NULL && (!rb_pairs_may_contain(pairs, ">>> ", false) ||
			      !rb_pairs_may_contain(pairs, "<<< ", false)))
		return NULL;
	return command_from_transcript(mail->body);
}

/* A header of the returned message: its MIME part, else its copy inline in the text.
 * (Inline so that a literal name's length is the compiler's to work out.) */
static inline const char *original_header(const struct rb_mail *mail,
					  const struct rb_bounce_set *set, const char *name)
{
	size_t len = strlen(name);
	const char *v = rb_mail_original_header_n(mail, name, len);
	for (size_t i = 0; *v == '\0' && i < set->inline_original_count; i++)
		if (rb_header_is_n(&set->inline_original[i], name, len))
			v = rb_header_value(mail->arena, &set->inline_original[i]);
	return v;
}

static enum rb_status emit_records(const struct rb_mail *mail, struct rb_arena *arena,
				   struct rb_emitter *em, const struct rb_bounce_set *set)
{
	const char *sender = rb_text_header_address(arena, original_header(mail, set, "Return-Path"));
	if (sender == NULL)
		sender = rb_text_header_address(arena, original_header(mail, set, "From"));
	const char *original_id =
		rb_text_strip_angle(arena, original_header(mail, set, "Message-ID"));
	for (size_t i = 0; i < set->count; i++) {
		const struct rb_bounce *b = &set->items[i];
		bool success = is_success_action(b->action);
		struct rb_event *ev =
			rb_event_begin(em, success ? RB_EVENT_DELIVERY : RB_EVENT_BOUNCE);
		if (ev == NULL)
			return rb_event_finish(em, ev);
		const char *when = rb_mime_date_rfc3339(arena, b->last_attempt);
		if (*when)
			rb_event_set_time(ev, when);
		rb_event_set_str(ev, "recipient", b->recipient);
		rb_event_set_str(ev, "sender", sender ? sender : "");
		rb_event_set_str(ev, "action", *b->action ? b->action : "failed");
		rb_event_set_str(ev, "status", b->status);
		if (b->reply_code > 0)
			rb_event_set_int(ev, "reply_code", b->reply_code);
		else
			rb_event_set_null(ev, "reply_code");
		if (!success) {
			rb_event_set_str(ev, "reason", b->reason);
			rb_event_set_bool(ev, "hard", b->hard);
		}
		rb_event_set_str(ev, "diagnostic", b->diagnostic);
		rb_event_set_str(ev, "diagnostic_type", b->diagnostic_type);
		rb_event_set_str(ev, "remote_mta", b->remote_mta);
		rb_event_set_str(ev, "reporting_mta", b->reporting_mta);
		rb_event_set_str(ev, "smtp_command", b->smtp_command);
		rb_event_set_str(ev, "decoded_by", set->decoded_by);
		rb_event_set_str(ev, "original_message_id", original_id);
		rb_event_set_str(ev, "attribution", "unverified");
		if (rb_event_finish(em, ev) != RB_OK)
			return em->status;
	}
	if (set->truncated) {
		char why[160];
		snprintf(why, sizeof(why),
			 "bounce lists more than %u recipients (max_recipients); the rest were not "
			 "read",
			 set->max);
		return rb_emit_problem(em, RB_EVENT_ERROR, why);
	}
	return RB_OK;
}

enum rb_status rb_bounce_parse(const struct rb_mail *mail, struct rb_arena *arena,
			       const struct rb_limits *limits, struct rb_emitter *em,
			       bool *handled_r)
{
	*handled_r = false;
	struct rb_bounce_set set = {.arena = arena, .max = limits->max_recipients};
	for (size_t i = 0; rb_mta_table[i] != NULL && set.count == 0; i++) {
		int r = rb_mta_table[i]->parse(mail, &set);
		if (r < 0)
			return RB_ERR_NOMEM;
		if (r == 0 || set.count == 0) {
			set.count = 0; /* a format that claimed nothing leaves nothing */
			set.decoded_by = NULL;
			set.inline_original = NULL;
			set.inline_original_count = 0;
		} else if (set.decoded_by == NULL) {
			set.decoded_by = rb_mta_table[i]->name;
		}
	}
	if (set.count == 0 && *mail->delivery_status != '\0') {
		if (rb_dsn_parse(mail->delivery_status, &set) < 0)
			return RB_ERR_NOMEM;
		set.decoded_by = "rfc3464";
	}
	if (set.count == 0)
		return RB_OK;
	*handled_r = true;

	const char *to = rb_text_header_address(arena, original_header(mail, &set, "To"));
	const char *body_command = NULL;
	bool body_command_known = false;
	struct rb_lowered diagnostic; /* one recipient's at a time */
	for (size_t i = 0; i < set.count; i++) {
		struct rb_bounce *b = &set.items[i];
		if (*b->recipient == '\0' && to != NULL)
			b->recipient = to;
		/* Delivery to a file or a pipe names a path, not an address: the
		 * original recipient, or Exim's X-Failed-Recipients, is the address. */
		if (*b->recipient != '\0' && strchr(b->recipient, '@') == NULL) {
			if (strchr(b->original_recipient, '@') != NULL) {
				b->recipient = b->original_recipient;
			} else if (set.count == 1) {
				const char *failed = rb_text_find_address(
					arena, rb_mail_header(mail, "X-Failed-Recipients"));
				if (failed != NULL)
					b->recipient = failed;
			}
		}
		if (*b->diagnostic == '\0') {
			const char *d = diagnostic_from_body(arena, mail->body, b->recipient);
			if (d == NULL && *mail->body != '\0') {
				/* No line names the recipient: the notice's own words (the
				 * first part of the readable text) are the best there is. */
				size_t n = mail->body_len < BOUNCE_BODY_DIAGNOSTIC_MAX
					       ? mail->body_len
					       : BOUNCE_BODY_DIAGNOSTIC_MAX;
				d = rb_text_squeeze(arena, rb_arena_strndup(arena, mail->body, n));
				b->diagnostic_is_notice = true;
			}
			if (d != NULL) {
				b->diagnostic = d;
				if (b->reply_code == 0)
					b->reply_code = rb_text_find_reply_code(d);
			}
		}
		if (*b->action == '\0')
			b->action = "failed";
		/* The diagnostic's words, lowered once for the command and the reason. */
		rb_lowered_init(&diagnostic, b->diagnostic);
		if (*b->smtp_command == '\0') {
			const char *cmd = command_in_diagnostic(arena, &diagnostic);
			if (cmd == NULL && !set.commands_per_recipient) {
				if (!body_command_known) {
					body_command = command_in_body(mail);
					body_command_known = true;
				}
				cmd = body_command;
			}
			/* "550 <a@b>: ..." is how Postfix-style servers answer RCPT TO:<a@b>. */
			if (cmd == NULL && *b->recipient != '\0') {
				size_t n = strlen(b->recipient);
				char *echo = rb_arena_alloc_unzeroed(arena, n + 4); /* "<" n ">:" NUL */
				if (echo != NULL) {
					echo[0] = '<';
					memcpy(echo + 1, b->recipient, n);
					memcpy(echo + 1 + n, ">:", 3);
				}
				if (echo != NULL && rb_text_find_ci(b->diagnostic, echo) != NULL)
					cmd = "RCPT";
			}
			b->smtp_command = cmd ? cmd : "";
		}
		rb_classify_bounce(b, mail, arena, &diagnostic);
	}
	if (rb_arena_failed(arena))
		return RB_ERR_NOMEM;
	return emit_records(mail, arena, em, &set);
}
