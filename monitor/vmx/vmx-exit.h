/* SPDX-License-Identifier: MIT */
/* vmx-exit.h - VM exit → struct exit_info, inlined into the run path (vmx.c): one table from
 * basic exit reason to neutral reason (SDM vol 3, Appendix C "VMX Basic Exit Reasons"), and
 * what the frequent exits need from the VMCS (28.2 "Recording VM-Exit Information and
 * Updating VM-Entry Control Fields"). The rest is in vmx-exit.c. */
#ifndef MONITOR_VMX_VMX_EXIT_H
#define MONITOR_VMX_VMX_EXIT_H

#include "vmx.h"

static const uint8_t vmx_reasons[VMX_EXIT_NR] = {
	[VMX_EXIT_EXCEPTION_NMI] = EXIT_EXCEPTION, /* refined by vmx_decode_event() */
	[VMX_EXIT_EXT_INTR] = EXIT_INTR,      [VMX_EXIT_PREEMPT_TIMER] = EXIT_INTR,
	[VMX_EXIT_IO_SMI] = EXIT_INTR,        [VMX_EXIT_OTHER_SMI] = EXIT_INTR,
	[VMX_EXIT_TRIPLE_FAULT] = EXIT_SHUTDOWN, [VMX_EXIT_INTR_WINDOW] = EXIT_IRQ_WINDOW,
	[VMX_EXIT_CPUID] = EXIT_CPUID,        [VMX_EXIT_HLT] = EXIT_HLT,
	[VMX_EXIT_VMCALL] = EXIT_HYPERCALL,   [VMX_EXIT_IO] = EXIT_IO,
	[VMX_EXIT_RDMSR] = EXIT_MSR_READ,     [VMX_EXIT_WRMSR] = EXIT_MSR_WRITE,
	[VMX_EXIT_EPT_VIOLATION] = EXIT_NPF,
	[VMX_EXIT_INIT] = EXIT_FORBIDDEN,     [VMX_EXIT_SIPI] = EXIT_FORBIDDEN,
	[VMX_EXIT_TASK_SWITCH] = EXIT_FORBIDDEN, [VMX_EXIT_GETSEC] = EXIT_FORBIDDEN,
	[VMX_EXIT_INVD] = EXIT_FORBIDDEN,     [VMX_EXIT_RSM] = EXIT_FORBIDDEN,
	[VMX_EXIT_VMCLEAR ... VMX_EXIT_VMXON] = EXIT_FORBIDDEN,
	[VMX_EXIT_CR_ACCESS] = EXIT_FORBIDDEN, /* only a fixed CR0/CR4 bit, e.g. CR4.VMXE */
	[VMX_EXIT_MWAIT] = EXIT_FORBIDDEN,    [VMX_EXIT_MONITOR] = EXIT_FORBIDDEN,
	[VMX_EXIT_INVEPT] = EXIT_FORBIDDEN,   [VMX_EXIT_INVVPID] = EXIT_FORBIDDEN,
	[VMX_EXIT_XSETBV] = EXIT_XSETBV,   [VMX_EXIT_VMFUNC] = EXIT_FORBIDDEN,
	[VMX_EXIT_ENCLS] = EXIT_FORBIDDEN,  [VMX_EXIT_WBINVD] = EXIT_CACHE_FLUSH,
	[VMX_EXIT_DR_ACCESS] = EXIT_DR_ACCESS, /* DR0-3 are not switched: partitions get none */
	/* with bit 31 of the exit reason set (28.2.1): the entry failed */
	[VMX_EXIT_BAD_GUEST_STATE] = EXIT_INVALID, [VMX_EXIT_MSR_LOADING] = EXIT_INVALID,
	[VMX_EXIT_MCE_DURING_ENTRY] = EXIT_INVALID,
};
/* The frequent exits need nothing but the reason: those up to EXIT_HYPERCALL. */
_Static_assert(EXIT_INTR < EXIT_HYPERCALL && EXIT_CPUID < EXIT_HYPERCALL &&
		       EXIT_HLT < EXIT_HYPERCALL && EXIT_EXCEPTION > EXIT_HYPERCALL &&
		       EXIT_MSR_READ > EXIT_HYPERCALL && EXIT_INVALID > EXIT_HYPERCALL,
	       "exit_reason order that vmx_decode_exit relies on");

/* After a VM exit of v, whose VMCS is current here. next_rip comes from the VM-exit
 * instruction length, valid for exits caused by instructions (28.2.5); exits that need more
 * than the reason go to vmx_decode_more(). */
static inline void vmx_decode_exit(struct vcpu *v, struct exit_info *e)
{
	uint32_t code = (uint32_t)vmread(EXIT_REASON);
	uint16_t basic = (uint16_t)code;
	uint64_t rip = vmread(GUEST_RIP);

	e->code = code;
	e->reason = basic < VMX_EXIT_NR && vmx_reasons[basic] ? vmx_reasons[basic] : EXIT_UNKNOWN;
	e->next_rip = rip + vmread(EXIT_INSN_LEN);
	e->qual = 0;
	e->addr = 0;
	if (e->reason > EXIT_HYPERCALL)
		vmx_decode_more(v, e, rip);
}

#endif
