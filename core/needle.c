/*
 * needle.c - phrases prepared for many searches (see needle.h).
 *
 * Which pairs rule a text out soonest: those of uncommon letters. The weights below
 * are rough frequencies of characters in English prose (per thousand, ' ' and the
 * common letters first); a pair's weight is the product of its two. Only the order
 * matters, and only for speed: every pair kept must occur, whatever the order.
 */
#include "needle.h"

#include <stdlib.h>
#include <string.h>

static unsigned char_weight(unsigned char c)
{
	static const unsigned char letters[26] = {
	    /* a  b   c   d   e    f   g   h   i   j  k  l   m   n   o   p   q  r   s   t */
	    65, 12, 25, 32, 100, 19, 16, 45, 60, 1, 6, 33, 22, 58, 63, 17, 1, 50, 55, 75,
	    /* u  v  w   x  y   z */
	    24, 8, 15, 2, 14, 1};
	if (c >= 'a' && c <= 'z')
		return letters[c - 'a'];
	if (c == ' ')
		return 180;
	if (c == '\n' || c == '.')
		return 15;
	if (c == ',' || c == '-' || (c >= '0' && c <= '9'))
		return 6;
	return 3;
}

bool rb_needle_init(struct rb_needle *n, const char *phrase)
{
	memset(n, 0, sizeof(*n));
	size_t len = strlen(phrase);
	if (len == 0)
		return false;
	bool upper = false;
	for (size_t i = 0; i < len; i++)
		upper |= phrase[i] >= 'A' && phrase[i] <= 'Z';
	if (upper) {
		char *lower = malloc(len + 1);
		if (lower == NULL)
			return false;
		for (size_t i = 0; i <= len; i++)
			lower[i] = phrase[i] >= 'A' && phrase[i] <= 'Z' ? (char)(phrase[i] + 32) : phrase[i];
		n->lower = lower;
	} else {
		n->lower = phrase;
	}
	n->len = len;
	/* Every distinct pair with its weight; the rarest RB_NEEDLE_PAIRS are kept. */
	uint16_t pair[RB_NEEDLE_PAIRS];
	unsigned weight[RB_NEEDLE_PAIRS];
	unsigned count = 0;
	for (size_t i = 0; i + 1 < len; i++) {
		unsigned char a = (unsigned char)n->lower[i], b = (unsigned char)n->lower[i + 1];
		uint16_t p = (uint16_t)rb_pairs_index(a, b);
		unsigned w = char_weight(a) * char_weight(b);
		bool seen = false;
		for (unsigned k = 0; k < count && !seen; k++)
			seen = pair[k] == p;
		if (seen)
			continue;
		/* Insert in order of weight; past the last kept, drop the heaviest. */
		unsigned at = count;
		while (at > 0 && weight[at - 1] > w)
			at--;
		if (at >= RB_NEEDLE_PAIRS)
			continue;
		unsigned last = count < RB_NEEDLE_PAIRS ? count : RB_NEEDLE_PAIRS - 1;
		memmove(&pair[at + 1], &pair[at], (last - at) * sizeof(pair[0]));
		memmove(&weight[at + 1], &weight[at], (last - at) * sizeof(weight[0]));
		pair[at] = p;
		weight[at] = w;
		if (count < RB_NEEDLE_PAIRS)
			count++;
	}
	memcpy(n->pair, pair, count * sizeof(pair[0]));
	n->pairs = count;
	/* The search's two anchors: the rarest byte, then the rarest at another offset
	 * (first ones win ties); a search tests whole only where both agree. */
	if (len >= 2) {
		size_t best = 0;
		for (size_t i = 1; i < len; i++)
			if (char_weight((unsigned char)n->lower[i]) <
			    char_weight((unsigned char)n->lower[best]))
				best = i;
		size_t second = best == 0 ? 1 : 0;
		for (size_t i = 0; i < len; i++)
			if (i != best && char_weight((unsigned char)n->lower[i]) <
					     char_weight((unsigned char)n->lower[second]))
				second = i;
		n->anchor[0] = best < second ? best : second;
		n->anchor[1] = best < second ? second : best;
	}
	return true;
}

void rb_needle_release(struct rb_needle *n, const char *phrase)
{
	if (n->lower != NULL && n->lower != phrase)
		free((char *)n->lower);
	memset(n, 0, sizeof(*n));
}

const char *rb_needle_find(const struct rb_needle *n, const char *lower_text, size_t len)
{
	if (n->len < 2)
		return rb_text_memmem(lower_text, len, n->lower, n->len);
	return rb_text_memmem_anchored(lower_text, len, n->lower, n->len, n->anchor[0],
				       n->anchor[1]);
}
