/*
 * phrases.h - many fixed phrases searched in one pass over a text.
 *
 * The classifier judges a diagnostic by hundreds of phrases in priority order: "the
 * first row whose phrase occurs". Searching for each phrase in turn costs a pass per
 * phrase (or a prefilter per phrase); here the text is read once. Every position's
 * first four bytes are hashed into a bit filter of the phrases' first four bytes; the
 * few positions that pass are compared with the phrases of that hash, in table order.
 * Phrases shorter than four bytes are searched for one by one.
 *
 * A set is built once (rb_phrases_build) and then only read: one set may serve any
 * number of threads. It borrows the phrase strings, which must outlive it (string
 * literals, in practice). Comparison is exact, byte for byte: give lowercase phrases
 * and a lowercased text for a case-insensitive search.
 */
#ifndef REBOUND_CORE_PHRASES_H
#define REBOUND_CORE_PHRASES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RB_PHRASES_MAX 1024
#define RB_PHRASES_HASH_BITS 14
#define RB_PHRASES_PREFIXES 16

struct rb_phrases {
	size_t count;
	const char *phrase[RB_PHRASES_MAX];
	uint16_t len[RB_PHRASES_MAX];
	/* Bit h is set when some phrase of four bytes or more has first-four-byte hash h. */
	uint64_t filter[(1u << RB_PHRASES_HASH_BITS) / 64];
	/* The phrases of hash h are member[bucket_start[h] .. bucket_start[h + 1]),
	 * ascending (table order). */
	uint16_t bucket_start[(1u << RB_PHRASES_HASH_BITS) + 1];
	uint16_t member[RB_PHRASES_MAX];
	uint32_t member_head[RB_PHRASES_MAX]; /* member[m]'s first four bytes, as hashed */
	/* Phrases of one to three bytes, ascending. */
	uint16_t short_member[RB_PHRASES_MAX];
	size_t short_count;
	/* The distinct first two bytes of the phrases of four bytes or more, when there
	 * are at most RB_PHRASES_PREFIXES of them (prefix_count 0 otherwise): where the
	 * CPU has AVX-512, only the positions that start with one are hashed. */
	uint8_t prefix[RB_PHRASES_PREFIXES][2];
	unsigned prefix_count;
};

/*
 * Build set from phrases[0..count) (index i is phrase i's priority: lower wins). False
 * when count exceeds RB_PHRASES_MAX or a phrase is empty or longer than 65,535 bytes:
 * a programmer's error in a table, which the caller asserts against.
 */
bool rb_phrases_build(struct rb_phrases *set, const char *const *phrases, size_t count);

/* The lowest index of a phrase that occurs in text[0..len), or -1 when none does. */
int rb_phrases_first(const struct rb_phrases *set, const char *text, size_t len);

/* Every phrase that occurs in text[0..len): bit i of found (count bits, which the
 * caller has cleared) is set when phrase i does. */
void rb_phrases_mark(const struct rb_phrases *set, const char *text, size_t len, uint64_t *found);

#endif
