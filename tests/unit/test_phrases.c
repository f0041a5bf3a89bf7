/*
 * test_phrases.c - the one-pass phrase set against its definition: the lowest index
 * of a phrase that occurs in the text, found by searching for each phrase in turn.
 */
#define _GNU_SOURCE /* memmem */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/phrases.h"
#include "random_input.h"

static int reference_first(const char *const *phrases, size_t count, const char *text,
			   size_t len)
{
	for (size_t i = 0; i < count; i++)
		if (memmem(text, len, phrases[i], strlen(phrases[i])) != NULL)
			return (int)i;
	return -1;
}

static void test_examples(void)
{
	static struct rb_phrases set;
	const char *const phrases[] = {"mailbox full", "user unknown", "rbl", "unknown", "full"};
	CHECK(rb_phrases_build(&set, phrases, 5));
	const char *t = "550 5.1.1 user unknown";
	CHECK(rb_phrases_first(&set, t, strlen(t)) == 1);
	t = "452 mailbox full; user unknown";
	CHECK(rb_phrases_first(&set, t, strlen(t)) == 0);
	t = "listed in an rbl; unknown";
	CHECK(rb_phrases_first(&set, t, strlen(t)) == 2);
	t = "quota: full";
	CHECK(rb_phrases_first(&set, t, strlen(t)) == 4);
	t = "nothing to see";
	CHECK(rb_phrases_first(&set, t, strlen(t)) == -1);
	/* Only the given length is read: a phrase cut by it does not occur. */
	t = "user unknown";
	CHECK(rb_phrases_first(&set, t, 11) == -1);
	CHECK(rb_phrases_first(&set, t, 12) == 1);
	CHECK(rb_phrases_first(&set, "", 0) == -1);
	CHECK(rb_phrases_first(&set, "rb", 2) == -1);
	CHECK(rb_phrases_first(&set, "rbl", 3) == 2);
}

static void test_limits(void)
{
	static struct rb_phrases set;
	const char *const empty[] = {"ok", ""};
	CHECK(!rb_phrases_build(&set, empty, 2));
	static const char *many[RB_PHRASES_MAX + 1];
	for (size_t i = 0; i < RB_PHRASES_MAX + 1; i++)
		many[i] = "phrase";
	CHECK(rb_phrases_build(&set, many, RB_PHRASES_MAX));
	CHECK(rb_phrases_first(&set, "a phrase", 8) == 0);
	CHECK(!rb_phrases_build(&set, many, RB_PHRASES_MAX + 1));
	CHECK(rb_phrases_build(&set, many, 0));
	CHECK(rb_phrases_first(&set, "a phrase", 8) == -1);
}

/* Random phrase sets over a small alphabet, so that phrases share heads and hashes,
 * and random texts that often hold them. */
static void test_random(void)
{
	static struct rb_phrases set;
	static const char alphabet[] = "ab c";
	uint32_t seed = 4242;
	static char storage[300][12];
	const char *phrases[300];
	const size_t text_max = 200;
	for (int round = 0; round < 3000; round++) {
		size_t count = 1 + random_next(&seed) % 300;
		for (size_t i = 0; i < count; i++) {
			size_t n = 1 + random_next(&seed) % (sizeof(storage[0]) - 1);
			random_bytes(&seed, alphabet, sizeof(alphabet) - 1, storage[i], n);
			storage[i][n] = '\0';
			phrases[i] = storage[i];
		}
		if (!rb_phrases_build(&set, phrases, count)) {
			CHECK(false);
			continue;
		}
		/* Exactly len bytes of heap: a read past them is an ASan error. */
		size_t len = random_next(&seed) % text_max;
		char *text = malloc(len ? len : 1);
		if (text == NULL)
			continue;
		random_bytes(&seed, alphabet, sizeof(alphabet) - 1, text, len);
		CHECK(rb_phrases_first(&set, text, len) ==
		      reference_first(phrases, count, text, len));
		/* Every phrase marked that occurs, and none that does not. */
		uint64_t found[(300 + 63) / 64] = {0};
		rb_phrases_mark(&set, text, len, found);
		bool agree = true;
		for (size_t i = 0; i < count; i++) {
			bool occurs = memmem(text, len, phrases[i], strlen(phrases[i])) != NULL;
			agree &= occurs == ((found[i / 64] >> (i % 64)) & 1);
		}
		CHECK(agree);
		free(text);
	}
}

int main(void)
{
	test_examples();
	test_limits();
	test_random();
	return check_done();
}
