/* SPDX-License-Identifier: MIT */
/* hvm-cpu.c - the CPU an unmodified OS sees in a full-virtualization partition: CPUID with
 * what the partition does not provide hidden (XSAVE only for x87, SSE and AVX, no MONITOR/MWAIT,
 * no PMU, no MCA, no MTRRs, no topology beyond one thread per vCPU), the x2APIC, TSC-deadline
 * and ARAT advertised; and its MSRs: the local APIC, EFER and PAT kept per vCPU, a few
 * identification MSRs read as fixed values, every other MSR #GP (docs/linux.md). */
#include <bulkhead/hypercall.h>
#include "hvm.h"
#include "percpu.h"
#include "x86.h"

#define BASIC_MAX    0xdu        /* XSAVE; leaves 8-0xc (PMU, topology, ...) stay hidden */
#define EXT_MAX      0x80000008u /* 0x8000000a (SVM), 0x8000001e/1f (topology, SEV) hidden */

/* Per leaf and register: the bits kept from the host, and the bits set. */
struct cpuid_rule {
	uint32_t leaf;
	uint8_t reg; /* 0 eax, 1 ebx, 2 ecx, 3 edx */
	uint32_t keep, set;
};

#define L1_ECX_KEEP ((1u << 0) | (1u << 1) | (1u << 9) | (1u << 12) | (1u << 13) | \
		     (1u << 19) | (1u << 20) | (1u << 22) | (1u << 23) | (1u << 25) | \
		     (1u << 26) | (1u << 28) | (1u << 29) | (1u << 30))
		     /* SSE3 PCLMUL SSSE3 FMA CX16 SSE4.1 SSE4.2 MOVBE POPCNT AES XSAVE AVX F16C
		      * RDRAND; OSXSAVE below */
#define L1_ECX_AVX  ((1u << 12) | (1u << 28) | (1u << 29)) /* FMA AVX F16C: need AVX state */
#define L1_ECX_OSXSAVE (1u << 27)
#define L1_ECX_SET  ((1u << 21) | (1u << 24) | (1u << 31)) /* x2APIC TSC-deadline hypervisor */
#define L1_EDX_KEEP (~((1u << 7) | (1u << 12) | (1u << 14) | (1u << 18) | (1u << 21) | \
		       (1u << 22) | (1u << 27) | (1u << 28) | (1u << 29) | (1u << 31)))
		     /* not MCE MTRR MCA PSN DS ACPI SS HTT TM PBE */
#define L7_EBX_KEEP ((1u << 0) | (1u << 3) | (1u << 5) | (1u << 7) | (1u << 8) | \
		     (1u << 9) | (1u << 18) | (1u << 19) | (1u << 20) | (1u << 23) | (1u << 29))
		     /* FSGSBASE BMI1 AVX2 SMEP BMI2 ERMS RDSEED ADX SMAP CLFLUSHOPT SHA */
#define L7_EBX_AVX  (1u << 5)
#define X1_ECX_KEEP ((1u << 0) | (1u << 5) | (1u << 6) | (1u << 8))
		     /* LAHF ABM SSE4A PREFETCHW */
#define X1_EDX_KEEP (~((1u << 27)))  /* not RDTSCP */

static const struct cpuid_rule rules[] = {
	{ 0x00000001, 1, 0x0000ffffu, 0 },           /* APIC ID and logical count: below */
	{ 0x00000001, 2, L1_ECX_KEEP, L1_ECX_SET },
	{ 0x00000001, 3, L1_EDX_KEEP, 0 },
	{ 0x00000006, 0, 0, 1u << 2 },               /* ARAT only: no turbo, no power hints */
	{ 0x00000006, 1, 0, 0 }, { 0x00000006, 2, 0, 0 }, { 0x00000006, 3, 0, 0 },
	{ 0x00000007, 0, 0, 0 },                     /* subleaf 0 only */
	{ 0x00000007, 1, L7_EBX_KEEP, 0 },
	{ 0x00000007, 2, 0, 0 }, { 0x00000007, 3, 0, 0 }, /* no PKU, LA57, speculation MSRs */
	{ 0x80000001, 2, X1_ECX_KEEP, 0 },
	{ 0x80000001, 3, X1_EDX_KEEP, 0 },
	{ 0x80000007, 0, 0, 0 }, { 0x80000007, 1, 0, 0 }, { 0x80000007, 2, 0, 0 },
	{ 0x80000007, 3, 1u << 8, 0 },               /* invariant TSC */
	{ 0x80000008, 1, 0, 0 },                     /* no IBPB/SSBD and friends */
	{ 0x80000008, 2, 0, 0 },                     /* one core */
};

/* Leaf 0xd (SDM vol 1, 13.2): the components vcpu.fpu switches, in the standard format
 * (legacy region and header, 576 bytes, then AVX's 256 at 576); no XSAVEOPT/C/S (sub 1). */
static struct cpuid xsave_leaf(struct vcpu *v, uint32_t sub)
{
	uint64_t max = this_cpu()->feat.xcr0_max;
	struct cpuid r = { 0 };

	if (sub == 0 && max)
		r = (struct cpuid){ (uint32_t)max, xgetbv() & XCR0_AVX ? 832 : 576, /* its XCR0 */
				    max & XCR0_AVX ? 832 : 576, 0 };
	if (sub == 2 && (max & XCR0_AVX))
		r = (struct cpuid){ 256, 576, 0, 0 };
	return r;
}

static struct cpuid hvm_leaf(struct vcpu *v, uint32_t leaf, uint32_t sub)
{
	struct cpuid r = { 0 };

	if (leaf == BH_CPUID_LEAF) {
		r.eax = BH_CPUID_LEAF + 1;
		__builtin_memcpy(&r.ebx, "BulkheadHV\0\0", 12);
		return r;
	}
	if ((leaf < 0x80000000u && leaf > BASIC_MAX) || leaf > EXT_MAX ||
	    (leaf >= 0x40000000u && leaf < 0x80000000u) || leaf == 4 || (leaf > 7 && leaf < 0xd))
		return r; /* hidden; leaf 4 (cache and core topology) too */
	if (leaf == 0xd)
		return xsave_leaf(v, sub);
	r = cpuid(leaf, sub);
	if (leaf == 0)
		r.eax = r.eax < BASIC_MAX ? r.eax : BASIC_MAX;
	if (leaf == 0x80000000u)
		r.eax = r.eax < EXT_MAX ? r.eax : EXT_MAX;
	return r;
}

enum exit_action hvm_cpuid(struct vcpu *v, const struct exit_info *e)
{
	uint32_t leaf = (uint32_t)v->regs.rax;
	struct cpuid r = hvm_leaf(v, leaf, (uint32_t)v->regs.rcx);
	uint32_t *regs[4] = { &r.eax, &r.ebx, &r.ecx, &r.edx };

	for (unsigned i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (rules[i].leaf == leaf)
			*regs[rules[i].reg] = (*regs[rules[i].reg] & rules[i].keep) | rules[i].set;
	if (leaf == 1) { /* after the rule that clears the host's: the initial APIC ID is the
			  * x2APIC ID, the vCPU index (Linux checks it against the MADT's) */
		r.ebx |= v->index << 24 | 1u << 16;
		if (vendor->get_cr4(v) & CR4_OSXSAVE)
			r.ecx |= L1_ECX_OSXSAVE;
	}
	if (!(this_cpu()->feat.xcr0_max & XCR0_AVX)) { /* no AVX state: nothing built on it */
		if (leaf == 1)
			r.ecx &= ~L1_ECX_AVX;
		if (leaf == 7)
			r.ebx &= ~L7_EBX_AVX;
	}
	v->regs.rax = r.eax;
	v->regs.rbx = r.ebx;
	v->regs.rcx = r.ecx;
	v->regs.rdx = r.edx;
	return EXIT_ADVANCE;
}

/* ---- MSRs ---- */

#define MSR_TSC          0x010u
#define MSR_PATCH_LEVEL  0x08bu /* AMD patch level, Intel BIOS_SIGN_ID */
#define MSR_MISC_ENABLE  0x1a0u
#define MSR_PAT          0x277u
#define APIC_BASE_VALUE  (0xfee00000ull | 1u << 11 | 1u << 10) /* enabled, x2APIC */
#define APIC_BASE_BSP    (1u << 8)

/* Read as a fixed value, writes ignored: identification a kernel reads unconditionally. */
static const struct { uint32_t msr; uint64_t value; } fixed_msrs[] = {
	{ MSR_PATCH_LEVEL, 0 },
	{ MSR_FEATURE_CTL, 1 },         /* locked, VMX off */
	{ MSR_MISC_ENABLE, 1 },         /* fast strings */
	{ 0xc0010055, 0 },              /* AMD family 0Fh interrupt pending message: none */
};

static bool fixed_msr(uint32_t msr, uint64_t *val)
{
	for (unsigned i = 0; i < sizeof(fixed_msrs) / sizeof(fixed_msrs[0]); i++)
		if (fixed_msrs[i].msr == msr) {
			*val = fixed_msrs[i].value;
			return true;
		}
	return false;
}

#define EFER_OK   (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE) /* LMA: kept by the backend */
#define PAT_TYPES 0xf3u /* memory types 0, 1, 4, 5, 6, 7 (SDM 11.12.2) */

static bool pat_valid(uint64_t val)
{
	for (unsigned i = 0; i < 8; i++) {
		unsigned type = (val >> (8 * i)) & 0xff;
		if (type > 7 || !(PAT_TYPES & 1u << type))
			return false;
	}
	return true;
}

static uint64_t apic_base(const struct vcpu *v)
{
	return APIC_BASE_VALUE | (v->index ? 0 : APIC_BASE_BSP);
}

int hvm_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	if ((msr >= VLAPIC_MSR_BASE && msr < VLAPIC_MSR_END) || msr == MSR_TSC_DEADLINE)
		return vlapic_read(&v->hvm.lapic, msr, rdtsc(), val);
	switch (msr) {
	case MSR_APIC_BASE:
		*val = apic_base(v);
		return 0;
	case MSR_TSC:
		*val = rdtsc();
		return 0;
	case MSR_EFER:
	case MSR_PAT:
		*val = vendor->msr_get(v, msr);
		return 0;
	}
	return fixed_msr(msr, val) ? 0 : -1;
}

int hvm_msr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	uint64_t ignored;

	if ((msr >= VLAPIC_MSR_BASE && msr < VLAPIC_MSR_END) || msr == MSR_TSC_DEADLINE)
		return hvm_lapic_write(v, msr, val);
	switch (msr) {
	case MSR_APIC_BASE: /* x2APIC stays on: leaving it would need the xAPIC MMIO page */
		return val == apic_base(v) ? 0 : -1;
	case MSR_EFER:
		return val & ~EFER_OK ? -1 : vendor->msr_set(v, msr, val);
	case MSR_PAT:
		return pat_valid(val) ? vendor->msr_set(v, msr, val) : -1;
	}
	return fixed_msr(msr, &ignored) ? 0 : -1;
}
