/* SPDX-License-Identifier: MIT */
/* hcbench.c - monitor path lengths, measured from inside a partition.
 *
 * Under an emulator whose TSC counts instructions (QEMU -icount, Bochs), an RDTSC delta is
 * proportional to instructions executed, the monitor's included. Three exact loops:
 *   C: dec; jnz                      2 partition instructions per iteration
 *   B: mov; dec; jnz                 3
 *   A: mov; VMMCALL null; dec; jnz   3 + the monitor's round trip (an intercepted VMMCALL
 *                                    counts as no instruction, VMRUN as one)
 * TSC per instruction = C / 2K, so monitor instructions per call = (A - B) / N / that.
 * Then a pure compute loop runs for one second of virtual time and counts its exits.
 * Prints "BENCH <name> <value> <unit>" lines.
 */
#include <stdint.h>
#include <stdio.h>
#include <bulkhead/hypercall.h>
#include "icount.h"
#include "rt/hypercall.h"
#include "rt/rt.h"

#define N 20000ull  /* hypercalls */
#define K 200000ull /* calibration iterations */

static uint64_t loop_plain(uint64_t n)
{
	uint64_t t0 = rdtsc();

	__asm__ volatile("1: mov %1, %%eax; dec %0; jnz 1b"
			 : "+c"(n) : "i"(BH_HC_NULL) : "rax", "cc");
	return rdtsc() - t0;
}

static uint64_t loop_hypercall(uint64_t n)
{
	uint64_t t0 = rdtsc();

	if (bh_hc_insn == BH_INSN_VMCALL)
		__asm__ volatile("1: mov %1, %%eax; vmcall; dec %0; jnz 1b"
				 : "+c"(n) : "i"(BH_HC_NULL) : "rax", "cc", "memory");
	else
		__asm__ volatile("1: mov %1, %%eax; vmmcall; dec %0; jnz 1b"
				 : "+c"(n) : "i"(BH_HC_NULL) : "rax", "cc", "memory");
	return rdtsc() - t0;
}

/* Spin one second of TSC time without a hypercall; → exits taken meanwhile. */
static long compute_exits_per_second(uint64_t tsc_hz)
{
	long e0 = bh_hc0(BH_HC_VCPU_EXITS);
	uint64_t t0 = rdtsc();
	volatile uint64_t x = 1;

	while (rdtsc() - t0 < tsc_hz)
		x = x * 6364136223846793005ull + 1442695040888963407ull;
	return bh_hc0(BH_HC_VCPU_EXITS) - e0 - 1; /* the second call is an exit too */
}

int main(void)
{
	const struct bh_partition_info *info = bh_info_page();
	const char *backend = bh_hc_insn == BH_INSN_VMCALL ? "vmx" : "svm";
	uint64_t c, b, a;

	loop_hypercall(100); /* warm up: first entries flush TLBs */
	c = loop_calibrate(K);
	b = loop_plain(N);
	a = loop_hypercall(N);
	if (a <= b || !c) {
		printf("hcbench: TSC does not count instructions here (a=%llu b=%llu c=%llu)\n",
		       (unsigned long long)a, (unsigned long long)b, (unsigned long long)c);
		return 1;
	}
	unsigned long long insns = (unsigned long long)((unsigned __int128)(a - b) * 2 * K / (c * N));
	printf("BENCH hypercall.null.%s %llu instructions\n", backend, insns);
	printf("BENCH compute.exits.%s %ld exits/s\n", backend,
	       compute_exits_per_second(info->tsc_hz));
	return 0;
}
