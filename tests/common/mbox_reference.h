/*
 * mbox_reference.h - the mbox rules written plainly, line by line, for the unit test
 * and the fuzz target of ingest/mbox.c to compare its split against. Messages are
 * compared as digests: length handed over, full length, a hash of the bytes.
 */
#ifndef REBOUND_TESTS_MBOX_REFERENCE_H
#define REBOUND_TESTS_MBOX_REFERENCE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Each message as its length, its full length and a hash of its bytes. */
struct digest_list {
	size_t count, cap;
	struct {
		size_t len, full_len;
		uint64_t hash;
	} *items;
};

static inline uint64_t fnv1a(const unsigned char *p, size_t n)
{
	uint64_t h = UINT64_C(14695981039346656037);
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * UINT64_C(1099511628211);
	return h;
}

static inline void digest_add(struct digest_list *d, const unsigned char *data, size_t len,
			      size_t full_len)
{
	if (d->count == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->items = realloc(d->items, d->cap * sizeof(*d->items));
		if (d->items == NULL)
			abort();
	}
	d->items[d->count].len = len;
	d->items[d->count].full_len = full_len;
	d->items[d->count].hash = fnv1a(data, len);
	d->count++;
}

/*
 * The mbox rules line by line, as written in RFC 4155 and mbox.c's comment: "From "
 * at a line's start separates (the line is dropped), ">From " lines lose one '>',
 * text before the first separator is a message, a message is cut at max bytes.
 */
static inline void reference_split(const char *text, size_t n, size_t max, struct digest_list *d)
{
	unsigned char *msg = malloc(n + 1);
	size_t len = 0, full = 0;
	bool in_message = false;
	for (size_t i = 0; i < n;) {
		const char *nl = memchr(text + i, '\n', n - i);
		size_t line_len = nl ? (size_t)(nl - (text + i)) + 1 : n - i;
		const char *line = text + i;
		i += line_len;
		if (line_len >= 5 && memcmp(line, "From ", 5) == 0) {
			if (in_message)
				digest_add(d, msg, len, full);
			in_message = true;
			len = full = 0;
			continue;
		}
		in_message = true;
		size_t k = 0;
		while (k < line_len && line[k] == '>')
			k++;
		if (k > 0 && line_len - k >= 5 && memcmp(line + k, "From ", 5) == 0) {
			line++;
			line_len--;
		}
		full += line_len;
		size_t room = len < max ? max - len : 0;
		size_t take = line_len < room ? line_len : room;
		memcpy(msg + len, line, take);
		len += take;
	}
	if (in_message)
		digest_add(d, msg, len, full);
	free(msg);
}


static inline void digest_list_free(struct digest_list *d)
{
	free(d->items);
	d->items = NULL;
	d->count = d->cap = 0;
}

/* Do two splits agree message for message? */
static inline bool digest_lists_equal(const struct digest_list *a, const struct digest_list *b)
{
	if (a->count != b->count)
		return false;
	for (size_t i = 0; i < a->count; i++)
		if (a->items[i].len != b->items[i].len ||
		    a->items[i].full_len != b->items[i].full_len ||
		    a->items[i].hash != b->items[i].hash)
			return false;
	return true;
}

#endif
