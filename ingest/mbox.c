/*
 * mbox.c - split an mbox file into messages.
 *
 * Format: RFC 4155. A message starts at a line beginning "From " (the separator is
 * not part of the message); ">From " lines (any number of '>') are unescaped by one
 * '>' as mboxrd writers escape them, which is harmless for mboxo files.
 *
 * Messages that lie whole in the read block are handed over in batches, hashed
 * together first (rb_sha256_hex_many: sixteen at a time where the CPU can) and the
 * hash given in each source; the order of messages is kept.
 *
 * Limits: a message longer than max_message_bytes is not kept whole: its first
 * max_message_bytes are handed over with its full length, so the caller records an
 * error; memory stays bounded by that limit. MBOX_BATCH messages at most wait for
 * their batch, and a batch holds copies of at most MBOX_COPIES_MAX bytes (or one
 * message, however large).
 */
#define _GNU_SOURCE /* memrchr */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/cpu.h"
#include "core/sha256.h"
#include "ingest/files.h"

#define MBOX_BATCH 256
#define MBOX_COPIES_MAX (4u << 20) /* bytes of copied messages a batch holds */

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

/*
 * Most messages are handed over where they lie in the read block, without a copy:
 * a message's lines stay "pending" ([pin, start) of the block) until it ends. They
 * are copied into the message buffer only when they cannot stay: before an escaped
 * line (which loses a '>'), or before the block is compacted to read more.
 */
/* A message read whole, waiting for its batch: where it lies in the read block, or in
 * the batch's own copies when it could not stay there (an escaped line, a refill). */
struct waiting_message {
	size_t off, len, full_len;
	unsigned index;
	bool copied;
};

struct line_reader {
	FILE *in;
	char *buf;
	size_t cap, start, end;
	bool eof;
	size_t pin;           /* where the pending lines start; NO_PIN when none */
	struct mbox_buf *msg; /* where pending lines go when they cannot stay */
	size_t max;           /* max_message_bytes */
	size_t block;         /* the first block's size; a longer line doubles it */
	const struct rb_ingest_handler *handler;
	const char *label, *kind;
	/* Messages waiting for their batch: handed over before buf moves. */
	struct waiting_message waiting[MBOX_BATCH];
	size_t waiting_count;
	struct mbox_buf copies; /* the copied ones, one after another */
};

#define NO_PIN ((size_t)-1)

/* Copy the pending lines into the message buffer; nothing is pending after. */
static enum rb_status spill_pending(struct line_reader *r, struct rb_error *err)
{
	enum rb_status st = RB_OK;
	if (r->pin != NO_PIN && r->start > r->pin)
		st = buf_append(r->msg, r->buf + r->pin, r->start - r->pin, r->max, err);
	r->pin = NO_PIN;
	return st;
}

/* One message to the handler; sha256 is its hash in hex, or NULL to have it made. */
static enum rb_status hand_over(struct line_reader *r, const unsigned char *data, size_t len,
				size_t full_len, unsigned index, const char *sha256)
{
	/* "label#N", written by hand: snprintf per message was most of a split. */
	char path[4096];
	char digits[12];
	size_t d = 0;
	do {
		digits[d++] = (char)('0' + index % 10);
		index /= 10;
	} while (index != 0);
	size_t label_len = strnlen(r->label, sizeof(path) - sizeof(digits) - 2);
	memcpy(path, r->label, label_len);
	size_t n = label_len;
	path[n++] = '#';
	while (d > 0)
		path[n++] = digits[--d];
	path[n] = '\0';
	struct rb_source src = {.kind = r->kind, .path = path, .sha256 = sha256};
	return r->handler->on_message(r->handler->ctx, data, len, full_len, &src);
}

/* The waiting messages, hashed together, to the handler in order. */
static enum rb_status hand_over_waiting(struct line_reader *r)
{
	size_t n = r->waiting_count;
	r->waiting_count = 0;
	if (n == 0)
		return RB_OK;
	const unsigned char *data[MBOX_BATCH];
	size_t len[MBOX_BATCH];
	char hex[MBOX_BATCH][65];
	for (size_t i = 0; i < n; i++) {
		const unsigned char *base =
		    r->waiting[i].copied ? r->copies.data : (const unsigned char *)r->buf;
		data[i] = base ? base + r->waiting[i].off : (const unsigned char *)"";
		len[i] = r->waiting[i].len;
	}
	rb_sha256_hex_many(n, data, len, hex);
	for (size_t i = 0; i < n; i++) {
		enum rb_status st =
		    hand_over(r, data[i], len[i], r->waiting[i].full_len, r->waiting[i].index, hex[i]);
		if (st != RB_OK)
			return st;
	}
	r->copies.len = 0;
	r->copies.full_len = 0;
	return RB_OK;
}

static enum rb_status deliver(struct line_reader *r, struct mbox_buf *b, unsigned index,
			      size_t line_len, struct rb_error *err)
{
	/* The pending lines end before the line just read (a separator or the end). */
	size_t pending_end = r->start - line_len;
	enum rb_status st = r->waiting_count == MBOX_BATCH ? hand_over_waiting(r) : RB_OK;
	if (st != RB_OK)
		return st;
	struct waiting_message *m = &r->waiting[r->waiting_count];
	if (b->full_len == 0 && r->pin != NO_PIN) {
		/* Nothing copied yet: the message waits where it lies. */
		size_t n = pending_end - r->pin;
		*m = (struct waiting_message){
		    .off = r->pin, .len = n < r->max ? n : r->max, .full_len = n, .index = index};
	} else {
		/* Copied: its bytes join the batch's copies (b is the next message's). */
		if (r->pin != NO_PIN && pending_end > r->pin)
			st = buf_append(b, r->buf + r->pin, pending_end - r->pin, r->max, err);
		if (st == RB_OK && r->copies.len > 0 && r->copies.len + b->len > MBOX_COPIES_MAX) {
			st = hand_over_waiting(r);
			m = &r->waiting[r->waiting_count];
		}
		size_t off = r->copies.len;
		if (st == RB_OK && b->len > 0)
			st = buf_append(&r->copies, (const char *)b->data, b->len, SIZE_MAX, err);
		if (st != RB_OK)
			return st;
		*m = (struct waiting_message){.off = off, .len = b->len, .full_len = b->full_len,
					      .index = index, .copied = true};
	}
	r->waiting_count++;
	r->pin = NO_PIN;
	b->len = 0;
	b->full_len = 0;
	return RB_OK;
}

static bool is_escaped_from(const char *line, size_t n)
{
	size_t i = 0;
	while (i < n && line[i] == '>')
		i++;
	return i > 0 && n - i >= 5 && memcmp(line + i, "From ", 5) == 0;
}

/*
 * The first read block. A block of whole huge pages is asked for as such: reading
 * into it then takes one page fault where 4 KiB pages took 512 (a bench run's page
 * faults went from 1,421 to 908). Anything else is plain malloc; either is released
 * with free().
 */
static char *block_alloc(size_t n)
{
#if defined(MADV_HUGEPAGE)
	const size_t huge = (size_t)2 << 20;
	if (n % huge == 0) {
		char *p = aligned_alloc(huge, n);
		if (p != NULL)
			(void)madvise(p, n, MADV_HUGEPAGE); /* a hint: refused, pages stay small */
		return p;
	}
#endif
	return malloc(n);
}

/*
 * The next line, newline included, into line_r and len_r; false at the end. Lines
 * are read in large blocks (getline per line cost more than the parsing of some
 * messages); a line longer than the block grows it.
 */
static bool next_line(struct line_reader *r, const char **line_r, size_t *len_r, bool *nomem_r,
		      enum rb_status *st_r, struct rb_error *err)
{
	for (;;) {
		char *nl = r->end > r->start ? memchr(r->buf + r->start, '\n', r->end - r->start)
					     : NULL;
		if (nl != NULL || (r->eof && r->end > r->start)) {
			size_t len = nl ? (size_t)(nl - (r->buf + r->start)) + 1 : r->end - r->start;
			*line_r = r->buf + r->start;
			*len_r = len;
			r->start += len;
			return true;
		}
		if (r->eof)
			return false;
		/* Waiting messages and pending lines would move: hand over and copy out. */
		*st_r = hand_over_waiting(r);
		if (*st_r != RB_OK)
			return false;
		*st_r = spill_pending(r, err);
		if (*st_r != RB_OK)
			return false;
		/* Keep the partial line, make room, read more. */
		if (r->start > 0) {
			memmove(r->buf, r->buf + r->start, r->end - r->start);
			r->end -= r->start;
			r->start = 0;
		}
		if (r->end == r->cap) {
			size_t nc = r->cap ? r->cap * 2 : r->block;
			char *nb = r->cap ? realloc(r->buf, nc) : block_alloc(nc);
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

/* Can the line at p (end: the end of what was read) be a separator or an escaped
 * "From " line? A line too short to tell yet may be. */
static bool may_matter(const char *p, const char *end)
{
	if (*p == '>')
		return true;
	return *p == 'F' && (end - p < 5 || memcmp(p, "From ", 5) == 0);
}

#if defined(__x86_64__) && defined(__GNUC__)
#define MBOX_AVX2 1
/*
 * Is there an i from *at on where buf[i] is '\n' and the line after it starts with
 * "From " or '>'? Thirty-two positions at a time, as long as the six bytes a test
 * reads lie before end: true with the first such i in *at; false with *at where the
 * caller goes on byte by byte.
 */
__attribute__((target("avx2"))) static bool find_line_that_matters_avx2(const char *buf,
								       size_t end, size_t *at)
{
	const __m256i nl = _mm256_set1_epi8('\n'), gt = _mm256_set1_epi8('>');
	const __m256i f = _mm256_set1_epi8('F'), r = _mm256_set1_epi8('r');
	const __m256i o = _mm256_set1_epi8('o'), m = _mm256_set1_epi8('m');
	const __m256i sp = _mm256_set1_epi8(' ');
#define AT(k) _mm256_loadu_si256((const __m256i *)(const void *)(buf + i + (k)))
	size_t i = *at;
	for (; i + 37 <= end; i += 32) {
		__m256i b1 = AT(1);
		__m256i from_line = _mm256_and_si256(
		    _mm256_and_si256(_mm256_cmpeq_epi8(b1, f), _mm256_cmpeq_epi8(AT(2), r)),
		    _mm256_and_si256(_mm256_and_si256(_mm256_cmpeq_epi8(AT(3), o),
						      _mm256_cmpeq_epi8(AT(4), m)),
				     _mm256_cmpeq_epi8(AT(5), sp)));
		__m256i next = _mm256_or_si256(from_line, _mm256_cmpeq_epi8(b1, gt));
		unsigned hits = (unsigned)_mm256_movemask_epi8(
		    _mm256_and_si256(_mm256_cmpeq_epi8(AT(0), nl), next));
		if (hits != 0) {
			*at = i + (size_t)__builtin_ctz(hits);
			return true;
		}
	}
#undef AT
	*at = i;
	return false;
}
#endif

/*
 * Move r->start over the whole lines ahead that can be neither a separator ("From ")
 * nor an escaped line (">From ", ">>From ", ...): they only lengthen the pending
 * message, and looking at them one by one (a memchr each) cost more than splitting
 * needs. The lines after which such a line starts are found many bytes at a time
 * (thirty-two with AVX2, sixteen with SSE2): a newline, then "From " or '>'. A
 * header "From:" or "Final-Recipient:" does not stop the search. A line cut off by
 * the end of the block is left for next_line, which reads on.
 */
static void skip_plain_lines(struct line_reader *r)
{
	const char *buf = r->buf;
	size_t i = r->start, end = r->end;
	if (i >= end || may_matter(buf + i, buf + end))
		return;
	/* Find a '\n' at i whose next line matters; i + 1 < end. */
#ifdef MBOX_AVX2
	if (rb_cpu_has(RB_CPU_AVX2) && find_line_that_matters_avx2(buf, end, &i)) {
		r->start = i + 1;
		return;
	}
#endif
#ifdef __SSE2__
	const __m128i nl = _mm_set1_epi8('\n'), f = _mm_set1_epi8('F'), gt = _mm_set1_epi8('>');
	for (; i + 17 <= end; i += 16) {
		__m128i a = _mm_loadu_si128((const __m128i *)(const void *)(buf + i));
		__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(buf + i + 1));
		__m128i next = _mm_or_si128(_mm_cmpeq_epi8(b, f), _mm_cmpeq_epi8(b, gt));
		unsigned hits = (unsigned)_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, nl), next));
		/* 'F' or '>' after a newline: the whole test decides, in order. */
		while (hits != 0) {
			size_t at = i + (size_t)__builtin_ctz(hits);
			if (may_matter(buf + at + 1, buf + end)) {
				r->start = at + 1;
				return;
			}
			hits &= hits - 1;
		}
	}
#endif
	for (; i + 1 < end; i++) {
		if (buf[i] == '\n' && may_matter(buf + i + 1, buf + end)) {
			r->start = i + 1;
			return;
		}
	}
	/* None in this block: up to the last whole line. */
	const char *last_nl = memrchr(buf + r->start, '\n', end - r->start);
	if (last_nl != NULL)
		r->start = (size_t)(last_nl - buf) + 1;
}

enum rb_status rb_ingest_mbox(FILE *in, const char *label, const char *kind,
			      const struct rb_ingest_handler *handler, struct rb_error *err)
{
	struct mbox_buf b = {0};
	struct line_reader r = {.in = in, .pin = NO_PIN, .msg = &b,
				.max = handler->max_message_bytes,
				.block = handler->read_block_bytes ? handler->read_block_bytes
								   : 1u << 21,
				.handler = handler, .label = label, .kind = kind};
	const char *line;
	size_t n;
	bool nomem = false;
	unsigned index = 0;
	bool in_message = false;
	enum rb_status st = RB_OK;

	while (st == RB_OK && next_line(&r, &line, &n, &nomem, &st, err)) {
		if (n >= 5 && memcmp(line, "From ", 5) == 0) {
			if (in_message)
				st = deliver(&r, &b, index, n, err);
			in_message = true;
			index++;
			continue;
		}
		if (!in_message) {
			/* Text before the first separator: keep it as a message of its own. */
			in_message = true;
			index++;
		}
		if (is_escaped_from(line, n)) {
			/* The pending lines end where this one starts. */
			r.start -= n;
			st = spill_pending(&r, err);
			r.start += n;
			if (st == RB_OK)
				st = buf_append(&b, line + 1, n - 1, r.max, err);
		} else {
			if (r.pin == NO_PIN)
				r.pin = (size_t)(line - r.buf);
			skip_plain_lines(&r);
		}
	}
	if (st == RB_OK && nomem)
		st = rb_error_set(err, RB_ERR_NOMEM, "%s: out of memory reading a line", label);
	if (st == RB_OK && ferror(in))
		st = rb_error_set(err, RB_ERR_IO, "%s: read failed: %s", label, strerror(errno));
	if (st == RB_OK && in_message)
		st = deliver(&r, &b, index, 0, err);
	if (st == RB_OK)
		st = hand_over_waiting(&r);
	free(r.buf);
	free(b.data);
	free(r.copies.data);
	return st;
}
