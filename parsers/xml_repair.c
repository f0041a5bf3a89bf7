/*
 * xml_repair.c - mend bare '&' and '<' in a stream of XML, before libxml2 sees it.
 *
 * Why not only libxml2's recover mode: it repairs a bare '&' by dropping it, and
 * reads "<Corp>" inside a value as an element, which then swallows the rest of the
 * report. Senders of DMARC reports do both (an organization name "A & B <Corp>").
 *
 * The filter works on a window of the input: a '<' or '&' is decided only once
 * XML_REPAIR_LOOKAHEAD bytes after it are in the window (or the input ended), so a
 * decision never depends on where a read happened to stop. Memory: one 64 KiB
 * window. Each input byte becomes at most 5 output bytes ("&amp;").
 */
#include "parsers/xml_repair.h"

#include "parsers/xml_names.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define XML_REPAIR_WINDOW 65536
#define XML_REPAIR_LOOKAHEAD 64

enum repair_state {
	REPAIR_TEXT,
	REPAIR_CDATA,   /* until "]]>" */
	REPAIR_COMMENT, /* until "-->" */
	REPAIR_PI,      /* until "?>" */
};

struct rb_xml_repair {
	struct rb_reader *src;
	struct rb_xml_names elements;
	unsigned char in[XML_REPAIR_WINDOW];
	size_t len, pos;
	bool eof;
	enum repair_state state;
	size_t ampersands, brackets, latin1;
	bool checked_declaration;
	char root[64];      /* qualified name of the root element, "" until seen */
	size_t root_len;
	bool root_closed;   /* its end tag was seen */
	bool closed_by_us;  /* we appended the end tag at the end of input */
	bool utf8; /* the document is UTF-8: invalid bytes are mended */
};

struct rb_xml_repair *rb_xml_repair_new(struct rb_reader *src, const char *const *elements)
{
	struct rb_xml_repair *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->src = src;
	rb_xml_names_init(&r->elements, elements);
	r->utf8 = true;
	return r;
}

void rb_xml_repair_free(struct rb_xml_repair **repair)
{
	if (repair == NULL || *repair == NULL)
		return;
	free(*repair);
	*repair = NULL;
}

size_t rb_xml_repair_ampersands(const struct rb_xml_repair *repair)
{
	return repair->ampersands;
}

size_t rb_xml_repair_brackets(const struct rb_xml_repair *repair)
{
	return repair->brackets;
}

size_t rb_xml_repair_latin1(const struct rb_xml_repair *repair)
{
	return repair->latin1;
}

/* Length of the valid UTF-8 sequence at p, or 0 when it is not one. */
static size_t utf8_sequence(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	size_t len = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c <= 0xdf ? 2 : 0;
	if (len == 0 || (c >= 0xf5) || len > n)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	/* Overlong three-byte forms and surrogates are not valid either. */
	if (len == 3 && ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] >= 0xa0)))
		return 0;
	if (len == 4 && ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] >= 0x90)))
		return 0;
	return len;
}

void rb_xml_repair_set_utf8(struct rb_xml_repair *repair, bool utf8)
{
	repair->checked_declaration = true;
	repair->utf8 = utf8;
}

bool rb_xml_repair_declares_utf8(const unsigned char *head, size_t len)
{
	size_t n = len < RB_XML_REPAIR_DECLARATION_BYTES ? len : RB_XML_REPAIR_DECLARATION_BYTES;
	for (size_t i = 0; i + 10 < n; i++) {
		if (memcmp(head + i, "encoding=", 9) != 0)
			continue;
		const unsigned char *v = head + i + 10; /* past the quote */
		size_t left = n - i - 10;
		return left >= 5 && (strncasecmp((const char *)v, "utf-8", 5) == 0 ||
				     strncasecmp((const char *)v, "utf8", 4) == 0);
	}
	return true;
}

/* An encoding="..." other than UTF-8 in the declaration: libxml2 converts, we keep out. */
static void check_declaration(struct rb_xml_repair *r)
{
	r->checked_declaration = true;
	r->utf8 = rb_xml_repair_declares_utf8(r->in + r->pos, r->len - r->pos);
}

static enum rb_status refill(struct rb_xml_repair *r, struct rb_error *err)
{
	if (r->pos > 0) {
		memmove(r->in, r->in + r->pos, r->len - r->pos);
		r->len -= r->pos;
		r->pos = 0;
	}
	while (!r->eof && r->len < sizeof(r->in)) {
		size_t got = 0;
		enum rb_status st = r->src->read(r->src->ctx, r->in + r->len, sizeof(r->in) - r->len,
						 &got, err);
		if (st != RB_OK)
			return st;
		if (got == 0)
			r->eof = true;
		r->len += got;
		if (r->len - r->pos > XML_REPAIR_LOOKAHEAD)
			break;
	}
	return RB_OK;
}

static inline bool is_name_char(unsigned char c)
{
	/* Hot: called for every byte of every tag name. Bits of ASCII "-.0-9:A-Z_a-z";
	 * every byte from 0x80 on counts as a name byte. */
	static const uint64_t ascii[2] = {UINT64_C(0x07ff600000000000),
					  UINT64_C(0x07fffffe87fffffe)};
	return c >= 0x80 || ((ascii[c >> 6] >> (c & 63)) & 1);
}

/*
 * Where in a word of eight input bytes the first flagged one is (flags not 0: the
 * high bit of each byte that is '<', '&' or 8-bit, and of bytes above a match, as a
 * borrow runs upwards), or 8 when that cannot be told from the flags: on big-endian
 * machines the borrow runs towards earlier bytes, and the bytes are read one by one.
 */
static size_t first_flagged_byte(uint64_t flags)
{
	const union {
		uint16_t u;
		unsigned char c[2];
	} probe = {1};
	return probe.c[0] == 1 ? (size_t)__builtin_ctzll(flags) / 8 : 8;
}

/* "&name;", "&#123;" or "&#x1F;" at p (n bytes available). */
static bool is_reference(const unsigned char *p, size_t n)
{
	size_t i = 1;
	if (i < n && p[i] == '#') {
		i++;
		bool hex = i < n && (p[i] == 'x' || p[i] == 'X');
		if (hex)
			i++;
		size_t start = i;
		while (i < n && (hex ? isxdigit(p[i]) : isdigit(p[i])))
			i++;
		return i > start && i < n && p[i] == ';';
	}
	size_t start = i;
	while (i < n && i < 40 && (isalnum(p[i]) || p[i] == '_' || p[i] == '.' || p[i] == '-'))
		i++;
	return i > start && i < n && p[i] == ';';
}

int rb_xml_repair_markup(const struct rb_xml_names *elements, const unsigned char *p, size_t n,
			 bool complete)
{
	if (n < 2)
		return complete ? 0 : -1;
	if (p[1] == '!' || p[1] == '?')
		return 1;
	size_t i = p[1] == '/' ? 2 : 1;
	size_t start = i, local = i;
	/* The local part (after any "prefix:") is compared with the vocabulary. */
	for (; i < n && is_name_char(p[i]); i++)
		if (p[i] == ':')
			local = i + 1;
	if (i == n && !complete)
		return -1;
	if (i == start)
		return 0;
	return rb_xml_names_find(elements, (const char *)p + local, i - local) >= 0;
}

/* Does '<' at p start markup that we keep? (Decided on what is in the window.) */
static bool is_markup(const struct rb_xml_repair *r, const unsigned char *p, size_t n)
{
	return rb_xml_repair_markup(&r->elements, p, n, true) == 1;
}

/* Remember the root element's name and whether its end tag has been seen. */
static void note_element(struct rb_xml_repair *r, const unsigned char *p, size_t n)
{
	bool closing = p[1] == '/';
	if (r->root[0] != '\0') {
		/* Only the root's end tag matters now (names compared as far as kept). */
		size_t end = 2 + r->root_len;
		if (closing && end <= n && memcmp(p + 2, r->root, r->root_len) == 0 &&
		    (end == n || r->root_len == sizeof(r->root) - 1 || !is_name_char(p[end])))
			r->root_closed = true;
		return;
	}
	if (closing)
		return;
	size_t i = 1;
	while (i < n && is_name_char(p[i]) && i - 1 < sizeof(r->root) - 1)
		i++;
	memcpy(r->root, p + 1, i - 1);
	r->root[i - 1] = '\0';
	r->root_len = i - 1;
}

void rb_xml_repair_set_root_closed(struct rb_xml_repair *repair)
{
	repair->root_closed = true;
}

bool rb_xml_repair_closed_root(const struct rb_xml_repair *repair)
{
	return repair->closed_by_us;
}

static bool starts(const unsigned char *p, size_t n, const char *s)
{
	size_t l = strlen(s);
	return n >= l && memcmp(p, s, l) == 0;
}

enum rb_status rb_xml_repair_read(void *ctx, unsigned char *buf, size_t cap, size_t *got_r,
				  struct rb_error *err)
{
	struct rb_xml_repair *r = ctx;
	size_t o = 0;
	*got_r = 0;
	while (o + 5 <= cap) {
		if (r->len - r->pos <= XML_REPAIR_LOOKAHEAD && !r->eof) {
			enum rb_status st = refill(r, err);
			if (st != RB_OK)
				return st;
		}
		if (r->pos >= r->len) {
			/* Lenient: a report whose wrapper element never closes gets its end
			 * tag, or the reader drops the records it had buffered. */
			size_t rl = strlen(r->root);
			if (r->eof && rl > 0 && !r->root_closed && !r->closed_by_us && o + rl + 3 <= cap) {
				buf[o++] = '<';
				buf[o++] = '/';
				memcpy(buf + o, r->root, rl);
				o += rl;
				buf[o++] = '>';
				r->closed_by_us = true;
			}
			break;
		}
		if (!r->checked_declaration)
			check_declaration(r);
		const unsigned char *p = r->in + r->pos;
		size_t n = r->len - r->pos;
		if (r->state == REPAIR_TEXT) {
			/* Plain bytes (no markup, no reference, ASCII) go out as a run. */
			size_t run = 0, room = cap - o - 5, limit = n < room ? n : room;
			/* Eight bytes at a time while none is '<', '&' or 8-bit. */
			bool found = false;
			while (run + 8 <= limit) {
				uint64_t w, lt, amp;
				memcpy(&w, p + run, 8);
				lt = w ^ UINT64_C(0x3c3c3c3c3c3c3c3c);
				amp = w ^ UINT64_C(0x2626262626262626);
				uint64_t hit = (((lt - UINT64_C(0x0101010101010101)) & ~lt) |
						((amp - UINT64_C(0x0101010101010101)) & ~amp) | w) &
					       UINT64_C(0x8080808080808080);
				if (hit != 0) {
					size_t at = first_flagged_byte(hit);
					found = at < 8;
					run += found ? at : 0;
					break;
				}
				run += 8;
			}
			while (!found && run < limit && p[run] != '<' && p[run] != '&' &&
			       p[run] < 0x80)
				run++;
			if (run > 0) {
				memcpy(buf + o, p, run);
				o += run;
				r->pos += run;
				continue;
			}
		}
		unsigned char c = *p;
		if (c >= 0x80 && r->utf8) {
			size_t seq = utf8_sequence(p, n);
			if (seq > 0) {
				memcpy(buf + o, p, seq);
				o += seq;
				r->pos += seq;
			} else {
				/* Not UTF-8: read the byte as Latin-1, the usual culprit. */
				buf[o++] = (unsigned char)(0xc0 | (c >> 6));
				buf[o++] = (unsigned char)(0x80 | (c & 0x3f));
				r->pos++;
				r->latin1++;
			}
			continue;
		}
		if (r->state != REPAIR_TEXT) {
			const char *close = r->state == REPAIR_CDATA     ? "]]>"
					    : r->state == REPAIR_COMMENT ? "-->"
									 : "?>";
			if (starts(p, n, close)) {
				size_t l = strlen(close);
				memcpy(buf + o, p, l);
				o += l;
				r->pos += l;
				r->state = REPAIR_TEXT;
			} else {
				buf[o++] = c;
				r->pos++;
			}
			continue;
		}
		if (c == '<') {
			/* Most '<' open or close an element: test the rarer openers only on '!', '?'. */
			bool declaration_like = n >= 2 && (p[1] == '!' || p[1] == '?');
			if (declaration_like && starts(p, n, "<![CDATA[")) {
				r->state = REPAIR_CDATA;
				memcpy(buf + o, p, 1);
				o++;
				r->pos++;
				continue;
			}
			if (declaration_like && starts(p, n, "<!--"))
				r->state = REPAIR_COMMENT;
			else if (declaration_like && starts(p, n, "<?"))
				r->state = REPAIR_PI;
			bool markup = r->state != REPAIR_TEXT || is_markup(r, p, n);
			if (r->state == REPAIR_TEXT && markup && p[1] != '!' && p[1] != '?' &&
			    !r->root_closed)
				note_element(r, p, n);
			if (markup) {
				buf[o++] = c;
				r->pos++;
				if (r->state != REPAIR_TEXT) {
					/* Copy the opener so its own '-' or '?' cannot close it. */
					size_t l = r->state == REPAIR_COMMENT ? 3 : 1;
					memcpy(buf + o, p + 1, l);
					o += l;
					r->pos += l;
				}
				continue;
			}
			memcpy(buf + o, "&lt;", 4);
			o += 4;
			r->pos++;
			r->brackets++;
			continue;
		}
		if (c == '&' && !is_reference(p, n)) {
			memcpy(buf + o, "&amp;", 5);
			o += 5;
			r->pos++;
			r->ampersands++;
			continue;
		}
		buf[o++] = c;
		r->pos++;
	}
	*got_r = o;
	return RB_OK;
}
