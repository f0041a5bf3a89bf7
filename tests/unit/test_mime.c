/*
 * test_mime.c - parsers/mime.c and the message entry point: charsets, transfer
 * encodings, line endings, broken structure, limits, deterministic ids.
 */
#include <glib.h>
#include <gmime/gmime.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "collect.h"
#include "random_input.h"
#include "core/arena.h"
#include "parsers/mail_date.h"
#include "parsers/mime.h"
#include "parsers/base64.h"
#include "parsers/quoted_printable.h"

static struct rb_mail *parse(struct rb_arena *arena, const char *raw,
			     const struct rb_limits *limits_in)
{
	struct rb_limits limits;
	rb_limits_default(&limits);
	if (limits_in != NULL)
		limits = *limits_in;
	struct rb_mail *mail = NULL;
	struct rb_error err = {0};
	enum rb_status st = rb_mime_parse(arena, (const unsigned char *)raw, strlen(raw), &limits,
					  &mail, &err);
	CHECK(st == RB_OK);
	return mail;
}

static const char *report =
	"From: MAILER-DAEMON@mx.example.jp (Mail Delivery System)\n"
	"To: sender@example.org\n"
	"Subject: =?ISO-8859-1?Q?Undelivered_Mail_Returned_to_Sender_=E9?=\n"
	"Date: Mon, 29 Apr 2013 23:45:32 +0900\n"
	"Message-ID: <abc@mx.example.jp>\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/report; report-type=delivery-status;\n"
	"\tboundary=\"BOUNDARY\"\n"
	"\n"
	"--BOUNDARY\n"
	"Content-Type: text/plain; charset=iso-8859-1\n"
	"Content-Transfer-Encoding: quoted-printable\n"
	"\n"
	"Caf=E9: the mail could not be delivered.\n"
	"--BOUNDARY\n"
	"Content-Type: message/delivery-status\n"
	"\n"
	"Reporting-MTA: dns; mx.example.jp\n"
	"\n"
	"Final-Recipient: rfc822; kijitora@example.jp\n"
	"Action: failed\n"
	"Status: 5.1.1\n"
	"--BOUNDARY\n"
	"Content-Type: text/rfc822-headers\n"
	"\n"
	"From: sender@example.org\n"
	"To: kijitora@example.jp\n"
	"Message-ID: <original@example.org>\n"
	"--BOUNDARY--\n";

static void test_structure(struct rb_arena *arena)
{
	struct rb_mail *m = parse(arena, report, NULL);
	if (m == NULL)
		return;
	CHECK_STR(m->content_type, "multipart/report");
	CHECK_STR(m->report_type, "delivery-status");
	CHECK_STR(m->subject, "Undelivered Mail Returned to Sender \xc3\xa9");
	CHECK_STR(m->message_id, "abc@mx.example.jp");
	CHECK_STR(m->time, "2013-04-29T14:45:32Z");
	CHECK(strstr(m->body, "Caf\xc3\xa9: the mail") != NULL);
	CHECK(strstr(m->delivery_status, "Final-Recipient: rfc822; kijitora@example.jp") != NULL);
	CHECK_STR(rb_mail_original_header(m, "message-id"), "<original@example.org>");
	CHECK_STR(rb_mail_header(m, "X-Absent"), "");
	CHECK(m->part_count == 3);
	CHECK_STR(m->problems, "");
}

static char *with_newlines(const char *lf, const char *nl)
{
	size_t n = strlen(lf), o = 0;
	char *out = malloc(n * 2 + 1);
	for (size_t i = 0; i < n; i++) {
		if (lf[i] == '\n') {
			for (const char *p = nl; *p; p++)
				out[o++] = *p;
		} else {
			out[o++] = lf[i];
		}
	}
	out[o] = '\0';
	return out;
}

static void test_line_endings(struct rb_arena *arena)
{
	static const char *const endings[] = {"\r\n", "\r"};
	struct rb_mail *lf = parse(arena, report, NULL);
	for (size_t i = 0; lf != NULL && i < 2; i++) {
		char *raw = with_newlines(report, endings[i]);
		struct rb_mail *m = parse(arena, raw, NULL);
		if (m != NULL) {
			CHECK_STR(m->body, lf->body);
			CHECK_STR(m->delivery_status, lf->delivery_status);
			CHECK_STR(m->original, lf->original);
			CHECK_STR(m->subject, lf->subject);
		}
		free(raw);
	}
}

static void test_encodings(struct rb_arena *arena)
{
	const char *raw = "From: a@example.com\n"
			  "Subject: =?ISO-2022-JP?B?GyRCJDckaRsoQg==?=\n"
			  "Content-Type: text/plain; charset=shift_jis\n"
			  "Content-Transfer-Encoding: base64\n"
			  "\n"
			  "gqCCooKk\n"; /* "あいう" in Shift_JIS */
	struct rb_mail *m = parse(arena, raw, NULL);
	if (m == NULL)
		return;
	CHECK_STR(m->body, "\xe3\x81\x82\xe3\x81\x84\xe3\x81\x86\n");
	CHECK_STR(m->subject, "\xe3\x81\x97\xe3\x82\x89");
	/* Undeclared 8-bit text still becomes valid UTF-8. */
	const char *latin = "From: a@example.com\nSubject: x\n\nna\xefve \xff\n";
	m = parse(arena, latin, NULL);
	if (m != NULL)
		CHECK(g_utf8_validate(m->body, -1, NULL));
}

static void test_broken(struct rb_arena *arena)
{
	/* The closing boundary never comes and a part claims base64 but is not. */
	const char *raw = "From: a@example.com\n"
			  "Content-Type: multipart/mixed; boundary=\"X\"\n"
			  "\n"
			  "--X\n"
			  "Content-Type: text/plain\n"
			  "\n"
			  "first part\n"
			  "--X\n"
			  "Content-Type: text/plain\n"
			  "Content-Transfer-Encoding: base64\n"
			  "\n"
			  "!!!! not base64 at all ~~~~\n";
	struct rb_mail *m = parse(arena, raw, NULL);
	if (m == NULL)
		return;
	CHECK(strstr(m->body, "first part") != NULL);
	CHECK(m->part_count == 2);
}

static void test_lenient_parts(struct rb_arena *arena)
{
	/* An indented delimiter still delimits; a text file attached after the notice is
	 * a part, not the notice's words. */
	const char *raw = "From: MAILER-DAEMON@example.com\n"
			  "Content-Type: multipart/report; report-type=delivery-status; "
			  "boundary=\"Y\"\n"
			  "\n"
			  "--Y\n"
			  "Content-Type: text/plain\n"
			  "\n"
			  "the notice\n"
			  " --Y\n"
			  "Content-Type: message/delivery-status\n"
			  "\n"
			  "Final-Recipient: rfc822; a@example.net\n"
			  "--Y\n"
			  "Content-Type: text/plain; name=\"headers.txt\"\n"
			  "Content-Disposition: attachment; filename=\"headers.txt\"\n"
			  "\n"
			  "Received: from x by y for <someone@example.org>\n"
			  "--Y--\n";
	struct rb_mail *m = parse(arena, raw, NULL);
	if (m == NULL)
		return;
	CHECK(strstr(m->delivery_status, "a@example.net") != NULL);
	CHECK(strstr(m->body, "the notice") != NULL);
	CHECK(strstr(m->body, "someone@example.org") == NULL);
	CHECK(m->part_count == 3);
}

static void test_limits(struct rb_arena *arena)
{
	/* 40 nested multiparts against a depth limit of 8. */
	char raw[8192];
	size_t o = (size_t)snprintf(raw, sizeof(raw), "From: a@example.com\n");
	for (int i = 0; i < 40; i++)
		o += (size_t)snprintf(raw + o, sizeof(raw) - o,
				      "Content-Type: multipart/mixed; boundary=\"b%d\"\n\n--b%d\n", i,
				      i);
	o += (size_t)snprintf(raw + o, sizeof(raw) - o, "Content-Type: text/plain\n\ndeep\n");
	struct rb_limits limits;
	rb_limits_default(&limits);
	limits.max_mime_depth = 8;
	struct rb_mail *m = parse(arena, raw, &limits);
	if (m != NULL) {
		CHECK(m->part_count == 0);
		CHECK(strstr(m->problems, "nesting") != NULL);
	}
	rb_limits_default(&limits);
	limits.max_mime_parts = 2;
	m = parse(arena, report, &limits);
	if (m != NULL) {
		CHECK(m->part_count == 2);
		CHECK(strstr(m->problems, "part limit") != NULL);
	}
}

static void test_message_entry(void)
{
	struct collected c = {0};
	/* Not a message at all: an error event, and the call succeeds. */
	CHECK(collect_bytes(&c, "\x00\x01\x02 binary", 9, "bin") == RB_OK);
	CHECK(c.count == 1);
	CHECK_STR(ev_str(c.events[0], "type"), "error");
	CHECK(strstr(ev_str(c.events[0], "error"), "not a mail message") != NULL);
	collected_free(&c);

	/* Oversize: error event naming the limit. */
	struct rb_limits limits;
	rb_limits_default(&limits);
	limits.max_message_bytes = 100;
	struct rb_source src = {.kind = "file", .path = "big"};
	struct rb_error err = {0};
	CHECK(rb_parse_message((const unsigned char *)report, strlen(report), &src, &limits,
			       collect_emit, &c, &err) == RB_OK);
	CHECK(c.count == 1);
	CHECK_STR(ev_str(c.events[0], "type"), "error");
	CHECK(strstr(ev_str(c.events[0], "error"), "max_message_bytes") != NULL);
	collected_free(&c);

	/* Same bytes, same ids; source fields filled. */
	struct collected a = {0}, b = {0};
	const char *plain = "From: a@example.com\nSubject: hello\nMessage-ID: <m1@x>\n\nhi\n";
	collect_bytes(&a, plain, strlen(plain), "one");
	collect_bytes(&b, plain, strlen(plain), "two");
	CHECK(a.count == 1 && b.count == 1);
	if (a.count == 1 && b.count == 1) {
		CHECK_STR(ev_str(a.events[0], "id"), ev_str(b.events[0], "id"));
		CHECK(strlen(ev_str(a.events[0], "id")) == 32);
		json_object *source = NULL;
		CHECK(json_object_object_get_ex(a.events[0], "source", &source));
		CHECK_STR(ev_str(source, "path"), "one");
		CHECK_STR(ev_str(source, "message_id"), "m1@x");
		CHECK(strlen(ev_str(source, "sha256")) == 64);
	}
	collected_free(&a);
	collected_free(&b);
}

/* Delimiter lines found by searching for the boundary: only whole lines count, with at
 * most four blanks before "--"; a boundary inside a line, or one made of dashes, does not
 * confuse them. */
static void test_delimiters(struct rb_arena *arena)
{
	static const struct {
		const char *boundary, *body;
		size_t parts;
		const char *last_text;
	} cases[] = {
	    {"B1", "--B1\n\nfirst --B1 inside\n    --B1\n\nsecond\n--B1--\n", 2, "second"},
	    {"B1", "--B1\n\nfirst\n     --B1\n\nstill first\n--B1--\n", 1, "still first"},
	    {"B1", "--B1\n\none\nx--B1\n--B1 \t\n\ntwo\n--B1-- \n", 2, "two"},
	    /* "------" is the close delimiter of boundary "--" */
	    {"--", "----\n\none\n------\n\ntwo\n----\n\nthree\n", 1, "one"},
	    {"ab", "--ab\n\none\n--abab\n--ab\n\ntwo\n--ab--trailing\n--ab--\n", 2,
	     "--ab--trailing"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char raw[512];
		snprintf(raw, sizeof(raw),
			 "From: a@example.com\nContent-Type: multipart/mixed; boundary=\"%s\"\n\n%s",
			 cases[i].boundary, cases[i].body);
		struct rb_mail *m = parse(arena, raw, NULL);
		if (m == NULL)
			continue;
		if (m->part_count != cases[i].parts)
			fprintf(stderr, "delimiter case %zu: %zu parts\n", i, m->part_count);
		CHECK(m->part_count == cases[i].parts);
		if (m->part_count > 0) {
			const char *text = m->parts[m->part_count - 1].text;
			CHECK(text != NULL && strstr(text, cases[i].last_text) != NULL);
		}
	}
}

/* What GMime alone makes of a date: the answer the fast reader must give. */
static void gmime_date(const char *date, char *out, size_t cap)
{
	out[0] = '\0';
	GDateTime *dt = g_mime_utils_header_decode_date(date);
	if (dt == NULL)
		return;
	GDateTime *utc = g_date_time_to_utc(dt);
	if (utc != NULL) {
		gchar *s = g_date_time_format(utc, "%Y-%m-%dT%H:%M:%SZ");
		g_strlcpy(out, s, cap);
		g_free(s);
		g_date_time_unref(utc);
	}
	g_date_time_unref(dt);
}

/*
 * Dates in the common form and around it (wrong ranges, two-digit years, zone names,
 * comments, odd spacing), from a fixed seed: the fast reader and GMime agree on each,
 * and the fast reader takes the common ones itself.
 */
static void test_dates(struct rb_arena *arena)
{
	static const char *const days[] = {"", "Mon, ", "Tue,", "wed , ", "Sun,  ", "Xyz, "};
	static const char *const months[] = {"Jan", "feb", "MAR", "Apr", "May", "Jun", "Jul",
					     "Aug", "Sep", "Oct", "Nov", "Dec", "Foo"};
	static const char *const zones[] = {"+0000", "+0900", "-0700", "-0800", "+0530",
					    "+1345", "-1400", "+1500", "+0960", "GMT",
					    "PDT",   "",      "+09",   "-0000"};
	static const char *const tails[] = {"", " (JST)", "  (PDT)  ", " (a (b))", " x",
					    "\n (UTC)", " ()"};
	uint32_t seed = 20261125;
	unsigned compared = 0, taken = 0, common = 0, common_taken = 0;
	for (int i = 0; i < 40000; i++) {
		uint32_t r[8];
		for (int k = 0; k < 8; k++) {
			seed = seed * 1103515245u + 12345u;
			r[k] = seed >> 8;
		}
		int year_kind = (int)(r[2] % 10);
		int year = year_kind == 0   ? (int)(r[3] % 100)
			   : year_kind == 1 ? 1900 + (int)(r[3] % 8100)
					    : 1960 + (int)(r[3] % 120);
		char date[160];
		snprintf(date, sizeof(date), "%s%s%d %s %0*d %02d:%02d%s%s %s%s",
			 days[r[0] % 6], r[1] % 3 == 0 && r[1] % 32 < 9 ? "0" : "", 1 + (int)(r[1] % 32),
			 months[r[4] % 13], year_kind == 0 ? 2 : 4, year, (int)(r[5] % 25),
			 (int)(r[6] % 61), r[7] % 4 == 0 ? "" : ":",
			 r[7] % 4 == 0 ? "" : (char[3]){(char)('0' + r[7] / 4 % 7), (char)('0' + r[7] / 32 % 10), 0},
			 zones[r[7] / 512 % 14], tails[r[7] / 8192 % 7]);
		char expected[64];
		gmime_date(date, expected, sizeof(expected));
		const char *got = rb_mime_date_rfc3339(arena, date);
		if (strcmp(got, expected) != 0)
			fprintf(stderr, "date \"%s\": GMime says \"%s\", rebound \"%s\"\n", date,
				expected, got);
		CHECK_STR(got, expected);
		int64_t epoch;
		bool fast = rb_mail_date_parse_common(date, &epoch);
		compared++;
		taken += fast;
		/* Unmistakably common: day name or none, four-digit year, numeric zone. */
		bool is_common = r[0] % 6 < 3 && r[1] % 32 < 28 && r[4] % 13 < 12 && year >= 1969 &&
				 r[5] % 25 < 24 && r[6] % 61 < 60 && (r[7] % 4 == 0 || r[7] / 4 % 7 < 6) &&
				 r[7] / 512 % 14 < 7 && r[7] / 8192 % 7 < 3;
		common += is_common;
		common_taken += is_common && fast;
		if (is_common && !fast)
			fprintf(stderr, "common date \"%s\" not read by the fast reader\n", date);
	}
	fprintf(stderr, "dates: %u compared, %u read by the fast reader; %u of %u common ones\n",
		compared, taken, common_taken, common);
	CHECK(common > 1000);
	CHECK(common_taken == common);
	/* Spelled out: the zone comment, and a day that does not exist. */
	CHECK_STR(rb_mime_date_rfc3339(arena, "Wed, 7 Feb 2024 23:34:45 +0900 (JST)"),
		  "2024-02-07T14:34:45Z");
	CHECK_STR(rb_mime_date_rfc3339(arena, "Mon, 1 Jan 2024 00:10:00 +0100"),
		  "2023-12-31T23:10:00Z");
	int64_t epoch;
	CHECK(!rb_mail_date_parse_common("Thu, 29 Feb 2023 10:00:00 +0000", &epoch));
	CHECK(rb_mail_date_parse_common("29 Feb 2024 10:00 -0000", &epoch));
}

/* Newline normalization against the byte-by-byte definition: CRLF and lone CR become
 * LF; random runs of CR, LF and text at every length. */
static void test_normalize_random(struct rb_arena *arena)
{
	/* Dense line endings, and CRLF lines of mail's usual length (the blocks of
	 * sixteen or sixty-four bytes with no CR, a CR at every place in a block, a CRLF
	 * across two blocks). */
	static const char dense[] = "\r\n\ra b";
	static const char sparse[] = "\r\nabcdefghijklmnopqrstuvwxyz0123456789 ";
	unsigned char in[160];
	char want[161];
	uint32_t seed = 99;
	for (int round = 0; round < 40000; round++) {
		const char *alphabet = round % 2 ? sparse : dense;
		size_t alphabet_len = round % 2 ? sizeof(sparse) - 1 : sizeof(dense) - 1;
		seed = seed * 1103515245u + 12345u;
		size_t n = (seed >> 8) % sizeof(in);
		random_bytes(&seed, alphabet, alphabet_len, in, n);
		size_t o = 0;
		for (size_t i = 0; i < n; i++) {
			if (in[i] == '\r') {
				want[o++] = '\n';
				if (i + 1 < n && in[i + 1] == '\n')
					i++;
			} else {
				want[o++] = (char)in[i];
			}
		}
		want[o] = '\0';
		size_t got_len = 0;
		const char *got = rb_mime_normalize_newlines(arena, in, n, &got_len);
		CHECK(got != NULL && got_len == o);
		CHECK_STR(got, want);
	}
}

/* Quoted-printable against GMime's decoder: random "=", hex digits of both cases,
 * line endings and other bytes, so every escape, soft break and broken sequence and
 * every cut at the end of the input are met. */
static void test_quoted_printable_random(void)
{
	static const char alphabet[] = "==\r\n aAfF09gG\t\xc3";
	/* Every other round, long runs without an "=" (as in HTML), so the decoder's
	 * sixteen-byte blocks are met whole and cut. */
	static const char sparse[] = "=\r\n aAfF09gGhijklmnopqrstuvwxyz.,<>/\"";
	unsigned char in[80], got[80], want[80];
	uint32_t seed = 2045;
	for (int round = 0; round < 100000; round++) {
		seed = seed * 1103515245u + 12345u;
		size_t n = (seed >> 8) % sizeof(in);
		if (round % 2)
			random_bytes(&seed, sparse, sizeof(sparse) - 1, in, n);
		else
			random_bytes(&seed, alphabet, sizeof(alphabet) - 1, in, n);
		int state = 0;
		guint32 save = 0;
		size_t want_len = g_mime_encoding_quoted_decode_step(in, n, want, &state, &save);
		size_t got_len = rb_qp_decode(in, n, got);
		CHECK(got_len == want_len && memcmp(got, want, got_len) == 0);
		if (got_len != want_len || memcmp(got, want, got_len) != 0) {
			fprintf(stderr, "quoted-printable differs on \"%.*s\"\n", (int)n, in);
			return;
		}
	}
}

/* Base64 against GMime's decoder: random digits, "=" anywhere, line endings, spaces
 * and bytes outside the alphabet, so the four-at-a-time groups are met whole and
 * broken at every offset, and every kind of padding and cut-off end is seen. */
static void test_base64_random(void)
{
	static const char dense[] = "ABCXYZabcxyz0189+/";
	static const char broken[] = "AZaz09+/==\r\n \t-_.\xc3\x80";
	/* Most inputs short; one in ten long enough for the 64-byte blocks, whose digits
	 * are gathered across line endings and junk. */
	static unsigned char in[3000], got[3000], want[3000];
	uint32_t seed = 4648;
	for (int round = 0; round < 100000; round++) {
		seed = seed * 1103515245u + 12345u;
		size_t n = (seed >> 8) % (round % 10 == 9 ? sizeof(in) : 120);
		if (round % 3 == 0) {
			random_bytes(&seed, broken, sizeof(broken) - 1, in, n);
		} else {
			/* Lines of digits, the way mail carries base64, with its end padded. */
			random_bytes(&seed, dense, sizeof(dense) - 1, in, n);
			for (size_t i = 76; i + 1 < n; i += 78) {
				in[i] = '\r';
				in[i + 1] = '\n';
			}
			unsigned pad = (seed >> 4) % 3;
			for (unsigned k = 0; k < pad && k < n; k++)
				in[n - 1 - k] = '=';
		}
		int state = 0;
		guint32 save = 0;
		size_t want_len = g_mime_encoding_base64_decode_step(in, n, want, &state, &save);
		size_t got_len = rb_base64_decode(in, n, got);
		CHECK(got_len == want_len && memcmp(got, want, got_len) == 0);
		if (got_len != want_len || memcmp(got, want, got_len) != 0) {
			fprintf(stderr, "base64 differs on \"%.*s\"\n", (int)n, in);
			return;
		}
	}
}

/* Message-IDs against GMime's decoder: random ids in and around the common
 * "<local@domain>" form (dots at ends and doubled, brackets, spaces, comments,
 * quotes, atext specials), so both the fast path and the fallback are met. */
static void test_message_id_random(struct rb_arena *arena)
{
	static const char any[] = "aZ09..@@<> (\")-_!#$%&'*+/=?^`{|}~;,[]\\";
	static const char atom[] = "aaaZ09.-_+=~";
	char id[48];
	uint32_t seed = 5322;
	int common = 0;
	for (int round = 0; round < 50000; round++) {
		seed = seed * 1103515245u + 12345u;
		size_t o = 0;
		if (round % 2 == 0) {
			/* "<" atoms "@" atoms ">", sometimes with a stray byte anywhere */
			id[o++] = '<';
			for (int part = 0; part < 2; part++) {
				size_t n = (seed >> (8 + part * 4)) % 10;
				random_bytes(&seed, atom, sizeof(atom) - 1, id + o, n);
				o += n;
				if (part == 0)
					id[o++] = '@';
			}
			id[o++] = '>';
			seed = seed * 1103515245u + 12345u;
			if ((seed >> 8) % 5 == 0)
				id[(seed >> 12) % o] = any[(seed >> 16) % (sizeof(any) - 1)];
		} else {
			size_t n = (seed >> 8) % 20;
			random_bytes(&seed, any, sizeof(any) - 1, id + o, n);
			o += n;
		}
		id[o] = '\0';
		char *want = g_mime_utils_decode_message_id(id);
		const char *got = rb_mime_message_id(arena, id);
		CHECK_STR(got, want ? want : "");
		if (strcmp(got, want ? want : "") != 0)
			fprintf(stderr, "message-id \"%s\": \"%s\", GMime \"%s\"\n", id, got,
				want ? want : "(null)");
		/* the common form: the id is what the brackets hold */
		common += o > 2 && id[0] == '<' && strlen(got) == o - 2 && memcmp(got, id + 1, o - 2) == 0;
		g_free(want);
	}
	CHECK(common > 5000);
	CHECK_STR(rb_mime_message_id(arena, "<a.b@c.d>"), "a.b@c.d");
	CHECK_STR(rb_mime_message_id(arena, ""), "");
}

/* Header names compare without case for letters only: '@' and '`' (one case bit
 * apart, like 'A' and 'a') stay different. */
static void test_header_name_case(struct rb_arena *arena)
{
	struct rb_mail *m = parse(arena,
				  "SUBJECT: one\nX-A@: at\nX-A`: grave\nx-[b]: bracket\n\nbody\n",
				  NULL);
	CHECK(m != NULL);
	CHECK_STR(rb_mail_header(m, "subject"), "one");
	CHECK_STR(rb_mail_header(m, "x-a@"), "at");
	CHECK_STR(rb_mail_header(m, "X-A`"), "grave");
	CHECK_STR(rb_mail_header(m, "X-{B}"), "");
	CHECK_STR(rb_mail_header(m, "X-[B]"), "bracket");
}

/* Many headers, every name more than once: a lookup finds the first of its name in
 * any case, through the index (names share slots at 300 names), in the message's
 * headers and in the returned message's. */
static void test_header_lookup_many(struct rb_arena *arena)
{
	enum { NAMES = 300 };
	size_t cap = NAMES * 2 * 40 + 200;
	char *raw = malloc(2 * cap);
	size_t n = 0;
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < NAMES; i++)
			n += (size_t)snprintf(raw + n, cap - n, "X-Name-%d: value %d of %d\n", i,
					      round, i);
	n += (size_t)snprintf(raw + n, cap - n,
			      "Content-Type: multipart/report; boundary=\"b\"\n\n--b\n"
			      "Content-Type: text/rfc822-headers\n\n");
	for (int i = NAMES - 1; i >= 0; i--)
		n += (size_t)snprintf(raw + n, cap - n, "x-inner-%d: inner %d\n", i, i);
	snprintf(raw + n, 2 * cap - n, "\n--b--\n");
	struct rb_mail *m = parse(arena, raw, NULL);
	CHECK(m != NULL);
	int right = 0, inner_right = 0;
	for (int i = 0; m != NULL && i < NAMES; i++) {
		char name[32], want[64];
		snprintf(name, sizeof(name), i % 2 ? "x-name-%d" : "X-NAME-%d", i);
		snprintf(want, sizeof(want), "value 0 of %d", i);
		right += strcmp(rb_mail_header(m, name), want) == 0;
		snprintf(name, sizeof(name), "X-Inner-%d", i);
		snprintf(want, sizeof(want), "inner %d", i);
		inner_right += strcmp(rb_mail_original_header(m, name), want) == 0;
	}
	CHECK(right == NAMES);
	CHECK(inner_right == NAMES);
	CHECK_STR(rb_mail_header(m, "X-Name-300"), "");
	CHECK_STR(rb_mail_header(m, "X-Name-"), "");
	CHECK_STR(rb_mail_original_header(m, "X-Name-1"), "");
	free(raw);
}

/* Lines that lost their indentation are joined to the header before them, a space
 * between (a parameter line, or the value of a header left empty); RFC 2231 pieces of
 * a filename are joined in order. A flood of either is joined whole. */
static void test_joined_lines(struct rb_arena *arena)
{
	struct rb_mail *m = parse(arena,
				  "Subject: one\nX-Empty:\nthe value\nContent-Type: multipart/mixed;\n"
				  "boundary=\"b\"\n\n--b\nContent-Type: application/octet-stream;\n"
				  " name*0=\"report-\"; name*1=\"2024\"; name*2=\".zip\"\n\nxyz\n--b--\n",
				  NULL);
	CHECK(m != NULL);
	CHECK_STR(rb_mail_header(m, "X-Empty"), " the value");
	CHECK_STR(rb_mail_header(m, "Content-Type"), "multipart/mixed; boundary=\"b\"");
	CHECK(m != NULL && m->part_count == 1);
	if (m != NULL && m->part_count == 1)
		CHECK_STR(m->parts[0].filename, "report-2024.zip");

	enum { LINES = 50000, PIECES = 5000 };
	size_t cap = LINES * 16 + PIECES * 32 + 256, n = 0;
	char *raw = malloc(cap);
	n += (size_t)snprintf(raw + n, cap - n, "Content-Type: text/plain;\n");
	for (int i = 0; i < LINES; i++)
		n += (size_t)snprintf(raw + n, cap - n, "p%d=v\n", i % 10);
	n += (size_t)snprintf(raw + n, cap - n, "Content-Disposition: attachment;");
	for (int i = 0; i < PIECES; i++)
		n += (size_t)snprintf(raw + n, cap - n, " filename*%d=\"ab\";", i);
	snprintf(raw + n, cap - n, "\n\nbody\n");
	m = parse(arena, raw, NULL);
	CHECK(m != NULL);
	/* "text/plain;" and " pK=v" (5 bytes) per line */
	CHECK(m != NULL && strlen(rb_mail_header(m, "Content-Type")) == 11 + 5 * (size_t)LINES);
	CHECK(m != NULL && m->part_count == 1 && strlen(m->parts[0].filename) == 2 * PIECES);
	free(raw);
}

/* A body of letters with one byte that needs work at each place (a NUL, an 8-bit byte
 * of a declared charset, a CR inside base64): the part's bytes are read for all three
 * in blocks of sixteen or sixty-four, and a byte missed at any place would be left
 * in the body as it is. */
static void test_body_bytes_everywhere(struct rb_arena *arena)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	struct rb_limits limits;
	rb_limits_default(&limits);
	enum { BODY = 150 };
	bool all_right = true;
	for (int kind = 0; kind < 3; kind++) {
		for (size_t k = 0; k < BODY; k++) {
			unsigned char body[BODY];
			memset(body, 'a', sizeof(body));
			body[k] = kind == 0 ? 0 : kind == 1 ? 0xe9 : '\r';
			char raw[1024];
			size_t n = (size_t)snprintf(raw, sizeof(raw),
						    "From: a@example.com\nContent-Type: text/plain; "
						    "charset=%s\n%s\n",
						    kind == 1 ? "iso-8859-1" : "us-ascii",
						    kind == 2 ? "Content-Transfer-Encoding: base64\n" : "");
			if (kind == 2) {
				for (size_t i = 0; i < BODY; i += 3) {
					uint32_t w = (uint32_t)body[i] << 16 |
						     (uint32_t)(i + 1 < BODY ? body[i + 1] : 0) << 8 |
						     (uint32_t)(i + 2 < BODY ? body[i + 2] : 0);
					raw[n++] = b64[w >> 18 & 63];
					raw[n++] = b64[w >> 12 & 63];
					raw[n++] = i + 1 < BODY ? b64[w >> 6 & 63] : '=';
					raw[n++] = i + 2 < BODY ? b64[w & 63] : '=';
				}
				raw[n++] = '\n';
			} else {
				memcpy(raw + n, body, BODY);
				n += BODY;
			}
			struct rb_mail *m = NULL;
			struct rb_error err = {0};
			if (rb_mime_parse(arena, (const unsigned char *)raw, n, &limits, &m, &err) !=
			    RB_OK) {
				all_right = false;
				continue;
			}
			char want[BODY + 8];
			memset(want, 'a', k);
			const char *special = kind == 0 ? " " : kind == 1 ? "\xc3\xa9" : "\n";
			size_t sl = strlen(special);
			memcpy(want + k, special, sl);
			memset(want + k + sl, 'a', BODY - k - 1);
			size_t wl = k + sl + BODY - k - 1;
			if (want[wl - 1] != '\n') /* the body's text ends with a newline */
				want[wl++] = '\n';
			want[wl] = '\0';
			if (strcmp(m->body, want) != 0) {
				fprintf(stderr, "body bytes: kind %d at %zu: \"%s\"\n", kind, k, m->body);
				all_right = false;
			}
			rb_arena_reset(arena);
		}
	}
	CHECK(all_right);
}

int main(void)
{
	struct rb_arena *arena = rb_arena_new();
	test_structure(arena);
	test_line_endings(arena);
	test_encodings(arena);
	test_broken(arena);
	test_lenient_parts(arena);
	test_limits(arena);
	test_message_entry();
	test_dates(arena);
	test_delimiters(arena);
	test_normalize_random(arena);
	test_body_bytes_everywhere(arena);
	test_quoted_printable_random();
	test_base64_random();
	test_message_id_random(arena);
	test_header_name_case(arena);
	test_header_lookup_many(arena);
	test_joined_lines(arena);
	rb_arena_free(&arena);
	return check_done();
}
