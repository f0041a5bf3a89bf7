/*
 * hex.h - bytes as lowercase hex digits.
 *
 * Every message's SHA-256 and every event id is written out in hex: sixteen bytes at a
 * time in SSE2 registers (each nibble plus '0', plus 39 more above 9) where a byte loop
 * through a digit table took half a percent of a bench run.
 */
#ifndef REBOUND_CORE_HEX_H
#define REBOUND_CORE_HEX_H

#include <stddef.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* in[0..n) as 2n hex digits at out (no NUL written). */
static inline void rb_hex_encode(const unsigned char *in, size_t n, char *out)
{
	size_t i = 0;
#ifdef __SSE2__
	const __m128i low4 = _mm_set1_epi8(0x0f), zero_digit = _mm_set1_epi8('0');
	const __m128i nine = _mm_set1_epi8(9), letters = _mm_set1_epi8('a' - '0' - 10);
	for (; i + 16 <= n; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(in + i));
		__m128i hi = _mm_and_si128(_mm_srli_epi16(v, 4), low4), lo = _mm_and_si128(v, low4);
		__m128i first = _mm_unpacklo_epi8(hi, lo), second = _mm_unpackhi_epi8(hi, lo);
		first = _mm_add_epi8(_mm_add_epi8(first, zero_digit),
				     _mm_and_si128(_mm_cmpgt_epi8(first, nine), letters));
		second = _mm_add_epi8(_mm_add_epi8(second, zero_digit),
				      _mm_and_si128(_mm_cmpgt_epi8(second, nine), letters));
		_mm_storeu_si128((__m128i *)(void *)(out + 2 * i), first);
		_mm_storeu_si128((__m128i *)(void *)(out + 2 * i + 16), second);
	}
#endif
	static const char digits[] = "0123456789abcdef";
	char *o = out + 2 * i;
	for (const unsigned char *p = in + i; p < in + n; p++) {
		*o++ = digits[*p >> 4];
		*o++ = digits[*p & 15];
	}
}

#endif
