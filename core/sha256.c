/*
 * sha256.c - SHA-256 through Nettle.
 *
 * Nettle picks the CPU's SHA instructions when it is loaded (its "fat" build, as
 * Debian ships it), as fast as OpenSSL's libcrypto on a bounce's few kilobytes, without
 * libcrypto's provider set-up at the first use (a millisecond per run) or a context
 * allocated per hash.
 */
#include "sha256.h"

#include "hex.h"

#include <nettle/sha2.h>
#include <stdlib.h>

struct rb_sha256 {
	struct sha256_ctx ctx;
};

static void to_hex(const unsigned char digest[32], char out[65])
{
	rb_hex_encode(digest, 32, out);
	out[64] = '\0';
}

struct rb_sha256 *rb_sha256_new(void)
{
	struct rb_sha256 *h = malloc(sizeof(*h));
	if (h != NULL)
		sha256_init(&h->ctx);
	return h;
}

void rb_sha256_update(struct rb_sha256 *h, const void *data, size_t len)
{
	if (len > 0)
		sha256_update(&h->ctx, len, data);
}

void rb_sha256_finish_hex(struct rb_sha256 *h, char out[65])
{
	unsigned char digest[SHA256_DIGEST_SIZE];
	sha256_digest(&h->ctx, SHA256_DIGEST_SIZE, digest); /* also starts h over */
	to_hex(digest, out);
}

void rb_sha256_reset(struct rb_sha256 *h)
{
	sha256_init(&h->ctx);
}

void rb_sha256_copy(struct rb_sha256 *dst, const struct rb_sha256 *src)
{
	dst->ctx = src->ctx;
}

void rb_sha256_free(struct rb_sha256 **h)
{
	if (h == NULL || *h == NULL)
		return;
	free(*h);
	*h = NULL;
}

void rb_sha256_hex(const void *data, size_t len, char out[65])
{
	struct sha256_ctx ctx;
	unsigned char digest[SHA256_DIGEST_SIZE];
	sha256_init(&ctx);
	if (len > 0)
		sha256_update(&ctx, len, data);
	sha256_digest(&ctx, SHA256_DIGEST_SIZE, digest);
	to_hex(digest, out);
}
