/*
 * mbox.c - split an mbox file into messages.
 *
 * Format: RFC 4155. A message starts at a line beginning "From " (the separator is
 * not part of the message); ">From " lines (any number of '>') are unescaped by one
 * '>' as mboxrd writers escape them, which is harmless for mboxo files.
 *
 * Limits: a message longer than max_message_bytes is not kept whole: its first
 * max_message_bytes are handed over with its full length, so the caller records an
 * error; memory stays bounded by that limit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/files.h"

struct mbox_buf {
	unsigned char *data;
	size_t len, cap, full_len;
};

static enum rb_status buf_append(struct mbox_buf *b, const char *s, size_t n, size_t max,
				 struct rb_error *err)
{
	b->full_len += n;
	if (b->len >= max)
		return RB_OK;
	if (b->len + n > max)
		n = max - b->len;
	if (b->len + n > b->cap) {
		size_t nc = b->cap ? b->cap * 2 : 65536;
		while (nc < b->len + n)
			nc *= 2;
		unsigned char *nd = realloc(b->data, nc);
		if (nd == NULL)
			return rb_error_set(err, RB_ERR_NOMEM, "out of memory reading an mbox");
		b->data = nd;
		b->cap = nc;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	return RB_OK;
}

static enum rb_status deliver(struct mbox_buf *b, const char *label, const char *kind,
			      unsigned index, const struct rb_ingest_handler *h)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s#%u", label, index);
	struct rb_source src = {.kind = kind, .path = path};
	enum rb_status st =
		h->on_message(h->ctx, b->data ? b->data : (const unsigned char *)"", b->len,
			      b->full_len, &src);
	b->len = 0;
	b->full_len = 0;
	return st;
}

static bool is_escaped_from(const char *line, size_t n)
{
	size_t i = 0;
	while (i < n && line[i] == '>')
		i++;
	return i > 0 && n - i >= 5 && memcmp(line + i, "From ", 5) == 0;
}

enum rb_status rb_ingest_mbox(FILE *in, const char *label, const char *kind,
			      const struct rb_ingest_handler *handler, struct rb_error *err)
{
	struct mbox_buf b = {0};
	char *line = NULL;
	size_t line_cap = 0;
	ssize_t n;
	unsigned index = 0;
	bool in_message = false;
	enum rb_status st = RB_OK;
	size_t max = handler->max_message_bytes;

	while (st == RB_OK && (n = getline(&line, &line_cap, in)) > 0) {
		if ((size_t)n >= 5 && memcmp(line, "From ", 5) == 0) {
			if (in_message)
				st = deliver(&b, label, kind, index, handler);
			in_message = true;
			index++;
			continue;
		}
		if (!in_message) {
			/* Text before the first separator: keep it as a message of its own. */
			in_message = true;
			index++;
		}
		if (is_escaped_from(line, (size_t)n))
			st = buf_append(&b, line + 1, (size_t)n - 1, max, err);
		else
			st = buf_append(&b, line, (size_t)n, max, err);
	}
	if (st == RB_OK && ferror(in))
		st = rb_error_set(err, RB_ERR_IO, "%s: read failed: %s", label, strerror(errno));
	if (st == RB_OK && in_message)
		st = deliver(&b, label, kind, index, handler);
	free(line);
	free(b.data);
	return st;
}
