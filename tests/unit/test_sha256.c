/*
 * test_sha256.c - core/sha256.c: the FIPS 180-2 test vectors, one-shot and streamed in
 * uneven pieces, and the copy and reset the event ids rely on.
 */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "core/hex.h"
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

/* Many at once gives what one at a time gives: random lengths (every padding case
 * among them) and contents, batches of every size up to 300. */
static void test_many(void)
{
	uint32_t seed = 65537;
	enum { MAX_N = 300, MAX_LEN = 3000 };
	static unsigned char storage[MAX_N][MAX_LEN];
	const unsigned char *data[MAX_N];
	static size_t len[MAX_N];
	static char got[MAX_N][65];
	char want[65];
	for (size_t i = 0; i < MAX_N; i++) {
		for (size_t k = 0; k < MAX_LEN; k++) {
			seed = seed * 1103515245u + 12345u;
			storage[i][k] = (unsigned char)(seed >> 16);
		}
		data[i] = storage[i];
	}
	static const size_t edges[] = {0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129};
	for (size_t round = 0; round < 60; round++) {
		size_t n = round < 20 ? round : 1 + (round * 37) % MAX_N;
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			len[i] = i < sizeof(edges) / sizeof(edges[0]) && round % 2 ? edges[i]
									    : (seed >> 8) % MAX_LEN;
		}
		rb_sha256_hex_many(n, data, len, got);
		for (size_t i = 0; i < n; i++) {
			rb_sha256_hex(data[i], len[i], want);
			CHECK_STR(got[i], want);
		}
	}
	/* A message over many blocks beside short ones. */
	static unsigned char big[200000];
	memset(big, 'a', sizeof(big));
	const unsigned char *mixed[5] = {big, storage[0], storage[1], big, storage[2]};
	size_t mixed_len[5] = {sizeof(big), 3, 0, 1000, 64};
	rb_sha256_hex_many(5, mixed, mixed_len, got);
	for (size_t i = 0; i < 5; i++) {
		rb_sha256_hex(mixed[i], mixed_len[i], want);
		CHECK_STR(got[i], want);
	}
}

/* Hex of every length up to 40 (the sixteen-byte blocks and the bytes after them),
 * every byte value among them. */
static void test_hex(void)
{
	unsigned char in[40];
	bool same = true;
	for (int round = 0; round < 256; round++) {
		for (size_t i = 0; i < sizeof(in); i++)
			in[i] = (unsigned char)(round + 37 * i);
		for (size_t n = 0; n <= sizeof(in); n++) {
			char got[2 * sizeof(in) + 1] = {0}, want[2 * sizeof(in) + 1] = {0};
			rb_hex_encode(in, n, got);
			for (size_t i = 0; i < n; i++)
				snprintf(want + 2 * i, 3, "%02x", in[i]);
			same &= memcmp(got, want, sizeof(got)) == 0;
		}
	}
	CHECK(same);
}

int main(void)
{
	test_hex();
	test_vectors();
	test_copy_and_reset();
	test_many();
	return check_done();
}
