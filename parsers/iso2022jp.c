/*
 * iso2022jp.c - ISO-2022-JP text to UTF-8, the ASCII runs copied (iso2022jp.h).
 *
 * RFC 1468: the text starts in ASCII; ESC ( B returns to it, ESC ( J, ESC $ @ and
 * ESC $ B switch to JIS X 0201 Roman and JIS X 0208. In the ASCII set every byte
 * below 0x80 but ESC stands for itself, which is what the C library's converter
 * makes of it; a byte of eight bits is an error there. So a run of such bytes is
 * copied, and everything from another escape through the next ESC ( B (or to the
 * end) is one piece for iconv: it starts in ASCII, as the converter would be there,
 * and ends in ASCII, as the converter would be after it. Whatever the converter
 * refuses in a piece, it would refuse in the whole text.
 */
#include "parsers/iso2022jp.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "core/text.h"

#define ESC 0x1b

/* Where the run of bytes that stand for themselves in the ASCII set, from i on, ends:
 * at an ESC, a byte of eight bits, or len. */
static size_t ascii_run_end(const unsigned char *data, size_t i, size_t len)
{
#ifdef __SSE2__
	const __m128i esc = _mm_set1_epi8(ESC);
	for (; i + 16 <= len; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(data + i));
		/* the high bit of each byte, and the ESCs */
		unsigned stop = (unsigned)_mm_movemask_epi8(v) |
				(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, esc));
		if (stop != 0)
			return i + (size_t)__builtin_ctz(stop);
	}
#endif
	while (i < len && data[i] != ESC && data[i] < 0x80)
		i++;
	return i;
}

/* Through the next ESC ( B after from, or len. */
static size_t piece_end(const unsigned char *data, size_t from, size_t len)
{
	const char *back = rb_text_memmem((const char *)data + from, len - from, "\x1b(B", 3);
	return back ? (size_t)(back - (const char *)data) + 3 : len;
}

gchar *rb_iso2022jp_to_utf8(const unsigned char *data, size_t len, gsize *len_r)
{
	*len_r = 0;
	GIConv cd = (GIConv)-1;
	GString *out = g_string_sized_new(len + 1);
	size_t i = 0;
	while (i < len) {
		size_t run = ascii_run_end(data, i, len);
		g_string_append_len(out, (const gchar *)data + i, (gssize)(run - i));
		i = run;
		if (i == len)
			break;
		if (data[i] >= 0x80)
			goto refused;
		if (len - i >= 3 && data[i + 1] == '(' && data[i + 2] == 'B') {
			i += 3; /* into ASCII, where the text already is */
			continue;
		}
		size_t end = piece_end(data, i + 1, len);
		if (cd == (GIConv)-1) {
			cd = g_iconv_open("UTF-8", "ISO-2022-JP");
			if (cd == (GIConv)-1)
				goto refused;
		}
		gsize n = 0;
		gchar *piece = g_convert_with_iconv((const gchar *)data + i, (gssize)(end - i), cd,
						    NULL, &n, NULL);
		if (piece == NULL)
			goto refused;
		g_string_append_len(out, piece, (gssize)n);
		g_free(piece);
		i = end;
	}
	if (cd != (GIConv)-1)
		g_iconv_close(cd);
	*len_r = out->len;
	return g_string_free(out, FALSE);
refused:
	if (cd != (GIConv)-1)
		g_iconv_close(cd);
	g_string_free(out, TRUE);
	return NULL;
}
