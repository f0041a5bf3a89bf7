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

/*
 * The address of a recipient field: "rfc822; a@b", with a source route
 * ("@relay:a@b") dropped; NULL when there is no local part.
 */
static const char *dsn_address(struct rb_arena *arena, const char *value)
{
	const char *v = after_type(arena, value);
	const char *colon = strrchr(v, ':');
	if (v[0] == '@' || (v[0] == '<' && v[1] == '@')) {
		if (colon == NULL)
			return NULL;
		v = colon + 1;
	}
	const char *addr = rb_text_find_address(arena, v);
	if (addr == NULL || addr[0] == '@')
		return NULL;
	return addr;
}

static bool has_dotted_domain(const char *addr)
{
	const char *at = strrchr(addr, '@');
	return at != NULL && strchr(at, '.') != NULL;
}

/* The fields of one recipient, as a range of the flattened field list. */
struct dsn_group {
	const struct rb_field *fields;
	size_t count;
};

static const char *group_get_n(const struct dsn_group *g, const char *name, size_t len)
{
	for (size_t i = 0; i < g->count; i++)
		if (rb_field_is(&g->fields[i], name, len))
			return g->fields[i].value;
	return NULL;
}

/* A field of the group by a literal name (its length known to the compiler). */
#define group_get(g, name) group_get_n((g), "" name, sizeof(name) - 1)
#define FIELD_IS(f, name) rb_field_is((f), "" name, sizeof(name) - 1)

static void fill_record(struct rb_arena *arena, struct rb_bounce *r, const struct dsn_group *g,
			const char *reporting_mta)
{
	const char *final = group_get(g, "Final-Recipient");
	const char *original = group_get(g, "Original-Recipient");
	const char *addr = final ? dsn_address(arena, final) : NULL;
	const char *orig = original ? dsn_address(arena, original) : NULL;
	/* A Final-Recipient that lost its local part ("@mx.example.org") or names a bare
	 * local host ("kijitora@server") is worse than the Original-Recipient. */
	if (orig != NULL && (addr == NULL || !has_dotted_domain(addr)))
		addr = orig;
	if (addr == NULL && final != NULL && strchr(final, '@') == NULL)
		addr = after_type(arena, final); /* a local recipient without a domain */
	r->recipient = addr ? addr : "";
	r->original_recipient = orig ? orig : "";
	const char *action = group_get(g, "Action");
	r->action = action ? rb_text_lower(arena, after_type(arena, action)) : "";
	/* "failed (bad destination)" -> "failed" */
	char *sp = strpbrk((char *)r->action, " (");
	if (sp != NULL)
		*sp = '\0';
	r->status = status_code(arena, group_get(g, "Status"));
	const char *diag = group_get(g, "Diagnostic-Code");
	if (diag != NULL) {
		const char *semi = strchr(diag, ';');
		if (semi != NULL && semi - diag < 20) {
			r->diagnostic_type =
				rb_text_lower(arena, rb_text_trim(arena, diag, (size_t)(semi - diag)));
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
	/* "Status: 4.0.0 (cat.example.net: host name lookup failure)": with no
	 * Diagnostic-Code, the status comment is the only account of the cause. */
	const char *status_field = group_get(g, "Status");
	const char *comment = status_field ? strchr(status_field, '(') : NULL;
	if (*r->diagnostic == '\0' && comment != NULL) {
		const char *close = strrchr(comment, ')');
		size_t n = close && close > comment ? (size_t)(close - comment - 1) : strlen(comment + 1);
		const char *words = rb_arena_strndup(arena, comment + 1, n);
		if (words != NULL)
			r->diagnostic = rb_text_squeeze(arena, words);
	}
	const char *remote = group_get(g, "Remote-MTA");
	r->remote_mta = remote ? after_type(arena, remote) : "";
	const char *rep = group_get(g, "Reporting-MTA");
	r->reporting_mta = rep ? after_type(arena, rep) : reporting_mta;
	const char *last = group_get(g, "Last-Attempt-Date");
	r->last_attempt = last ? last : "";
}

int rb_dsn_parse(const char *delivery_status, struct rb_bounce_set *set)
{
	struct rb_arena *arena = set->arena;
	struct rb_field_block *blocks = NULL;
	size_t nblocks = rb_fields_parse(arena, delivery_status, &blocks);
	const char *reporting_mta = "";
	for (size_t i = 0; i < nblocks && *reporting_mta == '\0'; i++) {
		const char *v = rb_field_get(&blocks[i], "Reporting-MTA");
		if (v != NULL)
			reporting_mta = after_type(arena, v);
	}
	int added = 0;
	for (size_t b = 0; b < nblocks; b++) {
		/* A block is one recipient, except when an MTA (AOL) wrote several without
		 * the blank line between them: a second Final-Recipient starts another. */
		const struct rb_field *f = blocks[b].fields;
		size_t n = blocks[b].count;
		size_t from = 0;
		bool has_recipient = false;
		for (size_t i = 0; i <= n; i++) {
			bool end = i == n;
			bool names = !end && (FIELD_IS(&f[i], "Final-Recipient") ||
					      FIELD_IS(&f[i], "Original-Recipient"));
			const struct dsn_group so_far = {f + from, i - from};
			bool again = !end && FIELD_IS(&f[i], "Final-Recipient") && has_recipient &&
				     group_get(&so_far, "Final-Recipient") != NULL;
			if ((end || again) && has_recipient) {
				struct rb_bounce *r = rb_bounce_add(set);
				if (r == NULL)
					return set->truncated ? added : -1;
				struct dsn_group g = {f + from, i - from};
				fill_record(arena, r, &g, reporting_mta);
				added++;
			}
			if (again) {
				/* An Original-Recipient just before belongs to the new one. */
				from = i > 0 && FIELD_IS(&f[i - 1], "Original-Recipient") ? i - 1 : i;
				has_recipient = true;
			}
			if (names)
				has_recipient = true;
		}
	}
	return added;
}
