/*
 * fuzz_mbox.c - libFuzzer target for the mbox splitter (ingest/mbox.c): any bytes,
 * read in blocks of 1 to 64 bytes so that lines and messages cross block boundaries
 * everywhere, must split exactly as the plain line-by-line rules say
 * (tests/common/mbox_reference.h), with and without a message size limit, and the
 * hash it gives with each message must be that message's.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sha256.h"
#include "ingest/files.h"
#include "tests/common/mbox_reference.h"

static enum rb_status on_digest(void *ctx, const unsigned char *data, size_t len,
				size_t full_len, const struct rb_source *source)
{
	/* A hash the splitter gives (messages hashed in batches) is that of the bytes. */
	if (source->sha256 != NULL) {
		char want[65];
		rb_sha256_hex(data, len, want);
		if (strcmp(source->sha256, want) != 0)
			abort();
	}
	digest_add(ctx, data, len, full_len);
	return RB_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	/* The first byte chooses the block size and the limit; the rest is the mbox. */
	size_t block = 1 + (data[0] & 63);
	size_t max = (data[0] & 64) ? 1 + data[1] : SIZE_MAX / 2;
	const char *text = (const char *)data + 2;
	size_t n = size - 2;
	if (n == 0)
		return 0;
	char *copy = malloc(n);
	if (copy == NULL)
		return 0;
	memcpy(copy, text, n);
	FILE *in = fmemopen(copy, n, "r");
	if (in == NULL)
		abort();
	struct digest_list got = {0}, want = {0};
	struct rb_ingest_handler h = {.on_message = on_digest,
				      .ctx = &got,
				      .max_message_bytes = max,
				      .read_block_bytes = block};
	struct rb_error err = {0};
	if (rb_ingest_mbox(in, "fuzz", "mbox", &h, &err) != RB_OK)
		abort(); /* memory is the only thing that may fail here */
	fclose(in);
	reference_split(copy, n, max, &want);
	if (!digest_lists_equal(&got, &want))
		abort();
	digest_list_free(&got);
	digest_list_free(&want);
	free(copy);
	return 0;
}
