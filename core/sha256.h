/*
 * sha256.h - SHA-256 for message fingerprints and event ids, one-shot or streamed.
 *
 * Through Nettle, which uses the CPU's SHA instructions: hashing every message is on
 * the hot path, and GLib's portable SHA-256 cost a fifth of the parse.
 */
#ifndef REBOUND_CORE_SHA256_H
#define REBOUND_CORE_SHA256_H

#include <stdbool.h>
#include <stddef.h>

struct rb_sha256;

/* Streamed: new, update..., finish into hex (65 bytes), free. NULL on out of memory. */
struct rb_sha256 *rb_sha256_new(void);
void rb_sha256_update(struct rb_sha256 *ctx, const void *data, size_t len);
void rb_sha256_finish_hex(struct rb_sha256 *ctx, char out[65]);
void rb_sha256_free(struct rb_sha256 **ctx);
/* Start over (as new). */
void rb_sha256_reset(struct rb_sha256 *ctx);
/* dst continues from where src is: hashing many inputs that share a prefix once. */
void rb_sha256_copy(struct rb_sha256 *dst, const struct rb_sha256 *src);

/* One-shot: hex SHA-256 of bytes into out (65 bytes, NUL-terminated). */
void rb_sha256_hex(const void *data, size_t len, char out[65]);

/*
 * Many at once (sha256_many.c): hex[i] = the hex SHA-256 of data[i][0..len[i]), for
 * i < n. Sixteen messages advance together where the CPU has AVX-512, which is faster
 * than one after another when there are many; the digests are the same.
 */
void rb_sha256_hex_many(size_t n, const unsigned char *const *data, const size_t *len,
			char (*hex)[65]);

#endif
