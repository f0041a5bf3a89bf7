/*
 * base64.c - base64 decoding (see base64.h).
 *
 * Why not GMime's decoder: it takes one byte at a time through a shift register,
 * and bounces carry their notices, attachments and returned messages in base64.
 * Here a group of four digits is looked up and assembled at once, and only a group
 * with a byte outside the alphabet (the line ending, mostly: one in every 19 groups)
 * takes the byte-at-a-time path.
 */
#include "parsers/base64.h"

#include <stdbool.h>
#include <stdint.h>

#define NOT_DIGIT (-1)
#define PAD (-2)

/* The value of each base64 digit; "=" is PAD, anything else NOT_DIGIT. */
static const int8_t digit_value[256] = {
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, /* 0x00 */
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, /* 0x10 */
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 62, -1, -1, -1, 63, /* 0x20: + / */
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -1, -1, -1, -2, -1, -1, /* 0x30: 0-9 = */
    -1, 0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, /* 0x40: A-O */
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, -1, /* 0x50: P-Z */
    -1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, /* 0x60: a-o */
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, -1, -1, -1, -1, -1, /* 0x70: p-z */
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, /* 0x80 */
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
};

static unsigned char *put_group(unsigned char *o, uint32_t bits)
{
	o[0] = (unsigned char)(bits >> 16);
	o[1] = (unsigned char)(bits >> 8);
	o[2] = (unsigned char)bits;
	return o + 3;
}

size_t rb_base64_decode(const unsigned char *in, size_t len, unsigned char *out)
{
	const unsigned char *p = in, *end = in + len;
	unsigned char *o = out;
	uint32_t bits = 0;
	unsigned pending = 0; /* digits in bits, 0-3 */
	bool padded = false;
	while (p < end) {
		/* Whole groups of four where no digit is pending. */
		while (pending == 0 && end - p >= 4) {
			int32_t a = digit_value[p[0]], b = digit_value[p[1]];
			int32_t c = digit_value[p[2]], d = digit_value[p[3]];
			if ((a | b | c | d) < 0)
				break;
			o = put_group(o, (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 |
					     (uint32_t)d);
			p += 4;
		}
		if (p >= end)
			break;
		/* One byte: a digit joins the pending ones, "=" ends the data, anything else
		 * is skipped. */
		int32_t v = digit_value[*p++];
		if (v == NOT_DIGIT)
			continue;
		if (v == PAD) {
			padded = true;
			break;
		}
		bits = bits << 6 | (uint32_t)v;
		if (++pending == 4) {
			o = put_group(o, bits);
			bits = 0;
			pending = 0;
		}
	}
	/* A group cut short by "=" gives the whole bytes its digits hold; one cut short
	 * by the end of the data gives nothing. */
	if (padded && pending == 3) {
		*o++ = (unsigned char)(bits >> 10);
		*o++ = (unsigned char)(bits >> 2);
	} else if (padded && pending == 2) {
		*o++ = (unsigned char)(bits >> 4);
	}
	return (size_t)(o - out);
}
