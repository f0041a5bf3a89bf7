/*
 * test_tlsrpt.c - SMTP TLS reports (RFC 8460): the corpus, spellings, mail wrapping.
 */
#include "check.h"
#include "collect.h"

static json_object *one_report(struct collected *c, const char *path)
{
	collected_free(c);
	CHECK(collect_report_file(c, path) == RB_OK);
	CHECK(c->count == 1);
	json_object *r = first_of(c, "tls_report");
	CHECK(r != NULL);
	return r;
}

static json_object *policy(json_object *r, size_t i)
{
	json_object *ps = NULL;
	if (r == NULL || !json_object_object_get_ex(r, "policies", &ps) ||
	    json_object_array_length(ps) <= i)
		return NULL;
	return json_object_array_get_idx(ps, i);
}

static json_object *detail(json_object *p, size_t i)
{
	json_object *ds = NULL;
	if (p == NULL || !json_object_object_get_ex(p, "failure_details", &ds) ||
	    json_object_array_length(ds) <= i)
		return NULL;
	return json_object_array_get_idx(ds, i);
}

int main(void)
{
	struct collected *c = calloc(1, sizeof(*c));
	const char *dir = "tests/corpus/dmarc-cryinc/tlsrpt/";
	char path[256];

	snprintf(path, sizeof(path), "%srfc-example.json", dir);
	json_object *r = one_report(c, path);
	CHECK_STR(ev_str(r, "organization"), "Company-X");
	CHECK_STR(ev_str(r, "report_id"), "5065427c-23d3-47ca-b6e0-946ea0e8c4be");
	CHECK_STR(ev_str(r, "begin"), "2016-04-01T00:00:00Z");
	CHECK_STR(ev_str(r, "end"), "2016-04-01T23:59:59Z");
	CHECK_STR(ev_str(r, "time"), "2016-04-01T23:59:59Z");
	CHECK_STR(ev_str(r, "contact"), "sts-reporting@company-x.example");
	json_object *p = policy(r, 0);
	CHECK_STR(ev_str(p, "type"), "sts");
	CHECK_STR(ev_str(p, "domain"), "company-y.example");
	CHECK_STR(ev_str(p, "mx_hosts"), "[ \"*.mail.company-y.example\" ]");
	CHECK(ev_int(p, "success_count") == 5326);
	CHECK(ev_int(p, "failure_count") == 303);
	json_object *d = detail(p, 1);
	CHECK_STR(ev_str(d, "result_type"), "starttls-not-supported");
	CHECK_STR(ev_str(d, "receiving_ip"), "203.0.113.56");
	CHECK(ev_int(d, "failed_session_count") == 200);
	CHECK(strstr(ev_str(d, "additional_information"), "StarttlsNotSupported") != NULL);
	CHECK_STR(ev_str(detail(p, 2), "failure_reason_code"), "X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED");

	snprintf(path, sizeof(path), "%smicrosoft.json", dir);
	r = one_report(c, path);
	CHECK_STR(ev_str(r, "organization"), "Microsoft Corporation");
	CHECK_STR(ev_str(policy(r, 1), "type"), "tlsa");
	CHECK(ev_int(policy(r, 1), "success_count") == 2);

	/* A null contact-info. */
	snprintf(path, sizeof(path), "%sno-contact.json", dir);
	r = one_report(c, path);
	CHECK_STR(ev_str(r, "contact"), "");
	CHECK_STR(ev_str(r, "report_id"), "123_456");

	/* No sending IP, no MX in the details. */
	snprintf(path, sizeof(path), "%sno_ip_and_mx.json", dir);
	r = one_report(c, path);
	d = detail(policy(r, 0), 0);
	CHECK_STR(ev_str(d, "result_type"), "sts-policy-fetch-error");
	CHECK_STR(ev_str(d, "sending_mta_ip"), "");
	CHECK(ev_int(d, "failed_session_count") == 3);

	snprintf(path, sizeof(path), "%sno-policy.json", dir);
	r = one_report(c, path);
	CHECK(r != NULL);

	snprintf(path, sizeof(path), "%sgoogle.json", dir);
	r = one_report(c, path);
	CHECK_STR(ev_str(r, "organization"), "Google Inc.");

	/* The other spellings seen in the wild, bare and as a gzip attachment: same id. */
	r = one_report(c, "tests/data/dmarc/tlsrpt-spellings.json");
	p = policy(r, 0);
	CHECK_STR(ev_str(p, "mx_hosts"), "[ \"*.mx.example.com\" ]");
	CHECK_STR(ev_str(detail(p, 0), "additional_information"), "https://example.com/info");
	char id[40];
	snprintf(id, sizeof(id), "%s", ev_str(r, "id"));
	collected_free(c);
	CHECK(collect_file(c, "tests/data/dmarc/mail-tlsrpt-gzip.eml") == RB_OK);
	CHECK(c->count == 1);
	CHECK_STR(ev_str(first_of(c, "tls_report"), "id"), id);

	collected_free(c);
	free(c);
	return check_done();
}
