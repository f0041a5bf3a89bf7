/*
 * utf8.c - UTF-8 validation (see utf8.h).
 *
 * Why not GLib's: it takes every byte through its decoder, and the text it is asked
 * about is a bounce's notice or returned message, mostly ASCII with a few 8-bit
 * words; runs of ASCII are skipped here sixteen bytes at a time.
 */
#include "core/utf8.h"

#include <stdint.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* A sequence that starts with lead byte b: its length, and the range its second byte
 * must be in (narrower than 80-BF where the shortest form or the U+10FFFF cap says). */
static bool sequence_valid(const unsigned char *p, const unsigned char *end, size_t *len_r)
{
	unsigned char b = p[0];
	size_t n;
	unsigned char lo = 0x80, hi = 0xbf;
	if (b >= 0xc2 && b <= 0xdf) {
		n = 2;
	} else if (b >= 0xe0 && b <= 0xef) {
		n = 3;
		if (b == 0xe0)
			lo = 0xa0; /* overlong below U+0800 */
		else if (b == 0xed)
			hi = 0x9f; /* surrogates U+D800-DFFF */
	} else if (b >= 0xf0 && b <= 0xf4) {
		n = 4;
		if (b == 0xf0)
			lo = 0x90; /* overlong below U+10000 */
		else if (b == 0xf4)
			hi = 0x8f; /* above U+10FFFF */
	} else {
		return false; /* continuation byte, C0, C1 or F5-FF as a lead */
	}
	if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
		return false;
	for (size_t i = 2; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return false;
	*len_r = n;
	return true;
}

bool rb_utf8_valid(const unsigned char *s, size_t len)
{
	const unsigned char *p = s, *end = s + len;
	while (p < end) {
#ifdef __SSE2__
		/* Sixteen bytes with no 8-bit byte and no NUL go at once. */
		while (end - p >= 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
			unsigned bad = (unsigned)_mm_movemask_epi8(v) |
				       (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_setzero_si128()));
			if (bad != 0) {
				p += __builtin_ctz(bad);
				break;
			}
			p += 16;
		}
		if (p >= end)
			break;
#endif
		if (*p < 0x80) {
			if (*p == 0)
				return false;
			p++;
			continue;
		}
		/* Sequences one after another (a word in Japanese or Greek) are read here,
		 * without going back to the sixteen-byte loop after each. */
		do {
			size_t n = 0;
			if (!sequence_valid(p, end, &n))
				return false;
			p += n;
		} while (p < end && *p >= 0x80);
	}
	return true;
}
