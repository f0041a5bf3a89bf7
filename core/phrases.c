/*
 * phrases.c - many fixed phrases searched in one pass (see phrases.h).
 *
 * The filter has 16,384 bits for a few hundred phrases: about one position in forty of
 * an English text passes it, and a pass costs a comparison of four bytes with the one
 * or two phrases of its hash (the rest of a phrase is compared only when those agree).
 * The hash is Knuth's multiplicative one over the four bytes as a little-endian word;
 * any fixed mixing would do, the results do not depend on it.
 *
 * Limits: RB_PHRASES_MAX phrases of at most 65,535 bytes each (checked when built).
 */
#include "phrases.h"

#include <string.h>

#include "text.h"

#define HASH_SIZE (1u << RB_PHRASES_HASH_BITS)

static inline uint32_t head_of(const char *p)
{
	uint32_t w;
	memcpy(&w, p, 4);
	return w;
}

static inline uint32_t hash_of(uint32_t head)
{
	return (head * UINT32_C(2654435761)) >> (32 - RB_PHRASES_HASH_BITS);
}

/* Are a[0..n) and b[0..n) the same? Inline, eight bytes at a time: the rest of a phrase
 * is a few words, and a memcmp call cost more than the comparison. */
static inline bool same_bytes(const char *a, const char *b, size_t n)
{
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t x, y;
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			return false;
	}
	for (; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

bool rb_phrases_build(struct rb_phrases *set, const char *const *phrases, size_t count)
{
	memset(set, 0, sizeof(*set));
	if (count > RB_PHRASES_MAX)
		return false;
	set->count = count;
	/* Counting sort of the long phrases by hash: counts, starts, then placement in
	 * ascending index order so each bucket lists its phrases in priority order. */
	for (size_t i = 0; i < count; i++) {
		size_t n = strlen(phrases[i]);
		if (n == 0 || n > UINT16_MAX)
			return false;
		set->phrase[i] = phrases[i];
		set->len[i] = (uint16_t)n;
		if (n < 4) {
			set->short_member[set->short_count++] = (uint16_t)i;
			continue;
		}
		uint32_t h = hash_of(head_of(phrases[i]));
		set->filter[h / 64] |= UINT64_C(1) << (h % 64);
		set->bucket_start[h + 1]++;
	}
	for (size_t h = 0; h < HASH_SIZE; h++)
		set->bucket_start[h + 1] += set->bucket_start[h];
	uint16_t next[HASH_SIZE];
	memcpy(next, set->bucket_start, sizeof(next));
	for (size_t i = 0; i < count; i++) {
		if (set->len[i] < 4)
			continue;
		uint32_t head = head_of(phrases[i]);
		uint16_t m = next[hash_of(head)]++;
		set->member[m] = (uint16_t)i;
		set->member_head[m] = head;
	}
	return true;
}

/* May a phrase start with these four bytes (they pass the filter)? Their bucket too. */
static inline bool head_passes(const struct rb_phrases *set, uint32_t head, uint32_t *bucket_r)
{
	uint32_t h = hash_of(head);
	*bucket_r = h;
	return (set->filter[h / 64] >> (h % 64)) & 1;
}

/* Does bucket member m, whose phrase's head is head, occur whole at text + i? */
static inline bool member_at(const struct rb_phrases *set, size_t m, uint32_t head,
			     const char *text, size_t i, size_t len)
{
	size_t idx = set->member[m], n = set->len[idx];
	return set->member_head[m] == head && n <= len - i &&
	       same_bytes(text + i + 4, set->phrase[idx] + 4, n - 4);
}

int rb_phrases_first(const struct rb_phrases *set, const char *text, size_t len)
{
	size_t best = set->count; /* no phrase found yet */
	for (size_t i = 0; i + 4 <= len && best > 0; i++) {
		uint32_t head = head_of(text + i), h;
		if (!head_passes(set, head, &h))
			continue;
		for (size_t m = set->bucket_start[h]; m < set->bucket_start[h + 1]; m++) {
			if (set->member[m] >= best)
				break;
			if (member_at(set, m, head, text, i, len)) {
				best = set->member[m];
				break;
			}
		}
	}
	/* The short phrases that would still win, one search each. */
	for (size_t s = 0; s < set->short_count && set->short_member[s] < best; s++) {
		size_t idx = set->short_member[s];
		if (rb_text_memmem(text, len, set->phrase[idx], set->len[idx]) != NULL)
			best = idx;
	}
	return best < set->count ? (int)best : -1;
}

void rb_phrases_mark(const struct rb_phrases *set, const char *text, size_t len, uint64_t *found)
{
	for (size_t i = 0; i + 4 <= len; i++) {
		uint32_t head = head_of(text + i), h;
		if (!head_passes(set, head, &h))
			continue;
		for (size_t m = set->bucket_start[h]; m < set->bucket_start[h + 1]; m++) {
			if (member_at(set, m, head, text, i, len)) {
				size_t idx = set->member[m];
				found[idx / 64] |= UINT64_C(1) << (idx % 64);
			}
		}
	}
	for (size_t s = 0; s < set->short_count; s++) {
		size_t idx = set->short_member[s];
		if (rb_text_memmem(text, len, set->phrase[idx], set->len[idx]) != NULL)
			found[idx / 64] |= UINT64_C(1) << (idx % 64);
	}
}
