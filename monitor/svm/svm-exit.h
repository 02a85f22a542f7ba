/* SPDX-License-Identifier: MIT */
/* svm-exit.h - #VMEXIT → struct exit_info, inlined into the run path (svm.c): one table from exit code to neutral reason, and
 * the few decodings that need the VMCB (EXITINFO1/2, NRIP). APM vol 2, Appendix C and 15.7
 * "Intercept Operation". */
#ifndef MONITOR_SVM_SVM_EXIT_H
#define MONITOR_SVM_SVM_EXIT_H

#include "../insn.h"
#include "svm.h"

static const uint8_t svm_reasons[SVM_EXIT_NR] = {
	[SVM_EXIT_INTR] = EXIT_INTR,         [SVM_EXIT_NMI] = EXIT_NMI,
	[SVM_EXIT_SMI] = EXIT_INTR,          [SVM_EXIT_CPUID] = EXIT_CPUID,
	[SVM_EXIT_HLT] = EXIT_HLT,           [SVM_EXIT_VMMCALL] = EXIT_HYPERCALL,
	[SVM_EXIT_IOIO] = EXIT_IO,           [SVM_EXIT_MSR] = EXIT_MSR_READ,
	[SVM_EXIT_NPF] = EXIT_NPF,           [SVM_EXIT_SHUTDOWN] = EXIT_SHUTDOWN,
	[SVM_EXIT_INIT] = EXIT_FORBIDDEN,    [SVM_EXIT_RSM] = EXIT_FORBIDDEN,
	[SVM_EXIT_INVD] = EXIT_FORBIDDEN,    [SVM_EXIT_INVLPGA] = EXIT_FORBIDDEN,
	[SVM_EXIT_TASKSW] = EXIT_FORBIDDEN,  [SVM_EXIT_FERR] = EXIT_FORBIDDEN,
	[SVM_EXIT_VMRUN] = EXIT_FORBIDDEN,   [SVM_EXIT_VMLOAD] = EXIT_FORBIDDEN,
	[SVM_EXIT_VMSAVE] = EXIT_FORBIDDEN,  [SVM_EXIT_STGI] = EXIT_FORBIDDEN,
	[SVM_EXIT_CLGI] = EXIT_FORBIDDEN,    [SVM_EXIT_SKINIT] = EXIT_FORBIDDEN,
	[SVM_EXIT_ICEBP] = EXIT_FORBIDDEN,   [SVM_EXIT_MONITOR] = EXIT_FORBIDDEN,
	[SVM_EXIT_MWAIT] = EXIT_FORBIDDEN,   [SVM_EXIT_XSETBV] = EXIT_XSETBV,
	[SVM_EXIT_DR_BASE ... SVM_EXIT_DR_BASE + 0x1f] = EXIT_DR_ACCESS,
	[SVM_EXIT_VINTR] = EXIT_IRQ_WINDOW,
	[SVM_EXIT_WBINVD] = EXIT_CACHE_FLUSH,
	[SVM_EXIT_EXCP_BASE + 1] = EXIT_EXCEPTION,  /* #DB */
	[SVM_EXIT_EXCP_BASE + 6] = EXIT_EXCEPTION,  /* #UD: maybe a VMCALL, see below */
	[SVM_EXIT_EXCP_BASE + 17] = EXIT_EXCEPTION, /* #AC */
	[SVM_EXIT_EXCP_BASE + 18] = EXIT_EXCEPTION, /* #MC */
};

#define IOIO_IN   (1u << 0) /* EXITINFO1, 15.10.2 "IN and OUT Behavior" */
#define IOIO_PORT(info1) ((uint16_t)((info1) >> 16))

static inline void svm_decode_exit(struct vcpu *v, const struct vmcb *vmcb,
				   struct exit_info *e)
{
	uint64_t code = vmcb->ctrl.exitcode;

	e->code = code;
	e->qual = vmcb->ctrl.exitinfo1;
	e->addr = vmcb->ctrl.exitinfo2;
	if ((uint32_t)code == SVM_EXIT_INVALID) {
		e->reason = EXIT_INVALID;
		return;
	}
	e->reason = code < SVM_EXIT_NR && svm_reasons[code] ? svm_reasons[code] : EXIT_UNKNOWN;
	/* NRIP is valid for intercepted instructions (15.7.1 "State Saved on Exit") */
	e->next_rip = svm_has_nrips ? vmcb->ctrl.nrip : vmcb->save.rip + insn_length(e->reason);
	switch (code) {
	case SVM_EXIT_MSR: /* EXITINFO1 = 1 for WRMSR; the MSR number is in ECX */
		e->reason = e->qual ? EXIT_MSR_WRITE : EXIT_MSR_READ;
		e->addr = (uint32_t)v->regs.rcx;
		break;
	case SVM_EXIT_IOIO: /* EXITINFO2 holds the next RIP even without NRIPS */
		e->addr = IOIO_PORT(e->qual);
		e->next_rip = vmcb->ctrl.exitinfo2;
		/* SZ8/16/32 in bits 6:4 are the size in bytes; STR bit 2, REP bit 3 */
		e->qual = ((e->qual >> 4) & EXIT_IO_SIZE) | (e->qual & IOIO_IN ? EXIT_IO_IN : 0) |
			  (e->qual & 0xc ? EXIT_IO_STRING : 0);
		break;
	case SVM_EXIT_EXCP_BASE + 6:
		e->qual = 6;
		if (insn_is_hypercall(v)) {
			e->reason = EXIT_HYPERCALL;
			e->next_rip = vmcb->save.rip + insn_length(EXIT_HYPERCALL);
		}
		break;
	case SVM_EXIT_EXCP_BASE + 1:
	case SVM_EXIT_EXCP_BASE + 17:
	case SVM_EXIT_EXCP_BASE + 18:
		e->qual = code - SVM_EXIT_EXCP_BASE;
		break;
	}
}

#endif
