/* SPDX-License-Identifier: MIT */
/* icount.h - counting instructions with the TSC, for benchmark partitions. Under an
 * emulator whose TSC counts instructions (QEMU -icount, Bochs), a delta divided by the TSC
 * per instruction of a loop of known length is an instruction count. */
#ifndef BENCH_ICOUNT_H
#define BENCH_ICOUNT_H

#include <stdint.h>

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* TSC ticks for n iterations of "dec; jnz": 2n instructions. */
static inline uint64_t loop_calibrate(uint64_t n)
{
	uint64_t t0 = rdtsc();

	__asm__ volatile("1: dec %0; jnz 1b" : "+c"(n) : : "cc");
	return rdtsc() - t0;
}

#endif
