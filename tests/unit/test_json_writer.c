/*
 * test_json_writer.c - the JSON writer (escaping, invalid UTF-8, nesting, misuse) and
 * the event fields built on it (common fields first, a key set again replaced in place).
 */
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "core/event.h"
#include "core/json_writer.h"
#include "random_input.h"

static const char *escaped(struct rb_json_writer *w, const char *s, size_t len)
{
	rb_json_writer_reset(w);
	rb_json_strn(w, s, len);
	return rb_json_text(w, NULL);
}

static void test_strings(void)
{
	struct rb_json_writer w;
	rb_json_writer_init(&w);
	CHECK_STR(escaped(&w, "plain", 5), "\"plain\"");
	CHECK_STR(escaped(&w, "a\"b\\c/d", 7), "\"a\\\"b\\\\c/d\"");
	CHECK_STR(escaped(&w, "\b\f\n\r\t", 5), "\"\\b\\f\\n\\r\\t\"");
	CHECK_STR(escaped(&w, "\x01\x1f\x7f", 3), "\"\\u0001\\u001f\x7f\"");
	CHECK_STR(escaped(&w, "a\0b", 3), "\"a\\u0000b\"");
	/* Valid UTF-8 stays; each byte of an invalid sequence becomes U+FFFD. */
	CHECK_STR(escaped(&w, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14),
		  "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	CHECK_STR(escaped(&w, "\xe9t\xe9", 3), "\"\xef\xbf\xbdt\xef\xbf\xbd\"");
	CHECK_STR(escaped(&w, "\xc0\xaf", 2), "\"\xef\xbf\xbd\xef\xbf\xbd\""); /* overlong */
	CHECK_STR(escaped(&w, "\xed\xa0\x80", 3),			       /* a surrogate */
		  "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
	CHECK_STR(escaped(&w, "\xf4\x90\x80\x80", 4), /* past U+10FFFF */
		  "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
	CHECK_STR(escaped(&w, "x\xe2\x82", 3), "\"x\xef\xbf\xbd\xef\xbf\xbd\""); /* cut short */
	CHECK_STR(escaped(&w, NULL, 4), "\"\"");

	/* Long strings cross the writer's pieces and word-at-a-time runs intact. */
	size_t n = 20000;
	char *big = malloc(n);
	for (size_t i = 0; i < n; i++)
		big[i] = i % 1000 == 999 ? '\n' : (char)('a' + i % 26);
	big[4095] = '\xc3'; /* a sequence cut by the 4 KiB piece boundary */
	big[4096] = '\xa9';
	rb_json_writer_reset(&w);
	rb_json_strn(&w, big, n);
	size_t len = 0;
	const char *text = rb_json_text(&w, &len);
	CHECK(len == n + 2 + 20); /* the quotes, and a second byte for each of 20 "\n" */
	CHECK(memcmp(text + 1 + 4095 + 4, "\xc3\xa9", 2) == 0);
	free(big);
	rb_json_writer_free(&w);
}

/* The escaping as its rules say, one byte at a time: the reference for the runs the
 * writer copies sixteen and eight bytes at a time. */
static size_t reference_utf8(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	size_t len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
	if (len == 0 || len > n)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] >= 0xa0) || (c == 0xf0 && p[1] < 0x90) ||
	    (c == 0xf4 && p[1] >= 0x90))
		return 0;
	return len;
}

static size_t reference_escape(const unsigned char *s, size_t n, char *out)
{
	size_t o = 0;
	out[o++] = '"';
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		if (c >= 0x80) {
			size_t k = reference_utf8(s + i, n - i);
			if (k > 0) {
				memcpy(out + o, s + i, k);
				o += k;
				i += k;
			} else {
				memcpy(out + o, "\xef\xbf\xbd", 3);
				o += 3;
				i++;
			}
			continue;
		}
		const char *esc = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\b' ? "\\b"
			: c == '\f' ? "\\f" : c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : NULL;
		if (esc != NULL) {
			memcpy(out + o, esc, 2);
			o += 2;
		} else if (c < 0x20) {
			o += (size_t)sprintf(out + o, "\\u%04x", c);
		} else {
			out[o++] = (char)c;
		}
		i++;
	}
	out[o++] = '"';
	out[o] = '\0';
	return o;
}

/* Does the writer escape text[0..n) as the reference does? want: room for 6n + 3. */
static bool escapes_as_reference(struct rb_json_writer *w, const unsigned char *text, size_t n,
				 char *want)
{
	size_t want_len = reference_escape(text, n, want);
	size_t got_len = 0;
	const char *got = escaped(w, (const char *)text, n);
	rb_json_text(w, &got_len);
	return got_len == want_len && memcmp(got, want, want_len) == 0;
}

static void test_strings_random(void)
{
	/* Mostly plain bytes, so that runs of sixteen and eight are met, and each byte
	 * that needs care among them. */
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789 .-@<>"
				       "abcdefghijklmnopqrstuvwxyz0123456789 .-@<>"
				       "\"\\\n\t\x01\x7f\xc3\xa9\xe2\x82\xac\xf0\x9f\xed\xa0";
	uint32_t seed = 1729;
	struct rb_json_writer w;
	rb_json_writer_init(&w);
	unsigned char text[200];
	static char want[200 * 6 + 3];
	bool same = true;
	for (int round = 0; round < 20000; round++) {
		size_t n = random_next(&seed) % sizeof(text);
		if (round % 2 == 0) {
			random_bytes(&seed, alphabet, sizeof(alphabet) - 1, text, n);
		} else {
			/* Plain but for at most one byte (strings of 64 bytes or fewer are
			 * copied whole when plain): each care byte at each place. */
			n %= 80;
			random_bytes(&seed, alphabet, 84, text, n); /* the plain part */
			if (n > 0 && round % 4 == 1)
				text[random_next(&seed) % n] =
				    (unsigned char)alphabet[84 + random_next(&seed) % (sizeof(alphabet) - 85)];
		}
		same &= escapes_as_reference(&w, text, n, want);
	}
	CHECK(same);
	rb_json_writer_free(&w);
}

/* Text that is mostly multibyte UTF-8 (Japanese, Cyrillic, emoji), some sequences
 * broken, long enough that runs of them cross the writer's 4,096-byte pieces. */
static void test_strings_utf8_runs(void)
{
	static const char *const pieces[] = {"\xe3\x81\x82", "\xe6\x97\xa5", "\xd0\x96",
					     "\xf0\x9f\x98\x80", "\xe3\x81", "\x80", "\xed\xa0\x80",
					     "a", " ", "\"", "\n"};
	uint32_t seed = 3000;
	struct rb_json_writer w;
	rb_json_writer_init(&w);
	enum { MAX = 10000 };
	static unsigned char text[MAX + 8];
	static char want[MAX * 6 + 3];
	bool same = true;
	for (int round = 0; round < 300; round++) {
		size_t n = 0, target = random_next(&seed) % MAX;
		while (n < target) {
			uint32_t r = random_next(&seed) % 100;
			/* mostly the valid three-byte ones */
			const char *piece = pieces[r < 80 ? r % 2 : r % (sizeof(pieces) / sizeof(pieces[0]))];
			size_t k = strlen(piece);
			memcpy(text + n, piece, k);
			n += k;
		}
		same &= escapes_as_reference(&w, text, n, want);
	}
	CHECK(same);
	rb_json_writer_free(&w);
}

static void test_nesting(void)
{
	struct rb_json_writer w;
	rb_json_writer_init(&w);
	rb_json_begin_object(&w);
	rb_json_field_str(&w, "a", "x");
	rb_json_key(&w, "list");
	rb_json_begin_array(&w);
	rb_json_int(&w, -5);
	rb_json_bool(&w, true);
	rb_json_null(&w);
	rb_json_begin_object(&w);
	rb_json_end_object(&w);
	rb_json_begin_array(&w);
	rb_json_end_array(&w);
	rb_json_end_array(&w);
	rb_json_field_int(&w, "n", INT64_MIN);
	rb_json_end_object(&w);
	CHECK_STR(rb_json_text(&w, NULL),
		  "{\"a\":\"x\",\"list\":[-5,true,null,{},[]],\"n\":-9223372036854775808}");
	CHECK(rb_json_writer_check(&w, NULL) == RB_OK);

	/* A value in an object without its key is refused, and stays refused. */
	rb_json_writer_reset(&w);
	rb_json_begin_object(&w);
	rb_json_str(&w, "orphan");
	struct rb_error err = {0};
	CHECK(rb_json_writer_check(&w, &err) == RB_ERR_INTERNAL);
	CHECK(strstr(err.message, "out of order") != NULL);
	CHECK_STR(rb_json_text(&w, NULL), "");
	rb_json_writer_reset(&w);
	rb_json_end_array(&w);
	CHECK(rb_json_writer_check(&w, NULL) == RB_ERR_INTERNAL);
	rb_json_writer_free(&w);
}

struct last_event {
	char json[2048];
	char id[40];
};

static enum rb_status keep_event(void *ctx, const struct rb_event *event, struct rb_error *err)
{
	(void)err;
	struct last_event *last = ctx;
	snprintf(last->json, sizeof(last->json), "%s", rb_event_json(event, NULL));
	snprintf(last->id, sizeof(last->id), "%s", rb_event_id(event));
	return RB_OK;
}

static void test_event_fields(void)
{
	struct rb_source source = {.kind = "file", .path = "in/\"x\".eml"};
	struct last_event last = {0};
	struct rb_emitter em;
	rb_emitter_init(&em, &source, keep_event, &last);
	for (int round = 0; round < 2; round++) { /* the second reuses the first's event */
		struct rb_event *ev = rb_event_begin(&em, RB_EVENT_BOUNCE);
		rb_event_set_str(ev, "recipient", "a@example.com");
		rb_event_set_time(ev, "2024-01-02T03:04:05Z");
		rb_event_set_int(ev, "count", 1);
		struct rb_json_writer list;
		rb_json_writer_init(&list);
		rb_json_begin_array(&list);
		rb_json_str(&list, "one");
		rb_json_end_array(&list);
		rb_event_set_json(ev, "list", &list);
		rb_json_writer_free(&list);
		rb_event_set_str(ev, "recipient", "b@example.com"); /* replaced where it stands */
		rb_event_set_null(ev, "count");
		rb_event_set_id_key(ev, "fixed key");
		CHECK(rb_event_finish(&em, ev) == RB_OK);
		char want[1024];
		snprintf(want, sizeof(want),
			 "{\"id\":\"%s\",\"type\":\"bounce\",\"time\":\"2024-01-02T03:04:05Z\","
			 "\"source\":{\"kind\":\"file\",\"path\":\"in/\\\"x\\\".eml\","
			 "\"message_id\":\"\",\"sha256\":\"\"},\"recipient\":\"b@example.com\","
			 "\"count\":null,\"list\":[\"one\"]}",
			 last.id);
		CHECK_STR(last.json, want);
		CHECK(strlen(last.id) == 32);
	}
	/* The default id: no time, a distinct sequence number, so a distinct id. */
	char first_id[40];
	snprintf(first_id, sizeof(first_id), "%s", last.id);
	CHECK(rb_emit_problem(&em, RB_EVENT_ERROR, "why") == RB_OK);
	CHECK(strstr(last.json, "\"type\":\"error\",\"time\":null,") != NULL);
	CHECK(strstr(last.json, ",\"error\":\"why\"}") != NULL);
	CHECK(strcmp(first_id, last.id) != 0);
	rb_emitter_release(&em);
}

int main(void)
{
	test_strings();
	test_strings_random();
	test_strings_utf8_runs();
	test_nesting();
	test_event_fields();
	return check_done();
}
