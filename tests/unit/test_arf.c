/*
 * test_arf.c - complaints and authentication failure reports (parsers/arf.c).
 */
#include "check.h"
#include "collect.h"

#define CORPUS "tests/corpus/sisimai/bsd/"

/* Parse one file; return its only event of `type` (NULL and a failure if not). */
static json_object *only_event(struct collected *c, const char *path, const char *type)
{
	collected_free(c);
	CHECK(collect_file(c, path) == RB_OK);
	CHECK(c->count == 1);
	if (c->count != 1)
		return NULL;
	CHECK_STR(ev_str(c->events[0], "type"), type);
	return c->events[0];
}

static void test_corpus_complaints(struct collected *c)
{
	json_object *ev = only_event(c, CORPUS "arf-02.eml", "complaint");
	if (ev != NULL) {
		CHECK_STR(ev_str(ev, "recipient"), "this-local-part-does-not-exist-on-yahoo@yahoo.com");
		CHECK_STR(ev_str(ev, "feedback_type"), "abuse");
		CHECK_STR(ev_str(ev, "user_agent"), "Yahoo!-Mail-Feedback/1.0");
		CHECK_STR(ev_str(ev, "reported_domain"), "example.com");
		CHECK_STR(ev_str(ev, "original_mail_from"), "shironeko@example.com");
		/* "Received-Date: Thu, 29 Apr 2013 23:45:50 PST" */
		CHECK_STR(ev_str(ev, "arrival_date"), "2013-04-30T07:45:50Z");
	}
	ev = only_event(c, CORPUS "arf-12.eml", "complaint");
	if (ev != NULL)
		CHECK_STR(ev_str(ev, "feedback_type"), "opt-out");

	/* Seven Original-Rcpt-To fields: seven complaints, in order. */
	collected_free(c);
	CHECK(collect_file(c, CORPUS "arf-16.eml") == RB_OK);
	CHECK(c->count == 7);
	if (c->count == 7) {
		CHECK_STR(ev_str(c->events[0], "recipient"), "kijitora@example.com");
		CHECK_STR(ev_str(c->events[6], "recipient"), "sabineko@example.com");
		CHECK_STR(ev_str(c->events[3], "source_ip"), "192.0.2.1");
		CHECK(strcmp(ev_str(c->events[0], "id"), ev_str(c->events[1], "id")) != 0);
	}

	/* Apple Mail's unsubscribe message, no ARF part. */
	ev = only_event(c, CORPUS "arf-26.eml", "complaint");
	if (ev != NULL) {
		CHECK_STR(ev_str(ev, "recipient"), "example@icloud.com");
		CHECK_STR(ev_str(ev, "feedback_type"), "opt-out");
	}

	/* The recipient is hidden: "" rather than an invented address. */
	ev = only_event(c, CORPUS "arf-11.eml", "complaint");
	if (ev != NULL) {
		CHECK_STR(ev_str(ev, "recipient"), "");
		CHECK_STR(ev_str(ev, "original_message_id"),
			  "ffffffffffffffffffffffffff0000000000@example.net");
	}
}

static void test_corpus_auth_failures(struct collected *c)
{
	json_object *ev = only_event(c, CORPUS "arf-18.eml", "dmarc_failure");
	if (ev != NULL) {
		CHECK_STR(ev_str(ev, "feedback_type"), "auth-failure");
		CHECK_STR(ev_str(ev, "auth_failure"), "dmarc");
		CHECK_STR(ev_str(ev, "source_ip"), "192.0.2.222");
		CHECK_STR(ev_str(ev, "reported_domain"), "example.net");
		CHECK_STR(ev_str(ev, "original_mail_from"), "sironeko@example.org");
		CHECK_STR(ev_str(ev, "original_rcpt_to"), "kijitora@example.com");
		CHECK_STR(ev_str(ev, "delivery_result"), "delivered");
		CHECK_STR(ev_str(ev, "arrival_date"), "2015-04-29T23:34:45Z");
	}
	/* text/rfc822-headers sample, no Original-Rcpt-To: the sample's To. */
	ev = only_event(c, CORPUS "arf-20.eml", "dmarc_failure");
	if (ev != NULL) {
		CHECK_STR(ev_str(ev, "original_rcpt_to"), "kijitora@example.org");
		CHECK_STR(ev_str(ev, "source_ip"), "203.0.113.2");
		CHECK_STR(ev_str(ev, "user_agent"), "OpenDMARC-Filter/1.3.0");
	}
}

static void test_fixtures(struct collected *c)
{
	json_object *ev = only_event(c, "tests/data/arf/auth-failure-mixed.eml", "dmarc_failure");
	if (ev != NULL) {
		CHECK_STR(ev_str(ev, "auth_failure"), "dkim");
		CHECK_STR(ev_str(ev, "identity_alignment"), "spf");
		CHECK_STR(ev_str(ev, "source_ip"), "198.51.100.7");
		CHECK_STR(ev_str(ev, "reported_domain"), "example.com");
		CHECK_STR(ev_str(ev, "original_mail_from"), "bounce@mailer.example.com");
		CHECK_STR(ev_str(ev, "original_rcpt_to"), "alice@receiver.example");
		CHECK_STR(ev_str(ev, "arrival_date"), "2024-09-03T08:14:50Z");
		CHECK_STR(ev_str(ev, "dkim_domain"), "example.com");
		CHECK_STR(ev_str(ev, "dkim_selector"), "s2024");
		CHECK_STR(ev_str(ev, "delivery_result"), "spam");
		CHECK_STR(ev_str(ev, "original_message_id"), "news-42@example.com");
	}
	ev = only_event(c, "tests/data/arf/auth-failure-headers.eml", "dmarc_failure");
	if (ev != NULL) {
		CHECK_STR(ev_str(ev, "source_ip"), "203.0.113.9");
		CHECK_STR(ev_str(ev, "original_rcpt_to"), "bob@isp.example");
		/* No DKIM-Domain field: the sample's signature says who signed. */
		CHECK_STR(ev_str(ev, "dkim_domain"), "attacker.example");
		CHECK_STR(ev_str(ev, "dkim_selector"), "sel1");
		CHECK_STR(ev_str(ev, "original_message_id"), "spoof-7@attacker.example");
		json_object *arrival = (json_object *)1;
		CHECK(json_object_object_get_ex(ev, "arrival_date", &arrival) && arrival == NULL);
	}
	ev = only_event(c, "tests/data/arf/exim-dmarc-forensic.eml", "dmarc_failure");
	if (ev != NULL) {
		CHECK_STR(ev_str(ev, "auth_failure"), "dmarc");
		CHECK_STR(ev_str(ev, "reported_domain"), "example.net");
		CHECK_STR(ev_str(ev, "source_ip"), "192.0.2.99");
		CHECK_STR(ev_str(ev, "identity_alignment"), "dkim");
		CHECK_STR(ev_str(ev, "delivery_result"), "reject");
		CHECK_STR(ev_str(ev, "arrival_date"), "2024-09-05T12:00:00Z");
		CHECK_STR(ev_str(ev, "original_rcpt_to"), "");
	}
	/* Mentions of DMARC and ARF words in ordinary mail are not reports. */
	ev = only_event(c, "tests/data/arf/not-a-report.eml", "unrecognized");
	(void)ev;
}

/* An SES complaint notification that lists nobody is still one complaint (found by
 * fuzz_message: the message was claimed and no event came out). */
static void test_ses_without_recipients(struct collected *c)
{
	const char *raw = "From: no-reply@sns.amazonaws.com\nSubject: AWS Notification Message\n\n"
			  "{\"notificationType\":\"Complaint\",\"complaint\":{\"userAgent\":\"x\","
			  "\"complaintFeedbackType\":\"abuse\"},\"mail\":{\"messageId\":\"m-1\"}}\n";
	collected_free(c);
	CHECK(collect_bytes(c, raw, strlen(raw), "ses") == RB_OK);
	CHECK(c->count == 1);
	CHECK_STR(ev_str(first_of(c, "complaint"), "recipient"), "");
	CHECK_STR(ev_str(first_of(c, "complaint"), "original_message_id"), "m-1");
}

int main(void)
{
	struct collected *c = calloc(1, sizeof(*c));
	test_corpus_complaints(c);
	test_corpus_auth_failures(c);
	test_fixtures(c);
	test_ses_without_recipients(c);
	collected_free(c);
	free(c);
	return check_done();
}
