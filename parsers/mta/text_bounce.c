/*
 * text_bounce.c - the engine for bounces written as prose (see text_bounce.h).
 *
 * Within the format's error section, a line is a recipient line when it holds an
 * address with nothing but an introduction before it ("", "<", "To:", "Recipient
 * address:", "... delivering your mail to <"); the lines that follow, up to the next
 * recipient line, are that recipient's diagnostic. A line that names an address
 * already found adds to that recipient's diagnostic. Addresses listed in
 * X-Failed-Recipients (Exim, Gmail) are recipients whatever the text says. When the
 * text names nobody (old Sendmail transcripts), the returned message's To is the
 * recipient and the whole section the diagnostic.
 *
 * Limits: TEXT_DIAGNOSTIC_MAX bytes of diagnostic per recipient; the section is the
 * readable body, already bounded by max_message_bytes.
 */
#include "parsers/mta/text_bounce.h"

#include <assert.h>
#include <ctype.h>
#include <string.h>
#include <threads.h>

#include "core/needle.h"
#include "core/phrases.h"
#include "core/text.h"

#define TEXT_DIAGNOSTIC_MAX 2000

/* Markers of the returned message that every format may use. */
static const char *const common_ends[] = {
	"------ This is a copy of the message",
	"------ This is a copy of your message",
	"------ This is a copy of its headers",
	"------ The body of the message",
	"--- Below this line is a copy of the message",
	"--- Below this line is the original bounce",
	"----- Original message -----",
	"--- Original message follows",
	"Original message follows",
	"Message headers follow",
	"----- Unsent message follows -----",
	"-----Original Message-----",
	"----- Message header follows -----",
	"------ Original message ------",
	"--- The header of the original message is following",
	"Content-Type: message/rfc822",
	NULL,
};

/* What may stand before an address on a line that names a recipient (lowercase). */
static const char *const recipient_intros[] = {
	"to:", "to", "recipient:", "recipient", "address:", "rcpt to:", "recipients:",
	"original-recipient: rfc822;", "final-recipient: rfc822;", "failed recipient:",
	"delivery to", "mail to", "message to", "addressed to", "-", "*", ">>>", NULL,
};

/* The table's phrases, prepared once for many searches (core/needle.h). */
#define FORMATS_MAX 48
#define COMMON_ENDS_MAX 24

struct needle_list {
	struct rb_needle item[6];
	size_t count;
};

struct prepared_format {
	struct needle_list subject, body, start, end;
	size_t from_first, from_count; /* its From phrases in from_phrases */
	struct rb_needle label;
	bool has_label;
};

/* Every row's From phrases, lowercased, in one set: the From is read once for all. */
#define FROM_PHRASES_MAX 64
static struct rb_needle from_needles[FROM_PHRASES_MAX];
static struct rb_phrases from_phrases;

static struct prepared_format prepared[FORMATS_MAX];
static struct rb_needle common_end_needles[COMMON_ENDS_MAX];
static size_t common_end_count;
static once_flag prepared_once = ONCE_FLAG_INIT;

static void prepare_list(struct needle_list *l, const char *const *phrases, size_t max)
{
	l->count = 0;
	for (size_t i = 0; i < max && phrases[i] != NULL; i++) {
		bool ok = rb_needle_init(&l->item[l->count], phrases[i]);
		assert(ok); /* literals, not empty: only memory can fail, once at start */
		l->count += ok;
	}
}

static void prepare_formats(void)
{
	static const char *from_list[FROM_PHRASES_MAX];
	size_t from_count = 0;
	for (size_t i = 0; rb_text_formats[i].name != NULL; i++) {
		assert(i < FORMATS_MAX);
		const struct rb_text_format *f = &rb_text_formats[i];
		struct prepared_format *p = &prepared[i];
		p->from_first = from_count;
		for (size_t k = 0; k < 4 && f->from[k] != NULL; k++) {
			assert(from_count < FROM_PHRASES_MAX);
			bool ok = rb_needle_init(&from_needles[from_count], f->from[k]);
			assert(ok);
			(void)ok;
			from_list[from_count] = from_needles[from_count].lower;
			from_count++;
		}
		p->from_count = from_count - p->from_first;
		prepare_list(&p->subject, f->subject, 6);
		prepare_list(&p->body, f->body, 4);
		prepare_list(&p->start, f->start, 4);
		prepare_list(&p->end, f->end, 6);
		p->has_label = f->recipient_label != NULL && rb_needle_init(&p->label, f->recipient_label);
	}
	for (size_t i = 0; common_ends[i] != NULL; i++) {
		assert(i < COMMON_ENDS_MAX);
		common_end_count += rb_needle_init(&common_end_needles[common_end_count], common_ends[i]);
	}
	bool built = rb_phrases_build(&from_phrases, from_list, from_count);
	assert(built);
	(void)built;
}

/* What a format's signature is matched against: which From phrases the From holds,
 * and the Subject lowercased. */
struct signature_text {
	uint64_t from_found[FROM_PHRASES_MAX / 64];
	const char *subject;
	size_t subject_len;
};

/* Does the From hold any of the format's phrases (bits from_first onwards, a word of
 * the found bits at a time)? Every format asks this of every text bounce. */
static bool from_has_any(const struct signature_text *sig, const struct prepared_format *p)
{
	size_t i = p->from_first, end = p->from_first + p->from_count;
	while (i < end) {
		size_t bit = i % 64, n = end - i < 64 - bit ? end - i : 64 - bit;
		uint64_t mask = (n == 64 ? ~(uint64_t)0 : ((uint64_t)1 << n) - 1) << bit;
		if (sig->from_found[i / 64] & mask)
			return true;
		i += n;
	}
	return false;
}

static bool body_has_any(const struct rb_mail *mail, const struct needle_list *l)
{
	for (size_t i = 0; i < l->count; i++)
		if (rb_mail_body_find_needle(mail, &l->item[i]) != NULL)
			return true;
	return false;
}

static bool prefix_any(const char *lower, size_t len, const struct needle_list *l)
{
	for (size_t i = 0; i < l->count; i++)
		if (l->item[i].len <= len && memcmp(lower, l->item[i].lower, l->item[i].len) == 0)
			return true;
	return false;
}

static bool format_matches(const struct prepared_format *p, const struct rb_mail *mail,
			   const struct signature_text *sig, bool needs_from_and_body)
{
	bool from = from_has_any(sig, p);
	bool body = body_has_any(mail, &p->body);
	if (needs_from_and_body)
		return from && body;
	return from || body || prefix_any(sig->subject, sig->subject_len, &p->subject);
}

/* The error section of the body: [*start_r, *end_r). */
/* Searches run on the lowercased body; offsets map back to the body itself. */
static void find_section(const struct prepared_format *p, const struct rb_mail *mail,
			 const char **start_r, const char **end_r)
{
	const char *body = mail->body, *lower = rb_mail_body_lower(mail);
	const unsigned char *pairs = rb_mail_body_pairs(mail);
	size_t start = 0, end = mail->body_len;
	if (lower == NULL) { /* out of memory: the parse fails, nothing to search */
		*start_r = *end_r = body;
		return;
	}
	for (size_t i = 0; i < p->start.count; i++) {
		const char *s = rb_mail_body_find_needle(mail, &p->start.item[i]);
		if (s != NULL) {
			start = (size_t)(s - lower) + p->start.item[i].len;
			break;
		}
	}
	/* A marker with a byte pair the body lacks cannot occur (rb_pairs). */
	const struct rb_needle *lists[2] = {p->end.item, common_end_needles};
	size_t counts[2] = {p->end.count, common_end_count};
	for (size_t l = 0; l < 2; l++) {
		for (size_t i = 0; i < counts[l]; i++) {
			const struct rb_needle *n = &lists[l][i];
			if (pairs != NULL && !rb_needle_may_occur(n, pairs))
				continue;
			const char *e = rb_needle_find(n, lower + start, mail->body_len - start);
			if (e != NULL && (size_t)(e - lower) < end)
				end = (size_t)(e - lower);
		}
	}
	*start_r = body + start;
	*end_r = body + end;
}

/* Is the text before an address on its line only an introduction? */
static bool is_intro(struct rb_arena *arena, const char *line, const char *addr_at)
{
	char *before = rb_text_trim(arena, line, (size_t)(addr_at - line));
	if (before == NULL)
		return false;
	size_t n = strlen(before);
	while (n > 0 && (before[n - 1] == '<' || before[n - 1] == '"' || before[n - 1] == '\'' ||
			 before[n - 1] == ' ' || before[n - 1] == '\t'))
		before[--n] = '\0';
	if (n == 0)
		return true;
	/* Sendmail: "554 <a@b>... Remote protocol error", a reply code then the address. */
	if (n == 3 && isdigit((unsigned char)before[0]) && isdigit((unsigned char)before[1]) &&
	    isdigit((unsigned char)before[2]))
		return true;
	char *lower = rb_text_lower(arena, before);
	for (size_t i = 0; recipient_intros[i] != NULL; i++) {
		size_t il = strlen(recipient_intros[i]);
		if (n >= il && strcmp(lower + n - il, recipient_intros[i]) == 0 &&
		    (n == il || !isalnum((unsigned char)lower[n - il - 1])))
			return true;
	}
	return false;
}

struct text_record {
	struct rb_bounce *b;
	char *diag;
	size_t diag_len;
	bool line_only; /* the words are only the recipient's own line */
};

static void diag_append(struct rb_arena *arena, struct text_record *r, const char *s, size_t n)
{
	if (r->diag == NULL) {
		r->diag = rb_arena_alloc_unzeroed(arena, TEXT_DIAGNOSTIC_MAX + 1);
		if (r->diag == NULL)
			return;
	}
	if (r->diag_len > 0 && r->diag_len < TEXT_DIAGNOSTIC_MAX)
		r->diag[r->diag_len++] = ' ';
	if (n > TEXT_DIAGNOSTIC_MAX - r->diag_len)
		n = TEXT_DIAGNOSTIC_MAX - r->diag_len;
	memcpy(r->diag + r->diag_len, s, n);
	r->diag_len += n;
	r->line_only = false;
	r->diag[r->diag_len] = '\0';
}

static struct text_record *find_record(struct text_record *recs, size_t n, const char *addr)
{
	for (size_t i = 0; i < n; i++)
		if (rb_text_equal_ci(recs[i].b->recipient, addr))
			return &recs[i];
	return NULL;
}

/* The command of a transcript line ">>> RCPT To:<a@b>", or NULL. */
static const char *session_command(const char *line)
{
	static const char *const commands[] = {"RCPT", "DATA", "MAIL", "EHLO", "HELO", "QUIT"};
	if (strncmp(line, ">>> ", 4) != 0)
		return NULL;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (rb_text_starts_with_ci(line + 4, commands[i]))
			return commands[i];
	return NULL;
}

/* The body line from label on (lowercase), or NULL. */
static const char *labelled_line(struct rb_arena *arena, const struct rb_mail *mail,
				 const struct rb_needle *label)
{
	const char *found = rb_mail_body_find_needle(mail, label);
	if (found == NULL)
		return NULL;
	const char *end = strchr(found, '\n');
	size_t n = end ? (size_t)(end - found) : strlen(found);
	return rb_arena_strndup(arena, found, n);
}

#define TEXT_MAX_RECORDS 256

static int text_parse_with(const struct rb_text_format *f, const struct prepared_format *p,
			   const struct rb_mail *mail, struct rb_bounce_set *out)
{
	struct rb_arena *arena = out->arena;
	const char *start, *end;
	find_section(p, mail, &start, &end);
	const char *own = rb_text_header_address(arena, mail->to); /* the bounce's addressee */

	/* The returned message quoted after the end marker's line, when it is inline. */
	if (mail->original_header_count == 0 && *end != '\0') {
		const char *nl = strchr(end, '\n');
		while (nl != NULL && nl[1] == '\n')
			nl++;
		struct rb_header *inline_headers = NULL;
		if (nl != NULL)
			out->inline_original_count =
				rb_mime_parse_header_block(arena, nl + 1, &inline_headers);
		out->inline_original = inline_headers;
	}

	/* Unzeroed: a record is written whole when it is added. */
	struct text_record *recs =
	    rb_arena_alloc_unzeroed(arena, TEXT_MAX_RECORDS * sizeof(*recs));
	if (recs == NULL)
		return -1;
	size_t nrec = 0;

	/* X-Failed-Recipients: a comma-separated list, authoritative when present. */
	const char *failed = rb_mail_header(mail, "X-Failed-Recipients");
	while (*failed != '\0' && nrec < TEXT_MAX_RECORDS) {
		const char *comma = strchr(failed, ',');
		size_t len = comma ? (size_t)(comma - failed) : strlen(failed);
		char *one = rb_arena_strndup(arena, failed, len);
		const char *addr = rb_text_find_address(arena, one);
		if (addr != NULL && find_record(recs, nrec, addr) == NULL) {
			struct rb_bounce *b = rb_bounce_add(out);
			if (b == NULL)
				break;
			b->recipient = addr;
			recs[nrec++] = (struct text_record){.b = b};
		}
		failed = comma ? comma + 1 : failed + len;
	}
	bool listed = nrec > 0;
	struct text_record preamble = {0};
	struct text_record pending = {0}; /* words_before: lines not yet claimed */
	const char *pending_command = NULL; /* the last ">>> COMMAND" among them */
	if (f->words_before)
		out->commands_per_recipient = true;

	/* Pass 1: recipients introduced as such. Pass 2, when pass 1 found none: any
	 * address in the section (IMail's "Unknown user: a@b", m-FILTER's lists). */
	for (int pass = 1; pass <= 2 && (pass == 1 || (nrec == 0 && !listed)); pass++) {
	bool strict = pass == 1;
	struct text_record *current = NULL;
	const char *cursor = start, *line;
	size_t len;
	while (cursor < end && rb_text_next_line(&cursor, &line, &len)) {
		bool cut = line + len > end;
		if (cut)
			len = (size_t)(end - line);
		/* Most lines name no address: read where they lie (a whole line ends at its
		 * newline, which no word searched for holds); a line with an '@', or cut by
		 * the section's end, is copied to be read as a string. */
		bool has_at = memchr(line, '@', len) != NULL;
		const char *l = line;
		if (has_at || cut) {
			l = rb_arena_strndup(arena, line, len);
			if (l == NULL)
				return -1;
		}
		const char *addr = has_at ? rb_text_find_address(arena, l) : NULL;
		/* "name@x <addr@y>: ..." names addr@y, the first is a display name. */
		const char *first = addr ? rb_text_find_ci(l, addr) : NULL;
		if (first != NULL) {
			const char *after = first + strlen(addr);
			while (*after == ' ')
				after++;
			if (*after == '<') {
				const char *inner = rb_text_header_address(arena, after);
				if (inner != NULL)
					addr = inner;
			}
		}
		/* The bounce's addressee (the sender) may be named anywhere in the notice;
		 * in pass 2, where any address counts, it is not taken for a recipient. */
		if (addr != NULL && !strict && own != NULL && rb_text_equal_ci(addr, own))
			addr = NULL;
		if (f->words_before && strict) {
			/* The session lines gather until a line names the recipient they
			 * led to; "While talking to" opens another host's session. */
			const char *at = addr ? rb_text_find_ci(l, addr) : NULL;
			struct text_record *rec = addr ? find_record(recs, nrec, addr) : NULL;
			if (rec == NULL && at != NULL && !listed && is_intro(arena, l, at) &&
			    nrec < TEXT_MAX_RECORDS) {
				struct rb_bounce *b = rb_bounce_add(out);
				if (b == NULL)
					break;
				b->recipient = addr;
				recs[nrec] = (struct text_record){.b = b};
				rec = &recs[nrec++];
			}
			const char *cmd = session_command(l);
			if (rec == NULL) {
				if (rb_text_starts_with_ci(l, "While talking to")) {
					pending.diag_len = 0;
					pending_command = NULL;
				}
				if (cmd != NULL)
					pending_command = cmd;
				if (len > 0)
					diag_append(arena, &pending, l, len);
				continue;
			}
			if (pending.diag_len > 0)
				diag_append(arena, rec, pending.diag, pending.diag_len);
			if (cmd != NULL || pending_command != NULL)
				rec->b->smtp_command = cmd ? cmd : pending_command;
			pending.diag_len = 0;
			pending_command = NULL;
			/* The words after the address; the whole line when the address is
			 * not found as written (normalized: unquoted, lowercased). */
			const char *rest = at ? at + strlen(addr) : l;
			while (*rest && strchr(">:.)\"' \t,", *rest))
				rest++;
			if (*rest)
				diag_append(arena, rec, rest, strlen(rest));
			current = rec;
			continue;
		}
		if (addr != NULL) {
			struct text_record *known = find_record(recs, nrec, addr);
			const char *at = rb_text_find_ci(l, addr);
			if (known != NULL) {
				current = known;
				/* A line that introduces the address again adds only what follows
				 * it; a sentence that mentions it is kept whole. */
				const char *rest = at ? at + strlen(addr) : l;
				while (*rest && strchr(">:.)\"' \t", *rest))
					rest++;
				const char *words = at != NULL && is_intro(arena, l, at) ? rest : l;
				if (*words)
					diag_append(arena, current, words, strlen(words));
				continue;
			}
			if (!listed && at != NULL && (!strict || is_intro(arena, l, at)) &&
			    nrec < TEXT_MAX_RECORDS) {
				struct rb_bounce *b = rb_bounce_add(out);
				if (b == NULL)
					break;
				b->recipient = addr;
				recs[nrec] = (struct text_record){.b = b};
				current = &recs[nrec++];
				const char *rest = at + strlen(addr);
				while (*rest && strchr(">:.)\"' \t", *rest))
					rest++;
				if (!strict) {
					diag_append(arena, current, l, len);
					current->line_only = true;
				} else if (*rest) {
					diag_append(arena, current, rest, strlen(rest));
				}
				continue;
			}
		}
		if (current != NULL && len > 0)
			diag_append(arena, current, l, len);
		else if (current == NULL && len > 0 && strict &&
			 (line != start || start == mail->body || start[-1] == '\n'))
			diag_append(arena, &preamble, l, len); /* not the marker's line */
	}
	}

	/* Transcript lines after the last verdict still belong to its session. */
	if (pending.diag_len > 0 && nrec > 0)
		diag_append(arena, &recs[nrec - 1], pending.diag, pending.diag_len);

	/* Lotus Notes writes the error above the address: a recipient with no words
	 * of its own takes the section's words before the first recipient. */
	for (size_t i = 0; i < nrec && preamble.diag_len > 0; i++)
		if (recs[i].diag_len == 0)
			diag_append(arena, &recs[i], preamble.diag, preamble.diag_len);

	if (nrec == 0) {
		/* Nobody named: the returned message's To, with the section as the words.
		 * The returned message may be inline, after the end marker's line. */
		const char *to_header = rb_mail_original_header(mail, "To");
		const char *labelled = p->has_label ? labelled_line(arena, mail, &p->label) : NULL;
		if (labelled != NULL)
			to_header = labelled;
		for (size_t i = 0; i < out->inline_original_count && *to_header == '\0'; i++)
			if (rb_header_is(&out->inline_original[i], "To"))
				to_header = rb_header_value(arena, &out->inline_original[i]);
		const char *to = rb_text_header_address(arena, to_header);
		if (to == NULL)
			return 0;
		struct rb_bounce *b = rb_bounce_add(out);
		if (b == NULL)
			return 0;
		b->recipient = to;
		recs[nrec] = (struct text_record){.b = b};
		char *section = rb_arena_strndup(arena, start, (size_t)(end - start));
		if (section != NULL)
			diag_append(arena, &recs[nrec], section, strlen(section));
		/* Without a marked error section, the section is the whole notice. */
		b->diagnostic_is_notice = f->start[0] == NULL;
		nrec++;
	} else if (listed) {
		/* Listed recipients whose lines were not found share the section's words. */
		char *section = NULL;
		for (size_t i = 0; i < nrec; i++) {
			if (recs[i].diag_len > 0)
				continue;
			if (section == NULL)
				section = rb_arena_strndup(arena, start, (size_t)(end - start));
			if (section != NULL)
				diag_append(arena, &recs[i], section, strlen(section));
			recs[i].b->diagnostic_is_notice = true;
		}
	}

	for (size_t i = 0; i < nrec; i++) {
		struct rb_bounce *b = recs[i].b;
		b->diagnostic = recs[i].diag ? rb_text_squeeze(arena, recs[i].diag) : "";
		if (recs[i].line_only)
			b->diagnostic_is_notice = true;
		char code[16];
		if (rb_text_find_status(b->diagnostic, code))
			b->status = rb_arena_strdup(arena, code);
		b->reply_code = rb_text_find_reply_code(b->diagnostic);
		b->action = "failed";
		if (f->reason != NULL)
			b->reason = f->reason;
		if (f->command != NULL && *b->smtp_command == '\0')
			b->smtp_command = f->command;
	}
	out->decoded_by = f->name;
	return rb_arena_failed(arena) ? -1 : 1;
}

static int text_formats_parse(const struct rb_mail *mail, struct rb_bounce_set *out)
{
	/* A DSN part that names recipients says it better (bounce.c fills its gaps from
	 * the text); one that names nobody ("Delivery report unavailable") does not. */
	if (rb_text_find_ci(mail->delivery_status, "Final-Recipient") != NULL ||
	    rb_text_find_ci(mail->delivery_status, "Original-Recipient") != NULL)
		return 0;
	call_once(&prepared_once, prepare_formats);
	struct signature_text sig = {.subject = rb_text_lower(out->arena, mail->subject)};
	const char *from = rb_text_lower(out->arena, mail->from);
	if (from == NULL || sig.subject == NULL)
		return -1;
	rb_phrases_mark(&from_phrases, from, strlen(from), sig.from_found);
	sig.subject_len = strlen(sig.subject);
	for (size_t i = 0; rb_text_formats[i].name != NULL; i++) {
		const struct rb_text_format *f = &rb_text_formats[i];
		if (!format_matches(&prepared[i], mail, &sig, f->needs_from_and_body))
			continue;
		int r = text_parse_with(f, &prepared[i], mail, out);
		if (r != 0)
			return r;
		out->count = 0;
		out->inline_original = NULL;
		out->inline_original_count = 0;
	}
	return 0;
}

const struct rb_mta rb_mta_text_formats = {"text", text_formats_parse};
