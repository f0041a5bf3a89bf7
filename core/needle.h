/*
 * needle.h - a fixed phrase prepared once for searching many texts case-insensitively.
 *
 * The parsers look for the same few hundred phrases (the markers of bounce formats,
 * the words that name an SMTP command) in every message's lowercased body. A text's
 * byte pairs (rb_pairs_of) rule most of them out before any search; a prepared needle
 * carries its lowercased bytes and the table places of its pairs, least common pairs
 * first (by the frequency of their letters in English), so that ruling out takes a
 * lookup or two and nothing is lowercased or measured per search.
 *
 * Needles are prepared once and then only read (any thread may search with them).
 */
#ifndef REBOUND_CORE_NEEDLE_H
#define REBOUND_CORE_NEEDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/text.h"

#define RB_NEEDLE_PAIRS 16 /* pairs kept to rule a text out; the search decides */

struct rb_needle {
	const char *lower; /* the phrase, ASCII letters lowercased; NUL-terminated */
	size_t len;
	unsigned pairs;
	uint16_t pair[RB_NEEDLE_PAIRS]; /* rb_pairs_index of distinct pairs, rarest first */
	size_t anchor[2]; /* offsets of two of its rarest bytes, ascending (len >= 2) */
};

/*
 * Prepare a needle from a phrase (which must outlive it: a string literal). A phrase
 * with capitals gets a lowercased copy, freed by rb_needle_release (needles of static
 * tables live as long as the process and are never released). False on out of memory
 * or an empty phrase.
 */
bool rb_needle_init(struct rb_needle *n, const char *phrase);
void rb_needle_release(struct rb_needle *n, const char *phrase);

/* Can the needle occur in a text with this pair table (see rb_pairs_of)? */
static inline bool rb_needle_may_occur(const struct rb_needle *n,
				       const unsigned char table[RB_PAIRS_BYTES])
{
	for (unsigned i = 0; i < n->pairs; i++)
		if (table[n->pair[i]] == 0)
			return false;
	return true;
}

/* The first occurrence in a lowercased text of len bytes, or NULL. */
const char *rb_needle_find(const struct rb_needle *n, const char *lower_text, size_t len);

#endif
