/*
 * cpu.c - the vector features the loops may use (cpu.h), found once.
 */
#include "cpu.h"

#include <stdlib.h>
#include <string.h>

_Atomic int rb_cpu_features_ = -1;

int rb_cpu_features_detect(void)
{
	int f = 0;
	const char *level = getenv("REBOUND_CPU");
	bool baseline = level != NULL && strcmp(level, "baseline") == 0;
#if defined(__x86_64__) && defined(__GNUC__)
	if (!baseline) {
		if (__builtin_cpu_supports("avx2"))
			f |= RB_CPU_AVX2;
		if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw"))
			f |= RB_CPU_AVX512;
		if ((f & RB_CPU_AVX512) && __builtin_cpu_supports("avx512vbmi2"))
			f |= RB_CPU_AVX512_VBMI2;
		if ((f & RB_CPU_AVX512) && __builtin_cpu_supports("avx512vbmi"))
			f |= RB_CPU_AVX512_VBMI;
	}
#else
	(void)baseline;
#endif
	/* Threads that race here all store the same value. */
	atomic_store_explicit(&rb_cpu_features_, f, memory_order_relaxed);
	return f;
}
