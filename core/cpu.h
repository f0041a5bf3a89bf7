/*
 * cpu.h - which vector instructions the hot loops may use.
 *
 * The searches, the squeeze, the JSON copy, the header scans, the mbox split and the
 * hashing lanes have AVX2 or AVX-512 versions beside plain ones that give the same
 * answers. They take the CPU's best, unless the environment has REBOUND_CPU=baseline:
 * then only the plain loops run (SSE2 on x86-64), as on a CPU without those
 * extensions. The tests run once more that way, so that the plain loops are checked
 * on a machine that has AVX-512 too.
 */
#ifndef REBOUND_CORE_CPU_H
#define REBOUND_CORE_CPU_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum rb_cpu_feature {
	RB_CPU_AVX2 = 1,
	RB_CPU_AVX512 = 2,       /* AVX-512 F and BW */
	RB_CPU_AVX512_VBMI2 = 4, /* and VBMI2 (vpcompressb) */
	RB_CPU_AVX512_VBMI = 8,  /* and VBMI (vpermb, vpermi2b) */
};

extern _Atomic int rb_cpu_features_; /* -1 until first asked */
int rb_cpu_features_detect(void);

/* The mask of the first min(n, 64) bytes of a 64-byte block: what the AVX-512 loops
 * load and store of a text's last block, so that nothing past its end is touched. */
static inline uint64_t rb_block_mask(size_t n)
{
	return n >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << n) - 1;
}

/* Does the CPU have all the features in want (and may the loops use them)? */
static inline bool rb_cpu_has(int want)
{
	int f = atomic_load_explicit(&rb_cpu_features_, memory_order_relaxed);
	if (f < 0)
		f = rb_cpu_features_detect();
	return (f & want) == want;
}

#endif
