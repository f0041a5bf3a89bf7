/*
 * test_autoreply.c - RFC 3834 and vacation replies (parsers/autoreply.c).
 */
#include "check.h"
#include "collect.h"

static void check_autoreply(const char *path, const char *recipient, const char *sender,
			    const char *message_id)
{
	struct collected c = {0};
	CHECK(collect_file(&c, path) == RB_OK);
	CHECK(c.count == 1);
	if (c.count == 1) {
		CHECK_STR(ev_str(c.events[0], "type"), "autoreply");
		CHECK_STR(ev_str(c.events[0], "recipient"), recipient);
		CHECK_STR(ev_str(c.events[0], "sender"), sender);
		CHECK_STR(ev_str(c.events[0], "original_message_id"), message_id);
	}
	collected_free(&c);
}

static const char *type_of(const char *raw)
{
	static char type[32];
	struct collected c = {0};
	collect_bytes(&c, raw, strlen(raw), "inline");
	snprintf(type, sizeof(type), "%s", c.count == 1 ? ev_str(c.events[0], "type") : "?");
	collected_free(&c);
	return type;
}

int main(void)
{
	const char *dir = "tests/corpus/sisimai/bsd/";
	char path[256];
	/* Auto-Submitted: auto-replied */
	snprintf(path, sizeof(path), "%srfc3834-01.eml", dir);
	check_autoreply(path, "kijitora@example.net", "neko@libsisimai.org", "");
	/* Exchange's "Automatic reply:" subject */
	snprintf(path, sizeof(path), "%srfc3834-02.eml", dir);
	check_autoreply(path, "nekonyaan@example.org", "kijitora@example.com", "");
	/* iCloud's "Auto reply:" with In-Reply-To */
	snprintf(path, sizeof(path), "%srfc3834-03.eml", dir);
	check_autoreply(path, "kijitora@apple.example.com", "neko@libsisimai.org",
			"25203A4E-F90F-4A14-BF51-3E7B9D39BE8E@libsisimai.org");

	/* Headers other responders use, and References when In-Reply-To is absent. */
	CHECK_STR(type_of("From: a@example.org\nTo: b@example.com\nSubject: Re: hi\n"
			  "X-Autoreply: yes\nReferences: <x@1> <y@2>\n\nI am away.\n"),
		  "autoreply");
	CHECK_STR(type_of("From: a@example.org\nTo: b@example.com\n"
			  "Subject: Abwesenheitsnotiz: Angebot\n\nBin im Urlaub.\n"),
		  "autoreply");
	/* auto-generated alone is a notification, not a reply. */
	CHECK_STR(type_of("From: alerts@example.org\nTo: b@example.com\nSubject: Disk usage\n"
			  "Auto-Submitted: auto-generated\n\n90% full\n"),
		  "unrecognized");
	/* A mailer-daemon's message is never an auto-reply. */
	CHECK_STR(type_of("From: MAILER-DAEMON@mx.example.org\nTo: b@example.com\n"
			  "Subject: Auto: returned mail\nAuto-Submitted: auto-replied\n\nx\n"),
		  "unrecognized");
	/* Ordinary mail that mentions a vacation. */
	CHECK_STR(type_of("From: a@example.org\nTo: b@example.com\n"
			  "Subject: Vacation plans\n\nout of office next week\n"),
		  "unrecognized");
	return check_done();
}
