/*
 * quoted_printable.c - quoted-printable decoding (see quoted_printable.h).
 *
 * Why not GMime's decoder: it looks at every byte on its own, and a bounce's HTML
 * notice is tens of kilobytes of quoted-printable; here the text between two "="
 * is copied whole.
 */
#include "parsers/quoted_printable.h"

#include <string.h>

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
		const unsigned char *eq = memchr(p, '=', (size_t)(end - p));
		size_t run = (eq ? eq : end) - p;
		memcpy(o, p, run);
		o += run;
		if (eq == NULL)
			break;
		p = eq + 1;
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
