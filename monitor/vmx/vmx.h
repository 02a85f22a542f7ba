/* SPDX-License-Identifier: MIT */
/* vmx.h - internals shared by the VMX backend's files: the VMX instructions (SDM vol 3,
 * chapter 31 "VMX Instruction Reference") and the per-vCPU backend state. */
#ifndef MONITOR_VMX_VMX_H
#define MONITOR_VMX_VMX_H

#include <stdbool.h>
#include "../vcpu.h"
#include "vmcs.h"

/* What v->vendor points to. The VMCS itself is the processor's (v->vendor_pa). */
struct vmx_vcpu {
	uint64_t vmcs_pa;
	uint64_t vapic_pa;        /* virtual-APIC page (TPR shadow) */
	uint16_t vpid;
	bool launched;            /* VMRESUME from now on (31.3 "VMLAUNCH/VMRESUME") */
	bool reset_pending;       /* its CPU rewrites the VMCS from reset before the next entry */
	uint64_t armed_until;     /* the run_until GUEST_PREEMPT_TIMER was last set for */
	uint64_t syscall_msrs[5]; /* KERNEL_GS_BASE STAR LSTAR CSTAR SFMASK: see vmx.c */
	uint64_t reset[3];        /* entry, stack, CR3 of the start state to rewrite */
};

/* VMREAD/VMWRITE act on this CPU's current VMCS. They fail (CF or ZF set, 31.2
 * "Conventions") only for a field the processor lacks: vmcs_write() checks, at setup. */
static inline uint64_t vmread(enum vmcs_field f)
{
	uint64_t v;

	__asm__ volatile("vmread %1, %0" : "=r"(v) : "r"((uint64_t)f) : "cc");
	return v;
}

static inline void vmwrite(enum vmcs_field f, uint64_t v)
{
	__asm__ volatile("vmwrite %1, %0" : : "r"((uint64_t)f), "rm"(v) : "cc", "memory");
}

static inline bool vmcs_write(enum vmcs_field f, uint64_t v)
{
	bool fail;

	__asm__ volatile("vmwrite %2, %1; setna %0"
			 : "=q"(fail) : "r"((uint64_t)f), "rm"(v) : "cc", "memory");
	return !fail;
}

/* VMXON, VMCLEAR and VMPTRLD take the physical address from memory; true on success. */
#define VMX_PTR_INSN(name)                                                          \
	static inline bool name(uint64_t pa)                                        \
	{                                                                           \
		bool fail;                                                          \
		__asm__ volatile(#name " %1; setna %0"                              \
				 : "=q"(fail) : "m"(pa) : "cc", "memory");          \
		return !fail;                                                       \
	}
VMX_PTR_INSN(vmxon)
VMX_PTR_INSN(vmclear)
VMX_PTR_INSN(vmptrld)
#undef VMX_PTR_INSN

/* INVEPT and INVVPID take a 128-bit descriptor (31.3, "INVEPT" and "INVVPID"). */
static inline void invept(uint64_t type, uint64_t eptp)
{
	struct { uint64_t eptp, zero; } d = { eptp, 0 };

	__asm__ volatile("invept %0, %1" : : "m"(d), "r"(type) : "cc", "memory");
}

static inline void invvpid(uint64_t type, uint16_t vpid)
{
	struct { uint64_t vpid, linear; } d = { vpid, 0 };

	__asm__ volatile("invvpid %0, %1" : : "m"(d), "r"(type) : "cc", "memory");
}

/* vmx-exit.c: the rarer exits, which stop the partition or need the exit qualification or
 * event information (vmx-exit.h decodes the frequent ones). */
void vmx_decode_more(struct vcpu *v, struct exit_info *e, uint64_t rip);

/* A VM entry that failed: log which check category refused it, and fill *e. fail is the
 * world switch's result, or VMX_ENTERED for a VM exit with bit 31 set (27.8 "VM-Entry
 * Failures During or After Loading Guest State"). */
enum { VMX_ENTERED = 0, VMX_FAIL_VALID = 1, VMX_FAIL_INVALID = 2 };
void vmx_entry_failed(struct vcpu *v, struct exit_info *e, int fail);

/* vmx-entry.asm */
void vmx_exit_stub(void); /* HOST_RIP; not callable */
void vmx_nmi_unblock(void);

#endif
