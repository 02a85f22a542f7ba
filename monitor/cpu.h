/* SPDX-License-Identifier: MIT */
/* cpu.h - bring one CPU (BSP or AP) to the monitor's standard state. */
#ifndef MONITOR_CPU_H
#define MONITOR_CPU_H

#include "percpu.h"
#include "x86.h"

/* Main stack (unless the CPU already has one) and IST stacks from the frame pool. */
int cpu_alloc_stacks(struct percpu *pc);

/* On the CPU itself: descriptor tables, control registers, LAPIC, feature detection and the
 * feature log line; then marks it online. */
void cpu_start(struct percpu *pc);

/* XCR0 on this CPU (which has XSAVE): guests run with their own (x87 and SSE for PV
 * partitions), vCPU state is switched with XCR0_SWITCHED &  feat.xcr0_max. */
static inline void cpu_xcr0_set(uint64_t xcr0)
{
	struct percpu *pc = this_cpu();

	if (pc->xcr0 != xcr0) {
		xsetbv(xcr0);
		pc->xcr0 = xcr0;
	}
}

#endif
