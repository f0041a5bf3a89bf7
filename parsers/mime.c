/*
 * mime.c - a message taken apart into struct rb_mail.
 *
 * RFC 5322 (message format), RFC 2045-2049 (MIME), RFC 2231 (parameter values),
 * RFC 6522 (multipart/report), RFC 3464 (message/delivery-status), RFC 5965
 * (message/feedback-report).
 *
 * Why the structure is walked here and not by GMime's parser: every message rebound
 * reads is parsed, and building GMime's object tree (then freeing it) cost over half
 * of the whole classification. The structure of a message is simple to scan in
 * place: header blocks, boundary lines, nested messages, each bounded by the range of
 * its parent. What is subtle stays with the libraries: RFC 2047 words, charset names
 * and conversion, base64 and uuencode decoding, uncommon dates (GMime and GLib's pure
 * functions, no objects). Quoted-printable (quoted_printable.c) and common dates
 * (mail_date.c) are decoded here, each tested to match GMime byte for byte.
 *
 * Leniency for broken senders, each as GMime or common MUAs do it: a missing closing
 * boundary ends the part at its parent's end; a multipart with no boundary parameter,
 * or whose boundary never appears, is read as one text part; a line that is not a
 * header ends the header block; bytes that are not valid in their charset become
 * U+FFFD; NUL bytes become spaces; an mbox "From " line before the header is skipped; any line ending (LF, CRLF, CR) becomes LF before
 * anything else is looked at, so all three give the same result.
 *
 * Limits (struct rb_limits): max_mime_depth nested multiparts/messages and
 * max_mime_parts leaf parts; what lies beyond is skipped and said in rb_mail.problems.
 * Recursion is bounded by max_mime_depth.
 */
#define _GNU_SOURCE /* memmem */
#include "mime.h"

#include <glib.h>
#include <gmime/gmime.h>
#include <stdint.h>
#include <string.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define MIME_AVX512 1
#define AVX512_TARGET __attribute__((target("avx512f,avx512bw")))
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/cpu.h"
#include "core/text.h"
#include "core/utf8.h"
#include "parsers/base64.h"
#include "parsers/iso2022jp.h"
#include "parsers/mail_date.h"
#include "parsers/quoted_printable.h"
#include "parsers/single_byte.h"

static gsize gmime_ready;

/*
 * glibc unloads a charset's conversion module when no descriptor uses it, and loads
 * it again (a dlopen, about 85 us) for the next message in that charset: 5% of a
 * bounce parse went there. For each charset bounces commonly come in, the first
 * conversion from it opens a descriptor that is kept for the life of the process, so
 * its module stays loaded; a charset never met costs nothing (opening all six at
 * start took 0.6 ms of every run).
 */
static const char *const kept_charsets[] = {"ISO-2022-JP", "SHIFT_JIS",   "EUC-JP",
					    "ISO-8859-1",  "ISO-8859-15", "WINDOWS-1252"};
/* The names each is met under: as declared, and as GMime's charset table maps them. */
static const struct {
	const char *name;
	unsigned charset; /* index into kept_charsets */
} kept_names[] = {
    {"ISO-2022-JP", 0}, {"SHIFT_JIS", 1},   {"SHIFT-JIS", 1}, {"X-SJIS", 1},
    {"EUC-JP", 2},      {"ISO-8859-1", 3},  {"LATIN1", 3},    {"ISO-8859-15", 4},
    {"WINDOWS-1252", 5}, {"CP1252", 5},
};
/* Never closed, on purpose; held here so leak checkers see them in use. */
static GIConv kept_converters[G_N_ELEMENTS(kept_charsets)];
static gsize kept_ready[G_N_ELEMENTS(kept_charsets)];

static void keep_charset_module_loaded(const char *charset, size_t len)
{
	for (size_t i = 0; i < G_N_ELEMENTS(kept_names); i++) {
		if (strlen(kept_names[i].name) != len ||
		    g_ascii_strncasecmp(charset, kept_names[i].name, len) != 0)
			continue;
		unsigned k = kept_names[i].charset;
		if (g_once_init_enter(&kept_ready[k])) {
			kept_converters[k] = g_iconv_open("UTF-8", kept_charsets[k]);
			g_once_init_leave(&kept_ready[k], 1);
		}
		return;
	}
}

/* The charsets of the RFC 2047 words in a header value ("=?charset*lang?"), kept
 * loaded before GMime decodes them. */
static void keep_encoded_word_charsets(const char *raw)
{
	for (const char *p = strstr(raw, "=?"); p != NULL; p = strstr(p, "=?")) {
		p += 2;
		size_t n = strcspn(p, "?*");
		if (p[n] == '\0')
			return;
		keep_charset_module_loaded(p, n);
		p += n;
	}
}

/* A conversion to UTF-8 (g_convert's), its charset's module kept loaded. ISO-2022-JP
 * text, mostly ASCII, has its ASCII copied and only the rest converted; the Western
 * single-byte charsets are read by table. Both give what g_convert gives. */
static gchar *convert_to_utf8(const unsigned char *data, size_t len, const char *charset,
			      gsize *len_r)
{
	if (charset == NULL)
		return NULL;
	keep_charset_module_loaded(charset, strlen(charset));
	if (g_ascii_strcasecmp(charset, "ISO-2022-JP") == 0)
		return rb_iso2022jp_to_utf8(data, len, len_r);
	if (rb_single_byte_known(charset))
		return rb_single_byte_to_utf8(charset, data, len, len_r);
	return g_convert((const gchar *)data, (gssize)len, "UTF-8", charset, NULL, len_r, NULL);
}

/* GMime's charset tables need one process-wide init; done once, thread-safely. */
static void mime_library_init(void)
{
	if (g_once_init_enter(&gmime_ready)) {
		g_mime_init();
		g_once_init_leave(&gmime_ready, 1);
	}
}

#ifdef MIME_AVX512
/*
 * rb_mime_normalize_newlines's work sixty-four bytes at a time (AVX-512 VBMI2): a CR
 * before an LF is dropped, any other CR becomes an LF, and the bytes kept are packed
 * together (vpcompressb). The next block's first byte is read with each block, so a
 * CRLF across two blocks is one too. Returns the length written to out.
 */
__attribute__((target("avx512f,avx512bw,avx512vbmi2"))) static size_t
normalize_newlines_avx512(const unsigned char *data, size_t len, char *out)
{
	const __m512i cr = _mm512_set1_epi8('\r'), lf = _mm512_set1_epi8('\n');
	size_t o = 0;
	for (size_t i = 0; i < len; i += 64) {
		size_t left = len - i;
		__mmask64 bytes = rb_block_mask(left);
		__mmask64 next = left > 64 ? ~(__mmask64)0 : bytes >> 1; /* bytes with one after */
		__m512i v = _mm512_maskz_loadu_epi8(bytes, data + i);
		__m512i after = _mm512_maskz_loadu_epi8(next, data + i + 1);
		__mmask64 crs = _mm512_mask_cmpeq_epi8_mask(bytes, v, cr);
		__mmask64 crlf = crs & _mm512_mask_cmpeq_epi8_mask(next, after, lf);
		__mmask64 keep = bytes & ~crlf;
		__m512i packed = _mm512_maskz_compress_epi8(keep, _mm512_mask_mov_epi8(v, crs, lf));
		size_t kept = (size_t)__builtin_popcountll(keep);
		_mm512_mask_storeu_epi8(out + o, rb_block_mask(kept), packed);
		o += kept;
	}
	return o;
}
#endif

char *rb_mime_normalize_newlines(struct rb_arena *arena, const unsigned char *data, size_t len,
				 size_t *len_r)
{
	char *out = rb_arena_alloc_unzeroed(arena, len + 1);
	*len_r = 0;
	if (out == NULL)
		return NULL;
	const unsigned char *cr = memchr(data, '\r', len);
	if (cr == NULL) {
		memcpy(out, data, len);
		out[len] = '\0';
		*len_r = len;
		return out;
	}
#ifdef MIME_AVX512
	if (rb_cpu_has(RB_CPU_AVX512_VBMI2)) {
		size_t before = (size_t)(cr - data);
		memcpy(out, data, before);
		size_t o = before + normalize_newlines_avx512(cr, len - before, out + before);
		out[o] = '\0';
		*len_r = o;
		return out;
	}
#endif
	/* From the first CR on, sixteen bytes at a time: each block is stored whole and
	 * the output advances to its first CR, which becomes the LF (a CRLF message has
	 * one CR per short line: a memchr and a memcpy call per line cost more). The
	 * stores stay inside out: o <= i, and a block is read only where i + 16 <= len. */
	size_t i = (size_t)(cr - data), o = i;
	memcpy(out, data, i);
	while (i < len) {
#ifdef __SSE2__
		if (len - i >= 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(data + i));
			_mm_storeu_si128((__m128i *)(void *)(out + o), v);
			unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('\r')));
			if (m == 0) {
				o += 16;
				i += 16;
				continue;
			}
			unsigned k = (unsigned)__builtin_ctz(m);
			o += k;
			i += k;
		} else
#endif
		if (data[i] != '\r') {
			out[o++] = (char)data[i++];
			continue;
		}
		/* data[i] is a CR: it, or it and the LF after it, become one LF. */
		out[o++] = '\n';
		i++;
		if (i < len && data[i] == '\n')
			i++;
	}
	out[o] = '\0';
	*len_r = o;
	return out;
}

/* A growing arena string. */
struct text_acc {
	char *buf;
	size_t len, cap;
};

/* A string built by appending n bytes at a time, NUL-terminated in the arena.
 * Doubling: many appends cost as much as their bytes, where printing the whole string
 * again per append cost the square (a header followed by a flood of parameter lines).
 * On out of memory it stays as it was, and the arena has failed. */
static void str_append(struct rb_arena *arena, struct text_acc *acc, const char *s, size_t n)
{
	if (acc->len + n + 1 > acc->cap) {
		size_t nc = acc->cap ? acc->cap * 2 : 1024;
		while (nc < acc->len + n + 1)
			nc *= 2;
		/* Unzeroed: only [0, len] is ever read, and it is copied. */
		char *nb = rb_arena_alloc_unzeroed(arena, nc);
		if (nb == NULL)
			return;
		if (acc->len > 0)
			memcpy(nb, acc->buf, acc->len);
		acc->buf = nb;
		acc->cap = nc;
	}
	memcpy(acc->buf + acc->len, s, n);
	acc->len += n;
	acc->buf[acc->len] = '\0';
}

/* A piece of text appended, and ended with a newline if it does not end with one. */
static void acc_append(struct rb_arena *arena, struct text_acc *acc, const char *s, size_t n)
{
	str_append(arena, acc, s, n);
	if (acc->len > 0 && acc->buf[acc->len - 1] != '\n')
		str_append(arena, acc, "\n", 1);
}

static const char *acc_str(struct text_acc *acc)
{
	return acc->buf ? acc->buf : "";
}

/* What the bytes of a text need before they are UTF-8 LF text without NULs. */
enum {
	BYTES_NUL = 1,  /* NUL bytes, which become spaces */
	BYTES_8BIT = 2, /* 8-bit bytes or ESC (ISO-2022 shifts): a charset to read */
	BYTES_CR = 4,   /* CRs, which become LFs */
};

#ifdef MIME_AVX512
/* text_bytes_need sixty-four bytes at a time (AVX-512 BW), the last block masked. */
static AVX512_TARGET unsigned text_bytes_need_avx512(const unsigned char *data, size_t len)
{
	const __m512i esc = _mm512_set1_epi8(0x1b), cr = _mm512_set1_epi8('\r');
	__mmask64 eight = 0, nul = 0, cr_seen = 0;
	for (size_t i = 0; i < len; i += 64) {
		size_t left = len - i;
		__mmask64 bytes = rb_block_mask(left);
		__m512i v = _mm512_maskz_loadu_epi8(bytes, data + i);
		/* As signed bytes, 8-bit ones are negative. */
		eight |= _mm512_mask_cmplt_epi8_mask(bytes, v, _mm512_setzero_si512()) |
			 _mm512_mask_cmpeq_epi8_mask(bytes, v, esc);
		nul |= _mm512_mask_cmpeq_epi8_mask(bytes, v, _mm512_setzero_si512());
		cr_seen |= _mm512_mask_cmpeq_epi8_mask(bytes, v, cr);
	}
	return (nul ? BYTES_NUL : 0) | (eight ? BYTES_8BIT : 0) | (cr_seen ? BYTES_CR : 0);
}
#endif

/* One pass over the bytes, sixteen at a time, for all three (see the enum). */
static unsigned text_bytes_need(const unsigned char *data, size_t len)
{
#ifdef MIME_AVX512
	if (rb_cpu_has(RB_CPU_AVX512))
		return text_bytes_need_avx512(data, len);
#endif
	unsigned need = 0;
	size_t i = 0;
#ifdef __SSE2__
	const __m128i esc = _mm_set1_epi8(0x1b), cr = _mm_set1_epi8('\r'), zero = _mm_setzero_si128();
	__m128i eight = zero, nul = zero, cr_seen = zero;
	for (; i + 16 <= len; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(data + i));
		eight = _mm_or_si128(eight, _mm_or_si128(v, _mm_cmpeq_epi8(v, esc)));
		nul = _mm_or_si128(nul, _mm_cmpeq_epi8(v, zero));
		cr_seen = _mm_or_si128(cr_seen, _mm_cmpeq_epi8(v, cr));
	}
	need |= _mm_movemask_epi8(nul) ? BYTES_NUL : 0;
	need |= _mm_movemask_epi8(eight) ? BYTES_8BIT : 0;
	need |= _mm_movemask_epi8(cr_seen) ? BYTES_CR : 0;
#endif
	for (; i < len; i++) {
		unsigned char c = data[i];
		need |= c == 0 ? BYTES_NUL : 0;
		need |= c >= 0x80 || c == 0x1b ? BYTES_8BIT : 0;
		need |= c == '\r' ? BYTES_CR : 0;
	}
	return need;
}

/* A NUL-terminated arena copy of bytes that need nothing else; "" on out of memory. */
static const char *text_copy(struct rb_arena *arena, const unsigned char *data, size_t len,
			     size_t *len_r)
{
	char *out = rb_arena_alloc_unzeroed(arena, len + 1);
	*len_r = 0;
	if (out == NULL)
		return "";
	memcpy(out, data, len);
	out[len] = '\0';
	*len_r = len;
	return out;
}

/* Line endings only (no NUL, valid UTF-8 as it is). */
static const char *text_lines(struct rb_arena *arena, const unsigned char *data, size_t len,
			      bool has_cr, size_t *len_r)
{
	if (!has_cr)
		return text_copy(arena, data, len, len_r);
	char *out = rb_mime_normalize_newlines(arena, data, len, len_r);
	return out ? out : "";
}

/* 8-bit bytes without NULs to valid UTF-8 with LF line endings, in the arena. */
static const char *bytes_to_text(struct rb_arena *arena, const unsigned char *data, size_t len,
				 const char *charset, size_t *len_r)
{
	gchar *converted = NULL;
	gsize conv_len = 0;
	if (charset != NULL && *charset && g_ascii_strcasecmp(charset, "utf-8") != 0 &&
	    g_ascii_strcasecmp(charset, "us-ascii") != 0) {
		const char *cs = g_mime_charset_iconv_name(charset);
		converted = convert_to_utf8(data, len, cs, &conv_len);
	}
	bool data_is_utf8 = false;
	if (converted == NULL) {
		data_is_utf8 = rb_utf8_valid(data, len);
		/* Lenient: undeclared or lying charsets. ISO-2022-JP is 7-bit, so try the
		 * common 8-bit ones in the order real bounces use them. */
		static const char *const fallbacks[] = {"SHIFT_JIS", "EUC-JP", "WINDOWS-1252"};
		for (size_t i = 0; !data_is_utf8 && converted == NULL && i < G_N_ELEMENTS(fallbacks);
		     i++)
			converted = convert_to_utf8(data, len, fallbacks[i], &conv_len);
	}
	if (converted == NULL && len >= 3 && memchr(data, 0x1b, len) != NULL) {
		converted = convert_to_utf8(data, len, "ISO-2022-JP", &conv_len);
	}
	if (converted == NULL && data_is_utf8) {
		/* Valid UTF-8 as it is (which has no NUL): only the line endings. */
		return text_lines(arena, data, len, memchr(data, '\r', len) != NULL, len_r);
	}
	const gchar *src = converted ? converted : (const gchar *)data;
	gsize src_len = converted ? conv_len : len;
	if (converted != NULL && rb_utf8_valid((const unsigned char *)converted, conv_len)) {
		/* What a converter wrote is valid UTF-8 (unless it wrote a NUL): made valid,
		 * it would be copied as it is. */
		char *out = rb_mime_normalize_newlines(arena, (const unsigned char *)converted,
						       conv_len, len_r);
		g_free(converted);
		return out ? out : "";
	}
	gchar *valid = g_utf8_make_valid(src, (gssize)src_len);
	g_free(converted);
	char *out = rb_mime_normalize_newlines(arena, (const unsigned char *)valid, strlen(valid),
					       len_r);
	g_free(valid);
	return out ? out : "";
}

/*
 * Any bytes to valid UTF-8 with LF line endings and no NULs (which become spaces), in
 * the arena, *len_r bytes. Plain ASCII (no 8-bit byte, no ESC of ISO-2022), most of a
 * bounce, needs no charset work whatever the declared charset.
 */
static const char *nul_safe_text(struct rb_arena *arena, const unsigned char *data, size_t len,
				 const char *charset, size_t *len_r)
{
	unsigned need = text_bytes_need(data, len);
	if (need & BYTES_NUL) {
		unsigned char *copy = rb_arena_alloc_unzeroed(arena, len + 1);
		if (copy == NULL) {
			*len_r = 0;
			return "";
		}
		for (size_t i = 0; i < len; i++)
			copy[i] = data[i] ? data[i] : ' ';
		data = copy;
	}
	if (!(need & BYTES_8BIT))
		return text_lines(arena, data, len, need & BYTES_CR, len_r);
	return bytes_to_text(arena, data, len, charset, len_r);
}

/* The first '<' or '&' in [p, end), or end. Sixteen bytes at a time: an HTML notice
 * is mostly text and markup between the two (some are 50 KiB of styles). */
static const char *html_next_special(const char *p, const char *end)
{
#ifdef __SSE2__
	const __m128i lt = _mm_set1_epi8('<'), amp = _mm_set1_epi8('&');
	for (; end - p >= 16; p += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		unsigned m = (unsigned)_mm_movemask_epi8(
		    _mm_or_si128(_mm_cmpeq_epi8(v, lt), _mm_cmpeq_epi8(v, amp)));
		if (m != 0)
			return p + __builtin_ctz(m);
	}
#endif
	while (p < end && *p != '<' && *p != '&')
		p++;
	return p;
}

/* Does [p, end) start with prefix, ASCII case-insensitively? */
static bool html_starts_with(const char *p, const char *end, const char *prefix, size_t n)
{
	return (size_t)(end - p) >= n && g_ascii_strncasecmp(p, prefix, n) == 0;
}

/*
 * Tags out, entities for the few characters bounces use; enough to read the words.
 * A tag that opens a line (<br>, <p>, <div>, <tr>) leaves a line break; a tag that is
 * never closed runs to the end.
 */
static const char *html_to_text(struct rb_arena *arena, const char *html, size_t n,
				size_t *len_r)
{
	static const struct {
		const char *name;
		size_t len;
		char c;
	} entities[] = {{"&lt;", 4, '<'},     {"&gt;", 4, '>'},     {"&amp;", 5, '&'},
			{"&quot;", 6, '"'}, {"&nbsp;", 6, ' '}, {"&#39;", 5, '\''}};
	char *out = rb_arena_alloc_unzeroed(arena, n + 1);
	*len_r = 0;
	if (out == NULL)
		return "";
	const char *p = html, *end = html + n;
	size_t o = 0;
	while (p < end) {
		const char *special = html_next_special(p, end);
		memcpy(out + o, p, (size_t)(special - p));
		o += (size_t)(special - p);
		p = special;
		if (p == end)
			break;
		if (*p == '<') {
			/* The tag's first letter picks the one comparison worth making. */
			char t = p + 1 < end ? (char)(p[1] | 0x20) : '\0';
			if ((t == 'b' && html_starts_with(p, end, "<br", 3)) || t == 'p' ||
			    (t == 'd' && html_starts_with(p, end, "<div", 4)) ||
			    (t == 't' && html_starts_with(p, end, "<tr", 3)))
				out[o++] = '\n';
			/* Styles and scripts are no words of the notice (some notices carry
			 * tens of kilobytes of them): skipped to their closing tag. */
			const char *skip_to = NULL;
			if (t == 's' && html_starts_with(p, end, "<style", 6))
				skip_to = "</style";
			else if (t == 's' && html_starts_with(p, end, "<script", 7))
				skip_to = "</script";
			const char *close = memchr(p, '>', (size_t)(end - p));
			p = close ? close + 1 : end;
			if (skip_to != NULL) {
				const char *closing = rb_text_find_ci_len(p, (size_t)(end - p), skip_to,
									  strlen(skip_to));
				if (closing != NULL) {
					close = memchr(closing, '>', (size_t)(end - closing));
					p = close ? close + 1 : end;
				}
			}
			continue;
		}
		size_t e = 0;
		while (e < sizeof(entities) / sizeof(entities[0]) &&
		       !html_starts_with(p, end, entities[e].name, entities[e].len))
			e++;
		if (e < sizeof(entities) / sizeof(entities[0])) {
			out[o++] = entities[e].c;
			p += entities[e].len;
		} else {
			out[o++] = *p++;
		}
	}
	out[o] = '\0';
	*len_r = o;
	return out;
}



/*
 * A header value unfolded and squeezed; RFC 2047 words decoded only when the value
 * has one ("=?"): most headers are plain ASCII and GMime's decoder is costly.
 */
static const char *header_decode(struct rb_arena *arena, const char *raw)
{
	if (raw == NULL)
		return "";
	size_t n = 0;
	if (strstr(raw, "=?") == NULL) {
		const char *text = nul_safe_text(arena, (const unsigned char *)raw, strlen(raw), NULL, &n);
		return rb_text_squeezen(arena, text, n);
	}
	keep_encoded_word_charsets(raw);
	char *decoded = g_mime_utils_header_decode_text(NULL, raw);
	const char *text =
	    nul_safe_text(arena, (const unsigned char *)decoded, strlen(decoded), NULL, &n);
	g_free(decoded);
	return rb_text_squeezen(arena, text, n);
}


/* ---- header blocks ---- */

/*
 * Does a raw header value need more than squeezing: an 8-bit byte or ESC (a charset),
 * a NUL, or "=?" (the start of an RFC 2047 encoded word)? One pass, sixteen bytes at a
 * time: asked of every value looked up, and almost always no.
 */
static bool value_needs_decoding(const unsigned char *v, size_t n)
{
	size_t i = 0;
#ifdef __SSE2__
	const __m128i esc = _mm_set1_epi8(0x1b), zero = _mm_setzero_si128();
	const __m128i eq = _mm_set1_epi8('='), question = _mm_set1_epi8('?');
	for (; i + 17 <= n; i += 16) {
		__m128i a = _mm_loadu_si128((const __m128i *)(const void *)(v + i));
		__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(v + i + 1));
		__m128i bad = _mm_or_si128(_mm_or_si128(a, _mm_cmpeq_epi8(a, esc)),
					   _mm_cmpeq_epi8(a, zero));
		bad = _mm_or_si128(bad, _mm_and_si128(_mm_cmpeq_epi8(a, eq), _mm_cmpeq_epi8(b, question)));
		if (_mm_movemask_epi8(bad) != 0)
			return true;
	}
#endif
	for (; i < n; i++) {
		unsigned char c = v[i];
		if (c >= 0x80 || c == 0x1b || c == 0 || (c == '=' && i + 1 < n && v[i + 1] == '?'))
			return true;
	}
	return false;
}

struct header_list {
	struct rb_header *items;
	size_t count, cap;
	struct rb_header_index *index; /* the arena's, made with the first header */
};

/*
 * A header name's length, first and last bytes, case folded: compared before the
 * name itself, whose bytes lie in the message (out of the cache, often) and whose
 * length alone tells few apart (Received, Reply-To, Subject, Sender...).
 */
static inline uint32_t header_name_key(const char *name, size_t len)
{
	if (len == 0)
		return 0;
	return (uint32_t)(len & 0xffff) | ((unsigned char)name[0] | 0x20u) << 16 |
	       ((unsigned char)name[len - 1] | 0x20u) << 24;
}

/* The index slot of a name by its key. */
static inline unsigned header_slot(uint32_t key)
{
	return (key * 2654435761u) >> 26; /* 6 bits of a multiplicative mix */
}

/* Header items[i] into the index of its list (none when there is no memory for one:
 * lookups then read every header). */
static void header_index_add(struct rb_arena *arena, struct header_list *list, size_t i)
{
	struct rb_header *h = &list->items[i];
	h->next_same = 0;
	if (list->index == NULL) {
		if (i != 0)
			return;
		list->index = rb_arena_alloc(arena, sizeof(*list->index));
		if (list->index == NULL)
			return;
	}
	unsigned slot = header_slot(h->name_key);
	uint32_t at = (uint32_t)i + 1;
	if (list->index->first[slot] == 0)
		list->index->first[slot] = at;
	else
		list->items[list->index->last[slot] - 1].next_same = at;
	list->index->last[slot] = at;
}

/*
 * The value of h, decoded on first use and kept (see struct rb_header). The raw bytes
 * live in the same arena as the header, so they outlive it.
 */
static const char *header_value(struct rb_arena *arena, struct rb_header *h)
{
	if (h->value != NULL)
		return h->value;
	const char *raw = h->raw;
	size_t n = h->raw_len;
	const char *value;
	if (!h->raw_decode || !value_needs_decoding((const unsigned char *)raw, n)) {
		/* Most values: ASCII with nothing to decode, squeezed in one copy. */
		value = rb_text_squeezen(arena, raw, n);
	} else {
		value = header_decode(arena, rb_arena_strndup(arena, raw, n));
	}
	h->value = value ? value : "";
	return h->value;
}

static bool is_header_name_char(unsigned char c)
{
	return c > 32 && c < 127 && c != ':';
}

/* "name=value" or "name*0*=value": a MIME parameter on a line of its own. */
static bool looks_like_parameter(const char *p, const char *line_end)
{
	while (p < line_end && (*p == ' ' || *p == '\t'))
		p++;
	const char *name = p;
	while (p < line_end && (g_ascii_isalnum(*p) || *p == '-' || *p == '*'))
		p++;
	return p > name && p < line_end && *p == '=';
}

#ifdef MIME_AVX512
/* A mask of the first min(64, end - p) bytes at p, and those bytes (the rest zero):
 * a line's worth read at once, never past end. */
static inline AVX512_TARGET __mmask64 bytes_until(const char *p, const char *end, __m512i *v)
{
	size_t left = (size_t)(end - p);
	__mmask64 m = rb_block_mask(left);
	*v = _mm512_maskz_loadu_epi8(m, p);
	return m;
}

/* find_newline and header_name_end of a header line at once: one load of its first
 * 64 bytes serves both (and one call where there were two). */
static AVX512_TARGET const char *header_line_avx512(const char *p, const char *end,
						    const char **name_end_r)
{
	const char *name_end = NULL;
	for (; p < end; p += 64) {
		__m512i v;
		__mmask64 m = bytes_until(p, end, &v);
		if (name_end == NULL) {
			/* '\n' is below '!': the name ends at the newline at the latest. */
			__mmask64 bad = _mm512_mask_cmplt_epi8_mask(m, v, _mm512_set1_epi8('!')) |
					_mm512_mask_cmpeq_epi8_mask(m, v, _mm512_set1_epi8(127)) |
					_mm512_mask_cmpeq_epi8_mask(m, v, _mm512_set1_epi8(':'));
			if (bad != 0)
				name_end = p + __builtin_ctzll(bad);
		}
		__mmask64 nl = _mm512_mask_cmpeq_epi8_mask(m, v, _mm512_set1_epi8('\n'));
		if (nl != 0) {
			*name_end_r = name_end;
			return p + __builtin_ctzll(nl);
		}
	}
	*name_end_r = name_end != NULL ? name_end : end;
	return NULL;
}

static AVX512_TARGET const char *find_newline_avx512(const char *p, const char *end)
{
	for (; p < end; p += 64) {
		__m512i v;
		__mmask64 m = bytes_until(p, end, &v);
		__mmask64 nl = _mm512_mask_cmpeq_epi8_mask(m, v, _mm512_set1_epi8('\n'));
		if (nl != 0)
			return p + __builtin_ctzll(nl);
	}
	return NULL;
}
#endif

/*
 * The first byte of [p, line_end) that cannot be in a header name (RFC 5322 ftext:
 * printable ASCII but ':'), or line_end. Sixteen bytes at a time: most names are
 * longer than a few bytes, and a byte-at-a-time loop ends on a branch the CPU cannot
 * foresee. (With AVX-512, header_line finds it with the line's end.)
 */
static inline const char *header_name_end(const char *p, const char *line_end)
{
#ifdef __SSE2__
	/* As signed bytes, 0x80-0xff are negative: "below '!'" catches them too. */
	const __m128i bang = _mm_set1_epi8('!'), del = _mm_set1_epi8(127), colon = _mm_set1_epi8(':');
	for (; line_end - p >= 16; p += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i bad = _mm_or_si128(_mm_cmplt_epi8(v, bang),
					   _mm_or_si128(_mm_cmpeq_epi8(v, del), _mm_cmpeq_epi8(v, colon)));
		unsigned m = (unsigned)_mm_movemask_epi8(bad);
		if (m != 0)
			return p + __builtin_ctz(m);
	}
#endif
	while (p < line_end && is_header_name_char((unsigned char)*p))
		p++;
	return p;
}

/*
 * The first '\n' in [p, end), or NULL. Inline and many bytes at a time: header lines
 * are short, and a call to memchr per line cost more than the search (with AVX-512, a
 * line of under 64 bytes is one masked compare).
 */
static inline const char *find_newline(const char *p, const char *end)
{
#ifdef MIME_AVX512
	if (rb_cpu_has(RB_CPU_AVX512))
		return find_newline_avx512(p, end);
#endif
#ifdef __SSE2__
	const __m128i nl = _mm_set1_epi8('\n');
	for (; end - p >= 16; p += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, nl));
		if (m != 0)
			return p + __builtin_ctz(m);
	}
#endif
	for (; p < end; p++)
		if (*p == '\n')
			return p;
	return NULL;
}

/* The first '\n' in [p, end) or NULL, and in *name_end_r the end of the header name
 * at p (header_name_end up to that line's end). */
static inline const char *header_line(const char *p, const char *end, const char **name_end_r)
{
#ifdef MIME_AVX512
	if (rb_cpu_has(RB_CPU_AVX512))
		return header_line_avx512(p, end, name_end_r);
#endif
	const char *nl = find_newline(p, end);
	*name_end_r = header_name_end(p, nl ? nl : end);
	return nl;
}

/*
 * Parse the header block at [p, end): "Name: value" lines with folded continuations,
 * up to an empty line or the first line that is neither. Values are kept raw
 * (decoded by the caller as needed). Returns where the body starts.
 */
static const char *parse_headers(struct rb_arena *arena, const char *p, const char *end,
				 struct header_list *out, bool decode)
{
	struct text_acc joined = {0}; /* the value of a header that lines were joined to */
	size_t joined_to = SIZE_MAX;  /* which header that is */
	while (p < end) {
		const char *name_end;
		const char *nl = header_line(p, end, &name_end);
		const char *line_end = nl ? nl : end;
		if (line_end == p) /* empty line: the body follows */
			return nl ? nl + 1 : end;
		const char *colon = name_end;
		while (colon < line_end && (*colon == ' ' || *colon == '\t'))
			colon++; /* lenient: "Name : value" */
		if ((colon == line_end || *colon != ':' || name_end == p) && out->count > 0 &&
		    (looks_like_parameter(p, line_end) ||
		     *header_value(arena, &out->items[out->count - 1]) == '\0')) {
			/* Lenient: a folded line that lost its indentation, as a parameter
			 * ("Content-Type: multipart/alternative;\nboundary=...") or as the value
			 * of a header left empty ("X-Message-Info:\n5vMbyq..."). */
			struct rb_header *prev = &out->items[out->count - 1];
			if (joined_to != out->count - 1) {
				const char *v = header_value(arena, prev);
				joined = (struct text_acc){0};
				str_append(arena, &joined, v, strlen(v));
				joined_to = out->count - 1;
			}
			/* The value, a space, the line (up to a NUL in it). */
			str_append(arena, &joined, " ", 1);
			str_append(arena, &joined, p, strnlen(p, (size_t)(line_end - p)));
			prev->value = acc_str(&joined);
			p = nl ? nl + 1 : end;
			continue;
		}
		if (colon == line_end || *colon != ':' || name_end == p)
			return p; /* not a header: the body starts here */
		/* The value runs over continuation lines. */
		const char *value = colon + 1;
		const char *value_end = line_end;
		while (value_end < end && value_end + 1 < end &&
		       (value_end[1] == ' ' || value_end[1] == '\t')) {
			const char *next = find_newline(value_end + 1, end);
			value_end = next ? next : end;
		}
		if (out->count == out->cap) {
			size_t nc = out->cap ? out->cap * 2 : 16;
			struct rb_header *ni = rb_arena_realloc(arena, out->items,
								out->cap * sizeof(*ni), nc * sizeof(*ni));
			if (ni == NULL)
				return end;
			out->items = ni;
			out->cap = nc;
		}
		struct rb_header *h = &out->items[out->count++];
		h->name_len = (size_t)(name_end - p);
		h->name = p; /* read through name_len: no copy */
		h->name_key = header_name_key(p, h->name_len);
		h->value = NULL; /* decoded when first looked up: header_value() */
		h->raw = value;
		h->raw_len = (size_t)(value_end - value);
		h->raw_decode = decode;
		header_index_add(arena, out, out->count - 1);
		p = value_end < end ? value_end + 1 : end;
	}
	return end;
}

#ifdef MIME_AVX512
/* ascii_equal_ci of at most 64 bytes in one masked compare (AVX-512 BW): the bytes of
 * a header name lie in the message, and a loop over them ended on a mispredicted
 * branch at each name's length. */
static AVX512_TARGET bool ascii_equal_ci_avx512(const char *a, const char *b, size_t n)
{
	__mmask64 m = rb_block_mask(n);
	__m512i x = _mm512_maskz_loadu_epi8(m, a), y = _mm512_maskz_loadu_epi8(m, b);
	const __m512i case_bit = _mm512_set1_epi8(0x20), a_ = _mm512_set1_epi8('a');
	const __m512i span = _mm512_set1_epi8('z' - 'a');
	/* Bytes that differ must differ in the case bit only, and be letters. */
	__mmask64 same = _mm512_mask_cmpeq_epi8_mask(m, x, y);
	__m512i xl = _mm512_or_si512(x, case_bit), yl = _mm512_or_si512(y, case_bit);
	__mmask64 folded = _mm512_mask_cmpeq_epi8_mask(m, xl, yl) &
			   _mm512_mask_cmple_epu8_mask(m, _mm512_sub_epi8(xl, a_), span);
	return (same | folded) == m;
}
#endif

/* Are a[0..n) and b[0..n) equal, ASCII letters compared without case? */
static bool ascii_equal_ci(const char *a, const char *b, size_t n)
{
#ifdef MIME_AVX512
	if (n <= 64 && rb_cpu_has(RB_CPU_AVX512))
		return ascii_equal_ci_avx512(a, b, n);
#endif
	for (size_t i = 0; i < n; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
		if (x != y && ((x | 0x20) != (y | 0x20) || (unsigned)((x | 0x20) - 'a') >= 26u))
			return false;
	}
	return true;
}

/*
 * The value of the first header of that name in items[0..count) (keys compared
 * first), NULL when none: through the index when there is one (the headers of the
 * name's slot, in order), else through them all. The items are the arena's, written
 * only here and in parse_headers: the const of a lookup through a const rb_mail is
 * cast away to keep the decoded value.
 */
static const char *headers_find(struct rb_arena *arena, const struct rb_header *items,
				size_t count, const struct rb_header_index *index,
				const char *name, size_t len)
{
	uint32_t key = header_name_key(name, len);
	if (index != NULL) {
		for (uint32_t at = index->first[header_slot(key)]; at != 0;
		     at = items[at - 1].next_same) {
			const struct rb_header *h = &items[at - 1];
			if (h->name_key == key && h->name_len == len &&
			    ascii_equal_ci(h->name, name, len))
				return header_value(arena, (struct rb_header *)h);
		}
		return NULL;
	}
	for (size_t i = 0; i < count; i++)
		if (items[i].name_key == key && items[i].name_len == len &&
		    ascii_equal_ci(items[i].name, name, len))
			return header_value(arena, (struct rb_header *)&items[i]);
	return NULL;
}

const char *rb_header_value(struct rb_arena *arena, const struct rb_header *h)
{
	return header_value(arena, (struct rb_header *)h);
}

bool rb_header_is_n(const struct rb_header *h, const char *name, size_t len)
{
	return h->name_key == header_name_key(name, len) && h->name_len == len &&
	       ascii_equal_ci(h->name, name, len);
}

static inline const char *header_find(struct rb_arena *arena, const struct header_list *h,
				      const char *name)
{
	return headers_find(arena, h->items, h->count, h->index, name, strlen(name));
}

size_t rb_mime_parse_header_block(struct rb_arena *arena, const char *text,
				  struct rb_header **headers_r)
{
	struct header_list list = {0};
	*headers_r = NULL;
	if (text == NULL)
		return 0;
	parse_headers(arena, text, text + strlen(text), &list, true);
	*headers_r = list.items;
	return list.count;
}

/* ---- Content-Type and Content-Disposition ---- */

/* The media types the walk treats apart, named once when a Content-Type is read. */
enum part_kind {
	KIND_OTHER,
	KIND_TEXT,                  /* text/ anything not below */
	KIND_TEXT_HTML,
	KIND_TEXT_RFC822_HEADERS,
	KIND_MULTIPART,
	KIND_MULTIPART_DIGEST,
	KIND_MESSAGE,               /* message/rfc822, message/global */
	KIND_DELIVERY_STATUS,       /* message/delivery-status, message/global-delivery-status */
	KIND_FEEDBACK_REPORT,
	KIND_DISPOSITION_NOTIFICATION,
	KIND_GLOBAL_HEADERS,
};

static const struct {
	const char *type;
	size_t len;
	enum part_kind kind;
} part_kinds[] = {
#define KIND(type, kind) {"" type, sizeof(type) - 1, kind}
	KIND("text/html", KIND_TEXT_HTML),
	KIND("text/rfc822-headers", KIND_TEXT_RFC822_HEADERS),
	KIND("multipart/digest", KIND_MULTIPART_DIGEST),
	KIND("message/rfc822", KIND_MESSAGE),
	KIND("message/global", KIND_MESSAGE),
	KIND("message/delivery-status", KIND_DELIVERY_STATUS),
	KIND("message/global-delivery-status", KIND_DELIVERY_STATUS),
	KIND("message/feedback-report", KIND_FEEDBACK_REPORT),
	KIND("message/disposition-notification", KIND_DISPOSITION_NOTIFICATION),
	KIND("message/global-headers", KIND_GLOBAL_HEADERS),
#undef KIND
};

/* The kind of a lowercase "type/subtype". */
static enum part_kind part_kind_of(const char *type)
{
	size_t n = strlen(type);
	for (size_t i = 0; i < sizeof(part_kinds) / sizeof(part_kinds[0]); i++)
		if (part_kinds[i].len == n && memcmp(part_kinds[i].type, type, n) == 0)
			return part_kinds[i].kind;
	if (n >= 5 && memcmp(type, "text/", 5) == 0)
		return KIND_TEXT;
	if (n >= 10 && memcmp(type, "multipart/", 10) == 0)
		return KIND_MULTIPART;
	return KIND_OTHER;
}

/* Parts whose bytes are text: read as UTF-8 LF text. */
static bool kind_is_textual(enum part_kind kind)
{
	return kind == KIND_TEXT || kind == KIND_TEXT_HTML || kind == KIND_TEXT_RFC822_HEADERS ||
	       kind == KIND_DELIVERY_STATUS || kind == KIND_FEEDBACK_REPORT ||
	       kind == KIND_DISPOSITION_NOTIFICATION || kind == KIND_GLOBAL_HEADERS;
}

struct content_type {
	const char *type;       /* "type/subtype", lowercase */
	const char *boundary;   /* "" when absent */
	const char *charset;    /* lowercase, "" */
	const char *name;       /* name= (or filename= for dispositions) */
	const char *report_type;
	enum part_kind kind;    /* what type says, for the walk */
};

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n')
		p++;
	return p;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* RFC 2231 extended value: charset'language'percent-encoded. */
static char *decode_rfc2231(struct rb_arena *arena, const char *v, bool has_charset)
{
	const char *charset_end = has_charset ? strchr(v, '\'') : NULL;
	const char *text = v;
	char *charset = NULL;
	if (charset_end != NULL) {
		const char *lang_end = strchr(charset_end + 1, '\'');
		if (lang_end != NULL) {
			charset = rb_arena_strndup(arena, v, (size_t)(charset_end - v));
			text = lang_end + 1;
		}
	}
	size_t n = strlen(text), o = 0;
	char *out = rb_arena_alloc_unzeroed(arena, n + 1);
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		int hi, lo;
		if (text[i] == '%' && i + 2 < n + 1 && (hi = hex_value(text[i + 1])) >= 0 &&
		    (lo = hex_value(text[i + 2])) >= 0) {
			out[o++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			out[o++] = text[i];
		}
	}
	out[o] = '\0';
	if (charset != NULL && *charset) {
		size_t n = 0;
		return (char *)nul_safe_text(arena, (const unsigned char *)out, o, charset, &n);
	}
	return out;
}

/* Is [p, end) the parameter name name (lowercase, n bytes), in any case? */
static bool param_name_is(const char *p, const char *end, const char *name, size_t n)
{
	if ((size_t)(end - p) != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if ((c >= 'A' && c <= 'Z' ? (char)(c + ('a' - 'A')) : c) != name[i])
			return false;
	}
	return true;
}

static bool is_trim_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* The parameters a walk uses; the rest are skipped without a copy. */
enum known_param { PARAM_OTHER, PARAM_NAME, PARAM_BOUNDARY, PARAM_CHARSET, PARAM_REPORT_TYPE };

/*
 * type/subtype; name=value; name="quoted value"; name*=utf-8''%41; name*0=a; name*1=b
 * Only the parameters rebound uses are kept (and copied). Lenient: junk between
 * parameters is skipped, an unclosed quote runs to the end.
 */
static void parse_content_type(struct rb_arena *arena, const char *value, bool disposition,
			       struct content_type *ct)
{
	ct->type = "";
	ct->boundary = ct->charset = ct->name = ct->report_type = "";
	ct->kind = KIND_OTHER;
	if (value == NULL)
		return;
	const char *p = skip_ws(value);
	const char *semi = strchr(p, ';');
	const char *type_end = semi ? semi : p + strlen(p);
	const char *ts = p, *te = type_end;
	while (ts < te && is_trim_space(*ts))
		ts++;
	while (te > ts && is_trim_space(te[-1]))
		te--;
	char *type = rb_arena_alloc_unzeroed(arena, (size_t)(te - ts) + 1);
	if (type == NULL)
		return;
	bool slash = false;
	for (const char *q = ts; q < te; q++) {
		char c = *q;
		type[q - ts] = c >= 'A' && c <= 'Z' ? (char)(c + ('a' - 'A')) : c;
		slash |= c == '/';
	}
	type[te - ts] = '\0';
	/* "text" alone, or "text/plain garbage": keep what reads as type/subtype. */
	ct->type = !disposition && !slash ? "" : type;
	ct->kind = part_kind_of(ct->type);
	struct text_acc cont = {0}; /* RFC 2231 continuations of name/filename, joined */
	bool has_cont = false;
	p = semi;
	while (p != NULL && *p == ';') {
		p = skip_ws(p + 1);
		const char *eq = p;
		while (*eq && *eq != '=' && *eq != ';')
			eq++;
		if (*eq != '=') {
			p = *eq == ';' ? eq : NULL;
			continue;
		}
		/* The name, trimmed: "name*" is extended (RFC 2231), "name*1" a continuation. */
		const char *ns = p, *ne = eq;
		while (ns < ne && is_trim_space(*ns))
			ns++;
		while (ne > ns && is_trim_space(ne[-1]))
			ne--;
		bool extended = ne > ns && ne[-1] == '*';
		const char *base_end = extended ? ne - 1 : ne;
		const char *star = memchr(ns, '*', (size_t)(base_end - ns));
		bool continuation = star != NULL;
		bool first_piece = !continuation || param_name_is(star + 1, base_end, "0", 1);
		if (continuation)
			base_end = star;
		enum known_param which = PARAM_OTHER;
		if (param_name_is(ns, base_end, disposition ? "filename" : "name",
				  disposition ? 8 : 4))
			which = PARAM_NAME;
		else if (!disposition && param_name_is(ns, base_end, "boundary", 8))
			which = PARAM_BOUNDARY;
		else if (!disposition && param_name_is(ns, base_end, "charset", 7))
			which = PARAM_CHARSET;
		else if (!disposition && param_name_is(ns, base_end, "report-type", 11))
			which = PARAM_REPORT_TYPE;
		const char *v = skip_ws(eq + 1);
		char *pvalue = NULL;
		if (*v == '"') {
			const char *q = v + 1;
			char *buf = NULL;
			size_t o = 0;
			if (which != PARAM_OTHER) {
				/* Unescaped, the value is at most as long as the rest. */
				buf = rb_arena_alloc_unzeroed(arena, strlen(q) + 1);
				if (buf == NULL)
					return;
			}
			while (*q && *q != '"') {
				if (*q == '\\' && q[1])
					q++;
				if (buf != NULL)
					buf[o++] = *q;
				q++;
			}
			if (buf != NULL)
				buf[o] = '\0';
			pvalue = buf;
			p = *q == '"' ? q + 1 : q;
			while (*p && *p != ';')
				p++;
		} else {
			const char *e = v;
			while (*e && *e != ';')
				e++;
			if (which != PARAM_OTHER) {
				pvalue = rb_text_trim(arena, v, (size_t)(e - v));
				if (pvalue == NULL)
					return;
			}
			p = e;
		}
		if (which == PARAM_OTHER)
			continue;
		if (extended)
			pvalue = decode_rfc2231(arena, pvalue, first_piece);
		if (pvalue == NULL)
			return;
		if (continuation && which == PARAM_NAME) {
			str_append(arena, &cont, pvalue, strlen(pvalue));
			has_cont = true;
		} else if (which == PARAM_BOUNDARY) {
			ct->boundary = pvalue;
		} else if (which == PARAM_CHARSET) {
			ct->charset = rb_text_lower(arena, pvalue);
		} else if (which == PARAM_REPORT_TYPE) {
			ct->report_type = rb_text_lower(arena, pvalue);
		} else if (which == PARAM_NAME) {
			ct->name = pvalue;
		}
	}
	if (has_cont && *ct->name == '\0')
		ct->name = acc_str(&cont);
}

/* ---- transfer encodings ---- */

enum transfer_encoding { ENCODING_NONE, ENCODING_BASE64, ENCODING_QP, ENCODING_UU };

/* What a Content-Transfer-Encoding value starts with (ASCII case-insensitively, as
 * senders write "Base64", "base64; x" and worse); most parts say 7bit or nothing. */
static enum transfer_encoding transfer_encoding_of(const char *cte)
{
	if (cte == NULL)
		return ENCODING_NONE;
	switch (cte[0] | 0x20) {
	case 'b':
		return g_ascii_strncasecmp(cte, "base64", 6) == 0 ? ENCODING_BASE64 : ENCODING_NONE;
	case 'q':
		return g_ascii_strncasecmp(cte, "quoted-printable", 16) == 0 ? ENCODING_QP
									     : ENCODING_NONE;
	case 'x':
		return g_ascii_strncasecmp(cte, "x-uuencode", 10) == 0 ? ENCODING_UU : ENCODING_NONE;
	case 'u':
		return g_ascii_strncasecmp(cte, "uuencode", 8) == 0 ? ENCODING_UU : ENCODING_NONE;
	default:
		return ENCODING_NONE;
	}
}

/*
 * The bytes of a part with its transfer encoding undone, *len_r of them. 7bit, 8bit,
 * binary and unknown encodings are the bytes as they are: a pointer into data, not a
 * copy. Decoded bytes are a NUL-terminated arena copy.
 */
static const unsigned char *decode_transfer(struct rb_arena *arena, const char *cte,
					    const char *data, size_t len, size_t *len_r)
{
	*len_r = 0;
	enum transfer_encoding enc = transfer_encoding_of(cte);
	bool base64 = enc == ENCODING_BASE64, qp = enc == ENCODING_QP, uu = enc == ENCODING_UU;
	if (!base64 && !qp && !uu) {
		*len_r = len;
		return (const unsigned char *)data;
	}
	unsigned char *out = rb_arena_alloc_unzeroed(arena, len + 3);
	if (out == NULL)
		return NULL;
	int state = 0;
	guint32 save = 0;
	const unsigned char *in = (const unsigned char *)data;
	if (base64) {
		*len_r = rb_base64_decode(in, len, out);
	} else if (qp) {
		*len_r = rb_qp_decode(in, len, out);
	} else {
		/* uuencode needs its "begin" line skipped first. */
		const char *begin = g_strstr_len(data, (gssize)len, "begin ");
		if (begin != NULL) {
			const char *nl = memchr(begin, '\n', (size_t)(data + len - begin));
			if (nl != NULL) {
				state = GMIME_UUDECODE_STATE_BEGIN;
				*len_r = g_mime_encoding_uudecode_step(
					(const unsigned char *)nl + 1, (size_t)(data + len - nl - 1),
					out, &state, &save);
			}
		}
		if (*len_r == 0) {
			memcpy(out, data, len);
			*len_r = len;
		}
	}
	out[*len_r] = '\0';
	return out;
}

/* ---- the walk ---- */

struct mime_walk {
	struct rb_arena *arena;
	const struct rb_limits *limits;
	struct rb_part *parts;
	size_t part_count, part_cap;
	struct text_acc body, html, dsn, feedback, problems;
	const char *original;
	size_t original_len;
	struct header_list original_headers; /* parsed once, for the walk and the mail */
	bool original_parsed;
	bool skipped_depth, skipped_parts;
};

static void walk_entity(struct mime_walk *w, const char *start, const char *end, unsigned depth,
			bool attached, const char *default_type);

static void add_leaf(struct mime_walk *w, const struct content_type *ct, const char *cte,
		     const char *filename, const char *body, const char *end, unsigned depth,
		     bool attached, bool disposed_attachment)
{
	if (w->part_count >= w->limits->max_mime_parts) {
		w->skipped_parts = true;
		return;
	}
	struct rb_arena *arena = w->arena;
	if (w->part_count == w->part_cap) {
		size_t nc = w->part_cap ? w->part_cap * 2 : 8;
		struct rb_part *np = rb_arena_realloc(arena, w->parts, w->part_cap * sizeof(*np),
						      nc * sizeof(*np));
		if (np == NULL)
			return;
		w->parts = np;
		w->part_cap = nc;
	}
	struct rb_part *p = &w->parts[w->part_count++];
	const char *t = ct->type;
	enum part_kind kind = ct->kind;
	bool status_part = kind == KIND_DELIVERY_STATUS || kind == KIND_FEEDBACK_REPORT;
	if (attached && !status_part) {
		/* A leaf of the returned message: nothing reads its content (reports and
		 * bodies come from the message's own parts), so it is not decoded. */
		*p = (struct rb_part){.content_type = t, .filename = filename,
				      .charset = ct->charset, .depth = depth,
				      .in_attached_message = true};
		return;
	}
	size_t len = 0;
	const unsigned char *data = decode_transfer(arena, cte, body, (size_t)(end - body), &len);
	p->content_type = ct->type;
	p->filename = filename;
	p->charset = ct->charset;
	p->data = data;
	p->len = data ? len : 0;
	p->depth = depth;
	p->in_attached_message = attached;
	p->text = NULL;
	p->text_len = 0;
	if (data != NULL && kind_is_textual(kind))
		p->text = nul_safe_text(arena, data, p->len, ct->charset, &p->text_len);
	if (p->text == NULL)
		return;
	if (kind == KIND_DELIVERY_STATUS) {
		acc_append(arena, &w->dsn, p->text, p->text_len);
	} else if (kind == KIND_FEEDBACK_REPORT) {
		acc_append(arena, &w->feedback, p->text, p->text_len);
	} else if (kind == KIND_TEXT_RFC822_HEADERS || kind == KIND_GLOBAL_HEADERS) {
		if (w->original == NULL && !attached) {
			w->original = p->text;
			w->original_len = p->text_len;
		}
	} else if (!attached && kind == KIND_TEXT_HTML) {
		acc_append(arena, &w->html, p->text, p->text_len);
	} else if (!attached && kind == KIND_TEXT && !(disposed_attachment && w->body.len > 0)) {
		/* A text file attached after the notice (returned headers as .txt, a
		 * log) is not the notice's words. */
		acc_append(arena, &w->body, p->text, p->text_len);
	}
}

/* Does the line at p (up to line_end) delimit this boundary? 1 = part, 2 = close. */
static int boundary_line(const char *p, const char *line_end, const char *boundary, size_t blen)
{
	/* Lenient: some mailers indent a delimiter (" --boundary"); the boundary
	 * token itself is long and random enough not to be met by accident. */
	for (int i = 0; i < 4 && p < line_end && (*p == ' ' || *p == '\t'); i++)
		p++;
	if ((size_t)(line_end - p) < blen + 2 || p[0] != '-' || p[1] != '-' ||
	    memcmp(p + 2, boundary, blen) != 0)
		return 0;
	const char *rest = p + 2 + blen;
	int kind = 1;
	if (line_end - rest >= 2 && rest[0] == '-' && rest[1] == '-') {
		kind = 2;
		rest += 2;
	}
	for (; rest < line_end; rest++)
		if (*rest != ' ' && *rest != '\t')
			return 0;
	return kind;
}

/*
 * The next delimiter line at or after `from` (a line start): its start, or NULL. Only
 * lines where the boundary occurs can be one, so the boundary is searched for and the
 * line around each first occurrence judged: one memmem over a part instead of a
 * memchr and a comparison per line.
 */
static const char *next_boundary_line(const char *from, const char *end, const char *boundary,
				      size_t blen, const char **line_end_r, int *kind_r)
{
	const char *p = from;
	while (p < end) {
		const char *q = rb_text_memmem(p, (size_t)(end - p), boundary, blen);
		if (q == NULL)
			return NULL;
		/* A delimiter line has at most 4 blanks and "--" before the boundary: the
		 * line's start is at most 6 bytes back from its first occurrence. */
		const char *line = q;
		while (line > p && line[-1] != '\n' && q - line < 7)
			line--;
		bool at_line_start = line == from || line[-1] == '\n';
		const char *nl = memchr(q, '\n', (size_t)(end - q));
		const char *line_end = nl ? nl : end;
		if (at_line_start) {
			int kind = boundary_line(line, line_end, boundary, blen);
			if (kind != 0) {
				*line_end_r = line_end;
				*kind_r = kind;
				return line;
			}
		}
		p = nl ? nl + 1 : end;
	}
	return NULL;
}

static void walk_multipart(struct mime_walk *w, const struct content_type *ct,
			   const char *body, const char *end, unsigned depth, bool attached)
{
	const char *boundary = ct->boundary;
	size_t blen = strlen(boundary);
	const char *default_type = ct->kind == KIND_MULTIPART_DIGEST ? "message/rfc822" : "text/plain";
	const char *part_start = NULL;
	const char *p = body;
	const char *line_end;
	int kind;
	while ((p = next_boundary_line(p, end, boundary, blen, &line_end, &kind)) != NULL) {
		if (part_start != NULL) {
			/* The LF before a boundary belongs to the boundary (RFC 2046). */
			const char *part_end = p > part_start && p[-1] == '\n' ? p - 1 : p;
			walk_entity(w, part_start, part_end < part_start ? part_start : part_end,
				    depth + 1, attached, default_type);
		}
		if (kind == 2)
			return;
		part_start = line_end < end ? line_end + 1 : end;
		p = part_start;
	}
	/* Lenient: no closing boundary, the last part runs to the parent's end. */
	if (part_start != NULL && part_start < end)
		walk_entity(w, part_start, end, depth + 1, attached, default_type);
}

static bool has_boundary_line(const char *body, const char *end, const char *boundary)
{
	const char *line_end;
	int kind;
	return next_boundary_line(body, end, boundary, strlen(boundary), &line_end, &kind) != NULL;
}

static void walk_parsed_entity(struct mime_walk *w, const struct header_list *headers,
			       const struct content_type *type,
			       const char *body, const char *end, unsigned depth, bool attached,
			       const char *default_type);

/* Can a returned message hold a report part the walk must find (a delivery status or
 * feedback report, at any depth)? Only if its bytes name one. */
static bool may_hold_report_part(const char *p, size_t n)
{
	return rb_text_find_ci_len(p, n, "delivery-status", 15) != NULL ||
	       rb_text_find_ci_len(p, n, "feedback-report", 15) != NULL;
}

/*
 * May a returned message whose header block is heads hold a report part below it? Its
 * own type must be one that has parts (or be a report part itself), and its body must
 * name one.
 */
static bool may_nest_report(struct rb_arena *arena, const struct header_list *heads,
			    const char *body, size_t body_len)
{
	struct content_type ct;
	const char *type =
	    headers_find(arena, heads->items, heads->count, heads->index, "Content-Type", 12);
	parse_content_type(arena, type, false, &ct);
	switch (ct.kind) {
	case KIND_DELIVERY_STATUS:
	case KIND_FEEDBACK_REPORT:
		return true;
	case KIND_MULTIPART:
	case KIND_MULTIPART_DIGEST:
	case KIND_MESSAGE:
		return may_hold_report_part(body, body_len);
	default:
		return false;
	}
}

/* The bytes of a message up to the end of its header block: through the newline
 * before the first empty line, or all of it. */
static size_t header_block_length(const char *p, size_t n)
{
	if (n > 0 && p[0] == '\n')
		return 0;
	const char *blank = rb_text_memmem(p, n, "\n\n", 2);
	return blank ? (size_t)(blank - p) + 1 : n;
}

static void walk_entity(struct mime_walk *w, const char *start, const char *end, unsigned depth,
			bool attached, const char *default_type)
{
	if (depth > w->limits->max_mime_depth) {
		w->skipped_depth = true;
		return;
	}
	struct header_list headers = {0};
	const char *body = parse_headers(w->arena, start, end, &headers, false);
	walk_parsed_entity(w, &headers, NULL, body, end, depth, attached, default_type);
}

/* An entity whose header block is already parsed (the top level's is, once), and
 * its Content-Type too when type is not NULL. */
static void walk_parsed_entity(struct mime_walk *w, const struct header_list *hl,
			       const struct content_type *type, const char *body, const char *end,
			       unsigned depth, bool attached, const char *default_type)
{
	struct rb_arena *arena = w->arena;
	const struct header_list headers = *hl;
	struct content_type ct, disp;
	if (type != NULL)
		ct = *type;
	else
		parse_content_type(arena, header_find(arena, &headers, "Content-Type"), false, &ct);
	parse_content_type(arena, header_find(arena, &headers, "Content-Disposition"), true, &disp);
	if (*ct.type == '\0') {
		ct.type = default_type;
		ct.kind = part_kind_of(default_type);
	}
	const char *cte = header_find(arena, &headers, "Content-Transfer-Encoding");

	bool multipart = ct.kind == KIND_MULTIPART || ct.kind == KIND_MULTIPART_DIGEST;
	if (multipart && *ct.boundary && has_boundary_line(body, end, ct.boundary)) {
		walk_multipart(w, &ct, body, end, depth, attached);
		return;
	}
	if (multipart) { /* lenient: no usable boundary */
		ct.type = "text/plain";
		ct.kind = KIND_TEXT;
	}
	if (ct.kind == KIND_MESSAGE) {
		const char *inner = body;
		size_t inner_len = (size_t)(end - body);
		enum transfer_encoding enc = transfer_encoding_of(cte);
		if (enc == ENCODING_BASE64 || enc == ENCODING_QP) {
			/* Not allowed by RFC 2046, sent anyway: decode, then parse. */
			size_t n = 0;
			const char *decoded =
			    (const char *)decode_transfer(arena, cte, body, inner_len, &n);
			size_t nn = 0;
			inner = decoded ? rb_mime_normalize_newlines(arena, (unsigned char *)decoded,
								     n, &nn)
					: body;
			inner_len = decoded ? nn : inner_len;
		}
		/* A returned message is read for its header block; its parts only when it
		 * may hold a report part (a bounce forwarded as an attachment): nothing
		 * reads the parts of the sender's own mail. */
		if (w->original == NULL && !attached) {
			/* The returned message's header block as text (charset unknown: made
			 * valid UTF-8); its header block, decoded, serves the mail and, when
			 * the message is walked, the walk (then all of it is text). */
			size_t text_len = header_block_length(inner, inner_len);
			w->original = nul_safe_text(arena, (const unsigned char *)inner, text_len,
						    NULL, &w->original_len);
			bool walk = false;
			if (depth + 1 <= w->limits->max_mime_depth) {
				struct header_list heads = {0};
				parse_headers(arena, w->original, w->original + w->original_len, &heads,
					      true);
				walk = may_nest_report(arena, &heads, inner + text_len,
						       inner_len - text_len);
				if (!walk) {
					w->original_headers = heads;
					w->original_parsed = true;
					return;
				}
				w->original = nul_safe_text(arena, (const unsigned char *)inner,
							    inner_len, NULL, &w->original_len);
			}
			if (depth + 1 > w->limits->max_mime_depth) {
				w->skipped_depth = true;
				return;
			}
			const char *oend = w->original + w->original_len;
			const char *obody = parse_headers(arena, w->original, oend,
							  &w->original_headers, true);
			w->original_parsed = true;
			walk_parsed_entity(w, &w->original_headers, NULL, obody, oend, depth + 1,
					   true, "text/plain");
			return;
		}
		if (may_hold_report_part(inner, inner_len))
			walk_entity(w, inner, inner + inner_len, depth + 1, true, "text/plain");
		return;
	}
	const char *filename = *disp.name ? disp.name : ct.name;
	add_leaf(w, &ct, cte, filename ? filename : "", body, end, depth, attached,
		 g_ascii_strcasecmp(disp.type ? disp.type : "", "attachment") == 0);
}

/* RFC 5322 atext: the characters of a dot-atom besides the dots. */
static bool is_atext(unsigned char c)
{
	/* Letters, digits and !#$%&'*+-/=?^_`{|}~ as bits of ASCII. */
	static const uint64_t atext[2] = {UINT64_C(0xa3ffacfa00000000), UINT64_C(0x7fffffffc7fffffe)};
	return c < 0x80 && ((atext[c >> 6] >> (c & 63)) & 1);
}

/* A dot-atom: atext runs joined by single dots, none at either end; its length. */
static size_t dot_atom_length(const char *s)
{
	size_t i = 0;
	for (;;) {
		size_t run = i;
		while (is_atext((unsigned char)s[i]))
			i++;
		if (i == run)
			return 0; /* empty run: a dot at an end, two dots, or nothing */
		if (s[i] != '.')
			return i;
		i++;
	}
}

const char *rb_mime_message_id(struct rb_arena *arena, const char *value)
{
	if (value == NULL || *value == '\0')
		return "";
	/* The common form, "<dot-atom@dot-atom>" and nothing else, is taken apart here:
	 * GMime's decoder (kept for comments, quoted local parts, missing brackets and
	 * worse) gives the same for it, and cost more than the rest of the headers. */
	if (value[0] == '<') {
		size_t local = dot_atom_length(value + 1);
		if (local > 0 && value[1 + local] == '@') {
			size_t domain = dot_atom_length(value + 2 + local);
			if (domain > 0 && value[2 + local + domain] == '>' &&
			    value[3 + local + domain] == '\0') {
				const char *id = rb_arena_strndup(arena, value + 1, local + 1 + domain);
				return id ? id : "";
			}
		}
	}
	char *decoded = g_mime_utils_decode_message_id(value);
	const char *id = rb_arena_strdup(arena, decoded ? decoded : "");
	g_free(decoded);
	return id ? id : "";
}

const char *rb_mime_date_rfc3339(struct rb_arena *arena, const char *date)
{
	if (date == NULL || *date == '\0')
		return "";
	int64_t epoch;
	char utc_text[21];
	if (rb_mail_date_parse_common(date, &epoch) && rb_mail_date_format_utc(epoch, utc_text)) {
		const char *out = rb_arena_strdup(arena, utc_text);
		return out ? out : "";
	}
	GDateTime *dt = g_mime_utils_header_decode_date(date);
	if (dt == NULL)
		return "";
	const char *out = "";
	GDateTime *utc = g_date_time_to_utc(dt);
	if (utc != NULL) {
		gchar *s = g_date_time_format(utc, "%Y-%m-%dT%H:%M:%SZ");
		out = rb_arena_strdup(arena, s);
		g_free(s);
		g_date_time_unref(utc);
	}
	g_date_time_unref(dt);
	return out ? out : "";
}

/* ---- the message ---- */

enum rb_status rb_mime_parse(struct rb_arena *arena, const unsigned char *data, size_t len,
			     const struct rb_limits *limits, struct rb_mail **mail_r,
			     struct rb_error *err)
{
	*mail_r = NULL;
	mime_library_init();
	/* LF line endings already (most messages): read where they lie, not copied.
	 * Everything below reads by ranges, never past `end`. */
	size_t norm_len = len;
	const char *norm = (const char *)data;
	if (memchr(data, '\r', len) != NULL) {
		norm = rb_mime_normalize_newlines(arena, data, len, &norm_len);
		if (norm == NULL)
			return rb_error_set(err, RB_ERR_NOMEM,
					    "out of memory copying a %zu-byte message", len);
	}
	const char *end = norm + norm_len;
	/* Lenient: a message saved from an mbox keeps its "From sender date" line. */
	if (norm_len > 5 && memcmp(norm, "From ", 5) == 0) {
		const char *nl = memchr(norm, '\n', norm_len);
		norm = nl ? nl + 1 : end;
	}

	struct header_list headers = {0};
	const char *body = parse_headers(arena, norm, end, &headers, true);
	if (headers.count == 0)
		return rb_error_set(err, RB_ERR_INPUT,
				    "not a mail message: no RFC 5322 header block was found");
	struct rb_mail *mail = rb_arena_alloc(arena, sizeof(*mail));
	if (mail == NULL)
		return rb_error_set(err, RB_ERR_NOMEM, "out of memory");
	mail->arena = arena;
	mail->headers = headers.items;
	mail->header_count = headers.count;
	mail->header_index = headers.index;
	mail->subject = rb_mail_header(mail, "Subject");
	mail->from = rb_mail_header(mail, "From");
	mail->to = rb_mail_header(mail, "To");
	mail->date = rb_mail_header(mail, "Date");
	mail->message_id = rb_mime_message_id(arena, rb_mail_header(mail, "Message-ID"));

	struct content_type ct;
	parse_content_type(arena, header_find(arena, &headers, "Content-Type"), false, &ct);
	mail->content_type = *ct.type ? ct.type : "text/plain";
	mail->report_type = ct.report_type;

	mail->time = rb_mime_date_rfc3339(arena, mail->date);

	/* The top-level entity through the same path as every part. */
	struct mime_walk w = {.arena = arena, .limits = limits};
	walk_parsed_entity(&w, &headers, &ct, body, end, 0, false, "text/plain");
	mail->parts = w.parts;
	mail->part_count = w.part_count;
	if (w.body.len > 0) {
		mail->body = acc_str(&w.body);
		mail->body_len = w.body.len;
	} else {
		mail->body = html_to_text(arena, acc_str(&w.html), w.html.len, &mail->body_len);
	}
	mail->delivery_status = acc_str(&w.dsn);
	mail->feedback_report = acc_str(&w.feedback);
	mail->original = w.original ? w.original : "";
	if (w.original_parsed) {
		mail->original_headers = w.original_headers.items;
		mail->original_header_count = w.original_headers.count;
		mail->original_header_index = w.original_headers.index;
	} else {
		struct header_list list = {0};
		parse_headers(arena, mail->original, mail->original + strlen(mail->original), &list,
			      true);
		mail->original_headers = list.items;
		mail->original_header_count = list.count;
		mail->original_header_index = list.index;
	}
	if (w.skipped_depth)
		acc_append(arena, &w.problems, "MIME nesting deeper than the limit was skipped",
			   46);
	if (w.skipped_parts)
		acc_append(arena, &w.problems, "parts beyond the MIME part limit were skipped", 45);
	mail->problems = acc_str(&w.problems);
	(void)body;
	if (rb_arena_failed(arena))
		return rb_error_set(err, RB_ERR_NOMEM, "out of memory parsing a %zu-byte message",
				    len);
	*mail_r = mail;
	return RB_OK;
}

/* The lowercased body and its pairs, made once. The mail is the arena's, written only
 * here and in rb_mime_parse: the const of a lookup is cast away to keep them. */
static void body_index(const struct rb_mail *m)
{
	struct rb_mail *mail = (struct rb_mail *)m;
	if (mail->body_lower != NULL)
		return;
	char *lower = rb_arena_alloc_unzeroed(mail->arena, mail->body_len + 1);
	unsigned char *pairs = rb_arena_alloc_unzeroed(mail->arena, RB_PAIRS_BYTES);
	if (lower == NULL || pairs == NULL)
		return; /* NULL both: the arena has failed */
	rb_pairs_of_lowering(pairs, lower, mail->body, mail->body_len);
	mail->body_lower = lower;
	mail->body_pairs = pairs;
}

const char *rb_mail_body_lower(const struct rb_mail *mail)
{
	body_index(mail);
	return mail->body_lower;
}

const unsigned char *rb_mail_body_pairs(const struct rb_mail *mail)
{
	body_index(mail);
	return mail->body_pairs;
}

const char *rb_mail_body_find(const struct rb_mail *mail, const char *needle)
{
	if (needle[0] == '\0')
		return NULL;
	body_index(mail);
	if (mail->body_pairs == NULL || !rb_pairs_may_contain(mail->body_pairs, needle, true))
		return NULL;
	return rb_text_find_lower_n(mail->body_lower, mail->body_len, needle);
}

const char *rb_mail_body_find_needle(const struct rb_mail *mail, const struct rb_needle *needle)
{
	body_index(mail);
	if (mail->body_pairs == NULL || !rb_needle_may_occur(needle, mail->body_pairs))
		return NULL;
	return rb_needle_find(needle, mail->body_lower, mail->body_len);
}

const char *rb_mail_header_n(const struct rb_mail *mail, const char *name, size_t name_len)
{
	const char *found =
	    headers_find(mail->arena, mail->headers, mail->header_count, mail->header_index, name,
			 name_len);
	return found ? found : "";
}

const char *rb_mail_original_header_n(const struct rb_mail *mail, const char *name,
				      size_t name_len)
{
	const char *found = headers_find(mail->arena, mail->original_headers,
					 mail->original_header_count, mail->original_header_index, name,
					 name_len);
	return found ? found : "";
}
