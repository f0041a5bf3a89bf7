/*
 * sha256.c - SHA-256 over OpenSSL's EVP interface.
 *
 * OpenSSL 3 looks an algorithm up by name on every implicit fetch; the EVP_MD is
 * fetched once per process (thread-safe, through GLib's g_once) and reused.
 * A failure of libcrypto here is a broken installation, not bad input: it aborts.
 */
#include "sha256.h"

#include <glib.h>
#include <openssl/evp.h>
#include <stdlib.h>

struct rb_sha256 {
	EVP_MD_CTX *md;
};

static const EVP_MD *sha256_md(void)
{
	static gsize once;
	static const EVP_MD *md;
	if (g_once_init_enter(&once)) {
		md = EVP_MD_fetch(NULL, "SHA256", NULL);
		if (md == NULL)
			md = EVP_sha256();
		g_once_init_leave(&once, 1);
	}
	return md;
}

static void to_hex(const unsigned char *digest, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < 32; i++) {
		out[2 * i] = hex[digest[i] >> 4];
		out[2 * i + 1] = hex[digest[i] & 15];
	}
	out[64] = '\0';
}

struct rb_sha256 *rb_sha256_new(void)
{
	struct rb_sha256 *ctx = malloc(sizeof(*ctx));
	if (ctx == NULL)
		return NULL;
	ctx->md = EVP_MD_CTX_new();
	if (ctx->md == NULL || EVP_DigestInit_ex(ctx->md, sha256_md(), NULL) != 1) {
		EVP_MD_CTX_free(ctx->md);
		free(ctx);
		return NULL;
	}
	return ctx;
}

void rb_sha256_update(struct rb_sha256 *ctx, const void *data, size_t len)
{
	if (len > 0 && EVP_DigestUpdate(ctx->md, data, len) != 1)
		abort();
}

void rb_sha256_finish_hex(struct rb_sha256 *ctx, char out[65])
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	if (EVP_DigestFinal_ex(ctx->md, digest, &n) != 1 || n != 32)
		abort();
	to_hex(digest, out);
}

void rb_sha256_reset(struct rb_sha256 *ctx)
{
	if (EVP_DigestInit_ex(ctx->md, sha256_md(), NULL) != 1)
		abort();
}

void rb_sha256_copy(struct rb_sha256 *dst, const struct rb_sha256 *src)
{
	if (EVP_MD_CTX_copy_ex(dst->md, src->md) != 1)
		abort();
}

void rb_sha256_free(struct rb_sha256 **ctx)
{
	if (ctx == NULL || *ctx == NULL)
		return;
	EVP_MD_CTX_free((*ctx)->md);
	free(*ctx);
	*ctx = NULL;
}

void rb_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	if (EVP_Digest(data, len, digest, &n, sha256_md(), NULL) != 1 || n != 32)
		abort();
	to_hex(digest, out);
}
