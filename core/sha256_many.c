/*
 * sha256_many.c - SHA-256 (FIPS 180-4) of many messages at once, sixteen lanes wide.
 *
 * Every message rebound reads is hashed for its fingerprint (source.sha256), and the
 * SHA instructions that Nettle uses do one block at a time: one message in six of the
 * whole parse went there. An mbox hands over hundreds of messages per read, so they
 * are hashed together: each of the sixteen 32-bit lanes of AVX-512 registers carries
 * one message's state, the sixteen next blocks are loaded and transposed (lane l
 * holds word t of its own block in register t), and one pass of the rounds advances
 * all sixteen. A lane whose message is done gives its digest and takes the next
 * message. Messages are taken longest first, so the lanes run out together and few
 * rounds are wasted on idle lanes at the end; one much longer than the rest's share
 * of a lane is hashed alone instead (Nettle's SHA instructions).
 *
 * Written here because no library Debian ships hashes several messages at once. Where
 * the CPU has no AVX-512 (F and BW), or for fewer than MANY_MIN messages, each message
 * goes through Nettle. Both give the same digests; tests/unit/test_sha256.c checks
 * that against Nettle on random lengths and contents.
 */
#include "sha256.h"

#include "hex.h"

#include <nettle/sha2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"

#define LANES 16
#define BLOCK 64
#define MANY_MIN 4 /* fewer messages than this are not worth the lanes */

static void to_hex(const unsigned char digest[32], char out[65])
{
	rb_hex_encode(digest, 32, out);
	out[64] = '\0';
}

static void hash_one(const unsigned char *data, size_t len, char out[65])
{
	struct sha256_ctx ctx;
	uint8_t digest[SHA256_DIGEST_SIZE];
	sha256_init(&ctx);
	if (len > 0)
		sha256_update(&ctx, len, data);
	sha256_digest(&ctx, SHA256_DIGEST_SIZE, digest);
	to_hex(digest, out);
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

static const uint32_t round_constants[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2};

static const uint32_t initial_state[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
					  0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

/* One lane's message: its whole blocks where they lie, then its padded tail. */
struct lane {
	const unsigned char *next; /* the next whole block */
	size_t whole;              /* whole blocks left at next */
	unsigned char tail[2 * BLOCK]; /* the last bytes, 0x80, zeros, the bit length */
	unsigned tail_blocks, tail_used;
	size_t message; /* index into the caller's arrays */
	bool busy;
};

static void lane_take(struct lane *l, const unsigned char *data, size_t len, size_t message)
{
	l->next = data;
	l->whole = len / BLOCK;
	size_t rest = len % BLOCK;
	memset(l->tail, 0, sizeof(l->tail));
	if (rest > 0)
		memcpy(l->tail, data + l->whole * BLOCK, rest);
	l->tail[rest] = 0x80;
	l->tail_blocks = rest + 1 + 8 <= BLOCK ? 1 : 2;
	uint64_t bits = (uint64_t)len * 8;
	unsigned char *end = l->tail + l->tail_blocks * BLOCK;
	for (int i = 1; i <= 8; i++, bits >>= 8)
		end[-i] = (unsigned char)bits;
	l->tail_used = 0;
	l->message = message;
	l->busy = true;
}

/* The lane's next block, and whether it is its message's last. */
static const unsigned char *lane_block(struct lane *l, bool *last_r)
{
	static const unsigned char idle[BLOCK];
	*last_r = false;
	if (!l->busy)
		return idle;
	const unsigned char *b;
	if (l->whole > 0) {
		b = l->next;
		l->next += BLOCK;
		l->whole--;
	} else {
		b = l->tail + BLOCK * l->tail_used++;
	}
	*last_r = l->whole == 0 && l->tail_used == l->tail_blocks;
	return b;
}

#define TARGET __attribute__((target("avx512f,avx512bw")))

/* w[t] = word t (big-endian) of each lane's block: a 16 x 16 transpose of words. */
TARGET static void load_words(__m512i w[16], const unsigned char *const block[LANES])
{
	const __m512i swap = _mm512_set_epi8(
	    12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11, 4, 5,
	    6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15,
	    8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3);
	__m512i r[16], t[16], u[16];
	for (int l = 0; l < LANES; l++)
		r[l] = _mm512_shuffle_epi8(_mm512_loadu_si512((const void *)block[l]), swap);
	/* Within each 128-bit quarter: pairs of words, then quads. Afterwards u[4g + j]
	 * holds, in quarter q, word 4q + j of lanes 4g .. 4g + 3. */
	for (int g = 0; g < 4; g++) {
		__m512i *row = &r[4 * g];
		t[4 * g + 0] = _mm512_unpacklo_epi32(row[0], row[1]);
		t[4 * g + 1] = _mm512_unpackhi_epi32(row[0], row[1]);
		t[4 * g + 2] = _mm512_unpacklo_epi32(row[2], row[3]);
		t[4 * g + 3] = _mm512_unpackhi_epi32(row[2], row[3]);
		u[4 * g + 0] = _mm512_unpacklo_epi64(t[4 * g + 0], t[4 * g + 2]);
		u[4 * g + 1] = _mm512_unpackhi_epi64(t[4 * g + 0], t[4 * g + 2]);
		u[4 * g + 2] = _mm512_unpacklo_epi64(t[4 * g + 1], t[4 * g + 3]);
		u[4 * g + 3] = _mm512_unpackhi_epi64(t[4 * g + 1], t[4 * g + 3]);
	}
	/* Then the quarters: word 4q + j of all sixteen lanes into one register. */
	for (int j = 0; j < 4; j++) {
		__m512i x0 = _mm512_shuffle_i32x4(u[j], u[4 + j], 0x44);
		__m512i x1 = _mm512_shuffle_i32x4(u[j], u[4 + j], 0xee);
		__m512i y0 = _mm512_shuffle_i32x4(u[8 + j], u[12 + j], 0x44);
		__m512i y1 = _mm512_shuffle_i32x4(u[8 + j], u[12 + j], 0xee);
		w[0 + j] = _mm512_shuffle_i32x4(x0, y0, 0x88);
		w[4 + j] = _mm512_shuffle_i32x4(x0, y0, 0xdd);
		w[8 + j] = _mm512_shuffle_i32x4(x1, y1, 0x88);
		w[12 + j] = _mm512_shuffle_i32x4(x1, y1, 0xdd);
	}
}

#define ROR(x, n) _mm512_ror_epi32((x), (n))
#define ADD(a, b) _mm512_add_epi32((a), (b))
#define XOR3(a, b, c) _mm512_ternarylogic_epi32((a), (b), (c), 0x96)

/* The 64 rounds over one block per lane, added into the state (FIPS 180-4, 6.2.2). */
TARGET static void compress(__m512i state[8], __m512i w[16])
{
	__m512i a = state[0], b = state[1], c = state[2], d = state[3];
	__m512i e = state[4], f = state[5], g = state[6], h = state[7];
	for (int t = 0; t < 64; t++) {
		__m512i wt = w[t & 15];
		if (t >= 16) {
			__m512i w15 = w[(t - 15) & 15], w2 = w[(t - 2) & 15];
			__m512i s0 = XOR3(ROR(w15, 7), ROR(w15, 18), _mm512_srli_epi32(w15, 3));
			__m512i s1 = XOR3(ROR(w2, 17), ROR(w2, 19), _mm512_srli_epi32(w2, 10));
			wt = ADD(ADD(wt, s0), ADD(w[(t - 7) & 15], s1));
			w[t & 15] = wt;
		}
		__m512i sum1 = XOR3(ROR(e, 6), ROR(e, 11), ROR(e, 25));
		__m512i choose = _mm512_ternarylogic_epi32(e, f, g, 0xca);
		__m512i t1 = ADD(ADD(h, sum1),
				 ADD(choose, ADD(wt, _mm512_set1_epi32((int)round_constants[t]))));
		__m512i sum0 = XOR3(ROR(a, 2), ROR(a, 13), ROR(a, 22));
		__m512i majority = _mm512_ternarylogic_epi32(a, b, c, 0xe8);
		__m512i t2 = ADD(sum0, majority);
		h = g;
		g = f;
		f = e;
		e = ADD(d, t1);
		d = c;
		c = b;
		b = a;
		a = ADD(t1, t2);
	}
	state[0] = ADD(state[0], a);
	state[1] = ADD(state[1], b);
	state[2] = ADD(state[2], c);
	state[3] = ADD(state[3], d);
	state[4] = ADD(state[4], e);
	state[5] = ADD(state[5], f);
	state[6] = ADD(state[6], g);
	state[7] = ADD(state[7], h);
}

struct by_blocks {
	size_t blocks, message;
};

static int longest_first(const void *x, const void *y)
{
	const struct by_blocks *a = x, *b = y;
	if (a->blocks != b->blocks)
		return a->blocks < b->blocks ? 1 : -1;
	return a->message < b->message ? -1 : a->message > b->message;
}

/* All n messages through the lanes; false when the order could not be allocated. */
TARGET static bool hash_lanes(size_t n, const unsigned char *const *data, const size_t *len,
			      char (*hex)[65])
{
	struct by_blocks *order = malloc(n * sizeof(*order));
	if (order == NULL)
		return false;
	for (size_t i = 0; i < n; i++)
		order[i] = (struct by_blocks){.blocks = (len[i] + 9 + BLOCK - 1) / BLOCK, .message = i};
	qsort(order, n, sizeof(*order), longest_first);
	/* A message much longer than the others' share of a lane would keep the other
	 * fifteen lanes idle once they are done (a 64 KiB bounce among short ones): it is
	 * hashed alone with the SHA instructions, which cost less than those idle rounds.
	 * The bound is where the two costs meet, measured here: a block alone takes about
	 * 1.5 lane-blocks, so it pays when the message is over the rest's blocks / 14.5. */
	size_t total = 0, taken = 0;
	for (size_t i = 0; i < n; i++)
		total += order[i].blocks;
	while (taken + 1 < n && order[taken].blocks * 29 > (total - order[taken].blocks) * 2) {
		size_t m = order[taken++].message;
		hash_one(data[m], len[m], hex[m]);
		total -= order[taken - 1].blocks;
	}

	struct lane lanes[LANES];
	__m512i state[8];
	for (int k = 0; k < 8; k++)
		state[k] = _mm512_set1_epi32((int)initial_state[k]);
	size_t busy = 0;
	for (int l = 0; l < LANES; l++) {
		lanes[l].busy = false;
		if (taken < n) {
			size_t m = order[taken++].message;
			lane_take(&lanes[l], data[m], len[m], m);
			busy++;
		}
	}
	while (busy > 0) {
		const unsigned char *block[LANES];
		unsigned finished = 0;
		for (int l = 0; l < LANES; l++) {
			bool last;
			block[l] = lane_block(&lanes[l], &last);
			finished |= (unsigned)last << l;
		}
		__m512i w[16];
		load_words(w, block);
		compress(state, w);
		if (finished == 0)
			continue;
		uint32_t words[8][LANES];
		for (int k = 0; k < 8; k++)
			_mm512_storeu_si512((void *)words[k], state[k]);
		for (int l = 0; l < LANES; l++) {
			if (!(finished >> l & 1))
				continue;
			uint8_t digest[32];
			for (int k = 0; k < 8; k++) {
				digest[4 * k] = (uint8_t)(words[k][l] >> 24);
				digest[4 * k + 1] = (uint8_t)(words[k][l] >> 16);
				digest[4 * k + 2] = (uint8_t)(words[k][l] >> 8);
				digest[4 * k + 3] = (uint8_t)words[k][l];
			}
			to_hex(digest, hex[lanes[l].message]);
			lanes[l].busy = false;
			busy--;
			if (taken < n) {
				size_t m = order[taken++].message;
				lane_take(&lanes[l], data[m], len[m], m);
				busy++;
			}
		}
		/* The lanes that finished start over, whether they took a message or not. */
		for (int k = 0; k < 8; k++)
			state[k] = _mm512_mask_blend_epi32((__mmask16)finished, state[k],
							   _mm512_set1_epi32((int)initial_state[k]));
	}
	free(order);
	return true;
}
#endif

void rb_sha256_hex_many(size_t n, const unsigned char *const *data, const size_t *len,
			char (*hex)[65])
{
#if defined(__x86_64__) && defined(__GNUC__)
	if (n >= MANY_MIN && rb_cpu_has(RB_CPU_AVX512) && hash_lanes(n, data, len, hex))
		return;
#endif
	for (size_t i = 0; i < n; i++)
		hash_one(data[i], len[i], hex[i]);
}
