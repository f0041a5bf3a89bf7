/*
 * text.c - string tools for the parsers: line iteration, case-insensitive search,
 * status/reply code and address extraction, "Name: value" field blocks.
 *
 * Everything here treats its input as hostile: no assumption about line lengths, no
 * unbounded recursion, every copy goes into the caller's arena.
 */
#define _GNU_SOURCE
#include "text.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define TEXT_AVX512 1
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "cpu.h"

/* Word-at-a-time helpers: a byte repeated in each of the eight bytes of a word. */
#define EACH_BYTE(b) (UINT64_C(0x0101010101010101) * (uint8_t)(b))

bool rb_text_next_line(const char **cursor, const char **line_r, size_t *len_r)
{
	const char *p = *cursor;
	if (p == NULL || *p == '\0')
		return false;
	const char *nl = strchr(p, '\n');
	*line_r = p;
	if (nl == NULL) {
		*len_r = strlen(p);
		*cursor = p + *len_r;
	} else {
		*len_r = (size_t)(nl - p);
		*cursor = nl + 1;
	}
	return true;
}

static inline unsigned char ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

#ifdef TEXT_AVX512
/*
 * find_folded for 2 <= m <= n, sixty-four positions at a time: the candidates are
 * where both the needle's first and last bytes match (a letter's case bit set on both
 * sides), the last block masked so that nothing past h + n is read. Short texts, as
 * most searched here are, take one or a few blocks, where sixteen at a time took a
 * loop whose end the CPU mispredicted.
 */
__attribute__((target("avx512f,avx512bw"))) static const char *
find_folded_avx512(const char *h, size_t n, const char *needle, size_t m)
{
	unsigned char first = ascii_lower((unsigned char)needle[0]);
	unsigned char tail = ascii_lower((unsigned char)needle[m - 1]);
	const __m512i f = _mm512_set1_epi8((char)first), l = _mm512_set1_epi8((char)tail);
	const __m512i ff = _mm512_set1_epi8(first >= 'a' && first <= 'z' ? 0x20 : 0);
	const __m512i lf = _mm512_set1_epi8(tail >= 'a' && tail <= 'z' ? 0x20 : 0);
	size_t last = n - m; /* the last position a match can start at */
	for (size_t i = 0; i <= last; i += 64) {
		size_t left = last - i + 1;
		__mmask64 valid = rb_block_mask(left);
		__m512i a = _mm512_or_si512(_mm512_maskz_loadu_epi8(valid, h + i), ff);
		__m512i b = _mm512_or_si512(_mm512_maskz_loadu_epi8(valid, h + i + m - 1), lf);
		__mmask64 hits = _mm512_mask_cmpeq_epi8_mask(valid, a, f) &
				 _mm512_mask_cmpeq_epi8_mask(valid, b, l);
		for (; hits != 0; hits &= hits - 1) {
			size_t at = i + (size_t)__builtin_ctzll(hits);
			size_t k = 1;
			while (k < m - 1 && ascii_lower((unsigned char)h[at + k]) ==
						ascii_lower((unsigned char)needle[k]))
				k++;
			if (k >= m - 1)
				return h + at;
		}
	}
	return NULL;
}
#endif

/*
 * Case-insensitive (ASCII) search of needle[0..m) in h[0..n). Candidates are the
 * positions of the needle's first byte in either case, found eight bytes at a time
 * (for a letter, OR-ing the case bit maps exactly its two cases onto one value); each
 * is then compared whole. The C library's strcasestr prepares a two-way search on
 * every call, which costs more than the search itself on the short texts of a bounce.
 */
static const char *find_folded(const char *h, size_t n, const char *needle, size_t m)
{
	if (m == 0)
		return h;
	if (m > n)
		return NULL;
#ifdef TEXT_AVX512
	if (m >= 2 && rb_cpu_has(RB_CPU_AVX512))
		return find_folded_avx512(h, n, needle, m);
#endif
	unsigned char first = ascii_lower((unsigned char)needle[0]);
	bool letter = first >= 'a' && first <= 'z';
	uint64_t fold = letter ? EACH_BYTE(0x20) : 0;
	uint64_t want = EACH_BYTE(first);
	size_t last = n - m; /* the last position a match can start at */
	size_t i = 0;
#ifdef __SSE2__
	/* Sixteen positions at a time: candidates are where both the needle's first and
	 * its last byte match (a letter's case bit set on both sides), then compared
	 * whole. A first byte alone lets through a candidate every few bytes of prose. */
	if (m >= 2) {
		unsigned char tail = ascii_lower((unsigned char)needle[m - 1]);
		bool tail_letter = tail >= 'a' && tail <= 'z';
		const __m128i f = _mm_set1_epi8((char)first), l = _mm_set1_epi8((char)tail);
		const __m128i ff = _mm_set1_epi8(letter ? 0x20 : 0);
		const __m128i lf = _mm_set1_epi8(tail_letter ? 0x20 : 0);
		for (; i + 16 <= last + 1; i += 16) {
			__m128i a = _mm_or_si128(_mm_loadu_si128((const __m128i *)(const void *)(h + i)), ff);
			__m128i b = _mm_or_si128(
			    _mm_loadu_si128((const __m128i *)(const void *)(h + i + m - 1)), lf);
			unsigned hits = (unsigned)_mm_movemask_epi8(
			    _mm_and_si128(_mm_cmpeq_epi8(a, f), _mm_cmpeq_epi8(b, l)));
			while (hits != 0) {
				size_t at = i + (size_t)__builtin_ctz(hits);
				size_t k = 1;
				while (k < m - 1 && ascii_lower((unsigned char)h[at + k]) ==
							ascii_lower((unsigned char)needle[k]))
					k++;
				if (k == m - 1)
					return h + at;
				hits &= hits - 1;
			}
		}
	}
#endif
	while (i <= last) {
		if (i + 8 <= last + 1) {
			uint64_t w;
			memcpy(&w, h + i, 8);
			uint64_t x = (w | fold) ^ want; /* zero bytes: candidates */
			uint64_t hits = (x - EACH_BYTE(1)) & ~x & EACH_BYTE(0x80);
			if (hits == 0) {
				i += 8;
				continue;
			}
			/* The lowest flagged byte is exact (borrows only run upward). */
			i += (size_t)__builtin_ctzll(hits) / 8;
		} else if (ascii_lower((unsigned char)h[i]) != first) {
			i++;
			continue;
		}
		size_t k = 1;
		while (k < m && ascii_lower((unsigned char)h[i + k]) ==
				    ascii_lower((unsigned char)needle[k]))
			k++;
		if (k == m)
			return h + i;
		i++;
	}
	return NULL;
}

const char *rb_text_find_ci_len(const char *haystack, size_t n, const char *needle, size_t m)
{
	return find_folded(haystack, n, needle, m);
}

const char *rb_text_find_ci_n(const char *haystack, size_t n, const char *needle)
{
	size_t nlen = strlen(needle);
	if (haystack == NULL || nlen == 0 || nlen > n)
		return NULL;
	return find_folded(haystack, strnlen(haystack, n), needle, nlen);
}

/*
 * The search: candidates are the positions whose bytes at two anchor offsets of the
 * needle, a0 < a1 < m, are the needle's there (its first and last, or two of its rarest
 * bytes when the caller knows them: rb_needle), tested many positions at a time; each
 * candidate is then compared whole. A budget of failed comparisons bounds the work on
 * a hostile text (every position a candidate): past it, the C library's memmem, which
 * is linear, finishes the search.
 */
static inline bool needle_at(const char *at, const char *needle, size_t m)
{
	return memcmp(at, needle, m) == 0;
}

/* The candidates of a block at h + i (bit k set: position i + k), in order: the first
 * that is the needle, or NULL; when the budget runs out first, *stopped_r is where the
 * fallback goes on (and the budget is 0). */
static inline const char *first_candidate(uint64_t hits, const char *h, size_t i,
					  const char *needle, size_t m, size_t *budget,
					  size_t *stopped_r)
{
	while (hits != 0) {
		unsigned at = (unsigned)__builtin_ctzll(hits);
		if (needle_at(h + i + at, needle, m))
			return h + i + at;
		if (--*budget == 0) {
			*stopped_r = i + at + 1;
			return NULL;
		}
		hits &= hits - 1;
	}
	return NULL;
}

#ifdef TEXT_AVX512
/* 32 positions at a time (AVX2). Returns the match, NULL when there is none, or sets
 * *stopped_r to where a fallback must go on (the budget ran out, or fewer than 32
 * positions are left). */
__attribute__((target("avx2"))) static const char *
memmem_avx2(const char *h, size_t n, const char *needle, size_t m, size_t a0, size_t a1,
	    size_t *budget, size_t *stopped_r)
{
	const __m256i first = _mm256_set1_epi8(needle[a0]);
	const __m256i last = _mm256_set1_epi8(needle[a1]);
	size_t i = *stopped_r;
	for (; i + m - 1 + 32 <= n; i += 32) {
		__m256i a = _mm256_loadu_si256((const __m256i *)(const void *)(h + i + a0));
		__m256i b = _mm256_loadu_si256((const __m256i *)(const void *)(h + i + a1));
		unsigned hits = (unsigned)_mm256_movemask_epi8(
		    _mm256_and_si256(_mm256_cmpeq_epi8(a, first), _mm256_cmpeq_epi8(b, last)));
		if (hits != 0) {
			const char *found = first_candidate(hits, h, i, needle, m, budget, stopped_r);
			if (found != NULL || *budget == 0)
				return found;
		}
	}
	*stopped_r = i;
	return NULL;
}

/* The same, 64 positions at a time where the CPU has AVX-512 (BW): the whole body of
 * a message is searched for a phrase many times per message. */
__attribute__((target("avx512f,avx512bw"))) static const char *
memmem_avx512(const char *h, size_t n, const char *needle, size_t m, size_t a0, size_t a1,
	      size_t *budget, size_t *stopped_r)
{
	const __m512i first = _mm512_set1_epi8(needle[a0]);
	const __m512i last = _mm512_set1_epi8(needle[a1]);
	size_t i = *stopped_r;
	for (; i + m - 1 + 64 <= n; i += 64) {
		__m512i a = _mm512_loadu_si512((const void *)(h + i + a0));
		__m512i b = _mm512_loadu_si512((const void *)(h + i + a1));
		uint64_t hits = _mm512_cmpeq_epi8_mask(a, first) & _mm512_cmpeq_epi8_mask(b, last);
		if (hits != 0) {
			const char *found = first_candidate(hits, h, i, needle, m, budget, stopped_r);
			if (found != NULL || *budget == 0)
				return found;
		}
	}
	*stopped_r = i;
	return NULL;
}
#endif

const char *rb_text_memmem_anchored(const char *h, size_t n, const char *needle, size_t m,
				    size_t a0, size_t a1)
{
	if (m > n)
		return NULL;
#ifdef __SSE2__
	/* Failed whole comparisons allowed before the linear fallback takes over. */
	size_t budget = n / 8 + 64;
	size_t i = 0;
#ifdef TEXT_AVX512
	const char *found = NULL;
	if (n >= m - 1 + 64 && rb_cpu_has(RB_CPU_AVX512))
		found = memmem_avx512(h, n, needle, m, a0, a1, &budget, &i);
	if (found == NULL && budget > 0 && n - i >= m - 1 + 32 && rb_cpu_has(RB_CPU_AVX2))
		found = memmem_avx2(h, n, needle, m, a0, a1, &budget, &i);
	if (found != NULL)
		return found;
	if (budget == 0)
		return memmem(h + i, n - i, needle, m);
#endif
	const __m128i first = _mm_set1_epi8(needle[a0]);
	const __m128i last = _mm_set1_epi8(needle[a1]);
	for (; i + m - 1 + 16 <= n; i += 16) {
		__m128i a = _mm_loadu_si128((const __m128i *)(const void *)(h + i + a0));
		__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(h + i + a1));
		unsigned hits = (unsigned)_mm_movemask_epi8(
		    _mm_and_si128(_mm_cmpeq_epi8(a, first), _mm_cmpeq_epi8(b, last)));
		if (hits != 0) {
			size_t from = 0;
			const char *found = first_candidate(hits, h, i, needle, m, &budget, &from);
			if (found != NULL)
				return found;
			if (budget == 0)
				return memmem(h + from, n - from, needle, m);
		}
	}
	/* The last positions, fewer than sixteen: one by one (the C library's memmem
	 * would prepare a table for them). */
	for (; i + m <= n; i++)
		if (h[i + a0] == needle[a0] && h[i + a1] == needle[a1] && needle_at(h + i, needle, m))
			return h + i;
	return NULL;
#else
	(void)a0;
	(void)a1;
	return memmem(h, n, needle, m);
#endif
}

const char *rb_text_memmem(const char *h, size_t n, const char *needle, size_t m)
{
	if (m == 0)
		return h;
	if (m > n)
		return NULL;
	if (m == 1)
		return memchr(h, needle[0], n);
	return rb_text_memmem_anchored(h, n, needle, m, 0, m - 1);
}

/* The needle ASCII-lowercased into out; its length, or SIZE_MAX when it does not fit. */
static size_t lower_needle(const char *needle, char out[RB_TEXT_NEEDLE_MAX + 1])
{
	size_t i = 0;
	for (; needle[i] != '\0'; i++) {
		if (i == RB_TEXT_NEEDLE_MAX)
			return SIZE_MAX;
		char c = needle[i];
		out[i] = c >= 'A' && c <= 'Z' ? (char)(c + ('a' - 'A')) : c;
	}
	out[i] = '\0';
	return i;
}

const char *rb_text_find_lower(const char *lower_haystack, const char *needle)
{
	if (lower_haystack == NULL || needle == NULL)
		return NULL;
	char lower[RB_TEXT_NEEDLE_MAX + 1];
	if (lower_needle(needle, lower) == SIZE_MAX)
		return rb_text_find_ci(lower_haystack, needle); /* too long to copy: the slow way */
	return strstr(lower_haystack, lower);
}

const char *rb_text_find_lower_n(const char *lower_haystack, size_t n, const char *needle)
{
	if (lower_haystack == NULL || needle == NULL || *needle == '\0')
		return NULL;
	char lower[RB_TEXT_NEEDLE_MAX + 1];
	size_t len = lower_needle(needle, lower);
	if (len == SIZE_MAX)
		return rb_text_find_ci_n(lower_haystack, n, needle);
	return rb_text_memmem(lower_haystack, n, lower, len);
}

#ifdef __SSE2__
/* The sixteen pairs of bytes v[k], w[k] (w is v one byte on) into the table: their
 * indices made in registers, then sixteen plain stores. */
static inline void pairs_mark16(unsigned char table[RB_PAIRS_BYTES], __m128i v, __m128i w)
{
	/* rb_pairs_cut in registers: low six bits for 'a' to 'z', low five for the rest. */
	const __m128i before_a = _mm_set1_epi8('a' - 1), after_z = _mm_set1_epi8('z' + 1);
	const __m128i low5 = _mm_set1_epi8(31), bit5 = _mm_set1_epi8(32);
	const __m128i zero = _mm_setzero_si128();
	__m128i va = _mm_and_si128(_mm_cmpgt_epi8(v, before_a), _mm_cmplt_epi8(v, after_z));
	__m128i wa = _mm_and_si128(_mm_cmpgt_epi8(w, before_a), _mm_cmplt_epi8(w, after_z));
	__m128i a = _mm_or_si128(_mm_and_si128(v, low5), _mm_and_si128(va, bit5));
	__m128i b = _mm_or_si128(_mm_and_si128(w, low5), _mm_and_si128(wa, bit5));
	__m128i lo = _mm_or_si128(_mm_slli_epi16(_mm_unpacklo_epi8(a, zero), 6),
				  _mm_unpacklo_epi8(b, zero));
	__m128i hi = _mm_or_si128(_mm_slli_epi16(_mm_unpackhi_epi8(a, zero), 6),
				  _mm_unpackhi_epi8(b, zero));
	uint64_t q[4] = {(uint64_t)_mm_cvtsi128_si64(lo),
			 (uint64_t)_mm_cvtsi128_si64(_mm_srli_si128(lo, 8)),
			 (uint64_t)_mm_cvtsi128_si64(hi),
			 (uint64_t)_mm_cvtsi128_si64(_mm_srli_si128(hi, 8))};
	for (int k = 0; k < 4; k++) {
		table[q[k] & 0xffff] = 1;
		table[(q[k] >> 16) & 0xffff] = 1;
		table[(q[k] >> 32) & 0xffff] = 1;
		table[q[k] >> 48] = 1;
	}
}
#endif

void rb_pairs_of(unsigned char table[RB_PAIRS_BYTES], const char *text, size_t len)
{
	memset(table, 0, RB_PAIRS_BYTES);
	const unsigned char *t = (const unsigned char *)text;
	size_t i = 0;
#ifdef __SSE2__
	/* The indices of sixteen pairs at a time, then sixteen plain stores: a store per
	 * byte is all the scalar work left (a whole body is indexed per message). */
	for (; i + 17 <= len; i += 16) {
		pairs_mark16(table, _mm_loadu_si128((const __m128i *)(const void *)(t + i)),
			     _mm_loadu_si128((const __m128i *)(const void *)(t + i + 1)));
	}
#endif
	for (; i + 1 < len; i++)
		table[rb_pairs_index(t[i], t[i + 1])] = 1;
}

static inline char lower_byte(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + ('a' - 'A')) : c;
}

void rb_pairs_of_lowering(unsigned char table[RB_PAIRS_BYTES], char *lower, const char *text,
			  size_t len)
{
	memset(table, 0, RB_PAIRS_BYTES);
	size_t i = 0;
#ifdef __SSE2__
	/* As rb_pairs_of, on sixteen bytes lowercased in registers (and stored). */
	const __m128i before_a = _mm_set1_epi8('A' - 1), after_z = _mm_set1_epi8('Z' + 1);
	const __m128i case_bit = _mm_set1_epi8(0x20);
	for (; i + 17 <= len; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(text + i));
		__m128i w = _mm_loadu_si128((const __m128i *)(const void *)(text + i + 1));
		/* Capitals: above 'A' - 1 and below 'Z' + 1 as signed bytes (8-bit bytes are
		 * negative, so never capitals). */
		__m128i vu = _mm_and_si128(_mm_cmpgt_epi8(v, before_a), _mm_cmplt_epi8(v, after_z));
		__m128i wu = _mm_and_si128(_mm_cmpgt_epi8(w, before_a), _mm_cmplt_epi8(w, after_z));
		v = _mm_or_si128(v, _mm_and_si128(vu, case_bit));
		w = _mm_or_si128(w, _mm_and_si128(wu, case_bit));
		_mm_storeu_si128((__m128i *)(void *)(lower + i), v);
		pairs_mark16(table, v, w);
	}
#endif
	for (; i < len; i++) {
		lower[i] = lower_byte(text[i]);
		if (i + 1 < len)
			table[rb_pairs_index((unsigned char)lower[i],
					     (unsigned char)lower_byte(text[i + 1]))] = 1;
	}
	lower[len] = '\0';
}

void rb_lowered_init(struct rb_lowered *t, const char *text)
{
	t->text = text ? text : "";
	t->ready = false;
}

const struct rb_lowered *rb_lowered_get(struct rb_lowered *t, struct rb_arena *arena)
{
	if (!t->ready) {
		char *lower = rb_text_lower(arena, t->text);
		t->lower = lower ? lower : "";
		t->len = strlen(t->lower);
		t->ready = true;
	}
	return t;
}

bool rb_text_starts_with_ci(const char *s, const char *prefix)
{
	return s != NULL && strncasecmp(s, prefix, strlen(prefix)) == 0;
}

bool rb_text_equal_ci(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcasecmp(a, b) == 0;
}

char *rb_text_trim(struct rb_arena *arena, const char *s, size_t len)
{
	if (s == NULL)
		return rb_arena_strdup(arena, "");
	while (len > 0 && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	return rb_arena_strndup(arena, s, len);
}

char *rb_text_strip_angle(struct rb_arena *arena, const char *s)
{
	if (s == NULL)
		return rb_arena_strdup(arena, "");
	const char *lt = strchr(s, '<');
	if (lt != NULL) {
		const char *gt = strchr(lt, '>');
		if (gt != NULL)
			return rb_text_trim(arena, lt + 1, (size_t)(gt - lt - 1));
	}
	return rb_text_trim(arena, s, strlen(s));
}

char *rb_text_lower(struct rb_arena *arena, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	char *p = rb_arena_alloc_unzeroed(arena, n + 1);
	if (p == NULL)
		return NULL;
	/* ASCII letters only (text is UTF-8), eight bytes at a time: a whole body is
	 * lowered per message. */
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		uint64_t seven = w & ~EACH_BYTE(0x80);
		uint64_t from_a = seven + EACH_BYTE(0x80 - 'A');     /* high bit: >= 'A' */
		uint64_t past_z = seven + EACH_BYTE(0x80 - 'Z' - 1); /* high bit: > 'Z' */
		uint64_t upper = (from_a ^ past_z) & ~w & EACH_BYTE(0x80);
		w |= upper >> 2; /* 0x80 >> 2 is the case bit */
		memcpy(p + i, &w, 8);
	}
	for (; i < n; i++) {
		char c = s[i];
		p[i] = c >= 'A' && c <= 'Z' ? (char)(c + ('a' - 'A')) : c;
	}
	p[n] = '\0';
	return p;
}

/* ASCII white space, without the C library's locale lookup (hot in header parsing). */
static inline bool is_ascii_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

char *rb_text_squeeze(struct rb_arena *arena, const char *s)
{
	return rb_text_squeezen(arena, s, s ? strlen(s) : 0);
}

#ifdef TEXT_AVX512
/*
 * rb_text_squeezen's work sixty-four bytes at a time (AVX-512 VBMI2): a byte is kept
 * when it is no white space, or when it is the first white space after a kept word
 * byte (made a space); the kept bytes are packed together (vpcompressb) and one
 * trailing space dropped at the end. Most values squeezed (header and DSN field values,
 * diagnostics) are short, and the byte loops below mispredicted where each run of
 * words or spaces ended. Returns the length written to out.
 */
__attribute__((target("avx512f,avx512bw,avx512vbmi2"))) static size_t
squeeze_avx512(const char *s, size_t n, char *out)
{
	const __m512i space = _mm512_set1_epi8(' '), tab = _mm512_set1_epi8('\t');
	const __m512i four = _mm512_set1_epi8(4); /* '\t' .. '\r' are 9 .. 13 */
	size_t o = 0;
	__mmask64 word_before = 0; /* bit 0: the byte before this block was a word byte */
	bool ends_in_space = false; /* the last byte kept is a space (read back from out,
				     * it waited on the masked store: a stall) */
	for (size_t i = 0; i < n; i += 64) {
		size_t left = n - i;
		__mmask64 all = rb_block_mask(left);
		__m512i v = _mm512_maskz_loadu_epi8(all, s + i);
		__mmask64 white = _mm512_mask_cmpeq_epi8_mask(all, v, space) |
				  _mm512_mask_cmple_epu8_mask(all, _mm512_sub_epi8(v, tab), four);
		__mmask64 word = all & ~white;
		__mmask64 keep = word | (white & ((word << 1) | word_before));
		__m512i packed = _mm512_maskz_compress_epi8(keep, _mm512_mask_mov_epi8(v, white, space));
		size_t kept = (size_t)__builtin_popcountll(keep);
		_mm512_mask_storeu_epi8(out + o, rb_block_mask(kept), packed);
		o += kept;
		word_before = (word >> 63) & 1;
		if (keep != 0)
			ends_in_space = (white >> (63 - __builtin_clzll(keep))) & 1;
	}
	if (ends_in_space)
		o--; /* a run of white space at the end: it kept one space */
	return o;
}
#endif

char *rb_text_squeezen(struct rb_arena *arena, const char *s, size_t n)
{
	char *out = rb_arena_alloc_unzeroed(arena, n + 1);
	if (out == NULL)
		return NULL;
	size_t o = 0, i = 0;
#ifdef TEXT_AVX512
	if (rb_cpu_has(RB_CPU_AVX512_VBMI2)) {
		o = squeeze_avx512(s, n, out);
		out[o] = '\0';
		return out;
	}
#endif
	bool space = true; /* drops leading white space */
	while (i < n) {
		/* Eight bytes with nothing at or below ' ' (no white space, no control
		 * byte) are copied as they are: most of a header value. */
		if (i + 8 <= n) {
			uint64_t w;
			memcpy(&w, s + i, 8);
			uint64_t low = (w - EACH_BYTE(0x21)) & ~w & EACH_BYTE(0x80);
			if (low == 0) {
				memcpy(out + o, &w, 8);
				o += 8;
				i += 8;
				space = false;
				continue;
			}
			/* Words with single spaces between them are copied as they are too:
			 * no control byte, no two spaces in a row (within the eight bytes, or
			 * across the previous one). */
			uint64_t control = (w - EACH_BYTE(0x20)) & ~w & EACH_BYTE(0x80);
			uint64_t x = w ^ EACH_BYTE(' '); /* zero where a space is */
			uint64_t y = x | (x >> 8) | UINT64_C(0xff00000000000000);
			uint64_t two_spaces = (y - EACH_BYTE(1)) & ~y & EACH_BYTE(0x80);
			if (control == 0 && two_spaces == 0 && !(space && (w & 0xff) == ' ')) {
				memcpy(out + o, &w, 8);
				o += 8;
				i += 8;
				space = (w >> 56) == ' ';
				continue;
			}
		}
		unsigned char c = (unsigned char)s[i++];
		if (is_ascii_space(c)) {
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
	return out;
}

static size_t count_digits(const char *p, size_t max)
{
	size_t n = 0;
	while (n < max + 1 && isdigit((unsigned char)p[n]))
		n++;
	return n;
}

/*
 * The first position in [p, end) that may start a code: a 2, 4 or 5 followed by a
 * '.' (an enhanced status) or a digit (a reply code); NULL when none. s[end - s] is
 * the string's NUL. Sixteen positions at a time: diagnostics and notices are
 * searched for codes many times, and most of their bytes start none.
 */
static const char *next_code_start(const char *p, const char *end, bool dot_next)
{
#ifdef __SSE2__
	const __m128i two = _mm_set1_epi8('2'), four = _mm_set1_epi8('4'),
		      five = _mm_set1_epi8('5'), dot = _mm_set1_epi8('.'),
		      zero = _mm_set1_epi8('0'), nine = _mm_set1_epi8('9');
	for (; end - p >= 16; p += 16) {
		__m128i a = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(p + 1)); /* to the NUL */
		__m128i lead = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(a, two),
							 _mm_cmpeq_epi8(a, four)),
					    _mm_cmpeq_epi8(a, five));
		__m128i next = dot_next ? _mm_cmpeq_epi8(b, dot)
					: _mm_and_si128(_mm_cmpeq_epi8(_mm_max_epu8(b, zero), b),
							_mm_cmpeq_epi8(_mm_min_epu8(b, nine), b));
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_and_si128(lead, next));
		if (m != 0)
			return p + __builtin_ctz(m);
	}
#endif
	for (; p < end; p++)
		if ((*p == '2' || *p == '4' || *p == '5') &&
		    (dot_next ? p[1] == '.' : isdigit((unsigned char)p[1])))
			return p;
	return NULL;
}

bool rb_text_find_status(const char *s, char out[16])
{
	if (s == NULL)
		return false;
	const char *end = s + strlen(s);
	for (const char *p = s; (p = next_code_start(p, end, true)) != NULL; p++) {
		if (p > s && (isalnum((unsigned char)p[-1]) || p[-1] == '.'))
			continue;
		const char *q = p + 2;
		size_t d1 = count_digits(q, 3);
		if (d1 == 0 || d1 > 3 || q[d1] != '.')
			continue;
		const char *r = q + d1 + 1;
		size_t d2 = count_digits(r, 3);
		if (d2 == 0 || d2 > 3)
			continue;
		char after = r[d2];
		/* "5.1.1." at a sentence end is fine, "5.1.1.2" (an IP) is not. */
		if (isalnum((unsigned char)after) ||
		    (after == '.' && isdigit((unsigned char)r[d2 + 1])))
			continue;
		size_t len = (size_t)(r + d2 - p);
		memcpy(out, p, len);
		out[len] = '\0';
		return true;
	}
	return false;
}

int rb_text_find_reply_code(const char *s)
{
	if (s == NULL)
		return 0;
	const char *end = s + strlen(s);
	for (const char *p = s; (p = next_code_start(p, end, false)) != NULL; p++) {
		if (!isdigit((unsigned char)p[2]))
			continue;
		if (p > s && (isalnum((unsigned char)p[-1]) || p[-1] == '.' || p[-1] == '-'))
			continue;
		char after = p[3];
		if (isalnum((unsigned char)after) || after == '.' || after == '@')
			continue;
		if (p[1] > '5')
			continue;
		return (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
	}
	return 0;
}

/* Bytes of a local part (RFC 5322 atext and '.', and any 8-bit byte: EAI) and of a
 * domain (letters, digits, '-', '.', '_', 8-bit), as bits of ASCII. */
static const uint64_t local_chars[2] = {UINT64_C(0xa3ffecfa00000001), UINT64_C(0x7fffffffc7fffffe)};
static const uint64_t domain_chars[2] = {UINT64_C(0x03ff600000000000), UINT64_C(0x07fffffe87fffffe)};

static inline bool is_local_char(unsigned char c)
{
	return c >= 0x80 || ((local_chars[c >> 6] >> (c & 63)) & 1);
}

static inline bool is_domain_char(unsigned char c)
{
	return c >= 0x80 || ((domain_chars[c >> 6] >> (c & 63)) & 1);
}

bool rb_text_is_local_char(unsigned char c)
{
	return is_local_char(c);
}

bool rb_text_is_domain_char(unsigned char c)
{
	return is_domain_char(c);
}

static char *address_normalize_n(struct rb_arena *arena, const char *s, size_t n);

char *rb_text_find_address(struct rb_arena *arena, const char *s)
{
	if (s == NULL)
		return NULL;
	for (const char *at = strchr(s, '@'); at != NULL; at = strchr(at + 1, '@')) {
		const char *start = at;
		while (start > s && is_local_char((unsigned char)start[-1]))
			start--;
		/* A quoted local part: "john doe"@example.com */
		if (start == at && at > s && at[-1] == '"') {
			const char *q = at - 2;
			while (q >= s && *q != '"')
				q--;
			if (q >= s)
				start = q;
		}
		const char *end = at + 1;
		while (is_domain_char((unsigned char)*end))
			end++;
		while (end > at + 1 && (end[-1] == '.' || end[-1] == '-'))
			end--;
		while (start < at && *start == '.')
			start++;
		if (start == at || end == at + 1)
			continue;
		/* A domain needs a dot, or a bracketed literal; "user@localhost" is allowed. */
		return address_normalize_n(arena, start, (size_t)(end - start));
	}
	return NULL;
}

char *rb_text_header_address(struct rb_arena *arena, const char *value)
{
	if (value == NULL)
		return NULL;
	const char *lt = strrchr(value, '<');
	const char *gt = lt ? strchr(lt, '>') : NULL;
	if (lt != NULL && gt != NULL && memchr(lt, '@', (size_t)(gt - lt)) != NULL) {
		char *inner = rb_arena_strndup(arena, lt + 1, (size_t)(gt - lt - 1));
		char *addr = inner ? rb_text_find_address(arena, inner) : NULL;
		if (addr != NULL)
			return addr;
	}
	return rb_text_find_address(arena, value);
}

/* rb_text_address_normalize on the n bytes at s (no NUL among them), in one copy. */
static char *address_normalize_n(struct rb_arena *arena, const char *s, size_t n)
{
	while (n > 0 && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	if (n >= 7 && strncasecmp(s, "rfc822;", 7) == 0) {
		s += 7;
		n -= 7;
	}
	while (n > 0 && (isspace((unsigned char)*s) || *s == '<')) {
		s++;
		n--;
	}
	while (n > 0 && (isspace((unsigned char)s[n - 1]) || s[n - 1] == '>' || s[n - 1] == '.'))
		n--;
	char *out = rb_arena_alloc_unzeroed(arena, n + 1);
	if (out == NULL)
		return NULL;
	/* A quoted local part ("john..doe"@example.org) loses its quotes: the address
	 * is compared and stored as people write it in lists. */
	const char *q = n > 3 && s[0] == '"' ? memchr(s + 1, '"', n - 1) : NULL;
	size_t o = 0;
	if (q != NULL && q + 1 < s + n && q[1] == '@') {
		memcpy(out, s + 1, (size_t)(q - s - 1));
		o = (size_t)(q - s - 1);
		memcpy(out + o, q + 1, (size_t)(s + n - q - 1));
		o += (size_t)(s + n - q - 1);
	} else {
		memcpy(out, s, n);
		o = n;
	}
	out[o] = '\0';
	/* The domain, after the last '@', lowercased. */
	size_t at = o;
	while (at > 0 && out[at - 1] != '@')
		at--;
	if (at > 0)
		for (size_t i = at - 1; i < o; i++)
			out[i] = (char)tolower((unsigned char)out[i]);
	return out;
}

char *rb_text_address_normalize(struct rb_arena *arena, const char *s)
{
	if (s == NULL)
		return rb_arena_strdup(arena, "");
	return address_normalize_n(arena, s, strlen(s));
}

/*
 * The value of the field being read spans [start, end) of the text, continuation
 * lines included; it is copied once, when the field is complete, so a field folded
 * over many lines costs its length, not its length squared.
 */
static void field_finish(struct rb_arena *arena, struct rb_field *f, const char *start,
			 const char *end)
{
	if (f == NULL)
		return;
	f->value = rb_text_squeezen(arena, start, (size_t)(end - start));
	if (f->value == NULL)
		f->value = "";
}

size_t rb_fields_parse(struct rb_arena *arena, const char *text, struct rb_field_block **blocks_r)
{
	*blocks_r = NULL;
	size_t nblocks = 0, cap_blocks = 0;
	struct rb_field_block *blocks = NULL;
	struct rb_field_block *cur = NULL;
	size_t cap_fields = 0;
	struct rb_field *open_field = NULL;       /* the field whose value is still growing */
	const char *value_start = NULL, *value_end = NULL;
	const char *cursor = text, *line;
	size_t len;
	while (rb_text_next_line(&cursor, &line, &len)) {
		bool blank = true;
		for (size_t i = 0; i < len && blank; i++)
			if (!isspace((unsigned char)line[i]))
				blank = false;
		if (blank) {
			field_finish(arena, open_field, value_start, value_end);
			open_field = NULL;
			cur = NULL;
			continue;
		}
		if ((line[0] == ' ' || line[0] == '\t') && open_field != NULL) {
			value_end = line + len;
			continue;
		}
		const char *colon = memchr(line, ':', len);
		if (colon == NULL || colon == line)
			continue;
		/* Field names: letters, digits, '-' and '_' (as bits of ASCII). */
		static const uint64_t name_chars[2] = {UINT64_C(0x03ff200000000000),
						       UINT64_C(0x07fffffe87fffffe)};
		bool name_ok = true;
		for (const char *p = line; p < colon && name_ok; p++) {
			unsigned char c = (unsigned char)*p;
			name_ok = c < 0x80 && ((name_chars[c >> 6] >> (c & 63)) & 1);
		}
		if (!name_ok)
			continue;
		field_finish(arena, open_field, value_start, value_end);
		open_field = NULL;
		if (cur == NULL) {
			if (nblocks == cap_blocks) {
				size_t nc = cap_blocks ? cap_blocks * 2 : 8;
				blocks = rb_arena_realloc(arena, blocks, cap_blocks * sizeof(*blocks),
							  nc * sizeof(*blocks));
				if (blocks == NULL)
					return 0;
				cap_blocks = nc;
			}
			cur = &blocks[nblocks++];
			cur->fields = NULL;
			cur->count = 0;
			cap_fields = 0;
		}
		if (cur->count == cap_fields) {
			size_t nc = cap_fields ? cap_fields * 2 : 16;
			cur->fields = rb_arena_realloc(arena, cur->fields,
						       cap_fields * sizeof(*cur->fields),
						       nc * sizeof(*cur->fields));
			if (cur->fields == NULL)
				return 0;
			cap_fields = nc;
		}
		open_field = &cur->fields[cur->count++];
		open_field->name = rb_arena_strndup(arena, line, (size_t)(colon - line));
		open_field->name_len = (size_t)(colon - line);
		open_field->value = "";
		value_start = colon + 1;
		value_end = line + len;
	}
	field_finish(arena, open_field, value_start, value_end);
	*blocks_r = blocks;
	return nblocks;
}

const char *rb_field_get(const struct rb_field_block *block, const char *name)
{
	size_t len = strlen(name);
	for (size_t i = 0; i < block->count; i++)
		if (rb_field_is(&block->fields[i], name, len))
			return block->fields[i].value;
	return NULL;
}
