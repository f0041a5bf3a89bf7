/*
 * dmarc_aggregate.c - DMARC aggregate reports, streamed through libxml2's xmlReader.
 *
 * RFC 7489 appendix C (schema 1.0), RFC 9990 (urn:ietf:params:xml:ns:dmarc-2.0: np,
 * testing, discovery_method, generator). Elements are matched by local name and by
 * their parent, so namespaces and prefixes do not matter. A record is emitted when
 * its </record> is read, so memory stays flat whatever the number of records; the
 * report event follows the last record, with the totals.
 *
 * Normalization: result and disposition words lowercased; begin/end (Unix seconds)
 * as RFC 3339 UTC; report_id without <>; an empty org_name becomes the domain of the
 * report's email address.
 *
 * Broken reports: xml_repair.c mends bare '&' and '<' first; libxml2 recover mode
 * does the rest (missing declarations, bytes that are not UTF-8, an unclosed
 * wrapper). Everything repaired and every parser complaint (the first
 * DMARC_MAX_ERRORS) goes into the report's `errors`, with the report's own <error>s.
 * No network (XML_PARSE_NONET), no entity substitution, no DTD loading.
 */
#include "parsers/dmarc_aggregate.h"

#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <libxml/xmlreader.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/text.h"
#include "parsers/xml_repair.h"

#define DMARC_FIELD_MAX 512     /* bytes kept of one text value */
#define DMARC_MAX_ERRORS 20     /* parser complaints kept in `errors` */
#define DMARC_STACK_NAME 48     /* bytes kept of an element name */

/* The element vocabulary of both schemas, for xml_repair.c. */
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

static void field_set(struct field *f, const char *v)
{
	size_t n = strlen(v);
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
	char stack[80][DMARC_STACK_NAME];
	int depth;                 /* elements open */
	struct field text;         /* text of the element being read */
	size_t text_overflow;
	unsigned long long records, messages;
	struct rb_json_writer errors; /* JSON array of strings, open until the report */
	unsigned parser_errors;
	const char *schema;
	bool stop;                 /* a limit was hit */
};

static void add_error(struct aggregate *a, const char *msg)
{
	rb_json_str(&a->errors, msg);
}

static void on_xml_error(void *arg, const char *msg, xmlParserSeverities severity,
			 xmlTextReaderLocatorPtr locator)
{
	(void)severity;
	struct aggregate *a = arg;
	if (a->parser_errors++ >= DMARC_MAX_ERRORS)
		return;
	char buf[300];
	int line = locator ? xmlTextReaderLocatorLineNumber(locator) : 0;
	snprintf(buf, sizeof(buf), "XML line %d: %s", line, msg ? msg : "error");
	size_t n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	add_error(a, buf);
}

static const char *parent(const struct aggregate *a, int up)
{
	int i = a->depth - 1 - up;
	return i >= 0 ? a->stack[i] : "";
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
	const char *key = report_key(m);
	if (key != NULL) {
		char rkey[DMARC_FIELD_MAX * 5 + 64];
		snprintf(rkey, sizeof(rkey), "%s\nrecord\n%llu", key, a->records);
		rb_event_set_id_key(ev, rkey);
	}
	rb_event_set_time(ev, m->end_utc);
	rb_event_set_str(ev, "report_id", m->report_id.s);
	rb_event_set_str(ev, "org_name", m->org_name.s);
	rb_event_set_str(ev, "domain", m->domain.s);
	rb_event_set_time_field(ev, "begin", m->begin_utc);
	rb_event_set_time_field(ev, "end", m->end_utc);
	rb_event_set_str(ev, "source_ip", r->source_ip.s);
	rb_event_set_int(ev, "count", (int64_t)count);
	rb_event_set_str(ev, "disposition", r->disposition.s);
	rb_event_set_str(ev, "dkim", r->dkim.s);
	rb_event_set_str(ev, "spf", r->spf.s);
	rb_event_set_str(ev, "header_from", r->header_from.s);
	rb_event_set_str(ev, "envelope_from", r->envelope_from.s);
	rb_event_set_str(ev, "envelope_to", r->envelope_to.s);
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

/* Where a leaf value goes, by element and parent. */
struct route {
	const char *parent;
	const char *element;
	size_t meta_offset;   /* offsetof in report_meta, or SIZE_MAX */
	size_t record_offset; /* offsetof in record_state, or SIZE_MAX */
};

#define META(p, e, f) {p, e, offsetof(struct report_meta, f), SIZE_MAX}
#define REC(p, e, f) {p, e, SIZE_MAX, offsetof(struct record_state, f)}

static const struct route routes[] = {
	META("report_metadata", "org_name", org_name),
	META("report_metadata", "email", email),
	META("report_metadata", "report_id", report_id),
	META("report_metadata", "extra_contact_info", extra_contact),
	META("report_metadata", "generator", generator),     /* RFC 9990 */
	META("date_range", "begin", begin),
	META("date_range", "end", end),
	META("policy_published", "domain", domain),
	META("policy_published", "adkim", adkim),
	META("policy_published", "aspf", aspf),
	META("policy_published", "p", p),
	META("policy_published", "sp", sp),
	META("policy_published", "pct", pct),
	META("policy_published", "fo", fo),
	META("policy_published", "np", np),                  /* RFC 9990 */
	META("policy_published", "testing", testing),        /* RFC 9990 */
	META("policy_published", "discovery_method", discovery_method), /* RFC 9990 */
	META("feedback", "version", version),
	REC("row", "source_ip", source_ip),
	REC("row", "count", count),
	REC("policy_evaluated", "disposition", disposition),
	REC("policy_evaluated", "dkim", dkim),
	REC("policy_evaluated", "spf", spf),
	REC("identifiers", "header_from", header_from),
	REC("identifiers", "envelope_from", envelope_from),
	REC("identifiers", "envelope_to", envelope_to),
	REC("reason", "type", r_type),
	REC("reason", "comment", r_comment),
	REC("dkim", "domain", a_domain),
	REC("dkim", "selector", a_selector),
	REC("dkim", "result", a_result),
	REC("dkim", "human_result", a_human),
	REC("spf", "domain", a_domain),
	REC("spf", "scope", a_scope),
	REC("spf", "result", a_result),
	REC("spf", "human_result", a_human),
};

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

static enum rb_status on_end(struct aggregate *a, const char *name)
{
	const char *up = parent(a, 1);
	struct record_state *r = &a->rec;
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (routes[i].element[0] != name[0] || strcmp(routes[i].element, name) != 0 ||
		    strcmp(routes[i].parent, up) != 0)
			continue;
		struct field *f = routes[i].meta_offset != SIZE_MAX
					  ? (struct field *)((char *)&a->meta + routes[i].meta_offset)
					  : (struct field *)((char *)r + routes[i].record_offset);
		field_set(f, a->text.s);
		return RB_OK;
	}
	if (strcmp(name, "error") == 0 && strcmp(up, "report_metadata") == 0) {
		field_set(&a->text, a->text.s);
		add_error(a, a->text.s);
	} else if (strcmp(name, "dkim") == 0 && strcmp(up, "auth_results") == 0) {
		struct rb_json_writer *w = &r->dkim_results;
		rb_json_begin_object(w);
		add_pair(w, "domain", &r->a_domain, true);
		add_pair(w, "selector", &r->a_selector, false);
		add_pair(w, "result", &r->a_result, true);
		add_pair(w, "human_result", &r->a_human, false);
		rb_json_end_object(w);
		auth_clear(r);
	} else if (strcmp(name, "spf") == 0 && strcmp(up, "auth_results") == 0) {
		struct rb_json_writer *w = &r->spf_results;
		rb_json_begin_object(w);
		add_pair(w, "domain", &r->a_domain, true);
		add_pair(w, "scope", &r->a_scope, true);
		add_pair(w, "result", &r->a_result, true);
		rb_json_end_object(w);
		auth_clear(r);
	} else if (strcmp(name, "reason") == 0 && strcmp(up, "policy_evaluated") == 0) {
		struct rb_json_writer *w = &r->reasons;
		rb_json_begin_object(w);
		add_pair(w, "type", &r->r_type, true);
		add_pair(w, "comment", &r->r_comment, false);
		rb_json_end_object(w);
		r->r_type.s[0] = r->r_comment.s[0] = '\0';
		r->r_type.len = r->r_comment.len = 0;
	} else if (strcmp(name, "record") == 0) {
		if (a->records >= a->limits->max_xml_records) {
			char msg[120];
			snprintf(msg, sizeof(msg), "more than %zu records (max_xml_records): the rest "
						   "were not read",
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

/* libxml2 asks for as little as 4 bytes at first: serve it from a staging buffer. */
struct xml_io {
	struct rb_reader *src;
	struct rb_error err;
	bool failed;
	unsigned char stage[16384];
	size_t len, pos;
};

static int xml_io_read(void *ctx, char *buf, int len)
{
	struct xml_io *io = ctx;
	if (len <= 0)
		return 0;
	if (io->pos == io->len) {
		size_t got = 0;
		if (io->src->read(io->src->ctx, io->stage, sizeof(io->stage), &got, &io->err) != RB_OK) {
			io->failed = true;
			return -1;
		}
		io->len = got;
		io->pos = 0;
		if (got == 0)
			return 0;
	}
	size_t n = io->len - io->pos < (size_t)len ? io->len - io->pos : (size_t)len;
	memcpy(buf, io->stage + io->pos, n);
	io->pos += n;
	return (int)n;
}

static int xml_io_close(void *ctx)
{
	(void)ctx;
	return 0;
}

enum rb_status rb_dmarc_aggregate_parse(struct rb_reader *in, const struct rb_limits *limits,
					struct rb_emitter *em, bool *is_report_r,
					struct rb_error *err)
{
	*is_report_r = false;
	struct aggregate *a = calloc(1, sizeof(*a));
	struct rb_xml_repair *repair = rb_xml_repair_new(in, dmarc_elements);
	if (a == NULL || repair == NULL) {
		free(a);
		rb_xml_repair_free(&repair);
		return rb_error_set(err, RB_ERR_NOMEM, "out of memory reading a DMARC report");
	}
	a->em = em;
	a->limits = limits;
	rb_json_writer_init(&a->errors);
	rb_json_begin_array(&a->errors);
	a->schema = "rfc7489";
	record_reset(&a->rec);

	struct rb_reader mended = {rb_xml_repair_read, repair};
	struct xml_io *io = calloc(1, sizeof(*io));
	if (io == NULL) {
		free(a);
		rb_xml_repair_free(&repair);
		return rb_error_set(err, RB_ERR_NOMEM, "out of memory reading a DMARC report");
	}
	io->src = &mended;
	xmlTextReaderPtr reader =
		xmlReaderForIO(xml_io_read, xml_io_close, io, NULL, NULL,
			       XML_PARSE_NONET | XML_PARSE_RECOVER | XML_PARSE_NOERROR |
				       XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
	enum rb_status st = RB_OK;
	if (reader == NULL) {
		st = rb_error_set(err, RB_ERR_INTERNAL, "libxml2 cannot start an XML reader");
		goto done;
	}
	xmlTextReaderSetErrorHandler(reader, on_xml_error, a);
	bool root_seen = false;
	int ret;
	while (!a->stop && st == RB_OK && (ret = xmlTextReaderRead(reader)) == 1) {
		int type = xmlTextReaderNodeType(reader);
		if (type == XML_READER_TYPE_ELEMENT) {
			const char *name = (const char *)xmlTextReaderConstLocalName(reader);
			if (name == NULL)
				name = "";
			if (!root_seen) {
				root_seen = true;
				if (strcmp(name, "feedback") != 0)
					goto done; /* not an aggregate report */
				*is_report_r = true;
				const char *ns = (const char *)xmlTextReaderConstNamespaceUri(reader);
				if (ns != NULL && strstr(ns, "dmarc-2.0") != NULL)
					a->schema = "rfc9990";
			}
			if (a->depth >= (int)limits->max_xml_depth ||
			    a->depth >= (int)(sizeof(a->stack) / sizeof(a->stack[0]))) {
				add_error(a, "XML nested deeper than max_xml_depth: reading stopped");
				a->stop = true;
				break;
			}
			snprintf(a->stack[a->depth++], DMARC_STACK_NAME, "%s", name);
			a->text.len = 0;
			a->text.s[0] = '\0';
			if (strcmp(name, "record") == 0)
				meta_prepare(&a->meta);
			if (xmlTextReaderIsEmptyElement(reader)) {
				st = on_end(a, name);
				a->depth--;
			}
		} else if (type == XML_READER_TYPE_END_ELEMENT) {
			if (a->depth > 0) {
				st = on_end(a, a->stack[a->depth - 1]);
				a->depth--;
			}
			a->text.len = 0;
			a->text.s[0] = '\0';
		} else if (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA) {
			const char *v = (const char *)xmlTextReaderConstValue(reader);
			size_t n = v ? strlen(v) : 0;
			size_t room = sizeof(a->text.s) - 1 - a->text.len;
			if (n > room) {
				a->text_overflow++;
				n = room;
			}
			memcpy(a->text.s + a->text.len, v, n);
			a->text.len += n;
			a->text.s[a->text.len] = '\0';
		}
	}
	if (io->failed) {
		/* The payload below failed (a cap, a broken archive): that is the error. */
		st = io->err.status;
		*err = io->err;
		goto done;
	}
	if (st != RB_OK || !*is_report_r)
		goto done;
	if (rb_xml_repair_closed_root(repair))
		add_error(a, "the report's root element was never closed");
	if (a->depth > 0)
		add_error(a, "the report ended inside an element (unclosed tags were closed)");
	if (rb_xml_repair_ampersands(repair) > 0) {
		char msg[100];
		snprintf(msg, sizeof(msg), "%zu bare '&' escaped", rb_xml_repair_ampersands(repair));
		add_error(a, msg);
	}
	if (rb_xml_repair_brackets(repair) > 0) {
		char msg[100];
		snprintf(msg, sizeof(msg), "%zu bare '<' escaped", rb_xml_repair_brackets(repair));
		add_error(a, msg);
	}
	if (rb_xml_repair_latin1(repair) > 0) {
		char msg[100];
		snprintf(msg, sizeof(msg), "%zu bytes that were not UTF-8 read as Latin-1",
			 rb_xml_repair_latin1(repair));
		add_error(a, msg);
	}
	if (a->text_overflow > 0)
		add_error(a, "values longer than 511 bytes were cut");
	if (a->parser_errors > DMARC_MAX_ERRORS) {
		char msg[100];
		snprintf(msg, sizeof(msg), "%u more XML errors not listed",
			 a->parser_errors - DMARC_MAX_ERRORS);
		add_error(a, msg);
	}
	st = emit_report(a);
done:
	if (reader != NULL)
		xmlFreeTextReader(reader);
	rb_json_writer_free(&a->rec.dkim_results);
	rb_json_writer_free(&a->rec.spf_results);
	rb_json_writer_free(&a->rec.reasons);
	rb_json_writer_free(&a->errors);
	rb_xml_repair_free(&repair);
	free(a->meta.key);
	free(io);
	free(a);
	if (st == RB_ERR_ABORTED && err != NULL)
		*err = em->error;
	return st;
}
