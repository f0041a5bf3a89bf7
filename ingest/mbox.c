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
#define _GNU_SOURCE /* memmem, memrchr */
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

/* Whole lines of a stream, read in large blocks (getline per line cost more than the
 * parsing of some messages). A line longer than the block grows the buffer. */
struct line_reader {
	FILE *in;
	char *buf;
	size_t cap, start, end;
	bool eof;
};

/*
 * The next run of whole lines, up to and including the last newline read, into
 * region_r and len_r (at the end of input the last line may lack its newline); false
 * at the end.
 */
static bool next_lines(struct line_reader *r, const char **region_r, size_t *len_r,
		       bool *nomem_r)
{
	for (;;) {
		if (r->end > r->start) {
			char *last = memrchr(r->buf + r->start, '\n', r->end - r->start);
			if (last != NULL || r->eof) {
				size_t len = last ? (size_t)(last + 1 - (r->buf + r->start))
						  : r->end - r->start;
				*region_r = r->buf + r->start;
				*len_r = len;
				r->start += len;
				return true;
			}
		}
		if (r->eof)
			return false;
		/* Keep the partial line, make room, read more. */
		if (r->start > 0) {
			memmove(r->buf, r->buf + r->start, r->end - r->start);
			r->end -= r->start;
			r->start = 0;
		}
		if (r->end == r->cap) {
			size_t nc = r->cap ? r->cap * 2 : 1u << 20;
			char *nb = realloc(r->buf, nc);
			if (nb == NULL) {
				*nomem_r = true;
				return false;
			}
			r->buf = nb;
			r->cap = nc;
		}
		size_t got = fread(r->buf + r->end, 1, r->cap - r->end, r->in);
		r->end += got;
		if (got == 0)
			r->eof = true;
	}
}

struct mbox_split {
	struct mbox_buf b;
	const char *label, *kind;
	const struct rb_ingest_handler *handler;
	unsigned index;
	bool in_message;
};

/* Bytes of the current message; text before the first separator is a message too. */
static enum rb_status split_append(struct mbox_split *m, const char *from, const char *to,
				   struct rb_error *err)
{
	if (to <= from)
		return RB_OK;
	if (!m->in_message) {
		m->in_message = true;
		m->index++;
	}
	return buf_append(&m->b, from, (size_t)(to - from), m->handler->max_message_bytes, err);
}

/*
 * Whole lines [p, e): only lines that start with "From " (a separator) or with '>'s
 * and "From " (escaped) need anything done, and both contain "From ": the text is
 * searched for it, and what lies between is copied as it is.
 */
static enum rb_status split_lines(struct mbox_split *m, const char *p, const char *e,
				  struct rb_error *err)
{
	const char *copied = p, *s = p;
	enum rb_status st = RB_OK;
	while (st == RB_OK && s < e) {
		const char *q = memmem(s, (size_t)(e - s), "From ", 5);
		if (q == NULL)
			break;
		const char *line = q;
		while (line > p && line[-1] == '>')
			line--;
		if (line > p && line[-1] != '\n') {
			s = q + 1; /* "From " inside a line */
			continue;
		}
		const char *nl = memchr(q, '\n', (size_t)(e - q));
		const char *next = nl ? nl + 1 : e;
		st = split_append(m, copied, line, err);
		if (st != RB_OK)
			break;
		if (line == q) {
			/* A separator: the message so far is complete, the line is dropped. */
			if (m->in_message)
				st = deliver(&m->b, m->label, m->kind, m->index, m->handler);
			m->in_message = true;
			m->index++;
			copied = next;
		} else {
			copied = line + 1; /* ">From " loses one '>' (mboxrd) */
		}
		s = next;
	}
	if (st == RB_OK)
		st = split_append(m, copied, e, err);
	return st;
}

enum rb_status rb_ingest_mbox(FILE *in, const char *label, const char *kind,
			      const struct rb_ingest_handler *handler, struct rb_error *err)
{
	struct mbox_split m = {.label = label, .kind = kind, .handler = handler};
	struct line_reader r = {.in = in};
	const char *region;
	size_t n;
	bool nomem = false;
	enum rb_status st = RB_OK;
	while (st == RB_OK && next_lines(&r, &region, &n, &nomem))
		st = split_lines(&m, region, region + n, err);
	if (st == RB_OK && nomem)
		st = rb_error_set(err, RB_ERR_NOMEM, "%s: out of memory reading a line", label);
	if (st == RB_OK && ferror(in))
		st = rb_error_set(err, RB_ERR_IO, "%s: read failed: %s", label, strerror(errno));
	if (st == RB_OK && m.in_message)
		st = deliver(&m.b, label, kind, m.index, handler);
	free(r.buf);
	free(m.b.data);
	return st;
}
