/*
 * test_sha256.c - core/sha256.c: the FIPS 180-2 test vectors, one-shot and streamed in
 * uneven pieces, and the copy and reset the event ids rely on.
 */
#include <stdlib.h>

#include "check.h"
#include "core/sha256.h"

static const struct {
	const char *text;
	const char *hex;
} vectors[] = {
	{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	{"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
};

static void test_vectors(void)
{
	char hex[65];
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		rb_sha256_hex(vectors[i].text, strlen(vectors[i].text), hex);
		CHECK_STR(hex, vectors[i].hex);
	}
	/* One million 'a', streamed in pieces of 1 to 997 bytes. */
	char *a = malloc(1000000);
	memset(a, 'a', 1000000);
	struct rb_sha256 *h = rb_sha256_new();
	CHECK(h != NULL);
	size_t done = 0, piece = 1;
	while (done < 1000000) {
		size_t n = piece < 1000000 - done ? piece : 1000000 - done;
		rb_sha256_update(h, a + done, n);
		done += n;
		piece = piece % 997 + 1;
	}
	rb_sha256_finish_hex(h, hex);
	CHECK_STR(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	rb_sha256_hex(a, 1000000, hex);
	CHECK_STR(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(a);
	rb_sha256_free(&h);
	CHECK(h == NULL);
}

/* A copy continues from where its source is; a reset starts over. */
static void test_copy_and_reset(void)
{
	struct rb_sha256 *prefix = rb_sha256_new(), *work = rb_sha256_new();
	char hex[65];
	rb_sha256_update(prefix, "ab", 2);
	rb_sha256_copy(work, prefix);
	rb_sha256_update(work, "c", 1);
	rb_sha256_finish_hex(work, hex);
	CHECK_STR(hex, vectors[1].hex);
	rb_sha256_copy(work, prefix); /* the prefix is untouched by the first copy's use */
	rb_sha256_update(work, "c", 1);
	rb_sha256_finish_hex(work, hex);
	CHECK_STR(hex, vectors[1].hex);
	rb_sha256_reset(prefix);
	rb_sha256_finish_hex(prefix, hex);
	CHECK_STR(hex, vectors[0].hex);
	rb_sha256_free(&prefix);
	rb_sha256_free(&work);
}

int main(void)
{
	test_vectors();
	test_copy_and_reset();
	return check_done();
}
