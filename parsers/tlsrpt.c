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

static json_object *string_array(json_object *v)
{
	json_object *out = json_object_new_array();
	if (v != NULL && json_object_get_type(v) == json_type_array) {
		size_t n = json_object_array_length(v);
		for (size_t i = 0; i < n; i++) {
			json_object *e = json_object_array_get_idx(v, i);
			if (e != NULL && json_object_get_type(e) == json_type_string)
				json_object_array_add(out, json_object_new_string(json_object_get_string(e)));
		}
	} else if (v != NULL && json_object_get_type(v) == json_type_string) {
		json_object_array_add(out, json_object_new_string(json_object_get_string(v)));
	}
	return out;
}

static json_object *failure_details(json_object *policy_entry)
{
	static const char *const info_keys[] = {"additional-information", "additional-info-uri",
						NULL};
	json_object *out = json_object_new_array();
	json_object *details = NULL;
	if (!json_object_object_get_ex(policy_entry, "failure-details", &details) || details == NULL ||
	    json_object_get_type(details) != json_type_array)
		return out;
	size_t n = json_object_array_length(details);
	for (size_t i = 0; i < n; i++) {
		json_object *d = json_object_array_get_idx(details, i);
		if (d == NULL || json_object_get_type(d) != json_type_object)
			continue;
		json_object *o = json_object_new_object();
		json_object *info = get_any(d, info_keys);
		json_object_object_add(o, "result_type", json_object_new_string(str_or_empty(d, "result-type")));
		json_object_object_add(o, "sending_mta_ip", json_object_new_string(str_or_empty(d, "sending-mta-ip")));
		json_object_object_add(o, "receiving_mx_hostname",
				       json_object_new_string(str_or_empty(d, "receiving-mx-hostname")));
		json_object_object_add(o, "receiving_mx_helo",
				       json_object_new_string(str_or_empty(d, "receiving-mx-helo")));
		json_object_object_add(o, "receiving_ip", json_object_new_string(str_or_empty(d, "receiving-ip")));
		json_object_object_add(o, "failed_session_count",
				       json_object_new_int64(int_of(d, "failed-session-count")));
		json_object_object_add(o, "additional_information",
				       json_object_new_string(info && json_object_get_type(info) == json_type_string
								      ? json_object_get_string(info)
								      : ""));
		json_object_object_add(o, "failure_reason_code",
				       json_object_new_string(str_or_empty(d, "failure-reason-code")));
		json_object_array_add(out, o);
	}
	return out;
}

static json_object *policies_of(json_object *report)
{
	static const char *const mx_keys[] = {"mx-host", "mx-host-pattern", NULL};
	json_object *out = json_object_new_array();
	json_object *policies = NULL;
	if (!json_object_object_get_ex(report, "policies", &policies) || policies == NULL ||
	    json_object_get_type(policies) != json_type_array)
		return out;
	size_t n = json_object_array_length(policies);
	for (size_t i = 0; i < n; i++) {
		json_object *entry = json_object_array_get_idx(policies, i);
		if (entry == NULL || json_object_get_type(entry) != json_type_object)
			continue;
		json_object *policy = NULL, *summary = NULL;
		json_object_object_get_ex(entry, "policy", &policy);
		json_object_object_get_ex(entry, "summary", &summary);
		json_object *o = json_object_new_object();
		json_object_object_add(o, "type", json_object_new_string(str_or_empty(policy, "policy-type")));
		json_object_object_add(o, "domain", json_object_new_string(str_or_empty(policy, "policy-domain")));
		json_object_object_add(o, "mx_hosts", string_array(get_any(policy, mx_keys)));
		json_object_object_add(o, "success_count",
				       json_object_new_int64(int_of(summary, "total-successful-session-count")));
		json_object_object_add(o, "failure_count",
				       json_object_new_int64(int_of(summary, "total-failure-session-count")));
		json_object_object_add(o, "failure_details", failure_details(entry));
		json_object_array_add(out, o);
	}
	return out;
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
		rb_event_set_json(ev, "policies", policies_of(report));
	}
	json_object_put(report);
	return rb_event_finish(em, ev);
}
