/*
 * dsn.c - RFC 3464 delivery status notifications into bounce records.
 *
 * RFC 3464 section 2: a message/delivery-status part is one block of per-message
 * fields (Reporting-MTA, Arrival-Date, ...) and one block per recipient
 * (Final-Recipient, Action, Status, Remote-MTA, Diagnostic-Code, Last-Attempt-Date).
 * RFC 6533 (message/global-delivery-status) has the same fields in UTF-8.
 *
 * Leniency: a block is a recipient block when it has Final-Recipient or
 * Original-Recipient, wherever it stands (some MTAs put the per-message fields after,
 * or none at all); "Final-Recipient: <a@b>" without an address type is accepted; a
 * Status with a comment ("5.0.0 (permanent failure)") keeps only the code; a
 * Diagnostic-Code gives its type, its reply code and, when Status is generic or
 * absent, a more precise status code from its text.
 */
#include "parsers/dsn.h"

#include <ctype.h>
#include <string.h>

#include "core/text.h"

/* "dns; mx.example.jp" -> "mx.example.jp" */
static const char *after_type(struct rb_arena *arena, const char *value)
{
	if (value == NULL)
		return "";
	const char *semi = strchr(value, ';');
	const char *v = semi ? semi + 1 : value;
	return rb_text_trim(arena, v, strlen(v));
}

/* Only the "x.y.z" of a Status field; "" when it holds none. */
static const char *status_code(struct rb_arena *arena, const char *value)
{
	char code[16];
	if (value == NULL || !rb_text_find_status(value, code))
		return "";
	return rb_arena_strdup(arena, code);
}

static bool is_generic_status(const char *status)
{
	/* x.0.0 says nothing beyond the class; the diagnostic may say more. */
	size_t n = strlen(status);
	return n == 0 || (n >= 5 && strcmp(status + 1, ".0.0") == 0);
}

int rb_dsn_parse(const char *delivery_status, struct rb_bounce_set *set)
{
	struct rb_arena *arena = set->arena;
	struct rb_field_block *blocks = NULL;
	size_t nblocks = rb_fields_parse(arena, delivery_status, &blocks);
	const char *reporting_mta = "";
	for (size_t i = 0; i < nblocks; i++) {
		const char *v = rb_field_get(&blocks[i], "Reporting-MTA");
		if (v != NULL) {
			reporting_mta = after_type(arena, v);
			break;
		}
	}
	int added = 0;
	for (size_t i = 0; i < nblocks; i++) {
		const struct rb_field_block *b = &blocks[i];
		const char *final = rb_field_get(b, "Final-Recipient");
		const char *original = rb_field_get(b, "Original-Recipient");
		if (final == NULL && original == NULL)
			continue;
		struct rb_bounce *r = rb_bounce_add(set);
		if (r == NULL)
			return set->truncated ? added : -1;
		added++;
		const char *addr = rb_text_find_address(arena, final ? final : original);
		if (addr == NULL && final != NULL)
			addr = after_type(arena, final); /* a local recipient without a domain */
		r->recipient = addr ? addr : "";
		if (original != NULL) {
			const char *o = rb_text_find_address(arena, original);
			r->original_recipient = o ? o : "";
		}
		const char *action = rb_field_get(b, "Action");
		r->action = action ? rb_text_lower(arena, after_type(arena, action)) : "";
		/* "failed (bad destination)" -> "failed" */
		char *sp = strpbrk((char *)r->action, " (");
		if (sp != NULL)
			*sp = '\0';
		r->status = status_code(arena, rb_field_get(b, "Status"));
		const char *diag = rb_field_get(b, "Diagnostic-Code");
		if (diag != NULL) {
			const char *semi = strchr(diag, ';');
			if (semi != NULL && semi - diag < 20) {
				r->diagnostic_type = rb_text_lower(
					arena, rb_text_trim(arena, diag, (size_t)(semi - diag)));
				r->diagnostic = rb_text_squeeze(arena, semi + 1);
			} else {
				r->diagnostic = rb_text_squeeze(arena, diag);
			}
			r->reply_code = rb_text_find_reply_code(r->diagnostic);
			char code[16];
			if (is_generic_status(r->status) && rb_text_find_status(r->diagnostic, code) &&
			    !is_generic_status(code) && code[0] == (*r->status ? r->status[0] : code[0]))
				r->status = rb_arena_strdup(arena, code);
		}
		const char *remote = rb_field_get(b, "Remote-MTA");
		r->remote_mta = remote ? after_type(arena, remote) : "";
		const char *rep = rb_field_get(b, "Reporting-MTA");
		r->reporting_mta = rep ? after_type(arena, rep) : reporting_mta;
		const char *last = rb_field_get(b, "Last-Attempt-Date");
		r->last_attempt = last ? last : "";
	}
	return added;
}
