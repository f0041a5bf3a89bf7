/*
 * test_single_byte.c - parsers/single_byte.c gives what the C library's converter
 * gives (through g_convert) for every byte of each charset under each of its names,
 * refusals included, and for random texts.
 */
#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "check.h"
#include "parsers/single_byte.h"

static const char *const names[] = {"ISO-8859-1", "iso-8859-1", "ISO8859-1", "ISO_8859-1",
				    "latin1",     "L1",         "ISO-8859-15", "iso8859-15",
				    "ISO_8859-15", "LATIN-9",   "latin9",      "CP1252",
				    "cp1252",     "WINDOWS-1252", "windows-1252"};

static bool same_as_iconv(const char *charset, const unsigned char *text, size_t len)
{
	gsize want_len = 0, got_len = 0;
	gchar *want =
	    g_convert((const gchar *)text, (gssize)len, "UTF-8", charset, NULL, &want_len, NULL);
	gchar *got = rb_single_byte_to_utf8(charset, text, len, &got_len);
	bool same = (want == NULL && got == NULL) ||
		    (want != NULL && got != NULL && want_len == got_len &&
		     memcmp(want, got, got_len) == 0 && got[got_len] == '\0');
	if (!same)
		fprintf(stderr, "%s: differs from iconv on %zu bytes, the first %02x\n", charset,
			len, len ? text[0] : 0);
	g_free(want);
	g_free(got);
	return same;
}

static void test_every_byte(void)
{
	for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
		CHECK(rb_single_byte_known(names[n]));
		int same = 0;
		for (int b = 0; b < 256; b++) {
			unsigned char text[3] = {'a', (unsigned char)b, 'z'};
			same += same_as_iconv(names[n], text, sizeof(text));
		}
		CHECK(same == 256);
	}
	CHECK(!rb_single_byte_known("UTF-8"));
	CHECK(!rb_single_byte_known("ISO-8859-2"));
	gsize n;
	CHECK(rb_single_byte_to_utf8("KOI8-R", (const unsigned char *)"a", 1, &n) == NULL);
	/* Windows-1252 leaves five bytes undefined: iconv refuses them, and so do we. */
	CHECK(rb_single_byte_to_utf8("CP1252", (const unsigned char *)"\x81", 1, &n) == NULL);
	gchar *euro = rb_single_byte_to_utf8("CP1252", (const unsigned char *)"\x80", 1, &n);
	CHECK_STR(euro, "\xe2\x82\xac");
	g_free(euro);
}

static void test_random(void)
{
	uint32_t seed = 8859;
	int same = 0;
	enum { ROUNDS = 3000 };
	for (int round = 0; round < ROUNDS; round++) {
		unsigned char text[300];
		size_t len = (seed >> 4) % sizeof(text);
		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			/* mostly ASCII, now and then a byte of eight bits */
			text[i] = (unsigned char)((seed >> 16) % 8 == 0 ? 0x80 + (seed >> 8) % 128
									: 0x20 + (seed >> 8) % 95);
		}
		seed = seed * 1103515245u + 12345u;
		same += same_as_iconv(names[(seed >> 8) % (sizeof(names) / sizeof(names[0]))], text,
				      len);
	}
	CHECK(same == ROUNDS);
}

int main(void)
{
	test_every_byte();
	test_random();
	return check_done();
}
