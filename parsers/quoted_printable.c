/*
 * quoted_printable.c - quoted-printable decoding (see quoted_printable.h).
 *
 * Why not GMime's decoder: it looks at every byte on its own, and a bounce's HTML
 * notice is tens of kilobytes of quoted-printable; here the text between two "="
 * is copied whole, sixteen bytes at a time (HTML has an "=3D" every few words, so a
 * memchr and a memcpy call per run cost more than the runs).
 */
#include "parsers/quoted_printable.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

static int hex_digit(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20; /* either case */
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

size_t rb_qp_decode(const unsigned char *in, size_t len, unsigned char *out)
{
	const unsigned char *p = in, *end = in + len;
	unsigned char *o = out;
	while (p < end) {
#ifdef __SSE2__
		/* Each block is stored whole and the output advances to its first "=";
		 * the output never runs ahead of the input, so the stores stay in out. */
		if (end - p >= 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
			_mm_storeu_si128((__m128i *)(void *)o, v);
			unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('=')));
			if (m == 0) {
				p += 16;
				o += 16;
				continue;
			}
			unsigned k = (unsigned)__builtin_ctz(m);
			p += k;
			o += k;
		} else
#endif
		if (*p != '=') {
			*o++ = *p++;
			continue;
		}
		p++; /* the "=" */
		if (p >= end)
			break; /* a lone "=" at the end: dropped */
		unsigned char first = *p++;
		if (first == '\n')
			continue; /* soft line break */
		if (p >= end)
			break; /* "=" and one byte at the end: dropped */
		unsigned char second = *p++;
		int hi = hex_digit(first), lo = hex_digit(second);
		if (hi >= 0 && lo >= 0) {
			*o++ = (unsigned char)(hi << 4 | lo);
		} else if (!(first == '\r' && second == '\n')) { /* "=\r\n" is a soft break */
			*o++ = '=';
			*o++ = first;
			*o++ = second;
		}
	}
	return (size_t)(o - out);
}
