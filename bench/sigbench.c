/* SPDX-License-Identifier: MIT */
/* sigbench.c - what one cross-partition signal costs, the IPI included (make bench).
 *
 *   role=ping chan=<id> n=<N>   N times: BH_HC_SIGNAL the peer, BH_HC_WAIT for its answer
 *   role=pong chan=<id>         for ever: BH_HC_WAIT, then BH_HC_SIGNAL back
 *
 * With ping and pong on two CPUs, one round trip is two signals, each carried by an IPI to
 * a halted CPU that wakes, takes the kick, finds its vCPU runnable and enters it. Under an
 * instruction-counting clock (QEMU -icount, one clock for all CPUs; halted CPUs count
 * nothing) the round trip's TSC delta over two is one signal: the sender's hypercall, the
 * IPI, the receiver's wake-up and entry, and the wait hypercall it returns from. The
 * partitions' own loop instructions (about ten per side) are included; the TSC is
 * converted to instructions with a loop of known length, as in hcbench.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <bulkhead/hypercall.h>
#include "icount.h"
#include "rt/hypercall.h"
#include "rt/rt.h"

int main(void)
{
	char role[8] = "";
	uint64_t chan = 0, n = 2000;
	const char *backend = bh_hc_insn == BH_INSN_VMCALL ? "vmx" : "svm";

	bh_arg("role", role, sizeof(role));
	bh_arg_u64("chan", &chan);
	bh_arg_u64("n", &n);
	if (!strcmp(role, "pong"))
		for (;;) {
			bh_wait();
			bh_hc1(BH_HC_SIGNAL, chan);
		}
	for (int i = 0; i < 10; i++) { /* warm up: first entries, the peer reaching its wait */
		bh_hc1(BH_HC_SIGNAL, chan);
		bh_wait();
	}
	uint64_t c = loop_calibrate(200000), t0 = rdtsc();
	for (uint64_t i = 0; i < n; i++) {
		bh_hc1(BH_HC_SIGNAL, chan);
		bh_wait();
	}
	uint64_t t = rdtsc() - t0;
	unsigned long long insns = (unsigned long long)((unsigned __int128)t * 2 * 200000 / (c * n * 2));
	printf("BENCH signal.cross_cpu.%s %llu instructions\n", backend, insns);
	return 0;
}
