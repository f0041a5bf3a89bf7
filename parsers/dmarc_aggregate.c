/*
 * dmarc_aggregate.c - DMARC aggregate reports, streamed (xml_stream.c reads the XML).
 *
 * RFC 7489 appendix C (schema 1.0), RFC 9990 (urn:ietf:params:xml:ns:dmarc-2.0: np,
 * testing, discovery_method, generator). Elements are matched by local name and by
 * their parent (as small ids, so matching costs no string comparisons), so namespaces
 * and prefixes do not matter. A record is emitted when
 * its </record> is read, so memory stays flat whatever the number of records; the
 * report event follows the last record, with the totals.
 *
 * Normalization: result and disposition words lowercased; begin/end (Unix seconds)
 * as RFC 3339 UTC; report_id without <>; an empty org_name becomes the domain of the
 * report's email address.
 *
 * Broken reports: xml_repair.c mends bare '&' and '<' first; libxml2 recover mode
 * does the rest (missing declarations, bytes that are not UTF-8, an unclosed
 * wrapper), from the first unit of the document that xml_fast.c leaves to them.
 * Everything repaired and every parser complaint (the first DMARC_MAX_ERRORS) goes
 * into the report's `errors`, with the report's own <error>s.
 * No network (XML_PARSE_NONET), no entity substitution, no DTD loading.
 */
#include "parsers/dmarc_aggregate.h"

#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/text.h"
#include "parsers/xml_stream.h"

#define DMARC_FIELD_MAX 512     /* bytes kept of one text value */
#define DMARC_MAX_ERRORS 20     /* parser complaints kept in `errors` */
#define DMARC_STACK_MAX 80      /* elements open at once that are tracked */

/* The element vocabulary of both schemas: ids for matching, names for the mending. */
enum element {
	EL_OTHER = 0, /* not in the vocabulary */
	EL_FEEDBACK, EL_VERSION, EL_REPORT_METADATA, EL_ORG_NAME, EL_EMAIL,
	EL_EXTRA_CONTACT_INFO, EL_REPORT_ID, EL_DATE_RANGE, EL_BEGIN, EL_END, EL_ERROR,
	EL_GENERATOR, EL_POLICY_PUBLISHED, EL_DOMAIN, EL_ADKIM, EL_ASPF, EL_P, EL_SP, EL_PCT,
	EL_FO, EL_NP, EL_TESTING, EL_DISCOVERY_METHOD, EL_RECORD, EL_ROW, EL_SOURCE_IP,
	EL_COUNT, EL_POLICY_EVALUATED, EL_DISPOSITION, EL_DKIM, EL_SPF, EL_REASON, EL_TYPE,
	EL_COMMENT, EL_IDENTIFIERS, EL_HEADER_FROM, EL_ENVELOPE_FROM, EL_ENVELOPE_TO,
	EL_AUTH_RESULTS, EL_SELECTOR, EL_RESULT, EL_HUMAN_RESULT, EL_SCOPE, EL_EXTENSIONS,
	EL_EXTENSION,
	EL_LIMIT
};

/* In the order of enum element, from EL_FEEDBACK; NULL-terminated for xml_repair.c. */
static const char *const dmarc_elements[] = {
	"feedback", "version", "report_metadata", "org_name", "email", "extra_contact_info",
	"report_id", "date_range", "begin", "end", "error", "generator", "policy_published",
	"domain", "adkim", "aspf", "p", "sp", "pct", "fo", "np", "testing", "discovery_method",
	"record", "row", "source_ip", "count", "policy_evaluated", "disposition", "dkim", "spf",
	"reason", "type", "comment", "identifiers", "header_from", "envelope_from", "envelope_to",
	"auth_results", "selector", "result", "human_result", "scope", "extensions", "extension",
	NULL,
};

/* One bounded text field. */
struct field {
	char s[DMARC_FIELD_MAX];
	size_t len;
};

static void field_setn(struct field *f, const char *v, size_t n)
{
	/* Trim ASCII white space around the value. */
	while (n > 0 && isspace((unsigned char)*v)) {
		v++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)v[n - 1]))
		n--;
	if (n >= sizeof(f->s))
		n = sizeof(f->s) - 1;
	memmove(f->s, v, n); /* v may point into f->s (trimming in place) */
	f->s[n] = '\0';
	f->len = n;
}

static void field_set(struct field *f, const char *v)
{
	field_setn(f, v, strlen(v));
}

static void field_lower(struct field *f)
{
	for (size_t i = 0; i < f->len; i++)
		f->s[i] = (char)tolower((unsigned char)f->s[i]);
}

struct report_meta {
	struct field org_name, email, report_id, begin, end, domain, adkim, aspf, p, sp, pct, fo,
		np, testing, discovery_method, generator, version, extra_contact;
	char begin_utc[32], end_utc[32];
	char *key;     /* identity of the report, for event ids (malloc'd once) */
	char *record_key; /* key, "record" and room for a record's number (malloc'd once) */
	size_t record_key_len;
	bool prepared; /* normalization done, before the first record */
};

struct record_state {
	struct field source_ip, count, disposition, dkim, spf, header_from, envelope_from,
		envelope_to;
	struct field a_domain, a_selector, a_result, a_human, a_scope; /* current auth result */
	struct field r_type, r_comment;                                   /* current reason */
	/* JSON arrays of the record's auth results and reasons, open until it is emitted. */
	struct rb_json_writer dkim_results, spf_results, reasons;
};

struct aggregate {
	struct rb_emitter *em;
	const struct rb_limits *limits;
	struct report_meta meta;
	struct record_state rec;
	unsigned char stack[DMARC_STACK_MAX]; /* enum element of each open element */
	int depth;                 /* elements open */
	struct field text;         /* text of the element being read */
	size_t text_overflow;
	unsigned long long records, messages;
	struct rb_json_writer errors; /* JSON array of strings, open until the report */
	unsigned parser_errors;
	const char *schema;
	bool root_seen;
	bool is_report;            /* the root is <feedback> */
	bool stop;                 /* a limit was hit */
	enum rb_status status;     /* of emitting; reading stops at a failure */
};

static void add_error(struct aggregate *a, const char *msg)
{
	rb_json_str(&a->errors, msg);
}

static void on_xml_error(void *ctx, int line, const char *message)
{
	struct aggregate *a = ctx;
	if (a->parser_errors++ >= DMARC_MAX_ERRORS)
		return;
	char buf[300];
	snprintf(buf, sizeof(buf), "XML line %d: %s", line, message);
	size_t n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	add_error(a, buf);
}

/* The element `up` levels above the innermost open one (EL_OTHER above the root). */
static enum element parent(const struct aggregate *a, int up)
{
	int i = a->depth - 1 - up;
	return i >= 0 ? (enum element)a->stack[i] : EL_OTHER;
}

static void epoch_to_rfc3339(const char *s, char out[32])
{
	out[0] = '\0';
	char *end = NULL;
	long long v = strtoll(s, &end, 10);
	if (end == s || v < 0 || v > 253402300799LL) /* year 9999 */
		return;
	time_t t = (time_t)v;
	struct tm tm;
	if (gmtime_r(&t, &tm) != NULL)
		strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Normalize the metadata once it is complete (before the first record needs it). */
static void meta_prepare(struct report_meta *m)
{
	if (m->prepared)
		return;
	m->prepared = true;
	/* report_id without the <> some senders keep from a Message-ID. */
	if (m->report_id.len >= 2 && m->report_id.s[0] == '<' &&
	    m->report_id.s[m->report_id.len - 1] == '>') {
		char tmp[DMARC_FIELD_MAX];
		snprintf(tmp, sizeof(tmp), "%.*s", (int)(m->report_id.len - 2), m->report_id.s + 1);
		field_set(&m->report_id, tmp);
	}
	if (m->org_name.len == 0) {
		const char *at = strrchr(m->email.s, '@');
		if (at != NULL) {
			char tmp[DMARC_FIELD_MAX];
			snprintf(tmp, sizeof(tmp), "%s", at + 1);
			tmp[strcspn(tmp, "> ")] = '\0';
			field_set(&m->org_name, tmp);
			field_lower(&m->org_name);
		}
	}
	struct field *lower[] = {&m->domain, &m->adkim, &m->aspf, &m->p, &m->sp, &m->np,
				 &m->testing, &m->discovery_method};
	for (size_t i = 0; i < sizeof(lower) / sizeof(lower[0]); i++)
		field_lower(lower[i]);
	epoch_to_rfc3339(m->begin.s, m->begin_utc);
	epoch_to_rfc3339(m->end.s, m->end_utc);
}

/* The report's identity (org, report id, domain, date range), made once. */
static const char *report_key(struct report_meta *m)
{
	if (m->key == NULL) {
		size_t n = m->org_name.len + m->report_id.len + m->domain.len + m->begin.len +
			   m->end.len + 32;
		m->key = malloc(n);
		if (m->key != NULL)
			snprintf(m->key, n, "dmarc\n%s\n%s\n%s\n%s\n%s", m->org_name.s,
				 m->report_id.s, m->domain.s, m->begin.s, m->end.s);
	}
	return m->key;
}


static void record_reset(struct record_state *r)
{
	/* Only the lengths: clearing 13 fields of 512 bytes per record showed in profiles. */
	struct field *fields[] = {&r->source_ip, &r->count, &r->disposition, &r->dkim, &r->spf,
				  &r->header_from, &r->envelope_from, &r->envelope_to, &r->a_domain,
				  &r->a_selector, &r->a_result, &r->a_human, &r->a_scope,
				  &r->r_type, &r->r_comment};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		fields[i]->s[0] = '\0';
		fields[i]->len = 0;
	}
	struct rb_json_writer *arrays[] = {&r->dkim_results, &r->spf_results, &r->reasons};
	for (size_t i = 0; i < 3; i++) {
		rb_json_writer_reset(arrays[i]);
		rb_json_begin_array(arrays[i]);
	}
}

/* The identity of the n-th record: the report's, "record" and n (made without printf:
 * once per record). NULL when memory ran out. */
static const char *record_key(struct report_meta *m, unsigned long long n)
{
	const char *key = report_key(m);
	if (key == NULL)
		return NULL;
	if (m->record_key == NULL) {
		m->record_key_len = strlen(key) + 8;
		m->record_key = malloc(m->record_key_len + 24);
		if (m->record_key == NULL)
			return NULL;
		memcpy(m->record_key, key, m->record_key_len - 8);
		memcpy(m->record_key + m->record_key_len - 8, "\nrecord\n", 8);
	}
	char digits[24];
	size_t d = sizeof(digits);
	do {
		digits[--d] = (char)('0' + n % 10);
		n /= 10;
	} while (n > 0);
	memcpy(m->record_key + m->record_key_len, digits + d, sizeof(digits) - d);
	m->record_key[m->record_key_len + sizeof(digits) - d] = '\0';
	return m->record_key;
}

static void set_field(struct rb_event *ev, const char *key, const struct field *f)
{
	rb_event_set_strn(ev, key, f->s, f->len);
}

static enum rb_status emit_record(struct aggregate *a)
{
	struct report_meta *m = &a->meta;
	struct record_state *r = &a->rec;
	meta_prepare(m);
	char *end = NULL;
	unsigned long long count = strtoull(r->count.s, &end, 10);
	if (r->count.len == 0 || end == r->count.s || *end != '\0') {
		char msg[160];
		snprintf(msg, sizeof(msg), "record %llu: count \"%.40s\" is not a number; taken as 0",
			 a->records + 1, r->count.s);
		add_error(a, msg);
		count = 0;
	}
	a->records++;
	a->messages += count;
	struct field *lower[] = {&r->disposition, &r->dkim, &r->spf};
	for (size_t i = 0; i < 3; i++)
		field_lower(lower[i]);

	struct rb_event *ev = rb_event_begin(a->em, RB_EVENT_DMARC_RECORD);
	if (ev == NULL)
		return rb_event_finish(a->em, ev);
	const char *key = record_key(m, a->records);
	if (key != NULL)
		rb_event_set_id_key(ev, key);
	rb_event_set_time(ev, m->end_utc);
	set_field(ev, "report_id", &m->report_id);
	set_field(ev, "org_name", &m->org_name);
	set_field(ev, "domain", &m->domain);
	rb_event_set_time_field(ev, "begin", m->begin_utc);
	rb_event_set_time_field(ev, "end", m->end_utc);
	set_field(ev, "source_ip", &r->source_ip);
	rb_event_set_int(ev, "count", (int64_t)count);
	set_field(ev, "disposition", &r->disposition);
	set_field(ev, "dkim", &r->dkim);
	set_field(ev, "spf", &r->spf);
	set_field(ev, "header_from", &r->header_from);
	set_field(ev, "envelope_from", &r->envelope_from);
	set_field(ev, "envelope_to", &r->envelope_to);
	rb_json_end_array(&r->dkim_results);
	rb_json_end_array(&r->spf_results);
	rb_json_end_array(&r->reasons);
	rb_event_set_json(ev, "dkim_results", &r->dkim_results);
	rb_event_set_json(ev, "spf_results", &r->spf_results);
	rb_event_set_json(ev, "reasons", &r->reasons);
	return rb_event_finish(a->em, ev);
}

static enum rb_status emit_report(struct aggregate *a)
{
	struct report_meta *m = &a->meta;
	meta_prepare(m);
	struct rb_event *ev = rb_event_begin(a->em, RB_EVENT_DMARC_REPORT);
	if (ev == NULL)
		return rb_event_finish(a->em, ev);
	const char *key = report_key(m);
	if (key != NULL)
		rb_event_set_id_key(ev, key);
	rb_event_set_time(ev, m->end_utc);
	rb_event_set_str(ev, "org_name", m->org_name.s);
	rb_event_set_str(ev, "org_email", m->email.s);
	rb_event_set_str(ev, "report_id", m->report_id.s);
	rb_event_set_str(ev, "domain", m->domain.s);
	rb_event_set_time_field(ev, "begin", m->begin_utc);
	rb_event_set_time_field(ev, "end", m->end_utc);
	rb_event_set_str(ev, "adkim", m->adkim.s);
	rb_event_set_str(ev, "aspf", m->aspf.s);
	rb_event_set_str(ev, "p", m->p.s);
	rb_event_set_str(ev, "sp", m->sp.s);
	char *end = NULL;
	long pct = strtol(m->pct.s, &end, 10);
	if (m->pct.len > 0 && end != m->pct.s && pct >= 0 && pct <= 100)
		rb_event_set_int(ev, "pct", pct);
	else
		rb_event_set_null(ev, "pct");
	rb_event_set_str(ev, "fo", m->fo.s);
	rb_event_set_str(ev, "np", m->np.s);
	rb_event_set_str(ev, "testing", m->testing.s);
	rb_event_set_str(ev, "discovery_method", m->discovery_method.s);
	rb_event_set_str(ev, "generator", m->generator.s);
	rb_event_set_str(ev, "schema", a->schema);
	rb_event_set_int(ev, "records", (int64_t)a->records);
	rb_event_set_int(ev, "messages", (int64_t)a->messages);
	rb_json_end_array(&a->errors);
	rb_event_set_json(ev, "errors", &a->errors);
	return rb_event_finish(a->em, ev);
}

/* Where a leaf value goes, by element and parent; NULL when it is kept nowhere. */
static struct field *route(struct aggregate *a, enum element element, enum element up)
{
	struct report_meta *m = &a->meta;
	struct record_state *r = &a->rec;
	switch (element) {
	case EL_ORG_NAME:
		return up == EL_REPORT_METADATA ? &m->org_name : NULL;
	case EL_EMAIL:
		return up == EL_REPORT_METADATA ? &m->email : NULL;
	case EL_REPORT_ID:
		return up == EL_REPORT_METADATA ? &m->report_id : NULL;
	case EL_EXTRA_CONTACT_INFO:
		return up == EL_REPORT_METADATA ? &m->extra_contact : NULL;
	case EL_GENERATOR: /* RFC 9990 */
		return up == EL_REPORT_METADATA ? &m->generator : NULL;
	case EL_BEGIN:
		return up == EL_DATE_RANGE ? &m->begin : NULL;
	case EL_END:
		return up == EL_DATE_RANGE ? &m->end : NULL;
	case EL_DOMAIN:
		return up == EL_POLICY_PUBLISHED         ? &m->domain
		       : up == EL_DKIM || up == EL_SPF ? &r->a_domain
						       : NULL;
	case EL_ADKIM:
		return up == EL_POLICY_PUBLISHED ? &m->adkim : NULL;
	case EL_ASPF:
		return up == EL_POLICY_PUBLISHED ? &m->aspf : NULL;
	case EL_P:
		return up == EL_POLICY_PUBLISHED ? &m->p : NULL;
	case EL_SP:
		return up == EL_POLICY_PUBLISHED ? &m->sp : NULL;
	case EL_PCT:
		return up == EL_POLICY_PUBLISHED ? &m->pct : NULL;
	case EL_FO:
		return up == EL_POLICY_PUBLISHED ? &m->fo : NULL;
	case EL_NP: /* RFC 9990 */
		return up == EL_POLICY_PUBLISHED ? &m->np : NULL;
	case EL_TESTING: /* RFC 9990 */
		return up == EL_POLICY_PUBLISHED ? &m->testing : NULL;
	case EL_DISCOVERY_METHOD: /* RFC 9990 */
		return up == EL_POLICY_PUBLISHED ? &m->discovery_method : NULL;
	case EL_VERSION:
		return up == EL_FEEDBACK ? &m->version : NULL;
	case EL_SOURCE_IP:
		return up == EL_ROW ? &r->source_ip : NULL;
	case EL_COUNT:
		return up == EL_ROW ? &r->count : NULL;
	case EL_DISPOSITION:
		return up == EL_POLICY_EVALUATED ? &r->disposition : NULL;
	case EL_DKIM:
		return up == EL_POLICY_EVALUATED ? &r->dkim : NULL;
	case EL_SPF:
		return up == EL_POLICY_EVALUATED ? &r->spf : NULL;
	case EL_HEADER_FROM:
		return up == EL_IDENTIFIERS ? &r->header_from : NULL;
	case EL_ENVELOPE_FROM:
		return up == EL_IDENTIFIERS ? &r->envelope_from : NULL;
	case EL_ENVELOPE_TO:
		return up == EL_IDENTIFIERS ? &r->envelope_to : NULL;
	case EL_TYPE:
		return up == EL_REASON ? &r->r_type : NULL;
	case EL_COMMENT:
		return up == EL_REASON ? &r->r_comment : NULL;
	case EL_SELECTOR:
		return up == EL_DKIM ? &r->a_selector : NULL;
	case EL_SCOPE:
		return up == EL_SPF ? &r->a_scope : NULL;
	case EL_RESULT:
		return up == EL_DKIM || up == EL_SPF ? &r->a_result : NULL;
	case EL_HUMAN_RESULT:
		return up == EL_DKIM || up == EL_SPF ? &r->a_human : NULL;
	default:
		return NULL;
	}
}

static void auth_clear(struct record_state *r)
{
	struct field *fields[] = {&r->a_domain, &r->a_selector, &r->a_result, &r->a_human,
				  &r->a_scope};
	for (size_t i = 0; i < 5; i++) {
		fields[i]->s[0] = '\0';
		fields[i]->len = 0;
	}
}

static void add_pair(struct rb_json_writer *w, const char *key, struct field *f, bool lower)
{
	if (lower)
		field_lower(f);
	rb_json_key(w, key);
	rb_json_strn(w, f->s, f->len);
}

/* The innermost element ended: file its text, or finish what it closes. */
static enum rb_status element_end(struct aggregate *a, enum element name)
{
	enum element up = parent(a, 1);
	struct record_state *r = &a->rec;
	struct field *f = route(a, name, up);
	if (f != NULL) {
		field_setn(f, a->text.s, a->text.len);
		return RB_OK;
	}
	if (name == EL_ERROR && up == EL_REPORT_METADATA) {
		field_set(&a->text, a->text.s);
		add_error(a, a->text.s);
	} else if (name == EL_DKIM && up == EL_AUTH_RESULTS) {
		struct rb_json_writer *w = &r->dkim_results;
		rb_json_begin_object(w);
		add_pair(w, "domain", &r->a_domain, true);
		add_pair(w, "selector", &r->a_selector, false);
		add_pair(w, "result", &r->a_result, true);
		add_pair(w, "human_result", &r->a_human, false);
		rb_json_end_object(w);
		auth_clear(r);
	} else if (name == EL_SPF && up == EL_AUTH_RESULTS) {
		struct rb_json_writer *w = &r->spf_results;
		rb_json_begin_object(w);
		add_pair(w, "domain", &r->a_domain, true);
		add_pair(w, "scope", &r->a_scope, true);
		add_pair(w, "result", &r->a_result, true);
		rb_json_end_object(w);
		auth_clear(r);
	} else if (name == EL_REASON && up == EL_POLICY_EVALUATED) {
		struct rb_json_writer *w = &r->reasons;
		rb_json_begin_object(w);
		add_pair(w, "type", &r->r_type, true);
		add_pair(w, "comment", &r->r_comment, false);
		rb_json_end_object(w);
		r->r_type.s[0] = r->r_comment.s[0] = '\0';
		r->r_type.len = r->r_comment.len = 0;
	} else if (name == EL_RECORD) {
		if (a->records >= a->limits->max_xml_records) {
			char msg[120];
			snprintf(msg, sizeof(msg),
				 "more than %zu records (max_xml_records): the rest were not read",
				 a->limits->max_xml_records);
			add_error(a, msg);
			a->stop = true;
			return RB_OK;
		}
		enum rb_status st = emit_record(a);
		record_reset(r);
		return st;
	}
	return RB_OK;
}

static void text_clear(struct aggregate *a)
{
	a->text.len = 0;
	a->text.s[0] = '\0';
}

static bool reading(const struct aggregate *a)
{
	return !a->stop && a->status == RB_OK;
}

static bool on_start(void *ctx, const char *name, size_t name_len, const char *ns_uri,
		     int element)
{
	struct aggregate *a = ctx;
	if (!a->root_seen) {
		a->root_seen = true;
		if (name_len != 8 || memcmp(name, "feedback", 8) != 0)
			return false; /* not an aggregate report */
		a->is_report = true;
		if (strstr(ns_uri, "dmarc-2.0") != NULL)
			a->schema = "rfc9990";
	}
	if (a->depth >= (int)a->limits->max_xml_depth || a->depth >= DMARC_STACK_MAX) {
		add_error(a, "XML nested deeper than max_xml_depth: reading stopped");
		a->stop = true;
		return false;
	}
	/* The vocabulary is dmarc_elements[], in the order of enum element. */
	enum element id = element >= 0 ? (enum element)(element + 1) : EL_OTHER;
	a->stack[a->depth++] = (unsigned char)id;
	text_clear(a);
	if (id == EL_RECORD)
		meta_prepare(&a->meta);
	return true;
}

static bool on_end(void *ctx)
{
	struct aggregate *a = ctx;
	if (a->depth > 0) {
		a->status = element_end(a, (enum element)a->stack[a->depth - 1]);
		a->depth--;
	}
	text_clear(a);
	return reading(a);
}

static bool on_text(void *ctx, const char *text, size_t len, size_t total)
{
	struct aggregate *a = ctx;
	size_t room = sizeof(a->text.s) - 1 - a->text.len;
	size_t n = total;
	if (n > room) {
		a->text_overflow++;
		n = room;
	}
	if (n > len)
		n = len; /* cannot happen: the prefix is longer than any field */
	memcpy(a->text.s + a->text.len, text, n);
	a->text.len += n;
	a->text.s[a->text.len] = '\0';
	return true;
}

/* What was mended or cut, and the complaints left out, at the end of `errors`. */
static void add_repair_errors(struct aggregate *a, const struct rb_xml_mends *mends)
{
	if (mends->closed_root)
		add_error(a, "the report's root element was never closed");
	if (a->depth > 0)
		add_error(a, "the report ended inside an element (unclosed tags were closed)");
	char msg[100];
	if (mends->ampersands > 0) {
		snprintf(msg, sizeof(msg), "%zu bare '&' escaped", mends->ampersands);
		add_error(a, msg);
	}
	if (mends->brackets > 0) {
		snprintf(msg, sizeof(msg), "%zu bare '<' escaped", mends->brackets);
		add_error(a, msg);
	}
	if (mends->latin1 > 0) {
		snprintf(msg, sizeof(msg), "%zu bytes that were not UTF-8 read as Latin-1",
			 mends->latin1);
		add_error(a, msg);
	}
	if (a->text_overflow > 0)
		add_error(a, "values longer than 511 bytes were cut");
	if (a->parser_errors > DMARC_MAX_ERRORS) {
		snprintf(msg, sizeof(msg), "%u more XML errors not listed",
			 a->parser_errors - DMARC_MAX_ERRORS);
		add_error(a, msg);
	}
}

enum rb_status rb_dmarc_aggregate_parse(struct rb_reader *in, const struct rb_limits *limits,
					struct rb_emitter *em, bool *is_report_r,
					struct rb_error *err)
{
	*is_report_r = false;
	struct aggregate *a = calloc(1, sizeof(*a));
	if (a == NULL)
		return rb_error_set(err, RB_ERR_NOMEM, "out of memory reading a DMARC report");
	a->em = em;
	a->limits = limits;
	rb_json_writer_init(&a->errors);
	rb_json_begin_array(&a->errors);
	a->schema = "rfc7489";
	record_reset(&a->rec);

	struct rb_xml_handler handler = {
		.ctx = a,
		.on_start = on_start,
		.on_text = on_text,
		.on_end = on_end,
		.on_error = on_xml_error,
	};
	struct rb_xml_mends mends;
	enum rb_status st = rb_xml_stream(in, dmarc_elements, &handler, &mends, err);
	*is_report_r = a->is_report;
	if (st == RB_OK)
		st = a->status;
	if (st == RB_OK && a->is_report) {
		add_repair_errors(a, &mends);
		st = emit_report(a);
	}
	rb_json_writer_free(&a->rec.dkim_results);
	rb_json_writer_free(&a->rec.spf_results);
	rb_json_writer_free(&a->rec.reasons);
	rb_json_writer_free(&a->errors);
	free(a->meta.key);
	free(a->meta.record_key);
	free(a);
	if (st == RB_ERR_ABORTED && err != NULL)
		*err = em->error;
	return st;
}
