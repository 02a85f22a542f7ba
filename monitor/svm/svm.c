/* SPDX-License-Identifier: MIT */
/* svm.c - the AMD SVM backend: enable SVM per CPU, build a vCPU's VMCB, run it, and turn
 * each #VMEXIT into a vendor-neutral struct exit_info (APM vol 2, chapter 15). */
#define pr_fmt(fmt) "svm: " fmt
#include <string.h>
#include <bulkhead/errno.h>
#include "../hvm.h"
#include "../insn.h"
#include "../log.h"
#include "../palloc.h"
#include "../percpu.h"
#include "../vcpu.h"
#include "../x86.h"
#include "svm.h"
#include "svm-exit.h"
#include "vmcb.h"

/* svm-entry.asm: enter the guest, return at #VMEXIT with every GPR clobbered. */
static inline void world_switch(struct gpr *regs, uint64_t vmcb_pa, uint64_t host_area_pa)
{
	__asm__ volatile("call svm_world_switch"
			 : "+D"(regs), "+S"(vmcb_pa), "+d"(host_area_pa)
			 :
			 : "rax", "rbx", "rcx", "rbp", "r8", "r9", "r10", "r11", "r12", "r13",
			   "r14", "r15", "memory", "cc");
}

#define IOPM_PAGES  3 /* 15.10.1 "I/O Permissions Map": 12 KiB, one bit per port */
#define MSRPM_PAGES 2 /* 15.11 "MSR Intercepts": 8 KiB, two bits per MSR */

static uint64_t iopm_pa, msrpm_pa;
bool svm_has_nrips;
static uint8_t tlb_flush_own = 1; /* 3 (flush this guest's ASID) with FlushByAsid */

/* ASIDs tag TLB entries per CPU, and vCPUs are pinned: each CPU numbers its own vCPUs
 * 1, 2, ... so no two vCPUs that share a CPU share a tag (not even two of one partition,
 * whose guest page tables differ). Past the CPU's ASID count (QEMU offers 16), the rest
 * share the last ASID and flush it at every entry (15.16 "TLB Control"). */
static uint32_t next_asid[MAX_CPUS];

static void asid_assign(struct vmcb_control *c, struct vcpu *v)
{
	uint32_t shared = this_cpu()->feat.asids - 1;

	if (!next_asid[v->cpu])
		next_asid[v->cpu] = 1;
	c->asid = next_asid[v->cpu] < shared ? next_asid[v->cpu]++ : shared;
	v->tlb_tag_shared = c->asid == shared;
}
static uint64_t host_area[MAX_CPUS]; /* VMSAVE image of each CPU's host state */

/* MSRs partitions use freely: all are switched by VMLOAD/VMSAVE (15.5.2), so a partition
 * only ever sees and changes its own. Every other MSR access exits (docs/abi.md). */
static const uint32_t msr_passthrough[] = {
	0xc0000100, /* FS_BASE */
	0xc0000101, /* GS_BASE */
	0xc0000102, /* KERNEL_GS_BASE */
	0xc0000081, /* STAR */
	0xc0000082, /* LSTAR */
	0xc0000083, /* CSTAR */
	0xc0000084, /* SFMASK */
	0x00000174, /* SYSENTER_CS */
	0x00000175, /* SYSENTER_ESP */
	0x00000176, /* SYSENTER_EIP */
};

/* Table 15-8 "MSR Ranges Covered by MSRPM": three 2 KiB blocks, read bit then write bit. */
static void msrpm_allow(uint8_t *pm, uint32_t msr)
{
	static const uint32_t range_base[] = { 0x00000000, 0xc0000000, 0xc0010000 };

	for (unsigned r = 0; r < 3; r++) {
		if (msr - range_base[r] < 0x2000) {
			uint32_t bit = (msr - range_base[r]) * 2;
			pm[r * 0x800 + bit / 8] &= ~(3u << (bit % 8));
		}
	}
}

static int bitmaps_init(void)
{
	iopm_pa = palloc(IOPM_PAGES, 0, 0);
	msrpm_pa = palloc(MSRPM_PAGES, 0, 0);
	if (!iopm_pa || !msrpm_pa)
		return -BH_ENOMEM;
	memset((void *)iopm_pa, 0xff, IOPM_PAGES * FRAME_SIZE);
	memset((void *)msrpm_pa, 0xff, MSRPM_PAGES * FRAME_SIZE);
	for (unsigned i = 0; i < sizeof(msr_passthrough) / sizeof(msr_passthrough[0]); i++)
		msrpm_allow((uint8_t *)msrpm_pa, msr_passthrough[i]);
	return 0;
}

static int svm_cpu_enable(void)
{
	struct percpu *pc = this_cpu();
	uint64_t hsave = palloc(1, 0, 0), area = palloc(1, 0, 0);

	if (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS) { /* EFER.SVME would #GP (15.30.1 "VM_CR MSR") */
		pr_err("cpu%u: SVM disabled by firmware (VM_CR.SVMDIS): cannot host partitions; "
		       "enable SVM (\"SVM mode\") in the firmware setup", pc->id);
		return -BH_ENOTSUP;
	}
	if (!pc->feat.nested_paging) {
		pr_err("cpu%u: SVM without nested paging: cannot host partitions", pc->id);
		return -BH_ENOTSUP;
	}
	if (!hsave || !area || (pc->id == 0 && bitmaps_init()))
		return -BH_ENOMEM;
	svm_has_nrips = pc->feat.nrips;
	tlb_flush_own = pc->feat.flush_by_asid ? 3 : 1;
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, hsave);
	__asm__ volatile("vmsave %%rax" : : "a"(area) : "memory");
	host_area[pc->id] = area;
	return 0;
}

/* Flat 64-bit segments: attrib = descriptor bits 47:40 | 55:52 << 8 (Table B-2 note). */
static void save_init(struct vmcb_save *s, uint64_t entry, uint64_t stack, uint64_t cr3)
{
	const struct vmcb_seg data = { 0x10, 0xc93, 0xffffffff, 0 };

	s->cs = (struct vmcb_seg){ 0x08, 0x29b, 0xffffffff, 0 }; /* P, S, code, L */
	s->ds = s->es = s->ss = s->fs = s->gs = data;
	s->tr = (struct vmcb_seg){ 0, 0x8b, 0x67, 0 };            /* busy 64-bit TSS */
	s->ldtr = (struct vmcb_seg){ 0, 0x82, 0, 0 };
	s->gdtr.limit = s->idtr.limit = 0xffff;
	s->efer = EFER_LME | EFER_LMA | EFER_SVME; /* SVME must be set (15.5.1) */
	s->cr0 = 0x80010033;                       /* PG WP NE ET MP PE */
	s->cr4 = (1u << 5) | (1u << 9) | (1u << 10); /* PAE OSFXSR OSXMMEXCPT */
	s->cr3 = cr3;
	s->rflags = 0x2;
	s->rip = entry;
	s->rsp = stack;
	s->dr6 = 0xffff0ff0;
	s->dr7 = 0x400;
	s->g_pat = 0x0007040600070406ull;          /* power-on PAT */
}

static void control_init(struct vmcb_control *c, struct vcpu *v)
{
	c->intercept1 = SVM_INT_INTR | SVM_INT_NMI | SVM_INT_SMI | SVM_INT_INIT | SVM_INT_CPUID |
			SVM_INT_RSM | SVM_INT_INVD | SVM_INT_HLT | SVM_INT_INVLPGA | SVM_INT_IOIO |
			SVM_INT_MSR | SVM_INT_TASKSW | SVM_INT_FERR | SVM_INT_SHUTDOWN;
	c->intercept2 = SVM_INT_VMRUN | SVM_INT_VMMCALL | SVM_INT_VMLOAD | SVM_INT_VMSAVE |
			SVM_INT_STGI | SVM_INT_CLGI | SVM_INT_SKINIT | SVM_INT_ICEBP |
			SVM_INT_WBINVD | SVM_INT_MONITOR | SVM_INT_MWAIT | SVM_INT_XSETBV;
	/* #UD (VMCALL on AMD), #MC, and #DB and #AC (exit_reflect) */
	c->exceptions = (1u << 1) | (1u << 6) | (1u << 17) | (1u << 18);
	c->dr_read = c->dr_write = 0xffff;      /* DR0-3 are not switched: partitions get none */
	c->iopm_pa = v->part->ioperm ? v->part->ioperm : iopm_pa; /* its ports, or none */
	c->msrpm_pa = msrpm_pa;
	c->tlb_control = 1; /* first entry: flush everything an earlier ASID owner left */
	c->vintr = SVM_VINTR_MASKING;
	c->np_enable = 1;
	c->ncr3 = v->part->npt.root;
}

static int svm_vcpu_init(struct vcpu *v, uint64_t entry, uint64_t stack, uint64_t cr3)
{
	uint64_t pa = palloc(1, 0, 0);

	if (!pa)
		return -BH_ENOMEM;
	v->vendor = (void *)pa;
	v->vendor_pa = pa;
	save_init(&((struct vmcb *)pa)->save, entry, stack, cr3);
	control_init(&((struct vmcb *)pa)->ctrl, v);
	asid_assign(&((struct vmcb *)pa)->ctrl, v);
	return 0;
}

/* The VMCB is memory: rewritten in place, keeping the ASID the vCPU has on its CPU (the
 * first entry flushes it). */
static int svm_vcpu_reset(struct vcpu *v, uint64_t entry, uint64_t stack, uint64_t cr3)
{
	struct vmcb *vmcb = v->vendor;
	uint32_t asid = vmcb->ctrl.asid;

	memset(vmcb, 0, sizeof(*vmcb));
	save_init(&vmcb->save, entry, stack, cr3);
	control_init(&vmcb->ctrl, v);
	vmcb->ctrl.asid = asid;
	return 0;
}

static uint64_t svm_get_rip(struct vcpu *v)
{
	return ((struct vmcb *)v->vendor)->save.rip;
}

static void svm_set_rip(struct vcpu *v, uint64_t rip)
{
	((struct vmcb *)v->vendor)->save.rip = rip;
}

static uint64_t svm_get_cr3(struct vcpu *v)
{
	return ((struct vmcb *)v->vendor)->save.cr3;
}

static uint64_t svm_get_cr4(struct vcpu *v)
{
	return ((struct vmcb *)v->vendor)->save.cr4;
}

static void svm_vcpu_run(struct vcpu *v, struct exit_info *e)
{
	struct vmcb *vmcb = v->vendor;

	if (v->part->hvm)
		hvm_prepare(v);
	vmcb->save.rax = v->regs.rax;
	vmcb->save.rsp = v->regs.rsp;
	__asm__ volatile("clgi; sti" ::: "memory");
	world_switch(&v->regs, v->vendor_pa, host_area[v->cpu]);
	__asm__ volatile("cli; stgi" ::: "memory");
	v->regs.rax = vmcb->save.rax;
	v->regs.rsp = vmcb->save.rsp;
	/* An event whose delivery the exit interrupted is delivered again at the next entry
	 * (15.7.2 "Intercepts During IDT Interrupt Delivery"); EVENTINJ was consumed. */
	vmcb->ctrl.eventinj = vmcb->ctrl.exitintinfo & SVM_EVENT_VALID ? vmcb->ctrl.exitintinfo : 0;
	if (v->first_run) { /* TLB_CONTROL stays as written: from now on flush only if shared */
		vmcb->ctrl.tlb_control = v->tlb_tag_shared ? tlb_flush_own : 0;
		v->first_run = false;
	}
	svm_decode_exit(v, vmcb, e);
}

/* v's partition has new nested tables: the next entry uses them with a flushed TLB. */
static void svm_npt_changed(struct vcpu *v)
{
	struct vmcb *vmcb = v->vendor;

	vmcb->ctrl.ncr3 = v->part->npt.root;
	vmcb->ctrl.tlb_control = 1;
	v->first_run = true; /* back to the usual TLB_CONTROL after that entry */
}

/* ---- full-virtualization vCPUs (hvm.c) ---- */

#define RFLAGS_IF (1u << 9)

static bool svm_event_busy(struct vcpu *v)
{
	return ((struct vmcb *)v->vendor)->ctrl.eventinj & SVM_EVENT_VALID;
}

static bool svm_irq_open(struct vcpu *v)
{
	const struct vmcb *vmcb = v->vendor;

	return (vmcb->save.rflags & RFLAGS_IF) && !(vmcb->ctrl.int_shadow & 1) &&
	       !(vmcb->ctrl.eventinj & SVM_EVENT_VALID);
}

static void svm_inject(struct vcpu *v, unsigned type, uint8_t vector, int64_t error)
{
	uint64_t ev = vector | (uint64_t)type << 8 | SVM_EVENT_VALID;

	if (error >= 0)
		ev |= SVM_EVENT_ERR | (uint64_t)(uint32_t)error << 32;
	((struct vmcb *)v->vendor)->ctrl.eventinj = ev;
}

/* A virtual interrupt pending makes the CPU exit (VINTR) when the guest could take it
 * (15.21.4 "Injecting Virtual (INTR) Interrupts"); it is never delivered itself. */
static void svm_irq_window(struct vcpu *v, bool on)
{
	struct vmcb_control *c = &((struct vmcb *)v->vendor)->ctrl;

	if (on) {
		c->vintr |= SVM_V_IRQ | SVM_V_IGN_TPR | SVM_V_PRIO;
		c->intercept1 |= SVM_INT_VINTR;
	} else {
		c->vintr &= ~(SVM_V_IRQ | SVM_V_IGN_TPR | SVM_V_PRIO);
		c->intercept1 &= ~SVM_INT_VINTR;
	}
}

/* The state after INIT (APM 14.1.3, Table 14-1) with CS:IP = vector << 8 : 0. */
static void svm_sipi(struct vcpu *v, uint8_t vector)
{
	struct vmcb *vmcb = v->vendor;
	struct vmcb_save *s = &vmcb->save;
	const struct vmcb_seg data = { 0, 0x93, 0xffff, 0 };

	memset(&s->es, 0, (size_t)((uint8_t *)&s->reserved_0x4a0 - (uint8_t *)&s->es));
	s->cs = (struct vmcb_seg){ (uint16_t)(vector << 8), 0x9b, 0xffff, (uint64_t)vector << 12 };
	s->ds = s->es = s->ss = s->fs = s->gs = data;
	s->tr = (struct vmcb_seg){ 0, 0x8b, 0xffff, 0 };
	s->ldtr = (struct vmcb_seg){ 0, 0x82, 0xffff, 0 };
	s->gdtr.limit = s->idtr.limit = 0xffff;
	s->cpl = 0;
	s->efer = EFER_SVME;
	s->cr0 = 0x60000010; /* CD NW ET */
	s->cr3 = s->cr4 = 0;
	s->rflags = 0x2;
	s->rip = 0;
	s->dr6 = 0xffff0ff0;
	s->dr7 = 0x400;
	v->regs = (struct gpr){ 0 };
	vmcb->ctrl.eventinj = 0;
	vmcb->ctrl.tlb_control = 1;
	v->first_run = true;
}

static uint64_t svm_msr_get(struct vcpu *v, uint32_t msr)
{
	const struct vmcb_save *s = &((struct vmcb *)v->vendor)->save;

	return msr == MSR_EFER ? s->efer & ~EFER_SVME : s->g_pat;
}

static int svm_msr_set(struct vcpu *v, uint32_t msr, uint64_t val)
{
	struct vmcb_save *s = &((struct vmcb *)v->vendor)->save;

	if (msr == MSR_EFER) /* SVME must stay set (15.5.1); LMA is the processor's */
		s->efer = (val & ~(uint64_t)EFER_LMA) | (s->efer & EFER_LMA) | EFER_SVME;
	else
		s->g_pat = val;
	return 0;
}

const struct vendor_ops svm_ops = {
	.name = "svm",
	.cpu_enable = svm_cpu_enable,
	.vcpu_init = svm_vcpu_init,
	.vcpu_reset = svm_vcpu_reset,
	.vcpu_run = svm_vcpu_run,
	.get_rip = svm_get_rip,
	.set_rip = svm_set_rip,
	.get_cr3 = svm_get_cr3,
	.get_cr4 = svm_get_cr4,
	.npt_changed = svm_npt_changed,
	.irq_open = svm_irq_open,
	.event_busy = svm_event_busy,
	.inject = svm_inject,
	.irq_window = svm_irq_window,
	.sipi = svm_sipi,
	.msr_get = svm_msr_get,
	.msr_set = svm_msr_set,
	.npt_format = &pt_format_x86,
	.npt_leaf_rw = PTE_P | PTE_W | PTE_U, /* NPT walks are user accesses (15.25.5) */
	.npt_leaf_ro = PTE_P | PTE_U,
	/* PCD|PWT: host PAT entry 3, UC at power-on and never changed (15.25.8 "Combining
	 * Memory Types, MTRRs"): a device's registers are never cached, whatever guest PAT */
	.npt_leaf_mmio = PTE_P | PTE_W | PTE_U | PTE_PCD | PTE_PWT,
};
