/* SPDX-License-Identifier: MIT */
/* mitigate.h - transient-execution mitigations between partitions on one CPU: what this CPU
 * needs is decided once (mitigate_init, from CPUID and IA32_ARCH_CAPABILITIES) and printed;
 * the scheduler calls mitigate_switch when the next vCPU belongs to another partition than
 * the last one run here. The return-stack fill after every exit is in svm-entry.asm and
 * vmx-entry.asm (rsb.inc); VERW before every VMX entry in vmx-entry.asm (vmx_verw). */
#ifndef MONITOR_MITIGATE_H
#define MONITOR_MITIGATE_H

#include <stdbool.h>
#include <stdint.h>
#include "percpu.h"
#include "x86.h"

#define MSR_PRED_CMD  0x49  /* bit 0: IBPB */
#define MSR_FLUSH_CMD 0x10b /* bit 0: L1D flush */

/* Decide and log this CPU's mitigations ("cpuN: mitigations: ..."). */
void mitigate_init(struct percpu *pc);

/* Another partition runs next here: no branch prediction it trained, no L1D data of the
 * last one it could sample (L1TF), survives the switch. */
static inline void mitigate_switch(const struct percpu *pc)
{
	if (pc->ibpb)
		wrmsr(MSR_PRED_CMD, 1);
	if (pc->l1d_flush)
		wrmsr(MSR_FLUSH_CMD, 1);
}

#endif
