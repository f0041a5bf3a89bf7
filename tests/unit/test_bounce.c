/*
 * test_bounce.c - the bounce core: DSN records, the classifier's tables and rules,
 * delivery events, limits, and mail that is no bounce.
 */
#include "check.h"
#include "collect.h"
#include "parsers/classify.h"

static const char *dsn_message =
	"From: MAILER-DAEMON@mx.example.org (Mail Delivery System)\n"
	"To: sender@example.com\n"
	"Subject: Undelivered Mail Returned to Sender\n"
	"Date: Tue, 02 Jan 2024 10:00:00 +0000\n"
	"Message-ID: <bounce-1@mx.example.org>\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n"
	"\n"
	"--B\n"
	"Content-Type: text/plain\n"
	"\n"
	"I'm sorry to have to inform you that your message could not be delivered.\n"
	"--B\n"
	"Content-Type: message/delivery-status\n"
	"\n"
	"Reporting-MTA: dns; mx.example.org\n"
	"\n"
	"Final-Recipient: rfc822; Gone@Example.NET\n"
	"Original-Recipient: rfc822; gone@example.net\n"
	"Action: failed\n"
	"Status: 5.1.1\n"
	"Remote-MTA: dns; mx.example.net\n"
	"Diagnostic-Code: smtp; 550 5.1.1 <gone@example.net>: Recipient address rejected:\n"
	"    User unknown in virtual mailbox table\n"
	"Last-Attempt-Date: Tue, 02 Jan 2024 09:59:58 +0000\n"
	"\n"
	"Final-Recipient: rfc822; full@example.org\n"
	"Action: delayed\n"
	"Status: 4.2.2\n"
	"Diagnostic-Code: smtp; 452 4.2.2 Mailbox full\n"
	"\n"
	"Final-Recipient: rfc822; ok@example.org\n"
	"Action: delivered\n"
	"Status: 2.0.0\n"
	"\n"
	"Final-Recipient: rfc822; spam@example.org\n"
	"Action: failed\n"
	"Status: 5.7.1\n"
	"Diagnostic-Code: smtp; 550 5.7.1 Service unavailable; client [192.0.2.1] blocked\n"
	"    using zen.spamhaus.org\n"
	"--B\n"
	"Content-Type: text/rfc822-headers\n"
	"\n"
	"Return-Path: <sender@example.com>\n"
	"From: sender@example.com\n"
	"To: gone@example.net\n"
	"Message-ID: <orig-42@example.com>\n"
	"--B--\n";

static void test_dsn_records(void)
{
	struct collected *c = calloc(1, sizeof(*c));
	CHECK(collect_bytes(c, dsn_message, strlen(dsn_message), "dsn") == RB_OK);
	CHECK(c->count == 4);
	if (c->count == 4) {
		json_object *gone = c->events[0], *full = c->events[1], *ok = c->events[2],
			    *spam = c->events[3];
		CHECK_STR(ev_str(gone, "type"), "bounce");
		CHECK_STR(ev_str(gone, "recipient"), "Gone@example.net");
		CHECK_STR(ev_str(gone, "status"), "5.1.1");
		CHECK(ev_int(gone, "reply_code") == 550);
		CHECK_STR(ev_str(gone, "reason"), "userunknown");
		CHECK_STR(ev_str(gone, "hard"), "true");
		CHECK_STR(ev_str(gone, "diagnostic_type"), "smtp");
		CHECK(strstr(ev_str(gone, "diagnostic"), "virtual mailbox table") != NULL);
		CHECK_STR(ev_str(gone, "remote_mta"), "mx.example.net");
		CHECK_STR(ev_str(gone, "reporting_mta"), "mx.example.org");
		CHECK_STR(ev_str(gone, "sender"), "sender@example.com");
		CHECK_STR(ev_str(gone, "original_message_id"), "orig-42@example.com");
		CHECK_STR(ev_str(gone, "decoded_by"), "rfc3464");
		CHECK_STR(ev_str(gone, "attribution"), "unverified");
		CHECK_STR(ev_str(gone, "time"), "2024-01-02T09:59:58Z");

		CHECK_STR(ev_str(full, "action"), "delayed");
		CHECK_STR(ev_str(full, "reason"), "mailboxfull");
		CHECK_STR(ev_str(full, "hard"), "false");
		CHECK_STR(ev_str(full, "time"), "2024-01-02T10:00:00Z");

		CHECK_STR(ev_str(ok, "type"), "delivery");
		CHECK_STR(ev_str(ok, "recipient"), "ok@example.org");

		CHECK_STR(ev_str(spam, "reason"), "blocked");
		CHECK_STR(ev_str(spam, "hard"), "false");
	}
	collected_free(c);

	/* max_recipients: the rest is one error event, not silence. */
	struct rb_limits limits;
	rb_limits_default(&limits);
	limits.max_recipients = 2;
	struct rb_source src = {.kind = "file", .path = "dsn"};
	struct rb_error err = {0};
	CHECK(rb_parse_message((const unsigned char *)dsn_message, strlen(dsn_message), &src,
			       &limits, collect_emit, c, &err) == RB_OK);
	CHECK(c->count == 3);
	CHECK(count_of(c, "error") == 1);
	CHECK(strstr(ev_str(first_of(c, "error"), "error"), "max_recipients") != NULL);
	collected_free(c);
	free(c);
}

/* One representative diagnostic per reason of the vocabulary the tables decide. */
static void test_phrases(void)
{
	static const struct {
		const char *text;
		const char *reason;
	} cases[] = {
		{"550 5.1.1 <a@b>... User Unknown", "userunknown"},
		{"Host or domain name not found. Name service error", "hostunknown"},
		{"550 5.1.6 recipient no longer on server: a@b", "hasmoved"},
		{"552 sorry, mailbox is full", "mailboxfull"},
		{"The email account that you tried to reach is disabled", "suspend"},
		{"550 Message filtered", "filtered"},
		{"554 5.7.1 Service unavailable; client blocked using bl.spamcop.net", "blocked"},
		{"421 very low reputation of the sending IP", "badreputation"},
		{"550 5.7.1 Fix reverse DNS for 192.0.2.1", "requireptr"},
		{"does not pass DMARC verification", "authfailure"},
		{"554 This message has been scored as spam", "spamdetected"},
		{"554 5.7.0 Virus detected in message", "virusdetected"},
		{"550 5.7.0 Local Policy Violation", "policyviolation"},
		{"530 5.7.0 Authentication required", "securityerror"},
		{"Messages with multiple addresses in From: header are not accepted",
		 "notcompliantrfc"},
		{"550 5.6.0 improper use of 8-bit data in message header", "contenterror"},
		{"552 Message size exceeds fixed maximum message size", "mesgtoobig"},
		{"421 Too many connections from your host", "toomanyconn"},
		{"554 5.7.1 <a@b>: Relay access denied", "norelaying"},
		{"connect to mx.example.org: Connection timed out", "networkerror"},
		{"Message expired: delivery time expired", "expired"},
		{"553 5.3.5 system config error", "systemerror"},
		{"452 4.3.1 Insufficient system storage", "systemfull"},
		{"procmail: Couldn't create /var/mail/x: command died", "mailererror"},
		{"501 Syntax error in parameters", "syntaxerror"},
		{"554 TLS required: must issue a STARTTLS command first", "failedstarttls"},
		{"The user you are trying to contact is receiving mail at a rate", "speeding"},
		{"550 Host does not accept mail", "notaccept"},
		{"this is just a friendly note", NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = rb_classify_text(cases[i].text);
		if (cases[i].reason == NULL) {
			CHECK(got == NULL);
		} else {
			CHECK_STR(got, cases[i].reason);
		}
	}
}

static void test_hard_rule(void)
{
	CHECK(rb_classify_is_hard("userunknown", "5.1.1", 550));
	CHECK(rb_classify_is_hard("hostunknown", "", 0));
	CHECK(rb_classify_is_hard("hasmoved", "5.1.6", 550));
	CHECK(rb_classify_is_hard("notaccept", "5.1.10", 0));
	CHECK(!rb_classify_is_hard("notaccept", "4.0.0", 421));
	CHECK(rb_classify_is_hard("notaccept", "", 0));
	CHECK(!rb_classify_is_hard("mailboxfull", "5.2.2", 552));
	CHECK(!rb_classify_is_hard("blocked", "5.7.1", 554));
	CHECK(!rb_classify_is_hard(NULL, "5.1.1", 550));
}

static void test_prose_bounce(void)
{
	const char *exim = "From: Mail Delivery System <Mailer-Daemon@mx.example.org>\n"
			   "To: sender@example.com\n"
			   "Subject: Mail delivery failed: returning message to sender\n"
			   "X-Failed-Recipients: one@example.net\n"
			   "\n"
			   "This message was created automatically by mail delivery software.\n"
			   "\n"
			   "A message that you sent could not be delivered to one or more of its\n"
			   "recipients. This is a permanent error. The following address(es) failed:\n"
			   "\n"
			   "  one@example.net\n"
			   "    SMTP error from remote mail server after RCPT TO:<one@example.net>:\n"
			   "    host mx.example.net [192.0.2.9]: 550 5.1.1 <one@example.net>: No such user\n"
			   "\n"
			   "------ This is a copy of the message, including all the headers. ------\n"
			   "\n"
			   "To: one@example.net\n"
			   "From: sender@example.com\n";
	struct collected c = {0};
	CHECK(collect_bytes(&c, exim, strlen(exim), "exim") == RB_OK);
	CHECK(c.count == 1);
	if (c.count == 1) {
		CHECK_STR(ev_str(c.events[0], "recipient"), "one@example.net");
		CHECK_STR(ev_str(c.events[0], "decoded_by"), "exim");
		CHECK_STR(ev_str(c.events[0], "smtp_command"), "RCPT");
		CHECK_STR(ev_str(c.events[0], "status"), "5.1.1");
		CHECK_STR(ev_str(c.events[0], "reason"), "userunknown");
	}
	collected_free(&c);

	/* A person's mail mentioning an error is not a bounce. */
	const char *note = "From: alice@example.com\nTo: bob@example.org\nSubject: about that\n\n"
			   "Your server said 550 user unknown for carol@example.net yesterday.\n";
	CHECK(collect_bytes(&c, note, strlen(note), "note") == RB_OK);
	CHECK(c.count == 1 && strcmp(ev_str(c.events[0], "type"), "unrecognized") == 0);
	collected_free(&c);
}

/* A hostile DSN: a thousand recipients and a megabyte of text. Every recipient gets
 * its event; per-recipient searches of the text are bounded, so this stays linear. */
static void test_many_recipients(void)
{
	size_t cap = 4u << 20, o = 0;
	char *raw = malloc(cap);
	o += (size_t)snprintf(raw + o, cap - o,
			      "From: MAILER-DAEMON@mx.example.org\nSubject: Undelivered Mail\n"
			      "Content-Type: multipart/report; report-type=delivery-status; "
			      "boundary=\"B\"\n\n--B\nContent-Type: text/plain\n\n");
	for (int i = 0; i < 20000; i++)
		o += (size_t)snprintf(raw + o, cap - o, "filler line %d of the notice text\n", i);
	o += (size_t)snprintf(raw + o, cap - o, "--B\nContent-Type: message/delivery-status\n\n"
						  "Reporting-MTA: dns; mx.example.org\n");
	for (int i = 0; i < 1000; i++)
		o += (size_t)snprintf(raw + o, cap - o,
				      "\nFinal-Recipient: rfc822; user%d@example.net\nAction: failed\n"
				      "Status: 5.1.1\n",
				      i);
	o += (size_t)snprintf(raw + o, cap - o, "--B--\n");
	struct collected *c = calloc(1, sizeof(*c));
	CHECK(collect_bytes(c, raw, o, "many") == RB_OK);
	CHECK(count_of(c, "bounce") == 1000);
	CHECK(count_of(c, "error") == 0);
	if (c->count == 1000) {
		CHECK_STR(ev_str(c->events[999], "recipient"), "user999@example.net");
		CHECK_STR(ev_str(c->events[999], "reason"), "userunknown");
	}
	collected_free(c);
	free(c);
	free(raw);
}


/* A one-recipient DSN with these fields; the first bounce event of it into c. */
static void parse_dsn_with(struct collected *c, const char *recipient, const char *remote_mta,
			   const char *action, const char *status_field, const char *diagnostic)
{
	char raw[4096];
	int n = snprintf(raw, sizeof(raw),
			 "From: MAILER-DAEMON@mx.example.org\n"
			 "To: sender@example.com\n"
			 "Subject: Undelivered Mail Returned to Sender\n"
			 "Content-Type: multipart/report; report-type=delivery-status; "
			 "boundary=\"B\"\n\n"
			 "--B\nContent-Type: text/plain\n\nYour message could not be delivered.\n"
			 "--B\nContent-Type: message/delivery-status\n\n"
			 "Reporting-MTA: dns; mx.example.org\n\n"
			 "Final-Recipient: rfc822; %s\nAction: %s\nStatus: %s\n%s%s%s%s%s"
			 "--B--\n",
			 recipient, action, status_field, *remote_mta ? "Remote-MTA: dns; " : "",
			 remote_mta, *remote_mta ? "\n" : "",
			 *diagnostic ? diagnostic : "", *diagnostic ? "\n" : "");
	CHECK(n > 0 && (size_t)n < sizeof(raw));
	CHECK(collect_bytes(c, raw, (size_t)n, "dsn") == RB_OK);
}

/* A receiving provider's documented code decides over the generic tables. */
static void test_provider_codes(void)
{
	static const struct {
		const char *recipient, *remote_mta, *status, *diagnostic, *reason;
	} cases[] = {
		/* Orange: the three digits after OFR/LPN (505: refused at end of DATA). */
		{"a@wanadoo.fr", "smtp-in.orange.fr", "4.2.0",
		 "Diagnostic-Code: smtp; 421 4.2.0 Service refuse. OFR005_505 [505]", "systemerror"},
		/* GoDaddy IB607 is a rate limit, whatever the 5.1.1 in front of it says. */
		{"a@example.com", "smtp.secureserver.net", "5.1.1",
		 "Diagnostic-Code: smtp; 550 5.1.1 <a@example.com> - 203.0.113.9 has sent to too "
		 "many recipients this hour. IB607",
		 "speeding"},
		/* The same words from a host of no known provider: the code decides. */
		{"a@example.com", "mx.example.com", "5.1.1",
		 "Diagnostic-Code: smtp; 550 5.1.1 <a@example.com> - 203.0.113.9 has sent to too "
		 "many recipients this hour. IB607",
		 "userunknown"},
		/* Facebook's response codes; Spectrum's AUP numbers in ranges. */
		{"a@facebook.com", "", "5.1.1",
		 "Diagnostic-Code: smtp; 550 5.1.1 RCP-P2 Refused due to recipient preferences",
		 "filtered"},
		{"a@charter.net", "", "5.1.0",
		 "Diagnostic-Code: smtp; 550 5.1.0 <x@y> sender rejected. AUP#In-1310",
		 "toomanyconn"},
		/* NTT docomo: "Unknown user" after DATA is its filter refusing the sender. */
		{"a@docomo.example.jp", "mfsmax.docomo.ne.jp", "5.0.0",
		 "Diagnostic-Code: smtp; 550 Unknown user a@docomo.example.jp", "rejected"},
		/* Hosts are matched without case, a bare suffix domain too, a trailing dot
		 * of a Remote-MTA ignored; a name that only ends like a suffix is no host
		 * under it. */
		{"a@Orange.FR", "", "4.2.0",
		 "Diagnostic-Code: smtp; 421 4.2.0 Service refuse. OFR005_505 [505]", "systemerror"},
		{"a@example.com", "SMTP-IN.Orange.Fr.", "4.2.0",
		 "Diagnostic-Code: smtp; 421 4.2.0 Service refuse. OFR005_505 [505]", "systemerror"},
		{"a@example.com", "[SMTP.SecureServer.NET]", "5.1.1",
		 "Diagnostic-Code: smtp; 550 5.1.1 <a@example.com> too many recipients. IB607",
		 "speeding"},
		{"a@notorange.fr", "mx.notorange.fr", "4.2.0",
		 "Diagnostic-Code: smtp; 421 4.2.0 Service refuse. OFR005_505 [505]", "blocked"},
		{"a@example.com", "xsmtp.secureserver.net", "5.1.1",
		 "Diagnostic-Code: smtp; 550 5.1.1 <a@example.com> too many recipients. IB607",
		 "userunknown"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct collected c = {0};
		parse_dsn_with(&c, cases[i].recipient, cases[i].remote_mta, "failed", cases[i].status,
			       cases[i].diagnostic);
		CHECK(count_of(&c, "bounce") == 1);
		CHECK_STR(ev_str(first_of(&c, "bounce"), "reason"), cases[i].reason);
		collected_free(&c);
	}
}

/* A DSN with no diagnostic whose notice is a short HTML part: the notice's own words
 * become the diagnostic, read within the text (a fixed-length copy of it read past
 * the end of the short HTML text; ASan saw it in fuzz_message). */
static void test_short_notice_as_diagnostic(void)
{
	static const char raw[] =
	    "From: MAILER-DAEMON@mx.example.org\n"
	    "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\n"
	    "--B\nContent-Type: text/html\n\n<p>Gone.</p>\n"
	    "--B\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; mx.example.org\n\n"
	    "Final-Recipient: rfc822; a@example.net\nAction: failed\nStatus: 5.0.0\n"
	    "--B--\n";
	struct collected c = {0};
	CHECK(collect_bytes(&c, raw, strlen(raw), "short notice") == RB_OK);
	CHECK(count_of(&c, "bounce") == 1);
	CHECK_STR(ev_str(first_of(&c, "bounce"), "diagnostic"), "Gone.");
	collected_free(&c);
}

/* What the DSN fields themselves say, when the words do not. */
static void test_dsn_field_rules(void)
{
	struct collected c = {0};
	/* Words nobody can read: a person may; nothing at all: undefined. */
	parse_dsn_with(&c, "a@example.net", "", "failed", "5.0.0",
		       "Diagnostic-Code: smtp; Xyzzy plugh frobnicate");
	CHECK_STR(ev_str(first_of(&c, "bounce"), "reason"), "onhold");
	collected_free(&c);
	/* A local delivery program failed (X-Unix), even under 5.1.1. */
	parse_dsn_with(&c, "a@example.net", "", "failed", "5.1.1",
		       "Diagnostic-Code: x-unix; procmail: Couldn't create \"/var/mail/a\"");
	CHECK_STR(ev_str(first_of(&c, "bounce"), "reason"), "mailererror");
	CHECK(!json_object_get_boolean(json_object_object_get(first_of(&c, "bounce"), "hard")));
	collected_free(&c);
	/* No Diagnostic-Code: the Status comment is the account of the cause. */
	parse_dsn_with(&c, "a@example.net", "", "delayed",
		       "4.0.0 (example.net: host name lookup failure)", "");
	CHECK_STR(ev_str(first_of(&c, "bounce"), "diagnostic"),
		  "example.net: host name lookup failure");
	CHECK_STR(ev_str(first_of(&c, "bounce"), "reason"), "networkerror");
	collected_free(&c);
	/* Still delayed, with only a generic code: expired. "Action: expired" too. */
	parse_dsn_with(&c, "a@example.net", "", "delayed", "4.4.0", "");
	CHECK_STR(ev_str(first_of(&c, "bounce"), "reason"), "expired");
	collected_free(&c);
	parse_dsn_with(&c, "a@example.net", "", "expired", "",
		       "Diagnostic-Code: smtp; Connection timed out");
	CHECK_STR(ev_str(first_of(&c, "bounce"), "reason"), "expired");
	collected_free(&c);
	/* "does not exist" said of a host, not of a mailbox. */
	parse_dsn_with(&c, "a@example.net", "", "failed", "",
		       "Diagnostic-Code: smtp; 553 mx.example.net does not exist");
	CHECK_STR(ev_str(first_of(&c, "bounce"), "reason"), "hostunknown");
	collected_free(&c);
	parse_dsn_with(&c, "a@example.net", "", "failed", "",
		       "Diagnostic-Code: smtp; 550 <a@example.net> does not exist (in reply "
		       "to RCPT TO command)");
	CHECK_STR(ev_str(first_of(&c, "bounce"), "reason"), "userunknown");
	collected_free(&c);
	/* A file or pipe as Final-Recipient: X-Failed-Recipients has the address. */
	const char *pipe = "From: Mail Delivery System <Mailer-Daemon@mx.example.org>\n"
			   "X-Failed-Recipients: cat@example.org\n"
			   "Content-Type: multipart/report; report-type=delivery-status; "
			   "boundary=\"B\"\n\n--B\nContent-Type: text/plain\n\nfailed\n"
			   "--B\nContent-Type: message/delivery-status\n\n"
			   "Reporting-MTA: dns; mx.example.org\n\n"
			   "Final-Recipient: rfc822;/var/spool/cat/mbox\nAction: failed\n"
			   "Status: 5.0.0\nDiagnostic-Code: X-Exim; mailbox is full\n--B--\n";
	CHECK(collect_bytes(&c, pipe, strlen(pipe), "pipe") == RB_OK);
	CHECK_STR(ev_str(first_of(&c, "bounce"), "recipient"), "cat@example.org");
	CHECK_STR(ev_str(first_of(&c, "bounce"), "reason"), "mailboxfull");
	collected_free(&c);
}

/* Old Sendmail transcripts: each verdict owns the session lines before it. */
static void test_transcript_sessions(void)
{
	const char *v5 = "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.com>\n"
			 "To: sender@example.com\n"
			 "Subject: Returned mail: User unknown\n"
			 "\n"
			 "   ----- Transcript of session follows -----\n"
			 "While talking to mx.example.org:\n"
			 ">>> MAIL From:<sender@example.com>\n"
			 "<<< 501 <sender@example.com>... Sender domain must exist\n"
			 "554 <one@example.org>... Remote protocol error\n"
			 "550 example.net (smtp)... 550 Host unknown\n"
			 "554 <two@example.net>... 550 Host unknown (Authoritative answer)\n"
			 "While talking to smtp.example.edu:\n"
			 ">>> RCPT To:<three@example.edu>\n"
			 "<<< 550 <three@example.edu>... User unknown\n"
			 "550 <three@example.edu>... User unknown\n"
			 "\n"
			 "   ----- Unsent message follows -----\n"
			 "To: one@example.org\n";
	struct collected c = {0};
	CHECK(collect_bytes(&c, v5, strlen(v5), "v5") == RB_OK);
	CHECK(count_of(&c, "bounce") == 3);
	if (c.count == 3) {
		CHECK_STR(ev_str(c.events[0], "recipient"), "one@example.org");
		CHECK_STR(ev_str(c.events[0], "smtp_command"), "MAIL");
		CHECK_STR(ev_str(c.events[0], "reason"), "rejected");
		CHECK_STR(ev_str(c.events[1], "recipient"), "two@example.net");
		CHECK_STR(ev_str(c.events[1], "reason"), "hostunknown");
		CHECK_STR(ev_str(c.events[1], "smtp_command"), "");
		CHECK_STR(ev_str(c.events[2], "recipient"), "three@example.edu");
		CHECK_STR(ev_str(c.events[2], "smtp_command"), "RCPT");
		CHECK_STR(ev_str(c.events[2], "reason"), "userunknown");
	}
	collected_free(&c);
}

/* A recipient named again in another spelling ("neko"@ quoted) is still its own:
 * found by fuzz_message, the line's words were taken from a NULL position. */
static void test_transcript_respelled(void)
{
	const char *v5 = "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.com>\n"
			 "To: sender@example.com\n"
			 "Subject: Returned mail\n"
			 "\n"
			 "   ----- Transcript of session follows -----\n"
			 "554 <neko@example.org>... Remote protocol error\n"
			 "<<< 550 5.1.1 <\"neko\"@example.org>... User unknown\n"
			 "550 <\"neko\"@example.org>... User unknown\n"
			 "\n"
			 "   ----- Unsent message follows -----\n";
	struct collected c = {0};
	CHECK(collect_bytes(&c, v5, strlen(v5), "v5") == RB_OK);
	CHECK(count_of(&c, "bounce") == 1);
	CHECK_STR(ev_str(first_of(&c, "bounce"), "recipient"), "neko@example.org");
	CHECK(strstr(ev_str(first_of(&c, "bounce"), "diagnostic"), "User unknown") != NULL);
	collected_free(&c);
}

/* A helpdesk forwarding what its MAILER-DAEMON got, pasted as text. */
static void test_forwarded_bounce(void)
{
	const char *fwd = "From: helpdesk@isp.example.jp\n"
			  "To: postmaster@isp.example.jp\n"
			  "Subject: Fwd: undelivered mail\n"
			  "\n"
			  "Please see below.\n"
			  "---------------------------------\n"
			  "From MAILER-DAEMON  Thu Apr 29 23:34:45 2015\n"
			  "From: MAILER-DAEMON@relay.isp.example.jp\n"
			  "To: postmaster@isp.example.jp\n"
			  "Content-Type: multipart/report; report-type=delivery-status; "
			  "boundary=\"R\"\n"
			  "\n"
			  "--R\nContent-Type: text/plain\n\nnot delivered\n"
			  "--R\nContent-Type: message/delivery-status\n\n"
			  "Reporting-MTA: dns; relay.isp.example.jp\n\n"
			  "Final-Recipient: rfc822; cat@example.ne.jp\nAction: failed\n"
			  "Status: 5.1.1\n"
			  "Diagnostic-Code: smtp; 550 5.1.1 <cat@example.ne.jp>: User unknown\n"
			  "--R--\n";
	struct collected c = {0};
	CHECK(collect_bytes(&c, fwd, strlen(fwd), "fwd") == RB_OK);
	CHECK(count_of(&c, "bounce") == 1);
	CHECK_STR(ev_str(first_of(&c, "bounce"), "recipient"), "cat@example.ne.jp");
	CHECK_STR(ev_str(first_of(&c, "bounce"), "reason"), "userunknown");
	collected_free(&c);
}

/* The events' text as one string, appended to a growing buffer. */
struct text_sink {
	char *buf;
	size_t len, cap;
};

static enum rb_status sink_emit(void *ctx, const struct rb_event *event, struct rb_error *err)
{
	(void)err;
	struct text_sink *t = ctx;
	size_t n = 0;
	const char *json = rb_event_json(event, &n);
	if (t->len + n + 1 > t->cap) {
		size_t cap = (t->len + n + 1) * 2;
		char *nb = realloc(t->buf, cap);
		if (nb == NULL)
			return RB_ERR_NOMEM;
		t->buf = nb;
		t->cap = cap;
	}
	memcpy(t->buf + t->len, json, n);
	t->len += n;
	t->buf[t->len++] = '\n';
	return RB_OK;
}

/* One parser kept over many messages (its pool and event buffers reused, a big
 * message between small ones) gives exactly what a fresh parse of each gives. */
static void test_parser_reuse(void)
{
	static const char *const files[] = {
	    "tests/corpus/sisimai/bsd/rhost-aol-04.eml",     "tests/corpus/sisimai/bsd/lhost-postfix-01.eml",
	    "tests/corpus/sisimai/bsd/lhost-exim-01.eml",    "tests/corpus/sisimai/bsd/lhost-exchange2007-05.eml",
	    "tests/corpus/sisimai/bsd/arf-01.eml",           "tests/corpus/sisimai/bsd/lhost-qmail-01.eml",
	    "tests/corpus/sisimai/bsd/rfc3834-01.eml",       "tests/corpus/sisimai/bsd/lhost-amazonses-10.eml",
	    "tests/corpus/sisimai/bsd/lhost-postfix-01.eml",
	};
	struct text_sink fresh = {0}, reused = {0};
	struct rb_parser *parser = rb_parser_new();
	CHECK(parser != NULL);
	for (size_t i = 0; parser != NULL && i < sizeof(files) / sizeof(files[0]); i++) {
		size_t len = 0;
		unsigned char *data = read_whole_file(files[i], &len);
		CHECK(data != NULL);
		if (data == NULL)
			continue;
		struct rb_source src = {.kind = "file", .path = files[i]};
		struct rb_error err = {0};
		CHECK(rb_parse_message(data, len, &src, NULL, sink_emit, &fresh, &err) == RB_OK);
		CHECK(rb_parser_parse_message(parser, data, len, &src, NULL, sink_emit, &reused,
					      &err) == RB_OK);
		free(data);
	}
	CHECK(fresh.len > 0 && fresh.len == reused.len &&
	      memcmp(fresh.buf, reused.buf, fresh.len) == 0);
	rb_parser_free(&parser);
	CHECK(parser == NULL);
	rb_parser_free(&parser); /* NULL is fine */
	free(fresh.buf);
	free(reused.buf);
}

int main(void)
{
	test_short_notice_as_diagnostic();
	test_parser_reuse();
	test_dsn_records();
	test_phrases();
	test_hard_rule();
	test_prose_bounce();
	test_many_recipients();
	test_provider_codes();
	test_dsn_field_rules();
	test_transcript_sessions();
	test_transcript_respelled();
	test_forwarded_bounce();
	return check_done();
}
