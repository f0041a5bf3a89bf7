/*
 * tlsrpt.c - SMTP TLS reports (RFC 8460 section 4) into one `tls_report` event.
 *
 * The JSON is read incrementally with json-c's tokener (bounded by TLSRPT_MAX_BYTES:
 * TLS reports are small, a larger one is an error, not a reason to grow). Field names
 * follow the RFC, with the spellings seen in the wild accepted as well: "mx-host" and
 * "mx-host-pattern", "additional-information" and "additional-info-uri", and a null
 * "contact-info". Output names use underscores (policies[].mx_hosts, ...).
 */
#define _GNU_SOURCE /* memmem */
#include "parsers/tlsrpt.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *str_or_empty(json_object *obj, const char *key)
{
	json_object *v = NULL;
	if (obj == NULL || !json_object_object_get_ex(obj, key, &v) || v == NULL)
		return "";
	if (json_object_get_type(v) == json_type_string)
		return json_object_get_string(v);
	return "";
}

/* The first of several spellings that is present. */
static json_object *get_any(json_object *obj, const char *const *keys)
{
	json_object *v = NULL;
	for (; *keys != NULL; keys++)
		if (obj != NULL && json_object_object_get_ex(obj, *keys, &v) && v != NULL)
			return v;
	return NULL;
}

static int64_t int_of(json_object *obj, const char *key)
{
	json_object *v = NULL;
	if (obj == NULL || !json_object_object_get_ex(obj, key, &v) || v == NULL)
		return 0;
	return json_object_get_int64(v);
}

/* A string, or an array of which the strings are kept, as an array of strings. */
static void write_string_array(struct rb_json_writer *w, json_object *v)
{
	rb_json_begin_array(w);
	if (v != NULL && json_object_get_type(v) == json_type_array) {
		size_t n = json_object_array_length(v);
		for (size_t i = 0; i < n; i++) {
			json_object *e = json_object_array_get_idx(v, i);
			if (e != NULL && json_object_get_type(e) == json_type_string)
				rb_json_str(w, json_object_get_string(e));
		}
	} else if (v != NULL && json_object_get_type(v) == json_type_string) {
		rb_json_str(w, json_object_get_string(v));
	}
	rb_json_end_array(w);
}

static void write_failure_details(struct rb_json_writer *w, json_object *policy_entry)
{
	static const char *const info_keys[] = {"additional-information", "additional-info-uri",
						NULL};
	rb_json_begin_array(w);
	json_object *details = NULL;
	if (!json_object_object_get_ex(policy_entry, "failure-details", &details) ||
	    details == NULL || json_object_get_type(details) != json_type_array) {
		rb_json_end_array(w);
		return;
	}
	size_t n = json_object_array_length(details);
	for (size_t i = 0; i < n; i++) {
		json_object *d = json_object_array_get_idx(details, i);
		if (d == NULL || json_object_get_type(d) != json_type_object)
			continue;
		json_object *info = get_any(d, info_keys);
		rb_json_begin_object(w);
		rb_json_field_str(w, "result_type", str_or_empty(d, "result-type"));
		rb_json_field_str(w, "sending_mta_ip", str_or_empty(d, "sending-mta-ip"));
		rb_json_field_str(w, "receiving_mx_hostname",
				  str_or_empty(d, "receiving-mx-hostname"));
		rb_json_field_str(w, "receiving_mx_helo", str_or_empty(d, "receiving-mx-helo"));
		rb_json_field_str(w, "receiving_ip", str_or_empty(d, "receiving-ip"));
		rb_json_field_int(w, "failed_session_count", int_of(d, "failed-session-count"));
		rb_json_field_str(w, "additional_information",
				  info && json_object_get_type(info) == json_type_string
					  ? json_object_get_string(info)
					  : "");
		rb_json_field_str(w, "failure_reason_code", str_or_empty(d, "failure-reason-code"));
		rb_json_end_object(w);
	}
	rb_json_end_array(w);
}

static void write_policies(struct rb_json_writer *w, json_object *report)
{
	static const char *const mx_keys[] = {"mx-host", "mx-host-pattern", NULL};
	rb_json_begin_array(w);
	json_object *policies = NULL;
	if (!json_object_object_get_ex(report, "policies", &policies) || policies == NULL ||
	    json_object_get_type(policies) != json_type_array) {
		rb_json_end_array(w);
		return;
	}
	size_t n = json_object_array_length(policies);
	for (size_t i = 0; i < n; i++) {
		json_object *entry = json_object_array_get_idx(policies, i);
		if (entry == NULL || json_object_get_type(entry) != json_type_object)
			continue;
		json_object *policy = NULL, *summary = NULL;
		json_object_object_get_ex(entry, "policy", &policy);
		json_object_object_get_ex(entry, "summary", &summary);
		rb_json_begin_object(w);
		rb_json_field_str(w, "type", str_or_empty(policy, "policy-type"));
		rb_json_field_str(w, "domain", str_or_empty(policy, "policy-domain"));
		rb_json_key(w, "mx_hosts");
		write_string_array(w, get_any(policy, mx_keys));
		rb_json_field_int(w, "success_count",
				  int_of(summary, "total-successful-session-count"));
		rb_json_field_int(w, "failure_count",
				  int_of(summary, "total-failure-session-count"));
		rb_json_key(w, "failure_details");
		write_failure_details(w, entry);
		rb_json_end_object(w);
	}
	rb_json_end_array(w);
}

/* RFC 3339 as written by the reporter; only a sanity check, no reformatting. */
static bool looks_like_rfc3339(const char *s)
{
	return strlen(s) >= 20 && s[4] == '-' && s[7] == '-' && (s[10] == 'T' || s[10] == 't');
}

enum rb_status rb_tlsrpt_parse(struct rb_reader *in, struct rb_emitter *em, bool *is_report_r,
			       struct rb_error *err)
{
	*is_report_r = false;
	json_tokener *tok = json_tokener_new();
	if (tok == NULL)
		return rb_error_set(err, RB_ERR_NOMEM, "out of memory reading a TLS report");
	json_object *report = NULL;
	enum json_tokener_error jerr = json_tokener_continue;
	size_t total = 0;
	unsigned char buf[65536];
	enum rb_status st = RB_OK;
	while (report == NULL && jerr == json_tokener_continue) {
		size_t got = 0;
		st = in->read(in->ctx, buf, sizeof(buf), &got, err);
		if (st != RB_OK)
			break;
		total += got;
		if (total > TLSRPT_MAX_BYTES) {
			st = rb_error_set(err, RB_ERR_LIMIT, "TLS report larger than %u bytes",
					  TLSRPT_MAX_BYTES);
			break;
		}
		if (got == 0) {
			/* End of input: let the tokener finish a bare value. */
			report = json_tokener_parse_ex(tok, "", -1);
			jerr = json_tokener_get_error(tok);
			if (report == NULL && jerr == json_tokener_continue)
				jerr = json_tokener_error_parse_eof;
			break;
		}
		report = json_tokener_parse_ex(tok, (const char *)buf, (int)got);
		jerr = json_tokener_get_error(tok);
	}
	json_tokener_free(tok);
	if (st != RB_OK) {
		json_object_put(report);
		return st;
	}
	if (report == NULL) {
		/* Broken JSON: a report only if it said so in its first bytes. */
		*is_report_r = memmem(buf, sizeof(buf) < total ? sizeof(buf) : total,
				      "organization-name", 17) != NULL;
		if (!*is_report_r)
			return RB_OK;
		char why[200];
		snprintf(why, sizeof(why), "TLS report is not valid JSON: %s",
			 json_tokener_error_desc(jerr));
		return rb_emit_problem(em, RB_EVENT_ERROR, why);
	}
	json_object *probe = NULL;
	if (json_object_get_type(report) != json_type_object ||
	    !json_object_object_get_ex(report, "policies", &probe) ||
	    (!json_object_object_get_ex(report, "organization-name", &probe) &&
	     !json_object_object_get_ex(report, "report-id", &probe))) {
		json_object_put(report);
		return RB_OK;
	}
	*is_report_r = true;
	json_object *range = NULL;
	json_object_object_get_ex(report, "date-range", &range);
	const char *org = str_or_empty(report, "organization-name");
	const char *id = str_or_empty(report, "report-id");
	const char *begin = str_or_empty(range, "start-datetime");
	const char *end = str_or_empty(range, "end-datetime");

	struct rb_event *ev = rb_event_begin(em, RB_EVENT_TLS_REPORT);
	if (ev != NULL) {
		size_t n = strlen(org) + strlen(id) + strlen(begin) + strlen(end) + 16;
		char *key = malloc(n);
		if (key != NULL) {
			snprintf(key, n, "tlsrpt\n%s\n%s\n%s\n%s", org, id, begin, end);
			rb_event_set_id_key(ev, key);
			free(key);
		}
		if (looks_like_rfc3339(end))
			rb_event_set_time(ev, end);
		rb_event_set_str(ev, "organization", org);
		rb_event_set_str(ev, "report_id", id);
		rb_event_set_time_field(ev, "begin", looks_like_rfc3339(begin) ? begin : NULL);
		rb_event_set_time_field(ev, "end", looks_like_rfc3339(end) ? end : NULL);
		rb_event_set_str(ev, "contact", str_or_empty(report, "contact-info"));
		struct rb_json_writer policies;
		rb_json_writer_init(&policies);
		write_policies(&policies, report);
		rb_event_set_json(ev, "policies", &policies);
		rb_json_writer_free(&policies);
	}
	json_object_put(report);
	return rb_event_finish(em, ev);
}
