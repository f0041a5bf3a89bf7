/*
 * test_dmarc_aggregate.c - aggregate reports: the corpus, every wrapping, namespaces,
 * broken XML, limits and duplicate ids.
 */
#include <dirent.h>

#include "check.h"
#include "collect.h"

/* The sum of <count> values in a report file, read as text. */
static long long sum_of_counts(const char *path)
{
	size_t len = 0;
	unsigned char *data = read_whole_file(path, &len);
	long long sum = 0;
	if (data == NULL)
		return -1;
	data = realloc(data, len + 1);
	data[len] = '\0';
	for (const char *p = (const char *)data; (p = strstr(p, "<count>")) != NULL; p += 7)
		sum += strtoll(p + 7, NULL, 10);
	free(data);
	return sum;
}

static void test_corpus(void)
{
	const char *dir = "tests/corpus/dmarc-cryinc/aggregate";
	DIR *d = opendir(dir);
	CHECK(d != NULL);
	if (d == NULL)
		return;
	struct dirent *de;
	int files = 0;
	while ((de = readdir(d)) != NULL) {
		if (strstr(de->d_name, ".xml") == NULL)
			continue;
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		struct collected *c = calloc(1, sizeof(*c));
		CHECK(collect_report_file(c, path) == RB_OK);
		json_object *report = first_of(c, "dmarc_report");
		CHECK(report != NULL);
		long long records = 0;
		for (size_t i = 0; i < c->count; i++)
			if (strcmp(ev_str(c->events[i], "type"), "dmarc_record") == 0)
				records += ev_int(c->events[i], "count");
		long long want = sum_of_counts(path);
		if (records != want || ev_int(report, "messages") != want)
			fprintf(stderr, "%s: records sum %lld, report says %lld, file %lld\n", path,
				records, ev_int(report, "messages"), want);
		CHECK(records == want);
		CHECK(ev_int(report, "messages") == want);
		CHECK(ev_int(report, "records") == (long long)count_of(c, "dmarc_record"));
		CHECK(*ev_str(report, "report_id") != '\0');
		CHECK(*ev_str(report, "org_name") != '\0');
		CHECK(*ev_str(report, "domain") != '\0');
		files++;
		collected_free(c);
		free(c);
	}
	closedir(d);
	CHECK(files == 10);

	/* Specific values of two providers' reports. */
	struct collected *c = calloc(1, sizeof(*c));
	CHECK(collect_report_file(c, "tests/corpus/dmarc-cryinc/aggregate/google.xml") == RB_OK);
	json_object *r = first_of(c, "dmarc_report");
	CHECK_STR(ev_str(r, "org_name"), "google.com");
	CHECK_STR(ev_str(r, "org_email"), "noreply-dmarc-support@google.com");
	CHECK_STR(ev_str(r, "report_id"), "3166094538684628578");
	CHECK_STR(ev_str(r, "domain"), "foo-bar.io");
	CHECK_STR(ev_str(r, "begin"), "2024-03-06T00:00:00Z");
	CHECK_STR(ev_str(r, "end"), "2024-03-06T23:59:59Z");
	CHECK_STR(ev_str(r, "p"), "reject");
	CHECK_STR(ev_str(r, "np"), "reject");
	CHECK(ev_int(r, "pct") == 100);
	json_object *rec = first_of(c, "dmarc_record");
	CHECK_STR(ev_str(rec, "source_ip"), "1.2.3.4");
	CHECK_STR(ev_str(rec, "disposition"), "none");
	CHECK_STR(ev_str(rec, "header_from"), "foo-bar.io");
	CHECK_STR(ev_str(rec, "dkim_results"),
		  "[ { \"domain\": \"foo-bar.io\", \"selector\": \"krs\", \"result\": \"pass\", "
		  "\"human_result\": \"\" } ]");
	collected_free(c);
	CHECK(collect_report_file(c, "tests/corpus/dmarc-cryinc/aggregate/outlook.xml") == RB_OK);
	rec = first_of(c, "dmarc_record");
	CHECK_STR(ev_str(rec, "envelope_to"), "live.de");
	CHECK_STR(ev_str(rec, "envelope_from"), "random.net");
	collected_free(c);
	free(c);
}

static void check_fixture_report(struct collected *c, const char *what)
{
	json_object *r = first_of(c, "dmarc_report");
	if (r == NULL) {
		fprintf(stderr, "%s: no dmarc_report\n", what);
		CHECK(r != NULL);
		return;
	}
	CHECK(count_of(c, "dmarc_record") == 2);
	CHECK_STR(ev_str(r, "org_name"), "Example Receiver");
	CHECK_STR(ev_str(r, "report_id"), "rpt-2024-0042");
	CHECK_STR(ev_str(r, "aspf"), "s");
	CHECK(ev_int(r, "pct") == 50);
	CHECK(ev_int(r, "messages") == 10);
	json_object *rec = first_of(c, "dmarc_record");
	CHECK_STR(ev_str(rec, "disposition"), "quarantine");
	CHECK_STR(ev_str(rec, "reasons"), "[ { \"type\": \"forwarded\", \"comment\": \"list\" } ]");
	CHECK_STR(ev_str(rec, "spf_results"),
		  "[ { \"domain\": \"bounce.example.com\", \"scope\": \"mfrom\", \"result\": "
		  "\"softfail\" } ]");
	json_object *dkim = NULL;
	CHECK(json_object_object_get_ex(rec, "dkim_results", &dkim) &&
	      json_object_array_length(dkim) == 2);
}

/* Every wrapping of the same report gives the same events with the same ids. */
static void test_wrappings(void)
{
	static const char *const bare[] = {"report.xml", "report.xml.gz", "report.zip",
					   "report-gz-in-zip.zip", "report.xml.gz.gz"};
	static const char *const mail[] = {"mail-zip-base64.eml", "mail-gzip-octet.eml",
					   "mail-gzip-labelled-xml.eml", "mail-xml-qp.eml",
					   "mail-single-part-gzip.eml"};
	char first_ids[2][40] = {{0}};
	for (int kind = 0; kind < 2; kind++) {
		for (size_t i = 0; i < 5; i++) {
			char path[256];
			snprintf(path, sizeof(path), "tests/data/dmarc/%s", kind ? mail[i] : bare[i]);
			struct collected *c = calloc(1, sizeof(*c));
			CHECK((kind ? collect_file(c, path) : collect_report_file(c, path)) == RB_OK);
			check_fixture_report(c, path);
			const char *rid = ev_str(first_of(c, "dmarc_report"), "id");
			const char *cid = ev_str(first_of(c, "dmarc_record"), "id");
			if (first_ids[0][0] == '\0') {
				snprintf(first_ids[0], 40, "%s", rid);
				snprintf(first_ids[1], 40, "%s", cid);
			}
			CHECK_STR(rid, first_ids[0]);
			CHECK_STR(cid, first_ids[1]);
			collected_free(c);
			free(c);
		}
	}
}

static void test_namespace_and_broken(void)
{
	struct collected *c = calloc(1, sizeof(*c));
	CHECK(collect_report_file(c, "tests/data/dmarc/namespace-rfc9990.xml") == RB_OK);
	json_object *r = first_of(c, "dmarc_report");
	CHECK_STR(ev_str(r, "schema"), "rfc9990");
	CHECK_STR(ev_str(r, "org_name"), "reporter.example"); /* empty: the email's domain */
	CHECK_STR(ev_str(r, "np"), "quarantine");
	CHECK_STR(ev_str(r, "testing"), "n");
	CHECK_STR(ev_str(r, "discovery_method"), "treewalk");
	CHECK_STR(ev_str(r, "generator"), "Reporter DMARC 3.1");
	CHECK(ev_int(r, "messages") == 11);
	collected_free(c);

	CHECK(collect_report_file(c, "tests/data/dmarc/broken.xml") == RB_OK);
	r = first_of(c, "dmarc_report");
	json_object *rec = first_of(c, "dmarc_record");
	CHECK_STR(ev_str(r, "org_name"), "A & B <Corp>");
	CHECK_STR(ev_str(r, "report_id"), "ab-1@ab-corp.example");
	CHECK_STR(ev_str(r, "domain"), "example.org");
	CHECK_STR(ev_str(r, "p"), "reject");
	CHECK(ev_int(r, "records") == 1 && ev_int(r, "messages") == 2);
	CHECK_STR(ev_str(rec, "disposition"), "reject");
	CHECK_STR(ev_str(rec, "dkim"), "fail");
	CHECK_STR(ev_str(rec, "header_from"), "caf\xc3\xa9.example.org");
	const char *errors = ev_str(r, "errors");
	CHECK(strstr(errors, "bare '&'") != NULL);
	CHECK(strstr(errors, "bare '<'") != NULL);
	CHECK(strstr(errors, "Latin-1") != NULL);
	CHECK(strstr(errors, "never closed") != NULL);
	collected_free(c);

	/* Empty and non-report payloads: one error event each. */
	static const char *const bad[] = {"tests/data/dmarc/not-a-report.xml",
					  "tests/data/dmarc/broken.json"};
	for (size_t i = 0; i < 2; i++) {
		CHECK(collect_report_file(c, bad[i]) == RB_OK);
		CHECK(c->count == 1);
		CHECK_STR(ev_str(c->events[0], "type"), "error");
		collected_free(c);
	}
	CHECK(collect_report_bytes(c, "", 0, NULL) == RB_OK);
	CHECK(c->count == 1 && strcmp(ev_str(c->events[0], "type"), "error") == 0);
	collected_free(c);
	free(c);
}

/* A report's own <error>, padded with white space, is kept trimmed (found by fuzzing:
 * the trim copied a string onto itself). */
static void test_report_errors(void)
{
	const char *xml = "<feedback><report_metadata><org_name>o</org_name>"
			  "<report_id>r</report_id><error>   parse failed at line 3   </error>"
			  "</report_metadata><record><row><count>1</count></row></record></feedback>";
	struct collected *c = calloc(1, sizeof(*c));
	CHECK(collect_report_bytes(c, xml, strlen(xml), NULL) == RB_OK);
	CHECK_STR(ev_str(first_of(c, "dmarc_report"), "errors"), "[ \"parse failed at line 3\" ]");
	collected_free(c);
	free(c);
}

/* A short report cut off in its second record: still a report, with its first record
 * and the errors that say what was wrong (libxml2's reader alone gave up before it saw
 * the root element, and this was "not a DMARC aggregate report"). */
static void test_truncated(void)
{
	const char *xml = "<feedback><report_metadata><org_name>o</org_name><report_id>r</report_id>"
			  "</report_metadata><record><row><count>3</count></row></record>"
			  "<record><row><count>4</cou";
	struct collected *c = calloc(1, sizeof(*c));
	CHECK(collect_report_bytes(c, xml, strlen(xml), NULL) == RB_OK);
	json_object *r = first_of(c, "dmarc_report");
	CHECK(r != NULL);
	CHECK(count_of(c, "dmarc_record") == 1);
	CHECK(ev_int(r, "records") == 1 && ev_int(r, "messages") == 3);
	const char *errors = ev_str(r, "errors");
	CHECK(strstr(errors, "XML line 1: Opening and ending tag mismatch") != NULL);
	CHECK(strstr(errors, "never closed") != NULL);
	collected_free(c);
	free(c);
}

static void test_limits(void)
{
	struct rb_limits limits;
	rb_limits_default(&limits);
	limits.max_xml_records = 1;
	struct collected *c = calloc(1, sizeof(*c));
	size_t len = 0;
	unsigned char *xml = read_whole_file("tests/data/dmarc/report.xml", &len);
	CHECK(collect_report_bytes(c, xml, len, &limits) == RB_OK);
	CHECK(count_of(c, "dmarc_record") == 1);
	CHECK(strstr(ev_str(first_of(c, "dmarc_report"), "errors"), "max_xml_records") != NULL);
	collected_free(c);

	rb_limits_default(&limits);
	limits.max_xml_depth = 3;
	CHECK(collect_report_bytes(c, xml, len, &limits) == RB_OK);
	CHECK(count_of(c, "dmarc_record") == 0);
	CHECK(strstr(ev_str(first_of(c, "dmarc_report"), "errors"), "max_xml_depth") != NULL);
	collected_free(c);
	free(xml);
	free(c);
}

int main(void)
{
	test_corpus();
	test_wrappings();
	test_namespace_and_broken();
	test_report_errors();
	test_truncated();
	test_limits();
	return check_done();
}
