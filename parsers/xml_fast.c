/*
 * xml_fast.c - the strict reader of plain, well-formed XML (see xml_fast.h).
 *
 * Why not libxml2 all the way: its reader costs more than everything else in a DMARC
 * parse together, and reports are nearly always plain XML that a few hundred lines
 * read many times faster. libxml2 stays for all the rest: it takes over at the first
 * unit of the document this reader does not accept, so broken reports are read (and
 * complained about) exactly as before.
 *
 * The document is read in units: a text node (character data, references and CDATA
 * sections up to the next other markup), a start tag, an end tag, a comment, a
 * processing instruction, white space outside the root. A unit is checked whole in a
 * window of the input before anything of it reaches the handler; one that does not fit
 * in the window, or is cut by the end of input, is left to libxml2 as well.
 *
 * What is accepted is what libxml2 reads without a warning or an error: names in ASCII
 * with at most one prefix, declared; namespace names that are absolute URIs of plain
 * characters; no duplicate attributes; characters that XML allows (valid UTF-8, no
 * control characters, CR only before LF); only the predefined and character
 * references; no DOCTYPE; an XML declaration of version 1.0 in UTF-8.
 */
#include "parsers/xml_fast.h"

#include "parsers/xml_repair.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FAST_WINDOW    (256 * 1024) /* bytes of input in view; a larger unit goes to libxml2 */
#define FAST_MAX_DEPTH 128	    /* open elements tracked */
#define FAST_MAX_TAG   4096	    /* bytes of a start tag (kept to replay it) */
#define FAST_MAX_NAME  256	    /* bytes of a qualified name */
/* bytes of an element's qualified name: the mending decides on 64 bytes after a '<' */
#define FAST_MAX_ELEMENT_NAME 60
#define FAST_MAX_ATTRS	      32      /* attributes of one start tag */
#define FAST_MAX_NS	      256     /* namespace declarations in scope */
#define FAST_MAX_DECL	      256     /* bytes of the BOM and XML declaration */
#define FAST_PAD_CHUNK	      1000000 /* newlines per replayed comment (libxml2 caps one at 10 MB) */
#define FAST_MAX_SEGS	      (2 * FAST_MAX_DEPTH + 8) /* declaration, pads and tags, rest */

/* A unit was read (its length > 0), or: */
enum {
	UNIT_MORE = 0,	/* more input is needed to decide */
	UNIT_BAIL = -1, /* not for this reader: libxml2 takes over here */
	UNIT_STOP = -2, /* the handler asked to stop */
};

enum fast_state {
	IN_PROLOG,
	IN_CONTENT,
	IN_EPILOG,
};

struct open_element {
	/* Its start tag as written: in the window while it is there (copied to tags only
	 * before the window moves on: most elements close long before). */
	size_t tag_off, tag_len;
	bool in_window;
	size_t qname_len;
	unsigned long line; /* of its '<', once the tag is out of the window */
	unsigned ns_count;  /* namespace declarations it made */
};

struct ns_binding {
	size_t prefix_off, prefix_len; /* in nsbuf; length 0 for the default namespace */
	size_t uri_off;		       /* in nsbuf, NUL-terminated */
};

/* A piece of the resumed document: bytes, or a comment of `newlines` newlines. */
struct segment {
	const unsigned char *bytes;
	size_t len;
	unsigned long newlines;
};

struct rb_xml_fast {
	struct rb_reader *in;
	const struct rb_xml_names *names;
	const struct rb_xml_handler *h;
	unsigned char *win;
	size_t len, pos; /* bytes in the window; the first not read yet */
	bool eof;
	bool started; /* the BOM and declaration were looked for */
	enum fast_state state;
	/* Line of win[0]. Lines are counted only when the window moves on and at a
	 * handoff: counting them byte by byte while reading cost a tenth of the time. */
	unsigned long base_line;

	unsigned char decl[FAST_MAX_DECL]; /* the BOM and XML declaration as written */
	size_t decl_len;
	unsigned char root_tag[FAST_MAX_TAG + 2]; /* the root's start tag, then its end */
	size_t root_tag_len, root_qname_len;
	unsigned long root_line;
	bool root_empty;
	/* An end tag of the root's name was read (the root's own, or a nested element of
	 * the same name): the mending takes either for the root's end (xml_repair.c). */
	bool root_name_ended;

	struct open_element open[FAST_MAX_DEPTH];
	unsigned depth;
	unsigned char *tags;
	size_t tags_len, tags_cap;
	struct ns_binding ns[FAST_MAX_NS];
	unsigned ns_count;
	char *nsbuf;
	size_t nsbuf_len, nsbuf_cap;

	const unsigned char *looked_up; /* the start tag whose name ends_text() looked up */
	int looked_up_element;
	size_t looked_up_qname, looked_up_colon;
	const unsigned char *end_checked; /* the end tag whose name ends_text() compared */
	char text[RB_XML_TEXT_PREFIX];	  /* the text node being read: its first bytes */
	size_t text_len, text_total;
	bool nomem;

	struct segment segs[FAST_MAX_SEGS];
	size_t seg_count, seg_index, seg_off;
	unsigned char root_end[FAST_MAX_NAME + 4];
	unsigned replayed_starts;
	bool replayed_root_end;
	size_t units_left; /* before a handoff forced by a test */
};

struct rb_xml_fast *rb_xml_fast_new(struct rb_reader *in, const struct rb_xml_names *names,
				    const struct rb_xml_handler *handler)
{
	struct rb_xml_fast *f = calloc(1, sizeof(*f));
	if (f == NULL)
		return NULL;
	f->win = malloc(FAST_WINDOW);
	if (f->win == NULL) {
		free(f);
		return NULL;
	}
	f->in = in;
	f->names = names;
	f->h = handler;
	f->base_line = 1;
	f->units_left = SIZE_MAX;
	return f;
}

void rb_xml_fast_free(struct rb_xml_fast **fast)
{
	if (fast == NULL || *fast == NULL)
		return;
	free((*fast)->win);
	free((*fast)->tags);
	free((*fast)->nsbuf);
	free(*fast);
	*fast = NULL;
}

/* ---- characters ---- */

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

/* Bytes of ASCII names: 1 may be in a name, 2 may also start one ("A-Za-z_"). */
static const unsigned char name_byte[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,
    0, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 0, 0, 0, 0, 3,
    0, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

static inline bool is_name_start(unsigned char c)
{
	return name_byte[c] & 2;
}

static inline bool is_name_char(unsigned char c)
{
	return name_byte[c] & 1;
}

/* Code points XML allows as characters. */
static bool is_xml_char(uint32_t v)
{
	return v == 0x9 || v == 0xa || v == 0xd || (v >= 0x20 && v <= 0xd7ff) ||
	       (v >= 0xe000 && v <= 0xfffd) || (v >= 0x10000 && v <= 0x10ffff);
}

/*
 * The UTF-8 sequence at p (p[0] >= 0x80): its length, UNIT_MORE when it is cut by the
 * end of the window, UNIT_BAIL when it is not valid UTF-8 or not an XML character.
 */
static long utf8_char(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	size_t len = c >= 0xc2 && c <= 0xdf   ? 2
		     : c >= 0xe0 && c <= 0xef ? 3
		     : c >= 0xf0 && c <= 0xf4 ? 4
					      : 0;
	if (len == 0)
		return UNIT_BAIL;
	for (size_t i = 1; i < len; i++) {
		if (i == n)
			return UNIT_MORE;
		if ((p[i] & 0xc0) != 0x80)
			return UNIT_BAIL;
	}
	if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] >= 0xa0) || /* overlong, surrogate */
	    (c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] >= 0x90) ||
	    (c == 0xef && p[1] == 0xbf && p[2] >= 0xbe)) /* U+FFFE, U+FFFF */
		return UNIT_BAIL;
	return (long)len;
}

/*
 * One character of markup that is not text (comments, PIs, attribute values): its
 * length; CR is accepted only before LF.
 */
static long markup_char(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	if (c >= 0x20 && c < 0x80)
		return 1;
	if (c >= 0x80)
		return utf8_char(p, n);
	if (c == '\n' || c == '\t')
		return 1;
	if (c == '\r')
		return n < 2 ? UNIT_MORE : p[1] == '\n' ? 1 : UNIT_BAIL;
	return UNIT_BAIL;
}

/* White space at p: its length (0 when there is none), or UNIT_MORE / UNIT_BAIL. */
static long spaces(const unsigned char *p, size_t n)
{
	size_t i = 0;
	while (i < n && is_space(p[i])) {
		if (p[i] == '\r' && (i + 1 == n || p[i + 1] != '\n'))
			return i + 1 == n ? UNIT_MORE : UNIT_BAIL;
		i++;
	}
	return i == n ? UNIT_MORE : (long)i;
}

/* A qualified name at p: its length and the offset of its ':' (0 when none). */
static long qname(const unsigned char *p, size_t n, size_t *colon_r)
{
	size_t i = 1, colon = 0;
	if (n == 0)
		return UNIT_MORE;
	if (!is_name_start(p[0]))
		return UNIT_BAIL;
	for (;;) {
		while (i < n && is_name_char(p[i]))
			i++;
		if (i == n)
			return UNIT_MORE;
		if (p[i] != ':')
			break;
		if (colon != 0)
			return UNIT_BAIL; /* a second ':' */
		colon = i++;
		if (i == n)
			return UNIT_MORE;
		if (!is_name_start(p[i]))
			return UNIT_BAIL;
	}
	if (i > FAST_MAX_NAME)
		return UNIT_BAIL;
	*colon_r = colon;
	return (long)i;
}

static size_t utf8_encode(uint32_t v, unsigned char out[4])
{
	if (v < 0x80) {
		out[0] = (unsigned char)v;
		return 1;
	}
	if (v < 0x800) {
		out[0] = (unsigned char)(0xc0 | (v >> 6));
		out[1] = (unsigned char)(0x80 | (v & 0x3f));
		return 2;
	}
	if (v < 0x10000) {
		out[0] = (unsigned char)(0xe0 | (v >> 12));
		out[1] = (unsigned char)(0x80 | ((v >> 6) & 0x3f));
		out[2] = (unsigned char)(0x80 | (v & 0x3f));
		return 3;
	}
	out[0] = (unsigned char)(0xf0 | (v >> 18));
	out[1] = (unsigned char)(0x80 | ((v >> 12) & 0x3f));
	out[2] = (unsigned char)(0x80 | ((v >> 6) & 0x3f));
	out[3] = (unsigned char)(0x80 | (v & 0x3f));
	return 4;
}

/*
 * A predefined or character reference at p ('&'): its length, with the character in
 * out and whether it is white space. Any other reference is left to libxml2.
 */
static long reference(const unsigned char *p, size_t n, unsigned char out[4], size_t *out_len,
		      bool *blank)
{
	size_t end = 1;
	while (end < n && end < 12 && p[end] != ';')
		end++;
	if (end == n)
		return UNIT_MORE;
	if (p[end] != ';')
		return UNIT_BAIL;
	const unsigned char *name = p + 1;
	size_t len = end - 1;
	static const struct {
		const char *name;
		unsigned char value;
	} predefined[] = {{"lt", '<'}, {"gt", '>'}, {"amp", '&'}, {"quot", '"'}, {"apos", '\''}};
	for (size_t k = 0; k < sizeof(predefined) / sizeof(predefined[0]); k++) {
		if (strlen(predefined[k].name) == len &&
		    memcmp(predefined[k].name, name, len) == 0) {
			out[0] = predefined[k].value;
			*out_len = 1;
			*blank = false;
			return (long)end + 1;
		}
	}
	if (len < 2 || name[0] != '#')
		return UNIT_BAIL;
	bool hex = name[1] == 'x';
	size_t i = hex ? 2 : 1;
	if (i == len)
		return UNIT_BAIL;
	uint32_t v = 0;
	for (; i < len; i++) {
		unsigned char c = name[i];
		unsigned d = c >= '0' && c <= '9'	   ? (unsigned)(c - '0')
			     : hex && c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
			     : hex && c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
							   : 99u;
		if (d == 99u)
			return UNIT_BAIL;
		v = v * (hex ? 16 : 10) + d;
		if (v > 0x10ffff)
			return UNIT_BAIL;
	}
	if (!is_xml_char(v))
		return UNIT_BAIL;
	*out_len = utf8_encode(v, out);
	*blank = v == 0x20 || v == 0x9 || v == 0xa || v == 0xd;
	return (long)end + 1;
}

/* ---- text ---- */

static void text_add(struct rb_xml_fast *f, const void *bytes, size_t len)
{
	size_t room = sizeof(f->text) - f->text_len;
	memcpy(f->text + f->text_len, bytes, len < room ? len : room);
	f->text_len += len < room ? len : room;
	f->text_total += len;
}

/* A CDATA section at p, appended to the text node. */
static long cdata(struct rb_xml_fast *f, const unsigned char *p, size_t n, bool *blank)
{
	size_t i = 9; /* past "<![CDATA[" */
	for (;;) {
		if (i + 2 >= n)
			return UNIT_MORE;
		unsigned char c = p[i];
		if (c == ']' && p[i + 1] == ']' && p[i + 2] == '>')
			break;
		/* libxml2 keeps CR LF as it is inside CDATA (markup_char checks the LF). */
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			*blank = false;
		long l = markup_char(p + i, n - i);
		if (l <= 0)
			return l;
		i += (size_t)l;
	}
	text_add(f, p + 9, i - 9);
	return (long)i + 3;
}

/* How text_node() sees a byte: 1 needs a closer look, 2 is not white space, 4 is LF. */
static const unsigned char text_byte[256] = {
    3, 3, 3, 3, 3, 3, 3, 3, 3, 0, 4, 3, 3, 3, 3, 3, /* control characters, TAB, LF */
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 0, 2, 2, 2, 2, 2, 3, 2, 2, 2, 2, 2,
    2, 2, 2, 2,					    /* space, '&' */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 2, 2, /* '<' */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 3, 2, 2, /* ']' */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, /* 0x80 and on: UTF-8 */
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
};

/* Does "<![CDATA[" start at p? 1 yes, 0 no, -1 when too little is in view to tell. */
static int cdata_opens(const unsigned char *p, size_t n)
{
	static const char opener[] = "<![CDATA[";
	for (size_t k = 0; k < 9; k++) {
		if (k == n)
			return -1;
		if (p[k] != (unsigned char)opener[k])
			return 0;
	}
	return 1;
}

/* Newlines in len bytes: eight at a time, the exact zero-byte test on x ^ "\n\n..". */
static unsigned long count_newlines(const unsigned char *p, size_t len)
{
	const uint64_t low7 = UINT64_C(0x7f7f7f7f7f7f7f7f);
	unsigned long n = 0;
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t x;
		memcpy(&x, p + i, 8);
		x ^= UINT64_C(0x0a0a0a0a0a0a0a0a);
		uint64_t zero = ~(((x & low7) + low7) | x | low7); /* high bit of each 0 byte */
		/* One per newline in each byte, summed by a multiply (no popcount needed). */
		n += (unsigned long)((((zero >> 7) * UINT64_C(0x0101010101010101)) >> 56));
	}
	for (; i < len; i++)
		n += p[i] == '\n';
	return n;
}

/* The line of win[off]. */
static unsigned long line_at(const struct rb_xml_fast *f, size_t off)
{
	return f->base_line + count_newlines(f->win, off);
}

/* The line of an open element's '<'. */
static unsigned long line_of(const struct rb_xml_fast *f, const struct open_element *e)
{
	return e->in_window ? line_at(f, e->tag_off) : e->line;
}

/* The start tag of an open element, as written. */
static const unsigned char *tag_of(const struct rb_xml_fast *f, const struct open_element *e)
{
	return (e->in_window ? f->win : f->tags) + e->tag_off;
}

/* Bytes the mending reads as part of a name after '<' (it stops at no others). */
static bool is_mending_name_char(unsigned char c)
{
	return is_name_char(c) || c == ':' || c >= 0x80;
}

/*
 * Does the '<' at p end a text node, being markup to the mending (1), or is it text
 * (0)? -1 when too little is in view. The common cases are decided here, and the
 * element a start tag names is kept for start_tag(): a tag's name is looked up once.
 */
static int ends_text(struct rb_xml_fast *f, const unsigned char *p, size_t n)
{
	if (p[1] == '/' && f->depth > 0) {
		/* The end tag of the innermost element, as expected. */
		const struct open_element *e = &f->open[f->depth - 1];
		const unsigned char *name = tag_of(f, e) + 1;
		size_t ql = e->qname_len;
		if (n < ql + 3)
			return -1;
		if (memcmp(p + 2, name, ql) == 0 && !is_mending_name_char(p[2 + ql])) {
			f->end_checked = p;
			return 1;
		}
	} else if (p[1] != '/' && p[1] != '?') {
		size_t colon = 0;
		long q = qname(p + 1, n - 1, &colon);
		if (q == UNIT_MORE)
			return -1;
		if (q > 0 && !is_mending_name_char(p[1 + q])) {
			size_t local = colon ? colon + 1 : 0;
			int element = rb_xml_names_find(f->names, (const char *)p + 1 + local,
							(size_t)q - local);
			f->looked_up = p;
			f->looked_up_element = element;
			f->looked_up_qname = (size_t)q;
			f->looked_up_colon = colon;
			return element >= 0;
		}
	}
	return rb_xml_repair_markup(f->names, p, n, false);
}

/*
 * A text node at p: character data, references and CDATA sections up to the next other
 * markup (which must be in view: a node cut by the end of input is libxml2's). Most
 * nodes are bytes as written, handed over in place; the first reference, CDATA
 * section or CR LF starts a decoded copy.
 */
static long text_node(struct rb_xml_fast *f, const unsigned char *p, size_t n)
{
	size_t i = 0;
	bool blank = true, copied = false;
	f->text_len = 0;
	f->text_total = 0;
	for (;;) {
		size_t run = i;
		unsigned seen = 0;
		while (i < n) {
			unsigned b = text_byte[p[i]];
			if (b & 1)
				break;
			seen |= b;
			i++;
		}
		if (seen & 2)
			blank = false;
		if (copied && i > run)
			text_add(f, p + run, i - run);
		if (i == n)
			return UNIT_MORE;
		unsigned char c = p[i];
		long used;
		if (c == '<') {
			if (n - i < 2)
				return UNIT_MORE;
			int opens = p[i + 1] == '!' ? cdata_opens(p + i, n - i) : 0;
			if (opens < 0)
				return UNIT_MORE;
			if (opens == 0) {
				/* Other markup ends the node; a '<' the mending escapes is text. */
				int markup = ends_text(f, p + i, n - i);
				if (markup < 0)
					return UNIT_MORE;
				if (markup == 0)
					return UNIT_BAIL;
				break;
			}
			if (!copied) {
				text_add(f, p, i);
				copied = true;
			}
			used = cdata(f, p + i, n - i, &blank);
		} else if (c >= 0x80 || c == ']') {
			/* Kept as written: a UTF-8 sequence, a ']' that does not end "]]>". */
			if (c == ']') {
				if (n - i < 3)
					return UNIT_MORE;
				used = p[i + 1] == ']' && p[i + 2] == '>' ? UNIT_BAIL : 1;
			} else {
				used = utf8_char(p + i, n - i);
			}
			if (used > 0) {
				blank = false;
				if (copied)
					text_add(f, p + i, (size_t)used);
			}
		} else if (c == '&' || c == '\r') {
			unsigned char out[4];
			size_t out_len = 1;
			bool decoded_blank = true;
			if (c == '&') {
				used = reference(p + i, n - i, out, &out_len, &decoded_blank);
			} else if (n - i < 2) {
				used = UNIT_MORE;
			} else {
				used = p[i + 1] == '\n' ? 2 : UNIT_BAIL; /* CR LF is read as LF */
				out[0] = '\n';
			}
			if (used > 0) {
				if (!copied) {
					text_add(f, p, i);
					copied = true;
				}
				text_add(f, out, out_len);
				blank = blank && decoded_blank;
			}
		} else {
			return UNIT_BAIL; /* a control character */
		}
		if (used <= 0)
			return used;
		i += (size_t)used;
	}
	if (i == 0)
		return UNIT_BAIL; /* "<!" that opens neither a comment nor a CDATA section */
	if (!blank) {
		const char *text = copied ? f->text : (const char *)p;
		size_t total = copied ? f->text_total : i;
		size_t len = copied ? f->text_len : i < RB_XML_TEXT_PREFIX ? i : RB_XML_TEXT_PREFIX;
		if (!f->h->on_text(f->h->ctx, text, len, total))
			return UNIT_STOP;
	}
	return (long)i;
}

/* ---- markup other than elements ---- */

/* A comment at p ("<!--"). Content that starts with '-' or '>' is left to libxml2. */
static long comment(const unsigned char *p, size_t n)
{
	size_t i = 4;
	if (n <= i)
		return UNIT_MORE;
	if (p[i] == '-' || p[i] == '>')
		return UNIT_BAIL;
	for (;;) {
		if (i + 2 >= n)
			return UNIT_MORE;
		if (p[i] == '-' && p[i + 1] == '-') {
			if (p[i + 2] != '>')
				return UNIT_BAIL; /* "--" inside a comment */
			break;
		}
		long l = markup_char(p + i, n - i);
		if (l <= 0)
			return l;
		i += (size_t)l;
	}
	return (long)i + 3;
}

/* A processing instruction at p ("<?"); targets that start with "xml" are libxml2's. */
static long processing_instruction(const unsigned char *p, size_t n)
{
	size_t i = 2;
	if (i == n)
		return UNIT_MORE;
	if (!is_name_start(p[i]))
		return UNIT_BAIL;
	while (i < n && is_name_char(p[i]))
		i++;
	if (i == n)
		return UNIT_MORE;
	if (i - 2 >= 3 && (p[2] | 0x20) == 'x' && (p[3] | 0x20) == 'm' && (p[4] | 0x20) == 'l')
		return UNIT_BAIL;
	if (p[i] == '?') {
		if (i + 1 == n)
			return UNIT_MORE;
		return p[i + 1] == '>' ? (long)i + 2 : UNIT_BAIL;
	}
	if (!is_space(p[i]))
		return UNIT_BAIL;
	for (;;) {
		if (i + 1 >= n)
			return UNIT_MORE;
		if (p[i] == '?' && p[i + 1] == '>')
			break;
		long l = markup_char(p + i, n - i);
		if (l <= 0)
			return l;
		i += (size_t)l;
	}
	return (long)i + 2;
}

/* A cursor over a complete piece of markup (the XML declaration). */
struct cursor {
	const unsigned char *p;
	size_t i, n;
};

static size_t skip_spaces(struct cursor *c)
{
	size_t start = c->i;
	while (c->i < c->n && is_space(c->p[c->i]))
		c->i++;
	return c->i - start;
}

static bool take(struct cursor *c, const char *word)
{
	size_t l = strlen(word);
	if (c->n - c->i < l || memcmp(c->p + c->i, word, l) != 0)
		return false;
	c->i += l;
	return true;
}

/* name = "value" (or 'value'), with white space around the '='. */
static bool take_pseudo_attribute(struct cursor *c, const char *name, const unsigned char **value,
				  size_t *len)
{
	if (!take(c, name))
		return false;
	skip_spaces(c);
	if (!take(c, "="))
		return false;
	skip_spaces(c);
	if (c->i == c->n || (c->p[c->i] != '"' && c->p[c->i] != '\''))
		return false;
	unsigned char quote = c->p[c->i++];
	size_t start = c->i;
	while (c->i < c->n && c->p[c->i] != quote)
		c->i++;
	if (c->i == c->n)
		return false;
	*value = c->p + start;
	*len = c->i - start;
	c->i++;
	return true;
}

/* p equals word (lowercase) but for the case of letters. */
static bool equals_ci(const unsigned char *p, size_t n, const char *word)
{
	if (strlen(word) != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i] >= 'A' && p[i] <= 'Z' ? (unsigned char)(p[i] | 0x20) : p[i];
		if (c != (unsigned char)word[i])
			return false;
	}
	return true;
}

/*
 * The XML declaration at p ("<?xml" and white space): version 1.0, UTF-8 or no encoding,
 * any standalone; kept to start the resumed document with.
 */
static long declaration(struct rb_xml_fast *f, const unsigned char *p, size_t n)
{
	size_t end = 5;
	while (end + 1 < n && !(p[end] == '?' && p[end + 1] == '>')) {
		if (end + 2 >= FAST_MAX_DECL - f->decl_len)
			return UNIT_BAIL;
		long l = markup_char(p + end, n - end);
		if (l <= 0)
			return l;
		end += (size_t)l;
	}
	if (end + 1 >= n)
		return UNIT_MORE;
	struct cursor c = {p, 5, end};
	const unsigned char *v;
	size_t vl;
	if (skip_spaces(&c) == 0 || !take_pseudo_attribute(&c, "version", &v, &vl) || vl != 3 ||
	    memcmp(v, "1.0", 3) != 0)
		return UNIT_BAIL;
	size_t s = skip_spaces(&c);
	if (s > 0 && c.i < end && p[c.i] == 'e') {
		if (!take_pseudo_attribute(&c, "encoding", &v, &vl) ||
		    !(equals_ci(v, vl, "utf-8") || equals_ci(v, vl, "utf8")))
			return UNIT_BAIL;
		s = skip_spaces(&c);
	}
	if (s > 0 && c.i < end && p[c.i] == 's') {
		if (!take_pseudo_attribute(&c, "standalone", &v, &vl) ||
		    !((vl == 3 && memcmp(v, "yes", 3) == 0) ||
		      (vl == 2 && memcmp(v, "no", 2) == 0)))
			return UNIT_BAIL;
		skip_spaces(&c);
	}
	if (c.i != end)
		return UNIT_BAIL;
	memcpy(f->decl + f->decl_len, p, end + 2);
	f->decl_len += end + 2;
	return (long)end + 2;
}

/* ---- elements ---- */

struct attribute {
	size_t name, name_len, colon; /* offsets in the tag; colon 0 when unprefixed */
	size_t value, value_len;
	bool has_reference;
};

static bool same(const unsigned char *a, size_t al, const char *b)
{
	return al == strlen(b) && memcmp(a, b, al) == 0;
}

/* A namespace name that libxml2 takes without a word: an absolute URI of plain characters. */
static bool plain_absolute_uri(const unsigned char *v, size_t len)
{
	size_t i = 0;
	if (len == 0 || !((v[0] | 0x20) >= 'a' && (v[0] | 0x20) <= 'z'))
		return false;
	while (i < len && (is_name_char(v[i]) || v[i] == '+') && v[i] != '_')
		i++;
	if (i == len || v[i] != ':')
		return false;
	for (i++; i < len; i++)
		if (!(is_name_char(v[i]) || v[i] == ':' || v[i] == '/' || v[i] == '~'))
			return false;
	return !same(v, len, "http://www.w3.org/XML/1998/namespace") &&
	       !same(v, len, "http://www.w3.org/2000/xmlns/");
}

/* buf with room for need bytes (cap updated), or NULL (buf left as it was). */
static void *grow(void *buf, size_t *cap, size_t need)
{
	if (need <= *cap)
		return buf;
	size_t cap2 = *cap ? *cap : 4096;
	while (cap2 < need)
		cap2 *= 2;
	void *bigger = realloc(buf, cap2);
	if (bigger != NULL)
		*cap = cap2;
	return bigger;
}

static bool ns_push(struct rb_xml_fast *f, const unsigned char *prefix, size_t prefix_len,
		    const unsigned char *uri, size_t uri_len)
{
	if (f->ns_count == FAST_MAX_NS)
		return false;
	char *nsbuf = grow(f->nsbuf, &f->nsbuf_cap, f->nsbuf_len + prefix_len + uri_len + 2);
	if (nsbuf == NULL) {
		f->nomem = true;
		return false;
	}
	f->nsbuf = nsbuf;
	struct ns_binding *b = &f->ns[f->ns_count++];
	b->prefix_off = f->nsbuf_len;
	b->prefix_len = prefix_len;
	memcpy(f->nsbuf + f->nsbuf_len, prefix, prefix_len);
	f->nsbuf_len += prefix_len;
	f->nsbuf[f->nsbuf_len++] = '\0';
	b->uri_off = f->nsbuf_len;
	memcpy(f->nsbuf + f->nsbuf_len, uri, uri_len);
	f->nsbuf_len += uri_len;
	f->nsbuf[f->nsbuf_len++] = '\0';
	return true;
}

static void ns_pop_to(struct rb_xml_fast *f, unsigned count)
{
	if (count < f->ns_count) {
		f->nsbuf_len = f->ns[count].prefix_off;
		f->ns_count = count;
	}
}

/* The namespace bound to prefix (length 0: the default one); NULL when none is. */
static const char *ns_lookup(const struct rb_xml_fast *f, const unsigned char *prefix, size_t len)
{
	for (unsigned i = f->ns_count; i-- > 0;) {
		const struct ns_binding *b = &f->ns[i];
		if (b->prefix_len == len && memcmp(f->nsbuf + b->prefix_off, prefix, len) == 0)
			return f->nsbuf + b->uri_off;
	}
	return NULL;
}

/* The attributes' namespace declarations, pushed; false when libxml2 would complain. */
static bool declare_namespaces(struct rb_xml_fast *f, const unsigned char *p,
			       const struct attribute *at, unsigned count)
{
	unsigned first = f->ns_count;
	for (unsigned k = 0; k < count; k++) {
		const unsigned char *name = p + at[k].name, *value = p + at[k].value;
		const unsigned char *prefix;
		size_t prefix_len;
		if (at[k].colon == 0 && same(name, at[k].name_len, "xmlns")) {
			prefix = name;
			prefix_len = 0;
			if (at[k].value_len > 0 && !plain_absolute_uri(value, at[k].value_len))
				return false;
		} else if (at[k].colon == 5 && memcmp(name, "xmlns", 5) == 0) {
			prefix = name + 6;
			prefix_len = at[k].name_len - 6;
			if (same(prefix, prefix_len, "xml") || same(prefix, prefix_len, "xmlns") ||
			    !plain_absolute_uri(value, at[k].value_len))
				return false;
		} else {
			continue;
		}
		if (at[k].has_reference)
			return false;
		for (unsigned j = first; j < f->ns_count; j++)
			if (f->ns[j].prefix_len == prefix_len &&
			    memcmp(f->nsbuf + f->ns[j].prefix_off, prefix, prefix_len) == 0)
				return false; /* declared twice */
		if (!ns_push(f, prefix, prefix_len, value, at[k].value_len))
			return false;
	}
	return true;
}

static bool is_declaration(const unsigned char *p, const struct attribute *a)
{
	return (a->colon == 0 && same(p + a->name, a->name_len, "xmlns")) ||
	       (a->colon == 5 && memcmp(p + a->name, "xmlns", 5) == 0);
}

/* Prefixes declared, no attribute twice (not even under two prefixes of one namespace). */
static bool attributes_resolve(const struct rb_xml_fast *f, const unsigned char *p,
			       const struct attribute *at, unsigned count)
{
	for (unsigned k = 0; k < count; k++) {
		if (is_declaration(p, &at[k]))
			continue;
		const unsigned char *name = p + at[k].name;
		if (at[k].colon != 0 && !same(name, at[k].colon, "xml") &&
		    ns_lookup(f, name, at[k].colon) == NULL)
			return false;
		for (unsigned j = 0; j < k; j++) {
			if (is_declaration(p, &at[j]))
				continue;
			const unsigned char *other = p + at[j].name;
			if (at[j].name_len == at[k].name_len &&
			    memcmp(other, name, at[k].name_len) == 0)
				return false;
			if (at[j].colon != 0 && at[k].colon != 0 &&
			    at[j].name_len - at[j].colon == at[k].name_len - at[k].colon &&
			    memcmp(other + at[j].colon, name + at[k].colon,
				   at[k].name_len - at[k].colon) == 0)
				return false;
		}
	}
	return true;
}

/* An attribute value at p (after its quote) up to the closing quote. */
static long attribute_value(const unsigned char *p, size_t n, unsigned char quote,
			    bool *has_reference)
{
	size_t i = 0;
	for (;;) {
		if (i == n)
			return UNIT_MORE;
		unsigned char c = p[i];
		if (c == quote)
			return (long)i;
		if (c == '<')
			return UNIT_BAIL;
		long l;
		if (c == '&') {
			unsigned char out[4];
			size_t out_len;
			bool blank;
			l = reference(p + i, n - i, out, &out_len, &blank);
			*has_reference = true;
		} else {
			l = markup_char(p + i, n - i);
		}
		if (l <= 0)
			return l;
		i += (size_t)l;
	}
}

/* The attributes of a start tag from p + i: where the tag ends, and whether it is empty. */
static long attributes(const unsigned char *p, size_t n, size_t i, struct attribute *at,
		       unsigned *count, bool *empty)
{
	*count = 0;
	for (;;) {
		long s = spaces(p + i, n - i);
		if (s < 0)
			return s;
		i += (size_t)s;
		if (i > FAST_MAX_TAG)
			return UNIT_BAIL;
		if (p[i] == '>' || p[i] == '/') {
			if (p[i] == '/' && i + 1 == n)
				return UNIT_MORE;
			if (p[i] == '/' && p[i + 1] != '>')
				return UNIT_BAIL;
			*empty = p[i] == '/';
			return (long)i + (*empty ? 2 : 1);
		}
		if (s == 0 || *count == FAST_MAX_ATTRS)
			return UNIT_BAIL;
		struct attribute *a = &at[(*count)++];
		long q = qname(p + i, n - i, &a->colon);
		if (q <= 0)
			return q;
		a->name = i;
		a->name_len = (size_t)q;
		i += (size_t)q;
		s = spaces(p + i, n - i);
		if (s < 0)
			return s;
		i += (size_t)s;
		if (p[i++] != '=')
			return UNIT_BAIL;
		s = spaces(p + i, n - i);
		if (s < 0)
			return s;
		i += (size_t)s;
		if (p[i] != '"' && p[i] != '\'')
			return UNIT_BAIL;
		unsigned char quote = p[i++];
		a->value = i;
		a->has_reference = false;
		long v = attribute_value(p + i, n - i, quote, &a->has_reference);
		if (v < 0)
			return v;
		a->value_len = (size_t)v;
		i += (size_t)v + 1;
	}
}

static enum rb_xml_fast_result out_of_memory(struct rb_error *err)
{
	rb_error_set(err, RB_ERR_NOMEM, "out of memory reading XML");
	return RB_XML_FAST_FAILED;
}

/*
 * Before the window moves on: copy the start tags still in it out of it, with their
 * lines, and move the line count past the bytes let go. One pass over those bytes.
 */
static bool keep_tags(struct rb_xml_fast *f)
{
	unsigned long line = f->base_line;
	size_t counted = 0;
	for (unsigned k = 0; k < f->depth; k++) {
		struct open_element *e = &f->open[k];
		if (!e->in_window)
			continue;
		unsigned char *tags = grow(f->tags, &f->tags_cap, f->tags_len + e->tag_len);
		if (tags == NULL)
			return false;
		f->tags = tags;
		memcpy(f->tags + f->tags_len, f->win + e->tag_off, e->tag_len);
		line += count_newlines(f->win + counted, e->tag_off - counted);
		counted = e->tag_off;
		e->line = line;
		e->tag_off = f->tags_len;
		e->in_window = false;
		f->tags_len += e->tag_len;
	}
	f->base_line = line + count_newlines(f->win + counted, f->pos - counted);
	return true;
}

/* A start tag at p ('<' and a name). */
static long start_tag(struct rb_xml_fast *f, const unsigned char *p, size_t n)
{
	size_t colon = 0;
	bool looked_up = p == f->looked_up;
	long q = looked_up ? (long)f->looked_up_qname : qname(p + 1, n - 1, &colon);
	if (q <= 0)
		return q;
	if (looked_up)
		colon = f->looked_up_colon;
	size_t qname_len = (size_t)q;
	struct attribute at[FAST_MAX_ATTRS];
	unsigned count = 0;
	bool empty = false;
	long len = attributes(p, n, 1 + qname_len, at, &count, &empty);
	if (len <= 0)
		return len;
	if ((size_t)len > FAST_MAX_TAG || (!empty && f->depth == FAST_MAX_DEPTH))
		return UNIT_BAIL;
	/* The mending takes an empty root element for one never closed (and closes it). */
	if (empty && f->state == IN_PROLOG)
		return UNIT_BAIL;
	const unsigned char *name = p + 1, *local = name;
	size_t local_len = qname_len;
	if (colon != 0) {
		if (same(name, colon, "xml") || same(name, colon, "xmlns"))
			return UNIT_BAIL;
		local = name + colon + 1;
		local_len = qname_len - colon - 1;
	}
	/* A name outside the vocabulary is text to the mending ("&lt;name>"). */
	int element = looked_up ? f->looked_up_element
				: rb_xml_names_find(f->names, (const char *)local, local_len);
	f->looked_up = NULL;
	if (element < 0 || qname_len > FAST_MAX_ELEMENT_NAME)
		return UNIT_BAIL;
	unsigned ns_before = f->ns_count;
	const char *uri = NULL;
	if (declare_namespaces(f, p, at, count) && attributes_resolve(f, p, at, count)) {
		uri = ns_lookup(f, name, colon);
		if (uri == NULL && colon == 0)
			uri = "";
	}
	if (uri == NULL || f->nomem) {
		ns_pop_to(f, ns_before);
		return UNIT_BAIL;
	}
	if (f->state == IN_PROLOG) {
		memcpy(f->root_tag, p, (size_t)len);
		f->root_tag_len = (size_t)len;
		f->root_qname_len = qname_len;
		f->root_line = line_at(f, (size_t)(p - f->win));
		f->root_empty = empty;
		f->state = empty ? IN_EPILOG : IN_CONTENT;
	}
	if (!empty) {
		struct open_element *e = &f->open[f->depth++];
		e->tag_off = (size_t)(p - f->win);
		e->tag_len = (size_t)len;
		e->in_window = true;
		e->qname_len = qname_len;
		e->ns_count = f->ns_count - ns_before;
	}
	if (!f->h->on_start(f->h->ctx, (const char *)local, local_len, uri, element))
		return UNIT_STOP;
	if (empty) {
		ns_pop_to(f, ns_before);
		if (!f->h->on_end(f->h->ctx))
			return UNIT_STOP;
	}
	return len;
}

/* An end tag at p ("</"): it must close the innermost element. */
static long end_tag(struct rb_xml_fast *f, const unsigned char *p, size_t n)
{
	if (f->depth == 0)
		return UNIT_BAIL;
	const struct open_element *e = &f->open[f->depth - 1];
	size_t ql = e->qname_len, i = 2 + ql;
	if (n <= i)
		return UNIT_MORE;
	if (p != f->end_checked) {
		const unsigned char *name = tag_of(f, e) + 1;
		for (size_t k = 0; k < ql; k++)
			if (p[2 + k] != name[k])
				return UNIT_BAIL;
	}
	f->end_checked = NULL;
	long s = spaces(p + i, n - i);
	if (s < 0)
		return s;
	i += (size_t)s;
	if (p[i] != '>')
		return UNIT_BAIL;
	if (ql == f->root_qname_len && memcmp(tag_of(f, e) + 1, f->root_tag + 1, ql) == 0)
		f->root_name_ended = true;
	ns_pop_to(f, f->ns_count - e->ns_count);
	if (!e->in_window)
		f->tags_len = e->tag_off;
	f->depth--;
	if (f->depth == 0)
		f->state = IN_EPILOG;
	if (!f->h->on_end(f->h->ctx))
		return UNIT_STOP;
	return (long)i + 1;
}

/* ---- units ---- */

/* White space, comments and processing instructions around the root element. */
static long misc_unit(struct rb_xml_fast *f, const unsigned char *p, size_t n)
{
	if (is_space(p[0])) {
		size_t i = 0;
		while (i < n && is_space(p[i])) {
			if (p[i] == '\r' && (i + 1 == n || p[i + 1] != '\n'))
				break;
			i++;
		}
		if (i == 0)
			return n < 2 ? UNIT_MORE : UNIT_BAIL; /* a CR alone */
		return (long)i;
	}
	if (p[0] != '<')
		return UNIT_BAIL;
	if (n < 4)
		return UNIT_MORE;
	if (p[1] == '?')
		return processing_instruction(p, n);
	if (p[1] == '!')
		return p[2] == '-' && p[3] == '-' ? comment(p, n) : UNIT_BAIL;
	return f->state == IN_PROLOG ? start_tag(f, p, n) : UNIT_BAIL;
}

/* The BOM and the XML declaration, at the very start only. */
static long document_start(struct rb_xml_fast *f, const unsigned char *p, size_t n)
{
	static const unsigned char bom[] = {0xef, 0xbb, 0xbf};
	size_t i = 0;
	if (n < RB_XML_REPAIR_DECLARATION_BYTES && !f->eof)
		return UNIT_MORE;
	if (!rb_xml_repair_declares_utf8(p, n))
		return UNIT_BAIL; /* the mending would leave bytes that are not UTF-8 alone */
	if (n < 6)
		return UNIT_MORE;
	if (memcmp(p, bom, 3) == 0) {
		memcpy(f->decl, bom, 3);
		f->decl_len = 3;
		i = 3;
		if (n < i + 6)
			return UNIT_MORE;
	}
	if (memcmp(p + i, "<?xml", 5) == 0 && is_space(p[i + 5])) {
		long d = declaration(f, p + i, n - i);
		if (d <= 0) {
			f->decl_len = 0;
			return d;
		}
		i += (size_t)d;
	}
	f->started = true;
	return (long)i;
}

static long content_unit(struct rb_xml_fast *f, const unsigned char *p, size_t n)
{
	if (p[0] != '<')
		return text_node(f, p, n);
	if (n < 4)
		return UNIT_MORE;
	switch (p[1]) {
	case '/':
		return end_tag(f, p, n);
	case '?':
		return processing_instruction(p, n);
	case '!':
		if (p[2] == '-' && p[3] == '-')
			return comment(p, n);
		return p[2] == '[' ? text_node(f, p, n) : UNIT_BAIL;
	default:
		return start_tag(f, p, n);
	}
}

static long next_unit(struct rb_xml_fast *f, const unsigned char *p, size_t n)
{
	if (!f->started) {
		/* 0 is "more input" until it is started, and "nothing there" once it is. */
		long used = document_start(f, p, n);
		if (used != 0 || !f->started)
			return used;
	}
	return f->state == IN_CONTENT ? content_unit(f, p, n) : misc_unit(f, p, n);
}

/* ---- the resumed document ---- */

static void add_segment(struct rb_xml_fast *f, const unsigned char *bytes, size_t len,
			unsigned long newlines)
{
	if (f->seg_count < FAST_MAX_SEGS && (len > 0 || newlines > 0))
		f->segs[f->seg_count++] = (struct segment){bytes, len, newlines};
}

/* Comments of newlines up to line `to`. */
static void pad_to(struct rb_xml_fast *f, unsigned long *line, unsigned long to)
{
	if (*line < to) {
		add_segment(f, NULL, 0, to - *line);
		*line = to;
	}
}

/* Bytes of the comments that hold `newlines` newlines, FAST_PAD_CHUNK to a comment. */
static size_t pad_length(unsigned long newlines)
{
	size_t comments = (newlines + FAST_PAD_CHUNK - 1) / FAST_PAD_CHUNK;
	return newlines + comments * 7; /* "<!--" and "-->" */
}

/* Up to n bytes of those comments from offset at into out; how many were written. */
static size_t pad_bytes(unsigned long newlines, size_t at, unsigned char *out, size_t n)
{
	size_t per = FAST_PAD_CHUNK + 7, comment = at / per, in = at % per;
	size_t last = (newlines - 1) / FAST_PAD_CHUNK;
	size_t inside = comment < last ? FAST_PAD_CHUNK : newlines - last * FAST_PAD_CHUNK;
	size_t run;
	if (in < 4) {
		run = 4 - in < n ? 4 - in : n;
		memcpy(out, &"<!--"[in], run);
	} else if (in < 4 + inside) {
		run = 4 + inside - in < n ? 4 + inside - in : n;
		memset(out, '\n', run);
	} else {
		size_t k = in - 4 - inside;
		run = 3 - k < n ? 3 - k : n;
		memcpy(out, &"-->"[k], run);
	}
	return run;
}

/* A replayed piece of markup, on its line. */
static void replay(struct rb_xml_fast *f, unsigned long *line, unsigned long at,
		   const unsigned char *bytes, size_t len)
{
	pad_to(f, line, at);
	add_segment(f, bytes, len, 0);
	*line += count_newlines(bytes, len);
}

static enum rb_xml_fast_result handoff(struct rb_xml_fast *f)
{
	if (f->state == IN_PROLOG) {
		/* Nothing was handed on yet and the window still holds it all. */
		add_segment(f, f->win, f->len, 0);
		return RB_XML_FAST_HANDOFF;
	}
	unsigned long line = 1;
	replay(f, &line, 1, f->decl, f->decl_len);
	if (f->state == IN_CONTENT) {
		for (unsigned k = 0; k < f->depth; k++)
			replay(f, &line, line_of(f, &f->open[k]), tag_of(f, &f->open[k]),
			       f->open[k].tag_len);
		f->replayed_starts = f->depth;
	} else {
		replay(f, &line, f->root_line, f->root_tag, f->root_tag_len);
		f->replayed_starts = 1;
		if (!f->root_empty) {
			size_t l = 0;
			f->root_end[l++] = '<';
			f->root_end[l++] = '/';
			memcpy(f->root_end + l, f->root_tag + 1, f->root_qname_len);
			l += f->root_qname_len;
			f->root_end[l++] = '>';
			add_segment(f, f->root_end, l, 0);
			f->replayed_root_end = true;
		}
	}
	pad_to(f, &line, line_at(f, f->pos));
	add_segment(f, f->win + f->pos, f->len - f->pos, 0);
	return RB_XML_FAST_HANDOFF;
}

static enum rb_status resume_read(void *ctx, unsigned char *buf, size_t cap, size_t *got_r,
				  struct rb_error *err)
{
	struct rb_xml_fast *f = ctx;
	size_t o = 0;
	while (o < cap && f->seg_index < f->seg_count) {
		const struct segment *s = &f->segs[f->seg_index];
		size_t total = s->newlines > 0 ? pad_length(s->newlines) : s->len;
		size_t n = total - f->seg_off < cap - o ? total - f->seg_off : cap - o;
		if (s->newlines == 0) {
			memcpy(buf + o, s->bytes + f->seg_off, n);
		} else {
			n = pad_bytes(s->newlines, f->seg_off, buf + o, n);
		}
		o += n;
		f->seg_off += n;
		if (f->seg_off == total) {
			f->seg_index++;
			f->seg_off = 0;
		}
	}
	if (o > 0 || f->seg_index < f->seg_count) {
		*got_r = o;
		return RB_OK;
	}
	return f->in->read(f->in->ctx, buf, cap, got_r, err);
}

struct rb_reader rb_xml_fast_resume(struct rb_xml_fast *fast)
{
	return (struct rb_reader){resume_read, fast};
}

unsigned rb_xml_fast_replayed_starts(const struct rb_xml_fast *fast)
{
	return fast->replayed_starts;
}

bool rb_xml_fast_replayed_root_end(const struct rb_xml_fast *fast)
{
	return fast->replayed_root_end;
}

bool rb_xml_fast_root_name_ended(const struct rb_xml_fast *fast)
{
	return fast->root_name_ended;
}

/* ---- the loop ---- */

/* More input after what is in the window; false when the input failed. */
static bool fill(struct rb_xml_fast *f, struct rb_error *err)
{
	if (f->state != IN_PROLOG && f->pos > 0) {
		if (!keep_tags(f)) {
			f->nomem = true;
			return false;
		}
		f->looked_up = f->end_checked = NULL; /* they point into the window */
		memmove(f->win, f->win + f->pos, f->len - f->pos);
		f->len -= f->pos;
		f->pos = 0;
	}
	size_t got = 0;
	if (f->in->read(f->in->ctx, f->win + f->len, FAST_WINDOW - f->len, &got, err) != RB_OK)
		return false;
	f->len += got;
	f->eof = got == 0;
	return true;
}

void rb_xml_fast_handoff_after(struct rb_xml_fast *fast, size_t units)
{
	fast->units_left = units;
}

enum rb_xml_fast_result rb_xml_fast_run(struct rb_xml_fast *f, struct rb_error *err)
{
	for (;;) {
		if (f->units_left == 0)
			return handoff(f);
		size_t n = f->len - f->pos;
		long used = n > 0 ? next_unit(f, f->win + f->pos, n) : UNIT_MORE;
		if (used > 0) {
			f->pos += (size_t)used;
			f->units_left--; /* SIZE_MAX (no test limit) never runs out */
			continue;
		}
		if (f->nomem)
			return out_of_memory(err);
		if (used == UNIT_STOP)
			return RB_XML_FAST_DONE;
		if (used == UNIT_BAIL)
			return handoff(f);
		if (f->eof)
			return n == 0 && f->state == IN_EPILOG ? RB_XML_FAST_DONE : handoff(f);
		bool full = f->state == IN_PROLOG ? f->len == FAST_WINDOW : n == FAST_WINDOW;
		if (full)
			return handoff(f);
		if (!fill(f, err))
			return f->nomem ? out_of_memory(err) : RB_XML_FAST_FAILED;
	}
}
