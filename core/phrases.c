/*
 * phrases.c - many fixed phrases searched in one pass (see phrases.h).
 *
 * The filter has 16,384 bits for a few hundred phrases: about one position in forty of
 * an English text passes it, and a pass costs a comparison of four bytes with the one
 * or two phrases of its hash (the rest of a phrase is compared only when those agree).
 * The hash is Knuth's multiplicative one over the four bytes as a little-endian word;
 * any fixed mixing would do, the results do not depend on it. A set whose long phrases
 * start with few distinct byte pairs (the SMTP command phrases: thirteen) has the
 * positions that start with none of them ruled out 64 at a time first, where the CPU
 * has AVX-512.
 *
 * Limits: RB_PHRASES_MAX phrases of at most 65,535 bytes each (checked when built).
 */
#include "phrases.h"

#include <string.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include "cpu.h"
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
	/* The long phrases' first two bytes, while there are few enough of them. */
	bool few = true;
	for (size_t i = 0; i < count && few; i++) {
		if (set->len[i] < 4)
			continue;
		const uint8_t a = (uint8_t)phrases[i][0], b = (uint8_t)phrases[i][1];
		bool seen = false;
		for (unsigned k = 0; k < set->prefix_count && !seen; k++)
			seen = set->prefix[k][0] == a && set->prefix[k][1] == b;
		if (seen)
			continue;
		if (set->prefix_count == RB_PHRASES_PREFIXES)
			few = false;
		else
			set->prefix[set->prefix_count][0] = a, set->prefix[set->prefix_count++][1] = b;
	}
	if (!few)
		set->prefix_count = 0;
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

/* The lowest index below best of a phrase at text + i (i + 4 <= len), or best. */
static inline size_t first_at(const struct rb_phrases *set, const char *text, size_t i,
			      size_t len, size_t best)
{
	uint32_t head = head_of(text + i), h;
	if (!head_passes(set, head, &h))
		return best;
	for (size_t m = set->bucket_start[h]; m < set->bucket_start[h + 1]; m++) {
		if (set->member[m] >= best)
			break;
		if (member_at(set, m, head, text, i, len))
			return set->member[m];
	}
	return best;
}

#if defined(__x86_64__) && defined(__GNUC__)
/*
 * The positions of text whose first two bytes are one of the set's prefixes, 64 at a
 * time (AVX-512 BW): a set of few prefixes (the SMTP command phrases) rules out most
 * positions in a few compares, where each was hashed and looked up.
 */
__attribute__((target("avx512f,avx512bw"))) static size_t
first_by_prefix_avx512(const struct rb_phrases *set, const char *text, size_t len, size_t best)
{
	for (size_t i = 0; i + 4 <= len && best > 0; i += 64) {
		size_t left = len - i;
		__m512i b0 = _mm512_maskz_loadu_epi8(rb_block_mask(left), text + i);
		__m512i b1 = _mm512_maskz_loadu_epi8(rb_block_mask(left - 1), text + i + 1);
		__mmask64 starts = 0;
		for (unsigned k = 0; k < set->prefix_count; k++)
			starts |= _mm512_cmpeq_epi8_mask(b0, _mm512_set1_epi8((char)set->prefix[k][0])) &
				  _mm512_cmpeq_epi8_mask(b1, _mm512_set1_epi8((char)set->prefix[k][1]));
		starts &= rb_block_mask(left - 3); /* the positions with four bytes */
		for (; starts != 0 && best > 0; starts &= starts - 1)
			best = first_at(set, text, i + (size_t)__builtin_ctzll(starts), len, best);
	}
	return best;
}
#endif

int rb_phrases_first(const struct rb_phrases *set, const char *text, size_t len)
{
	size_t best = set->count; /* no phrase found yet */
#if defined(__x86_64__) && defined(__GNUC__)
	if (set->prefix_count > 0 && rb_cpu_has(RB_CPU_AVX512))
		best = first_by_prefix_avx512(set, text, len, best);
	else
#endif
		for (size_t i = 0; i + 4 <= len && best > 0; i++)
			best = first_at(set, text, i, len, best);
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
