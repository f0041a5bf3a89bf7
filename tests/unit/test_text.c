/*
 * test_text.c - core/text.c: codes, addresses, field blocks, lines; core/utf8.c.
 */
#define _GNU_SOURCE /* memmem, the reference */
#include <stdlib.h>

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "random_input.h"
#include "core/arena.h"
#include "core/text.h"
#include "core/utf8.h"

#include <glib.h>

static void test_status_codes(void)
{
	char code[16];
	CHECK(rb_text_find_status("550 5.1.1 <a@b.c>: Recipient address rejected", code));
	CHECK_STR(code, "5.1.1");
	CHECK(rb_text_find_status("smtp; 452 4.2.2 Mailbox full.", code));
	CHECK_STR(code, "4.2.2");
	CHECK(rb_text_find_status("status 5.7.133 at the end", code));
	CHECK_STR(code, "5.7.133");
	/* An IP address is not a status code, nor is a version number. */
	CHECK(!rb_text_find_status("connect to 5.1.1.2 failed", code));
	CHECK(!rb_text_find_status("v15.1.1 server", code));
	CHECK(!rb_text_find_status("3.1.1 is no class", code));
	CHECK(!rb_text_find_status("", code));
	CHECK(!rb_text_find_status(NULL, code));
	CHECK(rb_text_find_status("(5.2.2).", code));
	CHECK_STR(code, "5.2.2");
}

static void test_reply_codes(void)
{
	CHECK(rb_text_find_reply_code("host said: 550 5.1.1 unknown") == 550);
	CHECK(rb_text_find_reply_code("421-4.7.0 try again later") == 421);
	CHECK(rb_text_find_reply_code("smtp;554 rejected") == 554);
	CHECK(rb_text_find_reply_code("port 25000 and 5.5.0") == 0);
	CHECK(rb_text_find_reply_code("from 192.0.2.250") == 0);
	CHECK(rb_text_find_reply_code("no code here") == 0);
	CHECK(rb_text_find_reply_code("599 is not a reply") == 0);
}

static void test_addresses(struct rb_arena *arena)
{
	CHECK_STR(rb_text_find_address(arena, "<Kijitora@Example.JP>: user unknown"),
		  "Kijitora@example.jp");
	CHECK_STR(rb_text_find_address(arena, "rfc822; neko@example.org"), "neko@example.org");
	CHECK_STR(rb_text_find_address(arena, "To: \"Cat\" <cat.s+tag@sub.example.com>."),
		  "cat.s+tag@sub.example.com");
	CHECK(rb_text_find_address(arena, "no address @ here") == NULL);
	CHECK(rb_text_find_address(arena, "") == NULL);
	CHECK_STR(rb_text_address_normalize(arena, " rfc822; <A@B.EXAMPLE> "), "A@b.example");
	CHECK_STR(rb_text_address_normalize(arena, NULL), "");
	CHECK_STR(rb_text_address_normalize(arena, "\"neko..nyaan\"@Example.ORG"),
		  "neko..nyaan@example.org");
}

static void test_fields(struct rb_arena *arena)
{
	const char *dsn = "Reporting-MTA: dns; mx.example.jp\n"
			  "Arrival-Date: Mon, 29 Apr 2013 23:45:32 +0900\n"
			  "\n"
			  "Final-Recipient: rfc822; a@example.jp\n"
			  "Action: failed\n"
			  "Status: 5.1.1\n"
			  "Diagnostic-Code: smtp; 550 5.1.1 <a@example.jp>:\n"
			  "    Recipient address rejected\n"
			  "not a field line\n"
			  "\n\n"
			  "Final-Recipient: rfc822; b@example.jp\n"
			  "Action: delayed\n";
	struct rb_field_block *blocks = NULL;
	size_t n = rb_fields_parse(arena, dsn, &blocks);
	CHECK(n == 3);
	if (n != 3)
		return;
	CHECK_STR(rb_field_get(&blocks[0], "reporting-mta"), "dns; mx.example.jp");
	CHECK_STR(rb_field_get(&blocks[1], "Status"), "5.1.1");
	CHECK_STR(rb_field_get(&blocks[1], "Diagnostic-Code"),
		  "smtp; 550 5.1.1 <a@example.jp>: Recipient address rejected");
	CHECK(rb_field_get(&blocks[1], "Remote-MTA") == NULL);
	CHECK_STR(rb_field_get(&blocks[2], "Action"), "delayed");
	CHECK(rb_fields_parse(arena, "", &blocks) == 0);

	/* A field folded over 100,000 lines is read in one pass (hostile input). */
	size_t lines = 100000, cap = lines * 4 + 64, o = 0;
	char *folded = malloc(cap);
	o += (size_t)snprintf(folded + o, cap - o, "Diagnostic-Code: smtp;");
	for (size_t i = 0; i < lines; i++)
		o += (size_t)snprintf(folded + o, cap - o, "\n x");
	CHECK(rb_fields_parse(arena, folded, &blocks) == 1);
	CHECK(blocks[0].count == 1 && strlen(blocks[0].fields[0].value) == 6 + 2 * lines - 1);
	free(folded);
}

static void test_lines_and_case(struct rb_arena *arena)
{
	const char *text = "one\ntwo\n\nlast";
	const char *cursor = text, *line;
	size_t len, count = 0;
	while (rb_text_next_line(&cursor, &line, &len))
		count++;
	CHECK(count == 4);
	CHECK(rb_text_find_ci("Mailbox FULL", "mailbox full") != NULL);
	CHECK(rb_text_find_ci_n("abcdef", 3, "def") == NULL);
	CHECK(rb_text_find_ci_n("abcdef", 6, "DEF") != NULL);
	CHECK_STR(rb_text_squeeze(arena, "  a \n\t b  "), "a b");
	/* Eight-byte runs are copied whole; white space at any offset still folds. */
	CHECK_STR(rb_text_squeeze(arena, "abcdefghijklmnop\r\n\tqrstuvwx  yz0123456789ABCDEF \n"),
		  "abcdefghijklmnop qrstuvwx yz0123456789ABCDEF");
	CHECK_STR(rb_text_squeeze(arena, "\t\t\t\t\t\t\t\tx"), "x");
	CHECK_STR(rb_text_squeeze(arena, "caf\xc3\xa9-\xe3\x81\x82\xe3\x81\x84 ok"),
		  "caf\xc3\xa9-\xe3\x81\x82\xe3\x81\x84 ok");
	CHECK_STR(rb_text_squeezen(arena, "12345678 90", 8), "12345678");
	CHECK_STR(rb_text_trim(arena, "\t x y \n", 7), "x y");
	CHECK_STR(rb_text_lower(arena, "MiXeD"), "mixed");
}

/* White space squeezed the plain way, one byte at a time: what the word-at-a-time
 * squeeze must give. */
static void squeeze_reference(const char *s, size_t n, char *out)
{
	size_t o = 0;
	bool space = true;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') {
			if (!space)
				out[o++] = ' ';
			space = true;
		} else {
			out[o++] = (char)c;
			space = false;
		}
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
}

/* Random texts of words, single and double spaces, tabs, newlines, control and 8-bit
 * bytes, at every alignment and length. */
static void test_squeeze_random(struct rb_arena *arena)
{
	static const char alphabet[] = "ab  \t\n\r\x01\x7f\xc3\xa9.- ";
	uint32_t seed = 2026;
	char text[200], want[201];
	for (int round = 0; round < 20000; round++) {
		seed = seed * 1103515245u + 12345u;
		size_t n = (seed >> 8) % sizeof(text);
		/* Every other round only letters and spaces, at most 70 bytes: values of
		 * one 64-byte block of the vector squeeze, or just over one. */
		bool plain = round % 2 == 1;
		if (plain)
			n %= 71;
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			uint32_t r = seed >> 8;
			/* mostly letters and single spaces, as header values are */
			text[i] = r % 4 || plain ? "abcdefgh "[r / 4 % 9]
						 : alphabet[r / 4 % (sizeof(alphabet) - 1)];
		}
		squeeze_reference(text, n, want);
		const char *got = rb_text_squeezen(arena, text, n);
		if (strcmp(got, want) != 0)
			fprintf(stderr, "squeeze round %d: \"%s\", want \"%s\"\n", round, got, want);
		CHECK_STR(got, want);
	}
}

/* Lowering: ASCII letters only, every byte value, every alignment. */
static void test_lower_random(struct rb_arena *arena)
{
	uint32_t seed = 77;
	char text[100], want[100];
	for (int round = 0; round < 20000; round++) {
		seed = seed * 1103515245u + 12345u;
		size_t n = (seed >> 8) % (sizeof(text) - 1);
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			unsigned char c = (unsigned char)(seed >> 16);
			if (c == 0)
				c = 'Q';
			text[i] = (char)c;
			want[i] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : (char)c;
		}
		text[n] = want[n] = '\0';
		CHECK_STR(rb_text_lower(arena, text), want);
	}
}

/* Needles longer than the lowering buffer are still found, not cut short. */
static void test_find_lower_long_needle(void)
{
	char hay[700], needle[400];
	memset(hay, 'a', sizeof(hay) - 1);
	hay[sizeof(hay) - 1] = '\0';
	memset(needle, 'A', sizeof(needle) - 1);
	needle[sizeof(needle) - 1] = '\0';
	hay[500] = 'b';
	CHECK(rb_text_find_lower(hay, needle) == hay); /* 399 a's: the first run */
	needle[300] = 'B'; /* 300 a's, a b, 98 a's: only at 200 */
	CHECK(rb_text_find_lower(hay, needle) == hay + 200);
	CHECK(rb_text_find_lower_n(hay, strlen(hay), needle) == hay + 200);
	CHECK(rb_text_find_lower_n(hay, 500, needle) == NULL); /* it ends past byte 500 */
	CHECK(rb_text_find_lower_n(hay, strlen(hay), "AAB") == hay + 498);
}

/* The plain definition: the first i where needle matches, ASCII case folded. */
static const char *find_ci_reference(const char *h, size_t n, const char *needle)
{
	size_t m = strlen(needle);
	for (size_t i = 0; i + m <= n; i++) {
		size_t k = 0;
		while (k < m) {
			unsigned char a = (unsigned char)h[i + k], b = (unsigned char)needle[k];
			if (a >= 'A' && a <= 'Z')
				a += 32;
			if (b >= 'A' && b <= 'Z')
				b += 32;
			if (a != b)
				break;
			k++;
		}
		if (k == m)
			return h + i;
	}
	return NULL;
}

/*
 * Case-insensitive search against the plain definition: a small alphabet (so matches
 * are common) holding letters, the bytes one case bit away from letters ('@', '[',
 * '`', '{') and 8-bit bytes; every alignment, needles of 1 to 12 bytes.
 */
static void test_find_ci_random(void)
{
	static const char alphabet[] = "aAbBzZ@[`{\x80\xc1 ";
	uint32_t seed = 4242;
	char hay[160], needle[13]; /* up to three blocks of the 64-byte search */
	for (int round = 0; round < 50000; round++) {
		seed = seed * 1103515245u + 12345u;
		size_t n = (seed >> 8) % sizeof(hay);
		random_bytes(&seed, alphabet, sizeof(alphabet) - 1, hay, n);
		hay[n] = '\0';
		seed = seed * 1103515245u + 12345u;
		size_t m = 1 + (seed >> 8) % (sizeof(needle) - 1);
		random_bytes(&seed, alphabet, sizeof(alphabet) - 1, needle, m);
		needle[m] = '\0';
		CHECK(rb_text_find_ci(hay, needle) == find_ci_reference(hay, n, needle));
		size_t cut = n ? (seed >> 4) % (n + 1) : 0;
		CHECK(rb_text_find_ci_n(hay, cut, needle) == find_ci_reference(hay, cut, needle));
	}
	/* The search stops at a NUL inside the given length. */
	CHECK(rb_text_find_ci_n("ab\0cd", 5, "cd") == NULL);
	CHECK(rb_text_find_ci("x", "") != NULL);
}

/*
 * rb_text_memmem against the C library's memmem: random texts over two letters (so
 * first and last bytes match often), needles of 1 to 40 bytes, every alignment, with
 * the first and last bytes or two others as the anchors; then
 * a hostile text where every position is a candidate, which must still be found right
 * (and is bounded by the fallback, not checked here for time).
 */
static void test_memmem_random(void)
{
	uint32_t seed = 31337;
	char hay[200], needle[41];
	for (int round = 0; round < 100000; round++) {
		seed = seed * 1103515245u + 12345u;
		size_t n = (seed >> 8) % sizeof(hay);
		random_bytes(&seed, "baaaa", 5, hay, n);
		seed = seed * 1103515245u + 12345u;
		size_t m = 1 + (seed >> 8) % (sizeof(needle) - 1);
		random_bytes(&seed, "baaaa", 5, needle, m);
		CHECK(rb_text_memmem(hay, n, needle, m) == memmem(hay, n, needle, m));
		if (m >= 2) { /* any two anchors give the same answer */
			seed = seed * 1103515245u + 12345u;
			size_t a0 = (seed >> 8) % (m - 1);
			size_t a1 = a0 + 1 + (seed >> 20) % (m - 1 - a0);
			CHECK(rb_text_memmem_anchored(hay, n, needle, m, a0, a1) ==
			      memmem(hay, n, needle, m));
		}
	}
	static char hostile[1 << 20];
	memset(hostile, 'a', sizeof(hostile));
	memcpy(hostile + sizeof(hostile) - 3, "aab", 3);
	const char *needle_b = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"; /* 31 a's and a b */
	CHECK(rb_text_memmem(hostile, sizeof(hostile), needle_b, strlen(needle_b)) ==
	      hostile + sizeof(hostile) - strlen(needle_b));
	CHECK(rb_text_memmem(hostile, sizeof(hostile) - 1, needle_b, strlen(needle_b)) == NULL);
	CHECK(rb_text_memmem(hostile, 5, "", 0) == hostile);
}

/* How the pair set cuts a byte to six bits, written out: a lowercase letter keeps its
 * low six bits, any other byte its low five. */
static unsigned pair_cut(char c)
{
	unsigned char u = (unsigned char)c;
	return u >= 'a' && u <= 'z' ? u % 64 : u % 32;
}

/* The pair set against its definition: every adjacent byte pair (each byte cut to six
 * bits), no other; and a needle cut from the text is never ruled out. */
static void test_pairs_random(void)
{
	uint32_t seed = 8192;
	static unsigned char got[RB_PAIRS_BYTES], want[RB_PAIRS_BYTES];
	char text[100];
	for (int round = 0; round < 5000; round++) {
		seed = seed * 1103515245u + 12345u;
		size_t n = (seed >> 8) % sizeof(text);
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			text[i] = (char)(seed >> 16);
		}
		memset(want, 0, sizeof(want));
		for (size_t i = 0; i + 1 < n; i++)
			want[pair_cut(text[i]) << 6 | pair_cut(text[i + 1])] = 1;
		memset(got, 0xa5, sizeof(got)); /* rb_pairs_of must clear what it does not set */
		rb_pairs_of(got, text, n);
		CHECK(memcmp(got, want, sizeof(got)) == 0);
		if (n < 2)
			continue;
		/* A piece of the text, NUL-free, as a needle: it occurs, so it may occur. */
		seed = seed * 1103515245u + 12345u;
		size_t from = (seed >> 8) % (n - 1), len = 2 + (seed >> 20) % (n - from - 1);
		char needle[sizeof(text) + 1];
		size_t k = 0;
		for (size_t i = from; i < from + len && text[i] != '\0'; i++)
			needle[k++] = text[i];
		needle[k] = '\0';
		CHECK(rb_pairs_may_contain(got, needle, false));
		/* Lowering and pairing at once: what the two give one after the other. */
		static unsigned char both[RB_PAIRS_BYTES];
		char lowered[sizeof(text) + 1];
		struct rb_arena *arena = rb_arena_new();
		char *want_lower = rb_arena_strndup(arena, text, n);
		for (size_t i = 0; i < n; i++)
			if (want_lower[i] >= 'A' && want_lower[i] <= 'Z')
				want_lower[i] = (char)(want_lower[i] + 32);
		rb_pairs_of(want, want_lower, n);
		memset(both, 0xa5, sizeof(both));
		rb_pairs_of_lowering(both, lowered, text, n);
		CHECK(memcmp(lowered, want_lower, n) == 0 && lowered[n] == '\0');
		CHECK(memcmp(both, want, sizeof(both)) == 0);
		rb_arena_free(&arena);
	}
}

/* The byte-at-a-time readings rb_text_find_status and rb_text_find_reply_code must agree with. */
static bool reference_status(const char *s, char out[16])
{
	for (const char *p = s; *p; p++) {
		if ((*p != '2' && *p != '4' && *p != '5') || p[1] != '.')
			continue;
		if (p > s && (isalnum((unsigned char)p[-1]) || p[-1] == '.'))
			continue;
		const char *q = p + 2;
		size_t d1 = 0;
		while (d1 < 4 && isdigit((unsigned char)q[d1]))
			d1++;
		if (d1 == 0 || d1 > 3 || q[d1] != '.')
			continue;
		const char *r = q + d1 + 1;
		size_t d2 = 0;
		while (d2 < 4 && isdigit((unsigned char)r[d2]))
			d2++;
		if (d2 == 0 || d2 > 3)
			continue;
		char after = r[d2];
		if (isalnum((unsigned char)after) || (after == '.' && isdigit((unsigned char)r[d2 + 1])))
			continue;
		size_t len = (size_t)(r + d2 - p);
		memcpy(out, p, len);
		out[len] = '\0';
		return true;
	}
	return false;
}

static int reference_reply_code(const char *s)
{
	for (const char *p = s; *p; p++) {
		if ((*p != '2' && *p != '4' && *p != '5') || !isdigit((unsigned char)p[1]) ||
		    !isdigit((unsigned char)p[2]))
			continue;
		if (p > s && (isalnum((unsigned char)p[-1]) || p[-1] == '.' || p[-1] == '-'))
			continue;
		char after = p[3];
		if (isalnum((unsigned char)after) || after == '.' || after == '@' || p[1] > '5')
			continue;
		return (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
	}
	return 0;
}

/* Codes found sixteen positions at a time: every length, every place, near misses. */
static void test_codes_random(void)
{
	uint32_t seed = 550;
	static const char alphabet[] = "2455.1.0.9a -@";
	char text[80];
	for (int round = 0; round < 200000; round++) {
		size_t n = random_next(&seed) >> 8 & 63;
		random_bytes(&seed, alphabet, sizeof(alphabet) - 1, text, n);
		text[n] = '\0';
		char got[16], want[16];
		bool found = rb_text_find_status(text, got);
		CHECK(found == reference_status(text, want));
		if (found)
			CHECK(strcmp(got, want) == 0);
		CHECK(rb_text_find_reply_code(text) == reference_reply_code(text));
	}
}

/* The address byte classes, bit tables, against their definitions for every byte. */
static void test_address_chars(void)
{
	bool same = true;
	for (int c = 0; c < 256; c++) {
		bool local = isalnum(c) || strchr("!#$%&'*+-/=?^_`{|}~.", c) != NULL || c >= 0x80;
		bool domain = isalnum(c) || c == '-' || c == '.' || c == '_' || c >= 0x80;
		same &= rb_text_is_local_char((unsigned char)c) == local;
		same &= rb_text_is_domain_char((unsigned char)c) == domain;
	}
	CHECK(same);
}

/* One code point as UTF-8 into out (1-4 bytes); surrogates too, as a broken encoder
 * writes them. */
static size_t put_code_point(uint32_t c, unsigned char *out)
{
	if (c < 0x80) {
		out[0] = (unsigned char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (unsigned char)(0xc0 | c >> 6);
		out[1] = (unsigned char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (unsigned char)(0xe0 | c >> 12);
		out[1] = (unsigned char)(0x80 | (c >> 6 & 0x3f));
		out[2] = (unsigned char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (unsigned char)(0xf0 | (c >> 18 & 0x07));
	out[1] = (unsigned char)(0x80 | (c >> 12 & 0x3f));
	out[2] = (unsigned char)(0x80 | (c >> 6 & 0x3f));
	out[3] = (unsigned char)(0x80 | (c & 0x3f));
	return 4;
}

/* UTF-8 validation against GLib's: strings of code points near every boundary
 * (overlong, surrogate, U+10FFFF, noncharacters) between ASCII runs long enough for
 * the sixteen-byte path, some then cut or with a byte changed; and bytes at random
 * from the lead and continuation bytes that matter, NUL included. */
static void test_utf8_random(void)
{
	static const uint32_t edges[] = {0x0,     0x41,     0x7f,     0x80,     0x7ff,   0x800,
					 0xfff,   0xd7ff,   0xd800,   0xdfff,   0xe000,  0xfffd,
					 0xfffe,  0xffff,   0x10000,  0x10ffff, 0x110000, 0x1fffff};
	static const char bytes[] = "aZ \n\x00\x7f\x80\x8f\x90\x9f\xa0\xbf\xc0\xc1\xc2\xdf"
				    "\xe0\xed\xef\xf0\xf4\xf5\xff";
	unsigned char in[96];
	uint32_t seed = 3629;
	unsigned valid = 0;
	for (int round = 0; round < 200000; round++) {
		size_t n = 0;
		if (round % 2) {
			size_t want = random_next(&seed) % 80;
			while (n + 4 <= want) {
				uint32_t r = random_next(&seed) >> 8;
				if (r % 3 == 0) {
					size_t run = r % 20;
					for (size_t i = 0; i < run && n < want; i++)
						in[n++] = 'a' + (unsigned char)(i % 26);
				} else {
					uint32_t c = edges[(r >> 4) % (sizeof(edges) / sizeof(edges[0]))];
					if (c > 0x10ffff)
						c = 0x10ffff; /* not encodable in four bytes */
					n += put_code_point(c, in + n);
				}
			}
			uint32_t r = random_next(&seed) >> 8;
			if (n > 0 && r % 4 == 0)
				n -= 1 + r % 3 % n; /* cut inside the last sequence */
			else if (n > 0 && r % 4 == 1)
				in[r % n] = (unsigned char)bytes[(r >> 8) % (sizeof(bytes) - 1)];
		} else {
			n = random_next(&seed) % 40;
			random_bytes(&seed, bytes, sizeof(bytes) - 1, in, n);
		}
		bool want = g_utf8_validate_len((const gchar *)in, n, NULL);
		bool got = rb_utf8_valid(in, n);
		valid += want;
		CHECK(got == want);
		if (got != want) {
			fprintf(stderr, "UTF-8 validity differs (GLib %d) on:", want);
			for (size_t i = 0; i < n; i++)
				fprintf(stderr, " %02x", in[i]);
			fprintf(stderr, "\n");
			return;
		}
	}
	CHECK(valid > 20000); /* both answers were met often */
}

int main(void)
{
	test_address_chars();
	struct rb_arena *arena = rb_arena_new();
	test_status_codes();
	test_reply_codes();
	test_addresses(arena);
	test_fields(arena);
	test_lines_and_case(arena);
	test_squeeze_random(arena);
	test_lower_random(arena);
	test_find_lower_long_needle();
	test_find_ci_random();
	test_memmem_random();
	test_pairs_random();
	test_codes_random();
	test_utf8_random();
	rb_arena_free(&arena);
	CHECK(arena == NULL);
	return check_done();
}
