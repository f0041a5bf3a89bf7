/*
 * random_input.h - the randomized tests' inputs: a fixed linear congruential sequence,
 * so every run tests the same inputs, and bytes drawn from a small alphabet, so the
 * cases that matter (a match, an escape, a line ending) come up often.
 */
#ifndef REBOUND_TESTS_RANDOM_INPUT_H
#define REBOUND_TESTS_RANDOM_INPUT_H

#include <stddef.h>
#include <stdint.h>

/* The next number of the sequence (the state is *seed). */
static inline uint32_t random_next(uint32_t *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return *seed;
}

/* n bytes drawn from alphabet[0..alphabet_len) into out. */
static inline void random_bytes(uint32_t *seed, const char *alphabet, size_t alphabet_len,
				void *out, size_t n)
{
	unsigned char *o = out;
	for (size_t i = 0; i < n; i++)
		o[i] = (unsigned char)alphabet[(random_next(seed) >> 16) % alphabet_len];
}

#endif
