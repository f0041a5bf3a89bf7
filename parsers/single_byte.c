/*
 * single_byte.c - Western single-byte charsets to UTF-8 by table (single_byte.h).
 *
 * Each charset is its code points for 0x80-0xFF (0: undefined); below 0x80 all three
 * are ASCII. Sources: ISO/IEC 8859-1 and 8859-15, and Microsoft's cp1252 table as the
 * Unicode Consortium publishes it (MAPPINGS/VENDORS/MICSFT/WINDOWS/CP1252.TXT), which
 * is what the C library converts by.
 */
#include "parsers/single_byte.h"

#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

struct single_byte_charset {
	const char *const *names; /* the iconv names it goes by, NULL-terminated */
	uint16_t high[128];       /* code points of 0x80..0xFF */
};

/* Latin-1's upper half: each byte its own code point. */
#define LATIN1_A0_FF                                                                        \
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, \
	    0xaf, 0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xbb, 0xbc,   \
	    0xbd, 0xbe, 0xbf, 0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca,   \
	    0xcb, 0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8,   \
	    0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6,   \
	    0xe7, 0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf2, 0xf3, 0xf4,   \
	    0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff
/* ... and its C1 controls 0x80-0x9F. */
#define LATIN1_80_9F                                                                        \
	0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, \
	    0x8f, 0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0x9b, 0x9c,   \
	    0x9d, 0x9e, 0x9f

static const char *const latin1_names[] = {"ISO-8859-1", "ISO8859-1", "ISO_8859-1", "LATIN1",
					   "L1", NULL};
static const char *const latin9_names[] = {"ISO-8859-15", "ISO8859-15", "ISO_8859-15",
					   "LATIN-9", "LATIN9", NULL};
static const char *const cp1252_names[] = {"CP1252", "WINDOWS-1252", NULL};

static const struct single_byte_charset charsets[] = {
    {latin1_names, {LATIN1_80_9F, LATIN1_A0_FF}},
    /* 8859-15: Latin-1 with the euro sign and seven letters in place of eight signs. */
    {latin9_names,
     {LATIN1_80_9F,  0xa0,   0xa1,   0xa2,   0xa3,   0x20ac, 0xa5,   0x160,  0xa7,   0x161,
      0xa9,          0xaa,   0xab,   0xac,   0xad,   0xae,   0xaf,   0xb0,   0xb1,   0xb2,
      0xb3,          0x17d,  0xb5,   0xb6,   0xb7,   0x17e,  0xb9,   0xba,   0xbb,   0x152,
      0x153,         0x178,  0xbf,   0xc0,   0xc1,   0xc2,   0xc3,   0xc4,   0xc5,   0xc6,
      0xc7,          0xc8,   0xc9,   0xca,   0xcb,   0xcc,   0xcd,   0xce,   0xcf,   0xd0,
      0xd1,          0xd2,   0xd3,   0xd4,   0xd5,   0xd6,   0xd7,   0xd8,   0xd9,   0xda,
      0xdb,          0xdc,   0xdd,   0xde,   0xdf,   0xe0,   0xe1,   0xe2,   0xe3,   0xe4,
      0xe5,          0xe6,   0xe7,   0xe8,   0xe9,   0xea,   0xeb,   0xec,   0xed,   0xee,
      0xef,          0xf0,   0xf1,   0xf2,   0xf3,   0xf4,   0xf5,   0xf6,   0xf7,   0xf8,
      0xf9,          0xfa,   0xfb,   0xfc,   0xfd,   0xfe,   0xff}},
    /* Windows-1252: typographic signs where Latin-1 has C1 controls, five undefined. */
    {cp1252_names,
     {0x20ac, 0,      0x201a, 0x192,  0x201e, 0x2026, 0x2020, 0x2021, 0x2c6,  0x2030, 0x160,
      0x2039, 0x152,  0,      0x17d,  0,      0,      0x2018, 0x2019, 0x201c, 0x201d, 0x2022,
      0x2013, 0x2014, 0x2dc,  0x2122, 0x161,  0x203a, 0x153,  0,      0x17e,  0x178,
      LATIN1_A0_FF}},
};

static const struct single_byte_charset *charset_named(const char *name)
{
	if (name == NULL)
		return NULL;
	for (size_t c = 0; c < sizeof(charsets) / sizeof(charsets[0]); c++)
		for (const char *const *n = charsets[c].names; *n != NULL; n++)
			if (g_ascii_strcasecmp(name, *n) == 0)
				return &charsets[c];
	return NULL;
}

bool rb_single_byte_known(const char *charset)
{
	return charset_named(charset) != NULL;
}

/* Where the ASCII run from i on ends: at a byte of eight bits, or len. */
static size_t ascii_run_end(const unsigned char *data, size_t i, size_t len)
{
#ifdef __SSE2__
	for (; i + 16 <= len; i += 16) {
		unsigned high = (unsigned)_mm_movemask_epi8(
		    _mm_loadu_si128((const __m128i *)(const void *)(data + i)));
		if (high != 0)
			return i + (size_t)__builtin_ctz(high);
	}
#endif
	while (i < len && data[i] < 0x80)
		i++;
	return i;
}

gchar *rb_single_byte_to_utf8(const char *charset, const unsigned char *data, size_t len,
			      gsize *len_r)
{
	*len_r = 0;
	const struct single_byte_charset *cs = charset_named(charset);
	if (cs == NULL)
		return NULL;
	/* At most three bytes of UTF-8 for each (every code point here is below U+10000). */
	if (len > (G_MAXSIZE - 1) / 3)
		return NULL;
	gchar *out = g_malloc(len * 3 + 1);
	size_t o = 0, i = 0;
	while (i < len) {
		size_t run = ascii_run_end(data, i, len);
		memcpy(out + o, data + i, run - i);
		o += run - i;
		i = run;
		for (; i < len && data[i] >= 0x80; i++) {
			unsigned cp = cs->high[data[i] - 0x80];
			if (cp == 0) {
				g_free(out);
				return NULL;
			}
			if (cp < 0x800) {
				out[o++] = (gchar)(0xc0 | cp >> 6);
			} else {
				out[o++] = (gchar)(0xe0 | cp >> 12);
				out[o++] = (gchar)(0x80 | (cp >> 6 & 0x3f));
			}
			out[o++] = (gchar)(0x80 | (cp & 0x3f));
		}
	}
	out[o] = '\0';
	*len_r = o;
	return out;
}
