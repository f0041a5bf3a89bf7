/*
 * text.h - small string tools shared by the parsers. Pure, no allocation except
 * where an arena is passed. Inputs are NUL-terminated UTF-8 with LF line endings
 * (mime.c normalizes every text it hands out).
 */
#ifndef REBOUND_CORE_TEXT_H
#define REBOUND_CORE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "arena.h"

/* Iterate lines: *cursor advances past the LF. Returns false at the end. */
bool rb_text_next_line(const char **cursor, const char **line_r, size_t *len_r);

/* Case-insensitive search of needle (m bytes) in haystack[0..n); NULL when absent. */
const char *rb_text_find_ci_len(const char *haystack, size_t n, const char *needle, size_t m);
/* Case-insensitive search in a NUL-terminated haystack; NULL when absent. (Inline so that
 * a literal needle's length is the compiler's to work out.) */
static inline const char *rb_text_find_ci(const char *haystack, const char *needle)
{
	if (haystack == NULL || needle == NULL)
		return NULL;
	return rb_text_find_ci_len(haystack, strlen(haystack), needle, strlen(needle));
}
/* Case-insensitive search limited to the first n bytes of haystack. */
const char *rb_text_find_ci_n(const char *haystack, size_t n, const char *needle);
bool rb_text_starts_with_ci(const char *s, const char *prefix);
/*
 * memmem, faster on the short needles a parser looks for (phrases, MIME boundaries):
 * sixteen candidate positions at a time are those where the needle's first and last
 * bytes both match, and only those are compared whole. The work stays linear in n:
 * past a budget of failed comparisons (a hostile "aaaa..." text) the rest is left to
 * the C library's memmem, whose two-way search is linear whatever the input.
 */
const char *rb_text_memmem(const char *haystack, size_t n, const char *needle, size_t m);
/* The same for a needle of m >= 2 bytes whose bytes at offsets a0 < a1 < m are the
 * rarest (the candidates tested whole are the positions where those two agree). */
const char *rb_text_memmem_anchored(const char *haystack, size_t n, const char *needle, size_t m,
				    size_t a0, size_t a1);

/*
 * Search an already (ASCII-)lowercased haystack for a needle of any case: one
 * lowercase pass per text, then the C library's fast strstr (rb_text_memmem for the
 * _n form, over n bytes) for every needle. Needles longer than RB_TEXT_NEEDLE_MAX bytes are
 * searched case-insensitively instead, more slowly.
 */
#define RB_TEXT_NEEDLE_MAX 255
const char *rb_text_find_lower(const char *lower_haystack, const char *needle);
const char *rb_text_find_lower_n(const char *lower_haystack, size_t n, const char *needle);
bool rb_text_equal_ci(const char *a, const char *b);

/* "<id@host>" (or " id@host ") -> "id@host": the first <...>, else the trimmed text. */
char *rb_text_strip_angle(struct rb_arena *arena, const char *s);

/* Trimmed (ASCII white space), lowercased, whitespace-collapsed arena copies. */
char *rb_text_trim(struct rb_arena *arena, const char *s, size_t len);
char *rb_text_lower(struct rb_arena *arena, const char *s);
char *rb_text_squeeze(struct rb_arena *arena, const char *s);
/* The same for the n bytes at s (s need not be NUL-terminated). */
char *rb_text_squeezen(struct rb_arena *arena, const char *s, size_t n);

/*
 * The first RFC 3463 enhanced status code ("5.1.1") in s, copied to out (16 bytes).
 * Only class 2, 4 or 5, subject 0-7; each part bounded (1-3 digits). False if none.
 */
bool rb_text_find_status(const char *s, char out[16]);
/* The first SMTP reply code (2xx, 4xx or 5xx as a whole word) in s; 0 if none. */
int rb_text_find_reply_code(const char *s);

/*
 * The first e-mail address in s ("<a@b>", "rfc822; a@b", or a bare a@b), as an arena
 * copy with <> and quotes removed; NULL when none.
 */
char *rb_text_find_address(struct rb_arena *arena, const char *s);
/* The byte classes it reads addresses by (exposed for tests). */
bool rb_text_is_local_char(unsigned char c);
bool rb_text_is_domain_char(unsigned char c);

/*
 * The byte pairs that occur in a text, each byte cut to six bits (rb_pairs_cut; a
 * table of 4,096 bytes, one per cut pair, nonzero when it occurs). A needle one of whose cut
 * pairs is missing cannot occur: most of the phrases searched per message are
 * dismissed by a few lookups, before any substring search. Cutting keeps the table
 * small enough to clear per message and to stay in the first-level cache; pairs that
 * share a cut only let more needles through to the search, which decides.
 */
#define RB_PAIRS_BYTES 4096
void rb_pairs_of(unsigned char table[RB_PAIRS_BYTES], const char *text, size_t len);
/* Both at once: text ASCII-lowercased into lower (len bytes and a NUL), and the pairs of
 * that lowercased text into table (one pass where rb_text_lower and rb_pairs_of take two). */
void rb_pairs_of_lowering(unsigned char table[RB_PAIRS_BYTES], char *lower, const char *text,
			  size_t len);
/* A byte's six bits in a pair's index: a lowercase letter keeps its low six (33 to
 * 58), any other byte its low five (0 to 31), so that no letter shares a cut with a
 * digit or punctuation (by their low six bits, '.' was 'n' and "5." was "un"). */
static inline unsigned rb_pairs_cut(unsigned char c)
{
	return (unsigned)c - 'a' < 26u ? (unsigned)(c & 63) : (unsigned)(c & 31);
}
/* Where rb_pairs_of records the pair (a, b). */
static inline unsigned rb_pairs_index(unsigned char a, unsigned char b)
{
	return rb_pairs_cut(a) << 6 | rb_pairs_cut(b);
}
/*
 * May needle (compared ASCII-lowercased when fold is set) occur in the text? Inline:
 * it runs for each of many phrases per message and mostly fails at once.
 */
static inline bool rb_pairs_may_contain(const unsigned char table[RB_PAIRS_BYTES],
					const char *needle, bool fold)
{
	for (size_t i = 0; needle[i] != '\0' && needle[i + 1] != '\0'; i++) {
		unsigned char a = (unsigned char)needle[i], b = (unsigned char)needle[i + 1];
		if (fold) {
			a |= (unsigned char)(((unsigned)a - 'A' < 26u) << 5);
			b |= (unsigned char)(((unsigned)b - 'A' < 26u) << 5);
		}
		if (table[rb_pairs_index(a, b)] == 0)
			return false;
	}
	return true;
}
/*
 * A text lowercased (ASCII) once, for the several phrase searches that judge the same
 * words (a diagnostic: its SMTP command, its reason). Worked out on first use:
 * rb_lowered_init records the text, rb_lowered_get lowers it.
 */
struct rb_lowered {
	const char *text;  /* as given */
	bool ready;
	const char *lower; /* text, ASCII letters lowercased; NUL-terminated */
	size_t len;
};
void rb_lowered_init(struct rb_lowered *t, const char *text);
/* t, lowered (into arena); on out of memory, as the empty text. */
const struct rb_lowered *rb_lowered_get(struct rb_lowered *t, struct rb_arena *arena);

/*
 * The address of a header value: the one in <angle brackets> when there is one
 * ("kijitora@example.com <neko@example.net>" is neko's: the first is a display
 * name), else the first found. NULL when none.
 */
char *rb_text_header_address(struct rb_arena *arena, const char *value);
/* Normalize an address: strip <>, spaces, "rfc822;" prefix; lowercase the domain. */
char *rb_text_address_normalize(struct rb_arena *arena, const char *s);

/* "Name: value" fields of one block (continuation lines joined with a space). */
struct rb_field {
	const char *name;   /* as written */
	const char *value;  /* trimmed, unfolded */
	size_t name_len;    /* strlen(name) */
};
/* Is the field named name (len bytes, ASCII case-insensitively)? Lengths first. */
static inline bool rb_field_is(const struct rb_field *f, const char *name, size_t len)
{
	if (f->name_len != len)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char a = (unsigned char)f->name[i], b = (unsigned char)name[i];
		if (a != b && ((a | 0x20) != (b | 0x20) || (unsigned)((a | 0x20) - 'a') >= 26u))
			return false;
	}
	return true;
}
struct rb_field_block {
	struct rb_field *fields;
	size_t count;
};
/*
 * Split text into blocks at blank lines and parse each block's fields. Lines that
 * are not fields are skipped (lenient for broken senders). Returns the number of
 * blocks (0 when none), with *blocks_r in the arena.
 */
size_t rb_fields_parse(struct rb_arena *arena, const char *text, struct rb_field_block **blocks_r);
/* The value of the first field with this name (case-insensitive) in a block; NULL if absent. */
const char *rb_field_get(const struct rb_field_block *block, const char *name);

#endif
