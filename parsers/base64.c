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

/* Where the decoding stands: digits pending in bits, and whether "=" was met. */
struct decode_state {
	unsigned char *o;
	uint32_t bits;
	unsigned pending; /* digits in bits, 0-3 */
	bool padded;
};

/* The byte-at-a-time rules over [p, end), from state s; returns where it stopped. */
static const unsigned char *decode_bytes(const unsigned char *p, const unsigned char *end,
					 struct decode_state *s)
{
	while (p < end) {
		/* Whole groups of four where no digit is pending. */
		while (s->pending == 0 && end - p >= 4) {
			int32_t a = digit_value[p[0]], b = digit_value[p[1]];
			int32_t c = digit_value[p[2]], d = digit_value[p[3]];
			if ((a | b | c | d) < 0)
				break;
			s->o = put_group(s->o, (uint32_t)a << 18 | (uint32_t)b << 12 |
						       (uint32_t)c << 6 | (uint32_t)d);
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
			s->padded = true;
			return p;
		}
		s->bits = s->bits << 6 | (uint32_t)v;
		if (++s->pending == 4) {
			s->o = put_group(s->o, s->bits);
			s->bits = 0;
			s->pending = 0;
		}
	}
	return p;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#include "core/cpu.h"

#define VBMI_TARGET __attribute__((target("avx512f,avx512bw,avx512vbmi,avx512vbmi2")))

/* The value of each ASCII byte as a digit, 0x80 for no digit, 0xc0 for "=" (the high
 * bit marks both). */
#define NOT_DIGIT_V 0x80
#define PAD_V 0xc0
static const unsigned char vector_value[128] = {
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x3e, 0x80, 0x80, 0x80, 0x3f,
    0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x80, 0x80, 0x80, 0xc0, 0x80, 0x80,
    0x80, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e,
    0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x80, 0x80, 0x80, 0x80, 0x80,
    0x80, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28,
    0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x80, 0x80, 0x80, 0x80, 0x80,
};

/* Bytes 2, 1, 0 of each 32-bit lane that holds a group's 24 bits: the 48 output bytes
 * of 64 digits, in order. */
static const unsigned char group_bytes[64] = {
    2,  1,  0,  6,  5,  4,  10, 9,  8,  14, 13, 12, 18, 17, 16, 22, 21, 20, 26, 25, 24, 30,
    29, 28, 34, 33, 32, 38, 37, 36, 42, 41, 40, 46, 45, 44, 50, 49, 48, 54, 53, 52, 58, 57,
    56, 62, 61, 60, 0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
};

/*
 * Sixty-four bytes at a time (AVX-512 VBMI and VBMI2): each byte looked up among 128,
 * its digits packed together (the line endings and junk drop out, as the byte rules
 * skip them) and gathered until 64 digits make 48 bytes. Stops before a block that
 * holds an "=", or when fewer than 64 bytes are left, and gives the digits it still
 * holds to the byte rules, which then go on from where it stopped: the digits are
 * grouped as the byte rules alone would group them, so the output is theirs.
 */
VBMI_TARGET static const unsigned char *decode_blocks(const unsigned char *p,
						     const unsigned char *end,
						     struct decode_state *s)
{
	const __m512i low = _mm512_loadu_si512((const void *)vector_value);
	const __m512i high = _mm512_loadu_si512((const void *)(vector_value + 64));
	const __m512i pairs = _mm512_set1_epi32(0x01400140), quads = _mm512_set1_epi32(0x00011000);
	const __m512i gather = _mm512_loadu_si512((const void *)group_bytes);
	const __m512i pad_value = _mm512_set1_epi8((char)PAD_V);
	const __mmask64 out48 = ((__mmask64)1 << 48) - 1;
	unsigned char stage[128]; /* the digits gathered, as the bytes they were */
	size_t staged = 0;
	while (end - p >= 64) {
		__m512i v = _mm512_loadu_si512((const void *)p);
		__mmask64 ascii = ~_mm512_movepi8_mask(v);
		__m512i value = _mm512_permutex2var_epi8(low, v, high);
		if (_mm512_mask_cmpeq_epi8_mask(ascii, value, pad_value) != 0)
			break;
		__mmask64 digits = ascii & ~_mm512_movepi8_mask(value);
		_mm512_storeu_si512((void *)(stage + staged), _mm512_maskz_compress_epi8(digits, v));
		staged += (size_t)__builtin_popcountll(digits);
		p += 64;
		if (staged >= 64) {
			__m512i d = _mm512_permutex2var_epi8(
			    low, _mm512_loadu_si512((const void *)stage), high);
			__m512i bits = _mm512_madd_epi16(_mm512_maddubs_epi16(d, pairs), quads);
			_mm512_mask_storeu_epi8(s->o, out48, _mm512_permutexvar_epi8(gather, bits));
			s->o += 48;
			staged -= 64;
			_mm512_storeu_si512((void *)stage,
					    _mm512_loadu_si512((const void *)(stage + 64)));
		}
	}
	decode_bytes(stage, stage + staged, s);
	return p;
}
#endif

size_t rb_base64_decode(const unsigned char *in, size_t len, unsigned char *out)
{
	const unsigned char *p = in, *end = in + len;
	struct decode_state s = {.o = out};
#if defined(__x86_64__) && defined(__GNUC__)
	if (len >= 256 && rb_cpu_has(RB_CPU_AVX512_VBMI | RB_CPU_AVX512_VBMI2))
		p = decode_blocks(p, end, &s);
#endif
	if (!s.padded)
		decode_bytes(p, end, &s);
	/* A group cut short by "=" gives the whole bytes its digits hold; one cut short
	 * by the end of the data gives nothing. */
	unsigned char *o = s.o;
	if (s.padded && s.pending == 3) {
		*o++ = (unsigned char)(s.bits >> 10);
		*o++ = (unsigned char)(s.bits >> 2);
	} else if (s.padded && s.pending == 2) {
		*o++ = (unsigned char)(s.bits >> 4);
	}
	return (size_t)(o - out);
}
