/*
 * json_writer.c - JSON encoding into a growable buffer (see json_writer.h).
 *
 * The buffer grows by doubling and always keeps room for a terminating NUL, so the
 * text can be handed out as a C string. String escaping copies runs of plain bytes
 * eight at a time and stops only at the bytes that need a decision.
 */
#include "core/json_writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define JSON_AVX512 1
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/cpu.h"

#define JSON_WRITER_FIRST_CAP 1024
#define JSON_ESCAPE_PIECE     4096 /* input bytes escaped per reservation */

void rb_json_writer_init(struct rb_json_writer *w)
{
	memset(w, 0, sizeof(*w));
}

void rb_json_writer_reset(struct rb_json_writer *w)
{
	w->len = 0;
	if (w->buf != NULL)
		w->buf[0] = '\0';
	w->depth = 0;
	w->has_items = 0;
	w->in_object = 0;
	w->after_key = false;
	w->failed = false;
	w->misused = false;
}

void rb_json_writer_free(struct rb_json_writer *w)
{
	free(w->buf);
	rb_json_writer_init(w);
}

static void misuse(struct rb_json_writer *w)
{
	w->failed = true;
	w->misused = true;
}

/* The buffer grown to hold n more bytes and the NUL; false (and failed) when it cannot. */
static bool grow(struct rb_json_writer *w, size_t n)
{
	if (w->failed)
		return false;
	size_t cap = w->cap ? w->cap : JSON_WRITER_FIRST_CAP;
	while (cap <= w->len + n) {
		if (cap > SIZE_MAX / 2) {
			w->failed = true;
			return false;
		}
		cap *= 2;
	}
	char *buf = realloc(w->buf, cap);
	if (buf == NULL) {
		w->failed = true;
		return false;
	}
	w->buf = buf;
	w->cap = cap;
	return true;
}

/* Room for n more bytes and the NUL. Inline: it comes before every piece written. */
static inline bool reserve(struct rb_json_writer *w, size_t n)
{
	return w->len + n < w->cap || grow(w, n);
}

static inline void put(struct rb_json_writer *w, const char *s, size_t n)
{
	if (!reserve(w, n))
		return;
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

/* The separator before a value (or a key), and the checks of where it may go. */
static void before_value(struct rb_json_writer *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth == 0) {
		if (w->len > 0)
			misuse(w); /* a second top-level value */
		return;
	}
	uint64_t bit = UINT64_C(1) << (w->depth - 1);
	if (w->in_object & bit) {
		misuse(w); /* an object member without a key */
		return;
	}
	if (w->has_items & bit)
		put(w, ",", 1);
	w->has_items |= bit;
}

static void begin(struct rb_json_writer *w, bool object)
{
	before_value(w);
	if (w->depth >= RB_JSON_MAX_DEPTH) {
		misuse(w);
		return;
	}
	uint64_t bit = UINT64_C(1) << w->depth;
	w->depth++;
	w->has_items &= ~bit;
	if (object)
		w->in_object |= bit;
	else
		w->in_object &= ~bit;
	put(w, object ? "{" : "[", 1);
}

static void end(struct rb_json_writer *w, bool object)
{
	uint64_t bit = w->depth > 0 ? UINT64_C(1) << (w->depth - 1) : 0;
	if (w->depth == 0 || w->after_key || ((w->in_object & bit) != 0) != object) {
		misuse(w);
		return;
	}
	w->depth--;
	put(w, object ? "}" : "]", 1);
}

void rb_json_begin_object(struct rb_json_writer *w)
{
	begin(w, true);
}

void rb_json_end_object(struct rb_json_writer *w)
{
	end(w, true);
}

void rb_json_begin_array(struct rb_json_writer *w)
{
	begin(w, false);
}

void rb_json_end_array(struct rb_json_writer *w)
{
	end(w, false);
}

/* Length of the valid UTF-8 sequence at p (n bytes available), 0 when there is none. */
static size_t utf8_length(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	size_t len;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	/* Overlong forms, UTF-16 surrogates and code points past U+10FFFF. */
	if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] >= 0xa0) ||
	    (c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] >= 0x90))
		return 0;
	return len;
}

#define JSON_PLAIN_KEY 64 /* bytes of a key copied without escaping */

/* Bytes written as they are in a JSON string: printable ASCII but '"' and '\\'. */
static const unsigned char json_plain[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* Eight bytes hold one that is a control character, '"', '\\' or 8-bit (or may: a
 * borrow can flag a byte above a true one, which the byte loop then copies). */
static inline bool word_needs_care(uint64_t x)
{
	const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);
	uint64_t quote = x ^ (ones * '"'), backslash = x ^ (ones * '\\');
	uint64_t control = x - ones * 0x20; /* borrows into the high bit below 0x20 */
	uint64_t hit =
	    ((quote - ones) & ~quote) | ((backslash - ones) & ~backslash) | (control & ~x) | x;
	return (hit & highs) != 0;
}

#ifdef JSON_AVX512
/*
 * The plain bytes at the start of p[0..n) copied to out, 64 at a time in masked loads
 * and stores (AVX-512 BW); returns how many: up to the first byte that needs care, or
 * n. Most strings of an event are short and plain: one block, and no loop whose end
 * the CPU mispredicts at each new length.
 */
__attribute__((target("avx512f,avx512bw"))) static size_t plain_run_avx512(const unsigned char *p,
									  size_t n, char *out)
{
	const __m512i space = _mm512_set1_epi8(' '), quote = _mm512_set1_epi8('"');
	const __m512i backslash = _mm512_set1_epi8('\\');
	for (size_t i = 0; i < n; i += 64) {
		size_t left = n - i;
		__mmask64 bytes = rb_block_mask(left);
		__m512i v = _mm512_maskz_loadu_epi8(bytes, p + i);
		/* As signed bytes, control bytes and 8-bit ones are below ' '. */
		__mmask64 care = _mm512_mask_cmplt_epi8_mask(bytes, v, space) |
				 _mm512_mask_cmpeq_epi8_mask(bytes, v, quote) |
				 _mm512_mask_cmpeq_epi8_mask(bytes, v, backslash);
		if (care != 0) {
			size_t plain = (size_t)__builtin_ctzll(care);
			_mm512_mask_storeu_epi8(out + i, ((__mmask64)1 << plain) - 1, v);
			return i + plain;
		}
		_mm512_mask_storeu_epi8(out + i, bytes, v);
	}
	return n;
}
#endif

/* The plain bytes from p + i on copied to *out_r, up to end or the first byte that
 * needs care: sixteen, then eight bytes at a time, then byte by byte. As signed
 * bytes, control bytes and 8-bit ones are below ' '. Returns where it stopped. */
static size_t plain_run(const unsigned char *p, size_t i, size_t end, char **out_r)
{
	char *out = *out_r;
#ifdef __SSE2__
	const __m128i space = _mm_set1_epi8(' '), quote = _mm_set1_epi8('"');
	const __m128i backslash = _mm_set1_epi8('\\');
	while (i + 16 <= end) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		__m128i care = _mm_or_si128(_mm_cmplt_epi8(v, space),
					    _mm_or_si128(_mm_cmpeq_epi8(v, quote),
							 _mm_cmpeq_epi8(v, backslash)));
		if (_mm_movemask_epi8(care) != 0)
			break;
		_mm_storeu_si128((__m128i *)(void *)out, v);
		out += 16;
		i += 16;
	}
#endif
	while (i + 8 <= end) {
		uint64_t x;
		memcpy(&x, p + i, 8);
		if (word_needs_care(x))
			break;
		memcpy(out, &x, 8);
		out += 8;
		i += 8;
	}
	while (i < end && json_plain[p[i]])
		*out++ = (char)p[i++];
	*out_r = out;
	return i;
}

/* The byte at p + i that needs care, written escaped (a UTF-8 sequence may run on to
 * len; an invalid one becomes U+FFFD); returns the index after it. */
static size_t escape_one(const unsigned char *p, size_t i, size_t len, char **out_r)
{
	static const char hex[] = "0123456789abcdef";
	char *out = *out_r;
	unsigned char c = p[i];
	if (c >= 0x80) {
		size_t n = utf8_length(p + i, len - i);
		if (n > 0) {
			memcpy(out, p + i, n);
			*out_r = out + n;
			return i + n;
		}
		memcpy(out, "\xef\xbf\xbd", 3);
		*out_r = out + 3;
		return i + 1;
	}
	*out++ = '\\';
	switch (c) {
	case '"':
		*out++ = '"';
		break;
	case '\\':
		*out++ = '\\';
		break;
	case '\b':
		*out++ = 'b';
		break;
	case '\f':
		*out++ = 'f';
		break;
	case '\n':
		*out++ = 'n';
		break;
	case '\r':
		*out++ = 'r';
		break;
	case '\t':
		*out++ = 't';
		break;
	default:
		memcpy(out, "u00", 3);
		out[3] = hex[c >> 4];
		out[4] = hex[c & 15];
		out += 5;
		break;
	}
	*out_r = out;
	return i + 1;
}

/* The valid UTF-8 sequences that start at p + i and before end (the last may run on
 * to len), copied as they are; returns the index after them. Text in Japanese,
 * Russian or Greek is such sequences one after another: copied here in one loop,
 * where each went back and forth between the plain run and escape_one. */
static size_t utf8_run(const unsigned char *p, size_t i, size_t end, size_t len, char **out_r)
{
	char *out = *out_r;
	while (i < end && p[i] >= 0x80) {
		size_t n = utf8_length(p + i, len - i);
		if (n == 0)
			break;
		memcpy(out, p + i, n);
		out += n;
		i += n;
	}
	*out_r = out;
	return i;
}

/* Escape p[i..end) (a UTF-8 sequence may run on to len) at *out; returns where it stopped. */
static size_t escape_piece(const unsigned char *p, size_t i, size_t end, size_t len, char **out_r)
{
#ifdef JSON_AVX512
	bool wide = rb_cpu_has(RB_CPU_AVX512);
#endif
	while (i < end) {
#ifdef JSON_AVX512
		if (wide) {
			size_t plain = plain_run_avx512(p + i, end - i, *out_r);
			*out_r += plain;
			i += plain;
		} else
#endif
			i = plain_run(p, i, end, out_r);
		if (i == end)
			break;
		if (p[i] >= 0x80) {
			size_t after = utf8_run(p, i, end, len, out_r);
			if (after != i) {
				i = after;
				continue;
			}
		}
		i = escape_one(p, i, len, out_r);
	}
	return i;
}

void rb_json_escape_into(struct rb_json_writer *w, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < len && !w->failed) {
		/* A piece at a time, with room for its worst case: every byte written as
		 * six ("\u00XX"), and a UTF-8 sequence that starts in it and ends past it. */
		size_t piece_end = len - i > JSON_ESCAPE_PIECE ? i + JSON_ESCAPE_PIECE : len;
		if (!reserve(w, (piece_end - i) * 6 + 8))
			return;
		char *out = w->buf + w->len;
		i = escape_piece(p, i, piece_end, len, &out);
		w->len = (size_t)(out - w->buf);
		w->buf[w->len] = '\0';
	}
}

static void quoted(struct rb_json_writer *w, const char *s, size_t len)
{
	if (len <= JSON_ESCAPE_PIECE) {
		/* Most strings: one reservation for the quotes and the worst case. */
		if (!reserve(w, len * 6 + 10))
			return;
		char *out = w->buf + w->len;
		*out++ = '"';
		escape_piece((const unsigned char *)s, 0, len, len, &out);
		*out++ = '"';
		w->len = (size_t)(out - w->buf);
		w->buf[w->len] = '\0';
		return;
	}
	put(w, "\"", 1);
	rb_json_escape_into(w, s, len);
	put(w, "\"", 1);
}

void rb_json_key(struct rb_json_writer *w, const char *key)
{
	uint64_t bit = w->depth > 0 ? UINT64_C(1) << (w->depth - 1) : 0;
	if (w->depth == 0 || !(w->in_object & bit) || w->after_key) {
		misuse(w);
		return;
	}
	bool comma = (w->has_items & bit) != 0;
	w->has_items |= bit;
	w->after_key = true;
	if (key == NULL)
		key = "";
	/* Keys are short names that need no escaping: copied as they are read, with no
	 * strlen() first (a record of a DMARC report has thirty). */
	if (reserve(w, JSON_PLAIN_KEY + 4)) {
		char *out = w->buf + w->len;
		if (comma)
			*out++ = ',';
		*out++ = '"';
		size_t i = 0;
		while (i < JSON_PLAIN_KEY && json_plain[(unsigned char)key[i]])
			*out++ = key[i++];
		if (key[i] == '\0') {
			*out++ = '"';
			*out++ = ':';
			w->len = (size_t)(out - w->buf);
			w->buf[w->len] = '\0';
			return;
		}
		/* Longer or not plain: written over below, escaped. */
	}
	size_t len = strlen(key);
	if (len > JSON_ESCAPE_PIECE) {
		if (comma)
			put(w, ",", 1);
		quoted(w, key, len);
		put(w, ":", 1);
		return;
	}
	/* Keys are short: the separator, the quoted key and the colon in one reservation. */
	if (!reserve(w, len * 6 + 8))
		return;
	char *out = w->buf + w->len;
	if (comma)
		*out++ = ',';
	*out++ = '"';
	escape_piece((const unsigned char *)key, 0, len, len, &out);
	*out++ = '"';
	*out++ = ':';
	w->len = (size_t)(out - w->buf);
	w->buf[w->len] = '\0';
}

void rb_json_append_raw(struct rb_json_writer *w, const char *s, size_t len)
{
	put(w, s, len);
}

/* Is key[0..len) plain (nothing to escape)? Then it is copied to out as it is. */
static bool copy_plain_key(const char *key, size_t len, char *out)
{
#ifdef JSON_AVX512
	if (rb_cpu_has(RB_CPU_AVX512)) /* checked and copied in one masked load and store */
		return plain_run_avx512((const unsigned char *)key, len, out) == len;
#endif
	bool plain = true;
	size_t i = 0;
	for (; plain && i + 8 <= len; i += 8) {
		uint64_t x;
		memcpy(&x, key + i, 8);
		plain = !word_needs_care(x);
	}
	for (; plain && i < len; i++)
		plain = json_plain[(unsigned char)key[i]];
	if (plain)
		memcpy(out, key, len);
	return plain;
}

void rb_json_append_key_n(struct rb_json_writer *w, const char *key, size_t len)
{
	/* Keys are short names that need no escaping: copied whole, quoted by hand. */
	if (len <= JSON_PLAIN_KEY && reserve(w, len + 4)) {
		char *out = w->buf + w->len;
		if (copy_plain_key(key, len, out + 2)) {
			out[0] = ',';
			out[1] = '"';
			out[2 + len] = '"';
			out[3 + len] = ':';
			w->len += len + 4;
			w->buf[w->len] = '\0';
			return;
		}
	}
	put(w, ",", 1);
	quoted(w, key, len);
	put(w, ":", 1);
}

void rb_json_append_key(struct rb_json_writer *w, const char *key)
{
	/* Keys are short names that need no escaping: copied as they are read. */
	if (reserve(w, JSON_PLAIN_KEY + 4)) {
		char *out = w->buf + w->len;
		*out++ = ',';
		*out++ = '"';
		size_t i = 0;
		while (i < JSON_PLAIN_KEY && json_plain[(unsigned char)key[i]])
			*out++ = key[i++];
		if (key[i] == '\0') {
			*out++ = '"';
			*out++ = ':';
			w->len = (size_t)(out - w->buf);
			w->buf[w->len] = '\0';
			return;
		}
	}
	/* Longer or not plain: escaped. */
	put(w, ",", 1);
	quoted(w, key, strlen(key));
	put(w, ":", 1);
}

void rb_json_str_value(struct rb_json_writer *w, const char *s, size_t len)
{
	quoted(w, s, len);
}

void rb_json_strn(struct rb_json_writer *w, const char *s, size_t len)
{
	before_value(w);
	if (s == NULL)
		len = 0;
	quoted(w, s ? s : "", len);
}

void rb_json_str(struct rb_json_writer *w, const char *s)
{
	rb_json_strn(w, s, s ? strlen(s) : 0);
}

void rb_json_int(struct rb_json_writer *w, int64_t v)
{
	/* Written from the right: snprintf cost twenty times as much (a count per record). */
	char digits[24];
	char *end = digits + sizeof(digits), *d = end;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	do {
		*--d = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--d = '-';
	before_value(w);
	put(w, d, (size_t)(end - d));
}

void rb_json_bool(struct rb_json_writer *w, bool v)
{
	before_value(w);
	put(w, v ? "true" : "false", v ? 4 : 5);
}

void rb_json_null(struct rb_json_writer *w)
{
	before_value(w);
	put(w, "null", 4);
}

void rb_json_value_of(struct rb_json_writer *w, const struct rb_json_writer *value)
{
	if (value->failed || value->depth != 0 || value->after_key || value->len == 0) {
		if (value->failed && !value->misused)
			w->failed = true;
		else
			misuse(w);
		return;
	}
	before_value(w);
	put(w, value->buf, value->len);
}

void rb_json_field_str(struct rb_json_writer *w, const char *key, const char *s)
{
	rb_json_key(w, key);
	rb_json_str(w, s);
}

void rb_json_field_int(struct rb_json_writer *w, const char *key, int64_t v)
{
	rb_json_key(w, key);
	rb_json_int(w, v);
}

void rb_json_truncate(struct rb_json_writer *w, size_t len)
{
	if (w->failed || len > w->len)
		return;
	w->len = len;
	w->buf[len] = '\0';
}

void rb_json_splice(struct rb_json_writer *w, size_t off, size_t old_len, const char *bytes,
		    size_t len)
{
	if (w->failed || off > w->len || old_len > w->len - off)
		return;
	if (len > old_len && !reserve(w, len - old_len))
		return;
	char *at = w->buf + off;
	if (len != old_len)
		memmove(at + len, at + old_len, w->len - off - old_len + 1); /* and the NUL */
	memcpy(at, bytes, len);
	w->len = w->len - old_len + len;
}

const char *rb_json_text(const struct rb_json_writer *w, size_t *len_r)
{
	bool empty = w->failed || w->buf == NULL;
	if (len_r != NULL)
		*len_r = empty ? 0 : w->len;
	return empty ? "" : w->buf;
}

enum rb_status rb_json_writer_check(const struct rb_json_writer *w, struct rb_error *err)
{
	if (w->misused)
		return rb_error_set(err, RB_ERR_INTERNAL,
				    "JSON written out of order (a value without a key, an unclosed "
				    "or unopened container, or nesting past %d levels)",
				    RB_JSON_MAX_DEPTH);
	if (w->failed)
		return rb_error_set(err, RB_ERR_NOMEM, "out of memory while writing JSON");
	return RB_OK;
}
