/* SPDX-License-Identifier: MIT */
/* vmx.c - the Intel VMX backend: VMXON per CPU, a VMCS per vCPU with every control checked
 * against the capability MSRs, EPT and VPID, and the run loop around the world switch (SDM
 * vol 3C, chapters 24-31). Exits become vendor-neutral struct exit_info in vmx-exit.c. */
#define pr_fmt(fmt) "vmx: " fmt
#include <stddef.h>
#include <bulkhead/errno.h>
#include "../clock.h"
#include "../log.h"
#include "../palloc.h"
#include "../percpu.h"
#include "../sched.h"
#include "../x86.h"
#include "../hvm.h"
#include "vmx-exit.h"
#include "vmx-hvm.h"

_Static_assert(offsetof(struct gpr, rax) == 0 && offsetof(struct gpr, r15) == 112 &&
		       offsetof(struct gpr, rsp) == 120, "struct gpr: the layout vmx-entry.asm uses");

#define MSR_PAT       0x277u
#define MSR_FS_BASE   0xc0000100u
#define START_CR0     0x80010033ul                       /* PG WP NE ET MP PE */
#define START_CR4     (CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT)
#define START_PAT     0x0007040600070406ull              /* power-on PAT */
#define CR4_PAE       (1ul << 5)
/* #UD (VMMCALL on Intel), #MC, and #DB and #AC (exit_reflect) */
#define EXCEPTIONS    ((1u << 1) | (1u << 6) | (1u << 17) | (1u << 18))

/* ---- controls (25.6-25.8), checked against Appendix A ---- */

enum { CTL_PIN, CTL_PROC, CTL_PROC2, CTL_EXIT, CTL_ENTRY, CTL_COUNT };

/* A control word: bits the monitor needs, bits it uses when offered, and bits it cannot
 * work with. The capability MSR gives allowed-0 settings in bits 31:0 (a 1 there = must be
 * 1) and allowed-1 settings in 63:32 (A.3-A.5); the TRUE_* MSR, when IA32_VMX_BASIC[55]
 * says it exists, lets default-1 controls such as CR3-load exiting be 0 (A.2). */
struct vmx_ctl {
	const char *name;
	uint32_t msr, true_msr;
	uint32_t want, optional, avoid;
};

static const struct vmx_ctl ctl_specs[CTL_COUNT] = {
	[CTL_PIN] = { "pin-based", MSR_VMX_PINBASED, MSR_VMX_TRUE_PIN,
		      PIN_EXT_INTR | PIN_NMI | PIN_PREEMPT_TIMER, 0, 0 },
	[CTL_PROC] = { "processor-based", MSR_VMX_PROCBASED, MSR_VMX_TRUE_PROC,
		       PROC_HLT | PROC_MWAIT | PROC_MOV_DR | PROC_TPR_SHADOW | PROC_IO_BITMAPS |
			       PROC_MSR_BITMAPS | PROC_MONITOR | PROC_SECONDARY,
		       0, PROC_CR3_LOAD | PROC_CR3_STORE | PROC_CR8_LOAD | PROC_CR8_STORE },
	[CTL_PROC2] = { "secondary processor-based", MSR_VMX_PROCBASED2, 0,
			PROC2_EPT | PROC2_VPID,
			PROC2_RDTSCP | PROC2_INVPCID | PROC2_WBINVD | PROC2_ENCLS, 0 },
	[CTL_EXIT] = { "VM-exit", MSR_VMX_EXIT, MSR_VMX_TRUE_EXIT,
		       EXIT_SAVE_DEBUG | EXIT_HOST_64 | EXIT_LOAD_PAT | EXIT_LOAD_EFER, 0,
		       EXIT_ACK_INTR },
	[CTL_ENTRY] = { "VM-entry", MSR_VMX_ENTRY, MSR_VMX_TRUE_ENTRY,
			ENTRY_LOAD_DEBUG | ENTRY_GUEST_64 | ENTRY_LOAD_PAT | ENTRY_LOAD_EFER, 0, 0 },
};

static uint32_t ctl_values[CTL_COUNT];
static uint32_t preempt_ticks;        /* one time slice in VMX-preemption-timer units */
static uint64_t invept_type, invvpid_type;
static uint64_t io_bitmaps_pa, msr_bitmap_pa;

static int ctl_adjust(const struct vmx_ctl *c, bool true_ctls, uint32_t *out)
{
	uint64_t cap = rdmsr(true_ctls && c->true_msr ? c->true_msr : c->msr);
	uint32_t must = (uint32_t)cap, may = (uint32_t)(cap >> 32);

	*out = (c->want | (c->optional & may) | must) & may;
	if (c->want & ~may)
		pr_err("%s controls %#x not supported: cannot host partitions", c->name,
		       c->want & ~may);
	else if (*out & c->avoid)
		pr_err("%s controls %#x cannot be cleared: cannot host partitions", c->name,
		       *out & c->avoid);
	else
		return 0;
	return -BH_ENOTSUP;
}

/* INVEPT and INVVPID: single-context when offered, else all-context (A.10). */
static int flush_types_init(void)
{
	uint64_t cap = rdmsr(MSR_VMX_EPT_VPID);

	if (!(cap & EPT_CAP_INVEPT) || !(cap & (EPT_CAP_INVEPT_SINGLE | EPT_CAP_INVEPT_ALL)) ||
	    !(cap & EPT_CAP_INVVPID) || !(cap & (EPT_CAP_INVVPID_SINGLE | EPT_CAP_INVVPID_ALL))) {
		pr_err("INVEPT or INVVPID missing (capabilities %#lx): cannot keep EPT- and "
		       "VPID-tagged TLBs coherent", cap);
		return -BH_ENOTSUP;
	}
	invept_type = cap & EPT_CAP_INVEPT_SINGLE ? INV_SINGLE : INV_ALL;
	invvpid_type = cap & EPT_CAP_INVVPID_SINGLE ? INV_SINGLE : INV_ALL;
	return 0;
}

/* The VMX-preemption timer counts down every 2^rate TSC ticks (26.5.1 "VMX-Preemption
 * Timer") and restarts from this value at each VM entry. It ends a slice even when the guest
 * runs with interrupts off and the platform does not take the external-interrupt exit then
 * (Bochs 2.7: docs/testing.md). */
static unsigned preempt_rate; /* the timer ticks every 2^rate TSC ticks */

static void preempt_init(void)
{
	uint64_t ticks;

	preempt_rate = VMX_MISC_TIMER_RATE(rdmsr(MSR_VMX_MISC));
	ticks = clock_ns_to_tsc(SLICE_NS) >> preempt_rate;

	preempt_ticks = ticks > 0xffffffffu ? 0xffffffffu : ticks ? (uint32_t)ticks : 1;
}

static int controls_init(const struct cpu_features *f)
{
	int r = 0;

	for (unsigned i = 0; i < CTL_COUNT && !r; i++)
		r = ctl_adjust(&ctl_specs[i], f->true_ctls, &ctl_values[i]);
	if (r || (r = flush_types_init()))
		return r;
	preempt_init();
	return 0;
}

/* ---- bitmaps: every port and MSR exits but the MSRs below ---- */

/* MSRs partitions use freely, as on SVM (docs/abi.md). The first five are VMCS guest-state
 * fields, switched by every VM entry and exit (25.4.1 "Guest Register State"). The SYSCALL
 * ones are not in the VMCS: the monitor never uses them, so they are switched lazily, only
 * when another vCPU runs on this CPU, like the FPU (syscall_msrs_switch). */
static const uint32_t msr_in_vmcs[] = {
	0xc0000100, /* FS_BASE */
	0xc0000101, /* GS_BASE */
	0x00000174, /* SYSENTER_CS */
	0x00000175, /* SYSENTER_ESP */
	0x00000176, /* SYSENTER_EIP */
};
static const uint32_t msr_syscall[5] = {
	0xc0000102, /* KERNEL_GS_BASE */
	0xc0000081, /* STAR */
	0xc0000082, /* LSTAR */
	0xc0000083, /* CSTAR */
	0xc0000084, /* SFMASK */
};

/* 25.6.9 "MSR-Bitmap Address": read bitmaps of MSRs 0-1FFFH and C0000000H-C0001FFFH at
 * offsets 0 and 1024, the write bitmaps at 2048 and 3072; a set bit makes the access exit. */
static void msr_allow(uint8_t *bm, uint32_t msr)
{
	unsigned high = msr >= 0xc0000000u ? 1024 : 0, bit = msr & 0x1fff;

	bm[high + bit / 8] &= ~(1u << (bit % 8));
	bm[2048 + high + bit / 8] &= ~(1u << (bit % 8));
}

/* 25.6.4 "I/O-Bitmap Addresses": A covers ports 0-7FFFH, B the rest; all set: every port
 * exits. Both pages and the MSR bitmap are shared by every vCPU. */
static int bitmaps_init(void)
{
	io_bitmaps_pa = palloc(2, 0, 0);
	msr_bitmap_pa = palloc(1, 0, 0);
	if (!io_bitmaps_pa || !msr_bitmap_pa)
		return -BH_ENOMEM;
	__builtin_memset((void *)io_bitmaps_pa, 0xff, 2 * PAGE_4K);
	__builtin_memset((void *)msr_bitmap_pa, 0xff, PAGE_4K);
	for (unsigned i = 0; i < sizeof(msr_in_vmcs) / sizeof(msr_in_vmcs[0]); i++)
		msr_allow((uint8_t *)msr_bitmap_pa, msr_in_vmcs[i]);
	for (unsigned i = 0; i < sizeof(msr_syscall) / sizeof(msr_syscall[0]); i++)
		msr_allow((uint8_t *)msr_bitmap_pa, msr_syscall[i]);
	return 0;
}

/* ---- VMX operation on each CPU (24.7 "Enabling and Entering VMX Operation") ---- */

/* A VMXON region or VMCS: a zeroed page starting with the VMCS revision identifier, below
 * 4 GiB if IA32_VMX_BASIC[48] says addresses are limited to 32 bits (A.1). */
static uint64_t vmx_region(void)
{
	uint64_t basic = rdmsr(MSR_VMX_BASIC);
	uint64_t pa = palloc(1, 0, basic & (1ull << 48) ? LIMIT_4G : 0);

	if (pa)
		*(volatile uint32_t *)pa = VMX_BASIC_REVISION(basic);
	return pa;
}

static int check_features(const struct percpu *pc)
{
	const struct cpu_features *f = &pc->feat;

	if (f->nested_paging && f->vpid && f->preempt_timer && !f->vmx_locked_off)
		return 0;
	pr_err("cpu%u: VMX needs EPT (4-level, write-back), VPID and the preemption timer, "
	       "enabled in IA32_FEATURE_CONTROL (ept=%d vpid=%d preempt_timer=%d locked_off=%d)",
	       pc->id, f->nested_paging, f->vpid, f->preempt_timer, f->vmx_locked_off);
	return -BH_ENOTSUP;
}

/* 24.7: VMXON needs IA32_FEATURE_CONTROL locked with "VMXON outside SMX" set (firmware may
 * have done it: then it is read-only), and CR0/CR4 within the fixed-bit MSRs (24.8
 * "Restrictions on VMX Operation"), CR4.VMXE included. */
static void feature_control_enable(void)
{
	uint64_t fc = rdmsr(MSR_FEATURE_CTL);

	if (!(fc & FEATURE_CTL_LOCK))
		wrmsr(MSR_FEATURE_CTL, fc | FEATURE_CTL_VMX | FEATURE_CTL_LOCK);
}

static uint64_t cr_fixed(uint64_t v, uint32_t fixed0_msr)
{
	return (v | rdmsr(fixed0_msr)) & rdmsr(fixed0_msr + 1);
}

static int vmx_cpu_enable(void)
{
	struct percpu *pc = this_cpu();
	uint64_t region;
	int r;

	if ((r = check_features(pc)))
		return r;
	if (pc->id == 0 && ((r = controls_init(&pc->feat)) || (r = bitmaps_init())))
		return r;
	if (!(region = vmx_region()))
		return -BH_ENOMEM;
	feature_control_enable();
	write_cr0(cr_fixed(read_cr0(), MSR_VMX_CR0_FIXED0));
	write_cr4(cr_fixed(read_cr4() | CR4_VMXE, MSR_VMX_CR4_FIXED0));
	if (!vmxon(region)) {
		pr_err("cpu%u: VMXON failed (IA32_FEATURE_CONTROL %#lx)", pc->id,
		       rdmsr(MSR_FEATURE_CTL));
		return -BH_EIO;
	}
	return 0;
}

/* ---- one VMCS per vCPU ---- */

struct vmcs_value {
	enum vmcs_field field;
	uint64_t value;
};

static int vmcs_write_all(const struct vmcs_value *t, unsigned n)
{
	int r = 0;

	for (unsigned i = 0; i < n; i++) {
		if (!vmcs_write(t[i].field, t[i].value)) {
			pr_err("VMWRITE of field %#x failed (VM-instruction error %lu)",
			       t[i].field, vmread(VM_INSN_ERROR));
			r = -BH_EIO;
		}
	}
	return r;
}

#define WRITE_ALL(t) vmcs_write_all(t, sizeof(t) / sizeof(t[0]))

static uint64_t eptp(const struct vcpu *v)
{
	return v->part->npt.root | EPTP_4LEVEL | EPTP_WB; /* 25.6.11 "... Pointer (EPTP)" */
}

/* 25.6 "VM-Execution Control Fields", 25.7, 25.8, and the constant host state (25.5). */
static int controls_write(struct vcpu *v, uint64_t vapic)
{
	uint64_t io_a = v->part->ioperm ? v->part->ioperm : io_bitmaps_pa;
	const struct vmx_vcpu *x = v->vendor;
	const struct vmcs_value t[] = {
		{ PIN_CONTROLS, ctl_values[CTL_PIN] },
		{ PROC_CONTROLS, ctl_values[CTL_PROC] },
		{ PROC_CONTROLS2, ctl_values[CTL_PROC2] },
		{ EXIT_CONTROLS, ctl_values[CTL_EXIT] },
		{ ENTRY_CONTROLS, ctl_values[CTL_ENTRY] },
		{ EXCEPTION_BITMAP, EXCEPTIONS },
		{ PF_ERROR_MASK, 0 }, { PF_ERROR_MATCH, 0 }, { CR3_TARGET_COUNT, 0 },
		{ EXIT_MSR_STORE_COUNT, 0 }, { EXIT_MSR_LOAD_COUNT, 0 },
		{ ENTRY_MSR_LOAD_COUNT, 0 }, { ENTRY_INTR_INFO, 0 }, { TSC_OFFSET, 0 },
		{ IO_BITMAP_A, io_a }, { IO_BITMAP_B, io_a + PAGE_4K }, /* its ports, or none */
		{ MSR_BITMAP, msr_bitmap_pa },
		{ VIRTUAL_APIC_ADDR, vapic }, { TPR_THRESHOLD, 0 }, /* MOV CR8 → its own TPR */
		{ EPT_POINTER, eptp(v) },
		{ VMCS_VPID, x->vpid },
		{ GUEST_PREEMPT_TIMER, preempt_ticks },
		{ HOST_CS_SEL, SEL_CODE }, { HOST_SS_SEL, SEL_DATA }, { HOST_DS_SEL, SEL_DATA },
		{ HOST_ES_SEL, SEL_DATA }, { HOST_FS_SEL, 0 }, { HOST_GS_SEL, 0 },
		{ HOST_TR_SEL, SEL_TSS },
		{ HOST_SYSENTER_CS, 0 }, { HOST_SYSENTER_ESP, 0 }, { HOST_SYSENTER_EIP, 0 },
		{ HOST_RIP, (uint64_t)vmx_exit_stub },
	};
	return WRITE_ALL(t);
}

/* The start state of docs/abi.md, as the SVM backend sets it, in VMCS form (25.4 "Guest-
 * State Area"; it passes 27.3.1 "Checks on the Guest State Area"). CR0 and CR4 get the bits
 * VMX operation fixes (A.7, A.8); the guest/host masks and read shadows hide them, so the
 * partition reads back the start values, and a write that changes a fixed bit (CR4.VMXE)
 * exits as a forbidden instruction (26.3 "Changes to Instruction Behavior in VMX Non-Root
 * Operation"). */
static int guest_write(uint64_t entry, uint64_t stack, uint64_t cr3)
{
	uint64_t cr0 = cr_fixed(START_CR0, MSR_VMX_CR0_FIXED0);
	uint64_t cr4 = cr_fixed(START_CR4, MSR_VMX_CR4_FIXED0);
	const struct vmcs_value t[] = {
		{ GUEST_CR0, cr0 }, { CR0_GUEST_HOST_MASK, cr0 ^ START_CR0 },
		{ CR0_READ_SHADOW, START_CR0 },
		{ GUEST_CR4, cr4 }, { CR4_GUEST_HOST_MASK, (cr4 ^ START_CR4) | CR4_VMXE },
		{ CR4_READ_SHADOW, START_CR4 },
		{ GUEST_CR3, cr3 }, { GUEST_RIP, entry }, { GUEST_RSP, stack },
		{ GUEST_RFLAGS, 0x2 }, { GUEST_DR7, 0x400 }, { GUEST_DEBUGCTL, 0 },
		{ GUEST_GDTR_BASE, 0 }, { GUEST_GDTR_LIMIT, 0xffff },
		{ GUEST_IDTR_BASE, 0 }, { GUEST_IDTR_LIMIT, 0xffff },
		{ GUEST_EFER, EFER_LME | EFER_LMA }, { GUEST_PAT, START_PAT },
		{ GUEST_SYSENTER_CS, 0 }, { GUEST_SYSENTER_ESP, 0 }, { GUEST_SYSENTER_EIP, 0 },
		{ GUEST_ACTIVITY, ACTIVITY_ACTIVE }, { GUEST_INTERRUPTIBILITY, 0 },
		{ GUEST_PENDING_DBG, 0 }, { VMCS_LINK_POINTER, ~0ull },
	};
	return WRITE_ALL(t);
}

/* Flat 64-bit code and data, a busy TSS, no LDT: the segments of svm.c save_init. */
static int segments_write(void)
{
	static const struct { uint16_t sel; uint32_t limit, ar; } segs[SEG_COUNT] = {
		[SEG_ES] = { 0x10, 0xffffffff, AR_DATA }, [SEG_CS] = { 0x08, 0xffffffff, AR_CODE64 },
		[SEG_SS] = { 0x10, 0xffffffff, AR_DATA }, [SEG_DS] = { 0x10, 0xffffffff, AR_DATA },
		[SEG_FS] = { 0x10, 0xffffffff, AR_DATA }, [SEG_GS] = { 0x10, 0xffffffff, AR_DATA },
		[SEG_LDTR] = { 0, 0, AR_UNUSABLE },       [SEG_TR] = { 0, 0x67, AR_TSS_BUSY },
	};
	int r = 0;

	for (unsigned s = 0; s < SEG_COUNT; s++) {
		const struct vmcs_value t[] = {
			{ GUEST_ES_SEL + 2 * s, segs[s].sel },
			{ GUEST_ES_LIMIT + 2 * s, segs[s].limit },
			{ GUEST_ES_AR + 2 * s, segs[s].ar },
			{ GUEST_ES_BASE + 2 * s, 0 },
		};
		r |= WRITE_ALL(t);
	}
	return r;
}

/* Per CPU: the VMCS current here, whose SYSCALL MSRs the CPU holds, and the vCPU for which
 * both hold and whose first entry here is prepared: it alone re-enters without vmx_prepare. */
static struct vmx_cpu {
	struct vmx_vcpu *current, *msr_owner, *ready;
} vmx_cpus[MAX_CPUS];

/* Built on the CPU that creates the partition (at boot, or in the ultravisor's exit), then
 * VMCLEARed so the vCPU's own CPU can make it current (25.11.1 "Software Use of Virtual-Machine Control Structures"). One VPID per
 * vCPU (never 0, the host's): two vCPUs of a partition may share a CPU with different guest
 * page tables. The backend state is never freed, so vmx_cpus never points to a reused one. */
/* Every ENCLS leaf exits (25.6.16), where the CPU has SGX: enclaves are not partitions'. */
static int encls_write(void)
{
	const struct vmcs_value t[] = { { ENCLS_EXITING_BITMAP, ~0ull } };

	return ctl_values[CTL_PROC2] & PROC2_ENCLS ? WRITE_ALL(t) : 0;
}

static int vmx_vcpu_init(struct vcpu *v, uint64_t entry, uint64_t stack, uint64_t cr3)
{
	unsigned vpid = v->part->slot * MAX_VCPUS + v->index + 1;
	struct vmx_cpu *c = &vmx_cpus[this_cpu()->id];
	struct vmx_vcpu *x = (void *)palloc(1, 0, 0), *was = c->current, *was_ready = c->ready;
	uint64_t vmcs, vapic;
	int r;

	_Static_assert(sizeof(*x) <= PAGE_4K, "struct vmx_vcpu fits its page");
	if (vpid > 0xffff)
		return -BH_ENOSPC;
	if (!x || !(vmcs = vmx_region()) || !(vapic = palloc(1, 0, 0)))
		return -BH_ENOMEM;
	*x = (struct vmx_vcpu){ .vmcs_pa = vmcs, .vapic_pa = vapic, .vpid = vpid };
	v->vendor = x;
	v->vendor_pa = vmcs;
	c->current = c->ready = NULL; /* the VMPTRLD below replaces this CPU's current VMCS */
	if (!vmclear(vmcs) || !vmptrld(vmcs))
		r = -BH_EIO;
	else
		r = controls_write(v, vapic) | guest_write(entry, stack, cr3) | segments_write() |
		    encls_write() | (v->part->hvm ? vmx_hvm_setup(v) : 0);
	r = vmclear(vmcs) && !r ? 0 : -BH_EIO;
	/* Called from an exit handler (the ultravisor starting a partition): its VMCS must be
	 * current again, for the rest of that exit (RIP advance) and its next entry. */
	if (was && vmptrld(was->vmcs_pa)) {
		c->current = was;
		c->ready = was_ready;
	}
	return r;
}

/* A VMCS may be current on one CPU only, and this one may be on its vCPU's CPU: that CPU
 * rewrites it (vmx_prepare), not the caller. Until then the vCPU is dead: it cannot enter. */
static int vmx_vcpu_reset(struct vcpu *v, uint64_t entry, uint64_t stack, uint64_t cr3)
{
	struct vmx_vcpu *x = v->vendor;

	x->reset[0] = entry;
	x->reset[1] = stack;
	x->reset[2] = cr3;
	x->reset_pending = true;
	/* Its CPU must not re-enter it without vmx_prepare: clear "ready" there. That CPU only
	 * ever stores another vCPU (or NULL) in it meanwhile, since this one is dead and off
	 * it (part_off_cpu), so the store cannot be lost to one of x. */
	__atomic_store_n(&vmx_cpus[v->cpu].ready, NULL, __ATOMIC_RELEASE);
	return 0;
}

/* On the vCPU's CPU: VMCLEAR (launch state clear), make it current, write every field as
 * vmx_vcpu_init does. */
static int vmx_reset_here(struct vcpu *v, struct vmx_cpu *c, struct vmx_vcpu *x)
{
	int r;

	c->current = c->ready = NULL; /* whatever happens below, nothing enters unprepared */
	if (c->msr_owner == x)
		c->msr_owner = NULL;
	__builtin_memset(x->syscall_msrs, 0, sizeof(x->syscall_msrs)); /* here: no save after */
	if (!vmclear(x->vmcs_pa) || !vmptrld(x->vmcs_pa))
		return -BH_EIO;
	c->current = x;
	r = controls_write(v, x->vapic_pa) | guest_write(x->reset[0], x->reset[1], x->reset[2]) |
	    segments_write() | (v->part->hvm ? vmx_hvm_setup(v) : 0);
	x->launched = false;
	x->armed_until = 0;
	x->reset_pending = false;
	return r ? -BH_EIO : 0;
}

/* Host state that depends on the CPU (25.5 "Host-State Area"), written where the vCPU runs. */
static int host_write(void)
{
	struct __attribute__((packed)) { uint16_t limit; uint64_t base; } gdtr, idtr;
	struct percpu *pc = this_cpu();

	__asm__ volatile("sgdt %0; sidt %1" : "=m"(gdtr), "=m"(idtr));
	const struct vmcs_value t[] = {
		{ HOST_CR0, read_cr0() }, { HOST_CR3, read_cr3() }, { HOST_CR4, read_cr4() },
		{ HOST_FS_BASE, rdmsr(MSR_FS_BASE) }, { HOST_GS_BASE, (uint64_t)pc },
		{ HOST_TR_BASE, (uint64_t)&pc->tss },
		{ HOST_GDTR_BASE, gdtr.base }, { HOST_IDTR_BASE, idtr.base },
		{ HOST_EFER, rdmsr(MSR_EFER) }, { HOST_PAT, rdmsr(MSR_PAT) },
	};
	return WRITE_ALL(t);
}

/* First entry of a vCPU on its CPU: host state, and no stale translations for its EPT or
 * VPID from an earlier user of either (29.4.3.1 "Operations that Invalidate Cached
 * Mappings"; the SVM backend flushes its ASID the same way). */
static void first_run(struct vcpu *v, struct vmx_vcpu *x)
{
	if (host_write())
		pr_err("partition %s: vcpu %u: host state refused", v->part->name, v->index);
	invept(invept_type, eptp(v));
	invvpid(invvpid_type, x->vpid);
	v->first_run = false;
}

/* KERNEL_GS_BASE, STAR, LSTAR, CSTAR and SFMASK belong to whichever vCPU last ran here. */
static void syscall_msrs_switch(struct vmx_cpu *c, struct vmx_vcpu *x)
{
	for (unsigned i = 0; c->msr_owner && i < 5; i++)
		c->msr_owner->syscall_msrs[i] = rdmsr(msr_syscall[i]);
	for (unsigned i = 0; i < 5; i++)
		wrmsr(msr_syscall[i], x->syscall_msrs[i]);
	c->msr_owner = x;
}

/* Whatever must happen before v enters when it did not run here last. → PREP_LAUNCH for
 * its first entry, PREP_RESUME after, PREP_FAILED if its VMCS cannot be made current: then
 * the VMCS current here is still another vCPU's, and nothing may enter. */
enum { PREP_RESUME, PREP_LAUNCH, PREP_FAILED };

static __attribute__((noinline, cold)) uint64_t vmx_prepare(struct vcpu *v, struct vmx_cpu *c)
{
	struct vmx_vcpu *x = v->vendor;
	bool launch;

	if (x->reset_pending && vmx_reset_here(v, c, x))
		return PREP_FAILED;
	launch = !x->launched;
	if (c->current != x) {
		c->current = c->ready = NULL;
		if (!vmptrld(x->vmcs_pa))
			return PREP_FAILED;
		c->current = x;
	}
	if (v->first_run)
		first_run(v, x);
	if (c->msr_owner != x)
		syscall_msrs_switch(c, x);
	c->ready = x;
	x->launched = true; /* if VMLAUNCH fails, the partition is stopped anyway */
	return launch ? PREP_LAUNCH : PREP_RESUME;
}

/* The preemption timer ends the guest's run at the scheduler's next event on this CPU (a
 * slice end, a deadline), or never: a vCPU alone and with nothing due runs without ticks.
 * It restarts at each entry, so it is rewritten only when the event changes; an earlier
 * exit re-plans anyway. */
static __attribute__((noinline, cold)) void preempt_set(struct vcpu *v, struct vmx_vcpu *x)
{
	uint64_t now = rdtsc(), ticks = 0xffffffffu;

	if (v->run_until != UINT64_MAX)
		ticks = v->run_until > now ? (v->run_until - now) >> preempt_rate : 0;
	vmwrite(GUEST_PREEMPT_TIMER, ticks > 0xffffffffu ? 0xffffffffu : ticks);
	x->armed_until = v->run_until;
}

static inline int world_switch(struct gpr *regs, uint64_t launch)
{
	int r;

	__asm__ volatile("call vmx_world_switch"
			 : "=a"(r), "+D"(regs), "+S"(launch)
			 :
			 : "rbx", "rcx", "rdx", "rbp", "r8", "r9", "r10", "r11", "r12", "r13",
			   "r14", "r15", "memory", "cc");
	return r;
}

/* Guest RSP lives in the VMCS: written at setup, mirrored to v->regs.rsp after each exit
 * (the monitor never changes a partition's RSP). */
static void vmx_vcpu_run(struct vcpu *v, struct exit_info *e)
{
	struct vmx_cpu *c = &vmx_cpus[v->cpu];
	struct vmx_vcpu *x = v->vendor;
	uint64_t prep = PREP_RESUME;
	int r;

	if (c->ready != v->vendor && (prep = vmx_prepare(v, c)) == PREP_FAILED) {
		vmx_entry_failed(v, e, VMX_FAIL_INVALID);
		return;
	}
	if (v->part->hvm)
		hvm_prepare(v);
	if (x->armed_until != v->run_until)
		preempt_set(v, x);
	r = world_switch(&v->regs, prep);
	if (r != VMX_ENTERED) {
		vmx_entry_failed(v, e, r);
		return;
	}
	v->regs.rsp = vmread(GUEST_RSP);
	vmx_decode_exit(v, e);
	if (v->part->hvm)
		vmx_hvm_exit(v, e);
}

/* Called on the vCPU's CPU between its exit and its next entry: its VMCS is current. */
static uint64_t vmx_get_rip(struct vcpu *v)
{
	return vmread(GUEST_RIP);
}

static void vmx_set_rip(struct vcpu *v, uint64_t rip)
{
	vmwrite(GUEST_RIP, rip);
}

static uint64_t vmx_get_cr3(struct vcpu *v)
{
	return vmread(GUEST_CR3);
}

static uint64_t vmx_get_cr4(struct vcpu *v)
{
	return vmread(GUEST_CR4);
}

/* v runs on this CPU (its VMCS is current) and its partition has new EPT tables. */
static void vmx_npt_changed(struct vcpu *v)
{
	vmwrite(EPT_POINTER, eptp(v));
	invept(invept_type, eptp(v));
}

const struct vendor_ops vmx_ops = {
	.name = "vmx",
	.cpu_enable = vmx_cpu_enable,
	.vcpu_init = vmx_vcpu_init,
	.vcpu_reset = vmx_vcpu_reset,
	.vcpu_run = vmx_vcpu_run,
	.get_rip = vmx_get_rip,
	.set_rip = vmx_set_rip,
	.get_cr3 = vmx_get_cr3,
	.get_cr4 = vmx_get_cr4,
	.npt_changed = vmx_npt_changed,
	.irq_open = vmx_irq_open,
	.event_busy = vmx_event_busy,
	.inject = vmx_inject,
	.irq_window = vmx_irq_window,
	.sipi = vmx_sipi,
	.msr_get = vmx_msr_get,
	.msr_set = vmx_msr_set,
	.npt_format = &pt_format_ept,
	.npt_leaf_rw = EPT_R | EPT_W | EPT_X | EPT_MT_WB,
	.npt_leaf_ro = EPT_R | EPT_X | EPT_MT_WB,
	/* EPT replaces the MTRRs (29.3.7.2): device registers need UC here, which wins over
	 * any guest PAT type */
	.npt_leaf_mmio = EPT_R | EPT_W | EPT_MT_UC,
};
