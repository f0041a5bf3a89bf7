/*
 * payload.c - undo the wrapping of a report payload, streaming.
 *
 * Layers are found by magic bytes (gzip 1f 8b, zip "PK\3\4"), never by names or
 * content types, and undone one at a time: gzip with zlib (concatenated members
 * too), zip with libarchive's streaming zip reader. At most PAYLOAD_MAX_LAYERS
 * layers (gzip in zip in gzip ...). Each layer is a pull reader over the one below,
 * so memory is a few 64 KiB buffers whatever the size of the report.
 *
 * Limits (struct rb_limits): max_decompressed_bytes over all layers,
 * max_decompress_ratio (each layer's output over the compressed input it consumed,
 * checked past 1 MiB of output),
 * max_archive_members. Hitting one is RB_ERR_LIMIT with a message naming it.
 * Diagnostics: RB_ERR_INPUT for a broken gzip stream or zip archive.
 */
#include "parsers/payload.h"

#include "core/libraries.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define PAYLOAD_PEEK_BYTES 512
#define PAYLOAD_MAX_LAYERS 4
#define PAYLOAD_BUF_BYTES 65536
#define PAYLOAD_RATIO_GRACE (1024 * 1024)
#define PAYLOAD_ZIP_READ_BYTES 8192

enum rb_status rb_mem_read(void *ctx, unsigned char *buf, size_t cap, size_t *got_r,
			   struct rb_error *err)
{
	(void)err;
	struct rb_mem_reader *m = ctx;
	size_t n = m->len - m->pos < cap ? m->len - m->pos : cap;
	if (n > 0)
		memcpy(buf, m->data + m->pos, n);
	m->pos += n;
	*got_r = n;
	return RB_OK;
}

enum rb_payload_kind rb_payload_sniff(const unsigned char *head, size_t len)
{
	if (len >= 2 && head[0] == 0x1f && head[1] == 0x8b)
		return RB_PAYLOAD_GZIP;
	if (len >= 4 && memcmp(head, "PK\x03\x04", 4) == 0)
		return RB_PAYLOAD_ZIP;
	size_t i = 0;
	if (len >= 3 && memcmp(head, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n'))
		i++;
	if (i < len && head[i] == '<')
		return RB_PAYLOAD_XML;
	if (i < len && head[i] == '{')
		return RB_PAYLOAD_JSON;
	return RB_PAYLOAD_UNKNOWN;
}

struct unwrap {
	const struct rb_limits *limits;
	rb_payload_content_fn on_content;
	void *ctx;
	uint64_t out_bytes;  /* produced by all decompressing layers */
	unsigned members;
};

/*
 * Account for n more bytes out of a layer that has consumed `in` compressed bytes
 * and produced `out` in all (n included).
 */
static enum rb_status count_output(struct unwrap *u, size_t n, uint64_t in, uint64_t out,
				   struct rb_error *err)
{
	u->out_bytes += n;
	if (u->out_bytes > u->limits->max_decompressed_bytes)
		return rb_error_set(err, RB_ERR_LIMIT,
				    "decompressed payload exceeds max_decompressed_bytes (%zu bytes)",
				    u->limits->max_decompressed_bytes);
	if (in == 0)
		in = 1;
	if (out > PAYLOAD_RATIO_GRACE && out / in > u->limits->max_decompress_ratio)
		return rb_error_set(err, RB_ERR_LIMIT,
				    "payload decompresses more than %u times its size "
				    "(max_decompress_ratio): a decompression bomb?",
				    u->limits->max_decompress_ratio);
	return RB_OK;
}

/* ---- prefixed reader: bytes already read, then the rest ---- */

enum rb_status rb_prefixed_read(void *ctx, unsigned char *buf, size_t cap, size_t *got_r,
				struct rb_error *err)
{
	struct rb_prefixed_reader *p = ctx;
	if (p->pos < p->len) {
		size_t n = p->len - p->pos < cap ? p->len - p->pos : cap;
		memcpy(buf, p->head + p->pos, n);
		p->pos += n;
		*got_r = n;
		return RB_OK;
	}
	return p->rest.read(p->rest.ctx, buf, cap, got_r, err);
}

/* The first bytes of a layer, kept to sniff its kind, then handed on. */
struct peek_reader {
	unsigned char head[PAYLOAD_PEEK_BYTES];
	struct rb_prefixed_reader prefixed;
};

static enum rb_status peek_fill(struct peek_reader *p, struct rb_reader *src,
				struct rb_error *err)
{
	size_t len = 0;
	while (len < sizeof(p->head)) {
		size_t got = 0;
		enum rb_status st = src->read(src->ctx, p->head + len, sizeof(p->head) - len, &got, err);
		if (st != RB_OK)
			return st;
		if (got == 0)
			break;
		len += got;
	}
	p->prefixed = (struct rb_prefixed_reader){.head = p->head, .len = len, .rest = *src};
	return RB_OK;
}

/* ---- gzip layer ---- */

struct gunzip_reader {
	struct rb_reader *src;
	struct unwrap *u;
	z_stream zs;
	unsigned char in[PAYLOAD_BUF_BYTES];
	uint64_t out, members_in; /* produced; consumed by earlier gzip members */
	bool eof, done;
};

static enum rb_status gunzip_read(void *ctx, unsigned char *buf, size_t cap, size_t *got_r,
				  struct rb_error *err)
{
	struct gunzip_reader *g = ctx;
	*got_r = 0;
	while (!g->done) {
		if (g->zs.avail_in == 0 && !g->eof) {
			size_t got = 0;
			enum rb_status st = g->src->read(g->src->ctx, g->in, sizeof(g->in), &got, err);
			if (st != RB_OK)
				return st;
			g->eof = got == 0;
			g->zs.next_in = g->in;
			g->zs.avail_in = (uInt)got;
		}
		g->zs.next_out = buf;
		g->zs.avail_out = (uInt)(cap > UINT32_MAX ? UINT32_MAX : cap);
		int ret = inflate(&g->zs, Z_NO_FLUSH);
		size_t produced = (size_t)(g->zs.next_out - buf);
		if (ret == Z_STREAM_END) {
			/* Another gzip member may follow (concatenated gzip); anything else
			 * after the end (padding) is ignored. */
			if (g->zs.avail_in >= 2 && g->zs.next_in[0] == 0x1f && g->zs.next_in[1] == 0x8b) {
				g->members_in += g->zs.total_in;
				inflateReset(&g->zs);
			}
			else
				g->done = true;
		} else if (ret == Z_BUF_ERROR && g->eof && g->zs.avail_in == 0) {
			return rb_error_set(err, RB_ERR_INPUT, "gzip stream is truncated");
		} else if (ret != Z_OK && ret != Z_BUF_ERROR) {
			return rb_error_set(err, RB_ERR_INPUT, "gzip stream is corrupt: %s",
					    g->zs.msg ? g->zs.msg : "inflate failed");
		}
		if (produced > 0) {
			*got_r = produced;
			/* total_in is what inflate consumed, not what was read ahead. */
			g->out += produced;
			return count_output(g->u, produced, g->zs.total_in + g->members_in, g->out, err);
		}
	}
	return RB_OK;
}

/* ---- zip layer (libarchive) ---- */

struct zip_reader {
	const struct rb_libarchive *ar; /* libarchive, loaded when first needed */
	struct rb_reader *src;
	struct unwrap *u;
	struct archive *a;
	/* Small reads: the ratio is judged on what was read, so read little ahead. */
	unsigned char in[PAYLOAD_ZIP_READ_BYTES];
	uint64_t in_read, out;
	struct rb_error src_error;
	bool src_failed;
};

static la_ssize_t zip_source_read(struct archive *a, void *ctx, const void **buf)
{
	struct zip_reader *z = ctx;
	size_t got = 0;
	if (z->src->read(z->src->ctx, z->in, sizeof(z->in), &got, &z->src_error) != RB_OK) {
		z->src_failed = true;
		z->ar->set_error(a, EIO, "%s", z->src_error.message);
		return -1;
	}
	*buf = z->in;
	z->in_read += got;
	return (la_ssize_t)got;
}

static enum rb_status zip_member_read(void *ctx, unsigned char *buf, size_t cap, size_t *got_r,
				      struct rb_error *err)
{
	struct zip_reader *z = ctx;
	const struct rb_libarchive *ar = z->ar;
	la_ssize_t n = ar->read_data(z->a, buf, cap);
	*got_r = 0;
	if (n < 0) {
		if (z->src_failed) {
			*err = z->src_error;
			return z->src_error.status;
		}
		return rb_error_set(err, RB_ERR_INPUT, "zip member cannot be read: %s",
				    ar->error_string(z->a) ? ar->error_string(z->a) : "unknown error");
	}
	*got_r = (size_t)n;
	z->out += (uint64_t)n;
	return count_output(z->u, (size_t)n, z->in_read, z->out, err);
}

static enum rb_status unwrap_layer(struct unwrap *u, struct rb_reader *in, unsigned depth,
				   const char *name, struct rb_error *err);

static enum rb_status unwrap_zip(struct unwrap *u, struct rb_reader *in, unsigned depth,
				 struct rb_error *err)
{
	struct rb_error load_err = {0};
	const struct rb_libarchive *ar = rb_libarchive(&load_err);
	if (ar == NULL) {
		if (err != NULL)
			*err = load_err;
		return load_err.status;
	}
	struct zip_reader *z = calloc(1, sizeof(*z));
	if (z == NULL)
		return rb_error_set(err, RB_ERR_NOMEM, "out of memory opening a zip payload");
	z->ar = ar;
	z->src = in;
	z->u = u;
	z->a = ar->read_new();
	enum rb_status st = RB_OK;
	if (z->a == NULL || ar->read_support_format_zip_streamable(z->a) != ARCHIVE_OK ||
	    ar->read_open(z->a, z, NULL, zip_source_read, NULL) != ARCHIVE_OK) {
		st = rb_error_set(err, RB_ERR_INPUT, "zip payload cannot be opened: %s",
				  z->a && ar->error_string(z->a) ? ar->error_string(z->a)
								 : "libarchive failed");
		goto done;
	}
	for (;;) {
		struct archive_entry *entry = NULL;
		int r = ar->read_next_header(z->a, &entry);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			st = z->src_failed ? (*err = z->src_error, z->src_error.status)
					   : rb_error_set(err, RB_ERR_INPUT, "zip payload is broken: %s",
							  ar->error_string(z->a)
								  ? ar->error_string(z->a)
								  : "unreadable header");
			break;
		}
		if (ar->entry_filetype(entry) == AE_IFDIR)
			continue;
		if (++u->members > u->limits->max_archive_members) {
			st = rb_error_set(err, RB_ERR_LIMIT,
					  "zip payload has more than %u members (max_archive_members)",
					  u->limits->max_archive_members);
			break;
		}
		const char *member = ar->entry_pathname(entry);
		struct rb_reader member_reader = {zip_member_read, z};
		st = unwrap_layer(u, &member_reader, depth + 1, member ? member : "", err);
		if (st != RB_OK)
			break;
	}
done:
	if (z->a != NULL)
		ar->read_free(z->a);
	free(z);
	return st;
}

static enum rb_status unwrap_gzip(struct unwrap *u, struct rb_reader *in, unsigned depth,
				  const char *name, struct rb_error *err)
{
	struct gunzip_reader *g = calloc(1, sizeof(*g));
	if (g == NULL)
		return rb_error_set(err, RB_ERR_NOMEM, "out of memory opening a gzip payload");
	g->src = in;
	g->u = u;
	if (inflateInit2(&g->zs, 16 + MAX_WBITS) != Z_OK) {
		free(g);
		return rb_error_set(err, RB_ERR_INTERNAL, "zlib cannot start a gzip stream");
	}
	struct rb_reader reader = {gunzip_read, g};
	enum rb_status st = unwrap_layer(u, &reader, depth + 1, name, err);
	inflateEnd(&g->zs);
	free(g);
	return st;
}

static enum rb_status unwrap_layer(struct unwrap *u, struct rb_reader *in, unsigned depth,
				   const char *name, struct rb_error *err)
{
	struct peek_reader *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return rb_error_set(err, RB_ERR_NOMEM, "out of memory reading a payload");
	enum rb_status st = peek_fill(p, in, err);
	if (st == RB_OK) {
		struct rb_reader reader = {rb_prefixed_read, &p->prefixed};
		size_t head_len = p->prefixed.len;
		enum rb_payload_kind kind = rb_payload_sniff(p->head, head_len);
		if ((kind == RB_PAYLOAD_GZIP || kind == RB_PAYLOAD_ZIP) && depth >= PAYLOAD_MAX_LAYERS)
			st = rb_error_set(err, RB_ERR_LIMIT,
					  "payload is wrapped in more than %d layers of compression",
					  PAYLOAD_MAX_LAYERS);
		else if (kind == RB_PAYLOAD_GZIP)
			st = unwrap_gzip(u, &reader, depth, name, err);
		else if (kind == RB_PAYLOAD_ZIP)
			st = unwrap_zip(u, &reader, depth, err);
		else
			st = u->on_content(u->ctx, kind, p->head, head_len, &reader, name, err);
	}
	free(p);
	return st;
}

enum rb_status rb_payload_unwrap(struct rb_reader *in, const struct rb_limits *limits,
				 rb_payload_content_fn on_content, void *ctx,
				 struct rb_error *err)
{
	struct unwrap u = {.limits = limits, .on_content = on_content, .ctx = ctx};
	return unwrap_layer(&u, in, 0, "", err);
}
