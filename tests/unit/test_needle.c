/*
 * test_needle.c - prepared needles (core/needle.c): lowercased once, their pairs never
 * rule out a text the needle occurs in, and the search finds what memmem finds.
 */
#define _GNU_SOURCE /* memmem */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/needle.h"
#include "random_input.h"

static void test_examples(void)
{
	struct rb_needle n;
	CHECK(!rb_needle_init(&n, ""));
	const char *capitals = "Delivery to the following recipient";
	CHECK(rb_needle_init(&n, capitals));
	CHECK_STR(n.lower, "delivery to the following recipient");
	CHECK(n.len == 35);
	CHECK(n.pairs > 0 && n.pairs <= RB_NEEDLE_PAIRS);
	rb_needle_release(&n, capitals);
	const char *lowercase = "user unknown";
	CHECK(rb_needle_init(&n, lowercase));
	CHECK(n.lower == lowercase); /* nothing to lower: no copy */
	static unsigned char table[RB_PAIRS_BYTES];
	const char *text = "550 5.1.1 <a@b>: user unknown";
	rb_pairs_of(table, text, strlen(text));
	CHECK(rb_needle_may_occur(&n, table));
	CHECK(rb_needle_find(&n, text, strlen(text)) == text + 17);
	CHECK(rb_needle_find(&n, text, strlen(text) - 1) == NULL);
	const char *other = "mailbox full";
	rb_pairs_of(table, other, strlen(other));
	CHECK(!rb_needle_may_occur(&n, table));
	/* One byte: no pair to rule anything out. */
	CHECK(rb_needle_init(&n, "X"));
	CHECK(n.pairs == 0 && rb_needle_may_occur(&n, table));
	rb_needle_release(&n, "X");
}

/* Random texts over a small alphabet and needles cut from them (and not): a needle
 * that occurs is never ruled out, and the search agrees with memmem. */
static void test_random(void)
{
	static const char alphabet[] = "abcAB @.-\n";
	uint32_t seed = 2718;
	static unsigned char table[RB_PAIRS_BYTES];
	char text[300], phrase[64];
	int occurring = 0;
	for (int round = 0; round < 20000; round++) {
		size_t len = 1 + random_next(&seed) % (sizeof(text) - 1);
		random_bytes(&seed, alphabet, sizeof(alphabet) - 1, text, len);
		for (size_t i = 0; i < len; i++)
			if (text[i] >= 'A' && text[i] <= 'Z')
				text[i] = (char)(text[i] + 32); /* the text is lowercased */
		size_t plen = 1 + random_next(&seed) % (sizeof(phrase) - 1);
		if (round % 2 && plen <= len) {
			size_t from = random_next(&seed) % (len - plen + 1);
			memcpy(phrase, text + from, plen);
			if (round % 4 == 1 && phrase[0] >= 'a' && phrase[0] <= 'c')
				phrase[0] = (char)(phrase[0] - 32); /* a capital in the phrase */
		} else {
			random_bytes(&seed, alphabet, sizeof(alphabet) - 1, phrase, plen);
		}
		phrase[plen] = '\0';
		struct rb_needle n;
		if (!rb_needle_init(&n, phrase)) {
			CHECK(false);
			continue;
		}
		rb_pairs_of(table, text, len);
		const char *want = memmem(text, len, n.lower, n.len);
		if (want != NULL) {
			occurring++;
			CHECK(rb_needle_may_occur(&n, table));
		}
		CHECK(rb_needle_find(&n, text, len) == want);
		rb_needle_release(&n, phrase);
	}
	CHECK(occurring > 5000);
}

int main(void)
{
	test_examples();
	test_random();
	return check_done();
}
