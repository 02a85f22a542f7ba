/* SPDX-License-Identifier: MIT */
/* insn.h - the little instruction decoding the monitor needs without NRIPS or decode assists:
 * reading guest code through the guest's own page tables and the partition's memory. */
#ifndef MONITOR_INSN_H
#define MONITOR_INSN_H

#include <stdbool.h>
#include <stddef.h>
#include "vcpu.h"

/* Copy n bytes at guest-virtual gva (4-level long-mode walk from the vCPU's CR3; every
 * table and the data must lie in the partition's memory). 0 or -BH_EFAULT. */
int guest_read_virt(struct vcpu *v, uint64_t gva, void *buf, size_t n);

/* Is the instruction at RIP VMMCALL (0f 01 d9) or VMCALL (0f 01 c1)? */
bool insn_is_hypercall(struct vcpu *v);

/* Length of the instruction that caused an exit of this reason, or 0 if it has none. The
 * intercepted instructions have one encoding each; a partition that adds prefixes only
 * confuses itself. */
static inline unsigned insn_length(enum exit_reason reason)
{
	static const uint8_t len[EXIT_REASONS] = {
		[EXIT_CPUID] = 2,     /* 0f a2 */
		[EXIT_HLT] = 1,       /* f4 */
		[EXIT_HYPERCALL] = 3, /* 0f 01 d9 / 0f 01 c1 */
		[EXIT_MSR_READ] = 2,  /* 0f 32 */
		[EXIT_MSR_WRITE] = 2, /* 0f 30 */
		[EXIT_CACHE_FLUSH] = 2, /* 0f 09 */
		[EXIT_XSETBV] = 3,    /* 0f 01 d1 */
	};
	return reason < EXIT_REASONS ? len[reason] : 0;
}

#endif
