/*
 * test_iso2022jp.c - parsers/iso2022jp.c gives what the C library's converter gives
 * (through g_convert), byte for byte, refusals included: on text made of ASCII runs
 * (every 7-bit byte), every escape sequence of ISO-2022-JP and of its relatives, JIS
 * X 0208 pairs, cut pairs, 8-bit bytes and texts cut anywhere.
 */
#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "parsers/iso2022jp.h"

/* Both refuse, or both give the same bytes. */
static bool same_as_iconv(const unsigned char *text, size_t len)
{
	gsize want_len = 0, got_len = 0;
	gchar *want = g_convert((const gchar *)text, (gssize)len, "UTF-8", "ISO-2022-JP", NULL,
				&want_len, NULL);
	gchar *got = rb_iso2022jp_to_utf8(text, len, &got_len);
	bool same = (want == NULL && got == NULL) ||
		    (want != NULL && got != NULL && want_len == got_len &&
		     memcmp(want, got, got_len) == 0 && got[got_len] == '\0');
	if (!same) {
		fprintf(stderr, "differs from iconv on %zu bytes:", len);
		for (size_t i = 0; i < len && i < 64; i++)
			fprintf(stderr, " %02x", text[i]);
		fprintf(stderr, "\n");
	}
	g_free(want);
	g_free(got);
	return same;
}

static void test_examples(void)
{
	/* "Kon" (U+3053 U+3093) between two ASCII words. */
	const char *text = "Hello \x1b$B$3$s\x1b(B world\n";
	gsize n = 0;
	gchar *got = rb_iso2022jp_to_utf8((const unsigned char *)text, strlen(text), &n);
	CHECK_STR(got, "Hello \xe3\x81\x93\xe3\x82\x93 world\n");
	CHECK(n == strlen("Hello \xe3\x81\x93\xe3\x82\x93 world\n"));
	g_free(got);
	/* Plain ASCII is itself; an 8-bit byte is refused. */
	got = rb_iso2022jp_to_utf8((const unsigned char *)"abc", 3, &n);
	CHECK_STR(got, "abc");
	g_free(got);
	CHECK(rb_iso2022jp_to_utf8((const unsigned char *)"ab\xe9", 3, &n) == NULL);
	/* A text that ends in JIS X 0208, and one cut inside a pair. */
	CHECK(same_as_iconv((const unsigned char *)"a\x1b$B$3$s", 8));
	CHECK(same_as_iconv((const unsigned char *)"a\x1b$B$3$", 7));
}

/* Every byte alone in each set, and after each escape. */
static void test_every_byte(void)
{
	static const char *const before[] = {"", "\x1b(B", "\x1b(J", "\x1b$B", "\x1b$@",
					      "\x1b$(D", "\x1b$A", "\x1b.A", "\x1bN", "\x1b("};
	int same = 0, total = 0;
	for (size_t e = 0; e < sizeof(before) / sizeof(before[0]); e++) {
		for (int b = 0; b < 256; b++) {
			unsigned char text[16];
			size_t n = strlen(before[e]);
			memcpy(text, before[e], n);
			text[n++] = 'x';
			text[n++] = (unsigned char)b;
			text[n++] = '!';
			memcpy(text + n, "\x1b(Bz", 4);
			n += 4;
			same += same_as_iconv(text, n);
			total++;
		}
	}
	CHECK(same == total);
}

/* Random texts from the pieces above, cut at random. */
static void test_random(void)
{
	static const char *const escapes[] = {"\x1b(B", "\x1b(J", "\x1b$B", "\x1b$@", "\x1b$(D",
					      "\x1b$A",  "\x1b.A", "\x1bN",  "\x1b(",  "\x1b"};
	uint32_t seed = 2022;
	int same = 0, converted = 0;
	enum { ROUNDS = 20000 };
	for (int round = 0; round < ROUNDS; round++) {
		unsigned char text[512];
		size_t n = 0;
		int pieces = 1 + (int)(seed % 12);
		for (int k = 0; k < pieces && n + 40 < sizeof(text); k++) {
			seed = seed * 1103515245u + 12345u;
			uint32_t r = seed >> 8;
			switch (r % 8) {
			case 0:
			case 1:
			case 2: /* ASCII text, now and then a control byte */
				for (int i = 0; i < 1 + (int)(r % 30); i++)
					text[n++] = (unsigned char)(r % 7 == 0 ? (r >> 3) % 32
									      : 0x20 + (r + i * 7) % 95);
				break;
			case 3:
			case 4: { /* an escape */
				const char *e = escapes[(r >> 4) % (sizeof(escapes) / sizeof(escapes[0]))];
				memcpy(text + n, e, strlen(e));
				n += strlen(e);
				break;
			}
			case 5:
			case 6: /* JIS X 0208 pairs, the odd one cut */
				for (int i = 0; i < 1 + (int)(r % 9); i++)
					text[n++] = (unsigned char)(0x21 + ((r >> (i % 16)) + i * 13) % 94);
				break;
			default: /* an 8-bit byte, or a newline */
				text[n++] = (unsigned char)(r % 3 ? '\n' : 0x80 + r % 128);
			}
		}
		if (seed % 5 == 0 && n > 0)
			n = (seed >> 4) % n; /* cut anywhere */
		same += same_as_iconv(text, n);
		gsize len;
		gchar *got = rb_iso2022jp_to_utf8(text, n, &len);
		converted += got != NULL;
		g_free(got);
	}
	CHECK(same == ROUNDS);
	/* Both kinds of outcome were met often. */
	CHECK(converted > ROUNDS / 10 && converted < ROUNDS - ROUNDS / 10);
}

int main(void)
{
	test_examples();
	test_every_byte();
	test_random();
	return check_done();
}
