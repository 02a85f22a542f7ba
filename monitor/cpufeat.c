/* SPDX-License-Identifier: MIT */
/* cpufeat.c - detect VMX (SDM vol 3, Appendix A "VMX Capability Reporting Facility") or SVM
 * (APM vol 2, 15.4 "Enabling SVM" and CPUID Fn8000_000A) and the features the monitor uses. */
#include "cpufeat.h"
#include "log.h"
#include "x86.h"

#define BIT(v, n) (((v) >> (n)) & 1)

static void detect_svm(struct cpu_features *f)
{
	struct cpuid s = cpuid(0x8000000a, 0);

	f->virt = VIRT_SVM;
	f->asids = s.ebx;
	f->nested_paging = BIT(s.edx, 0);
	f->np_2m = f->nested_paging;          /* NPT uses the host format: 2 MiB always */
	f->np_1g = f->nested_paging && f->pages_1g;
	f->nrips = BIT(s.edx, 3);
	f->vmcb_clean = BIT(s.edx, 5);
	f->flush_by_asid = BIT(s.edx, 6);
	f->decode_assists = BIT(s.edx, 7);
	f->vgif = BIT(s.edx, 16);
}

/* A VMX control may be set when its allowed-1 bit (high dword of the capability MSR) is. */
static bool vmx_allowed(uint32_t msr, unsigned bit)
{
	return BIT(rdmsr(msr) >> 32, bit);
}

static void detect_vmx(struct cpu_features *f)
{
	uint64_t basic = rdmsr(MSR_VMX_BASIC), fc = rdmsr(MSR_FEATURE_CTL);
	bool secondary = vmx_allowed(MSR_VMX_PROCBASED, 31);

	f->virt = VIRT_VMX;
	f->vmx_locked_off = BIT(fc, 0) && !BIT(fc, 2); /* lock set, VMXON outside SMX clear */
	f->true_ctls = BIT(basic, 55);
	f->preempt_timer = vmx_allowed(MSR_VMX_PINBASED, 6);
	if (!secondary)
		return;
	f->nested_paging = vmx_allowed(MSR_VMX_PROCBASED2, 1);
	f->vpid = vmx_allowed(MSR_VMX_PROCBASED2, 5);
	f->unrestricted = vmx_allowed(MSR_VMX_PROCBASED2, 7);
	if (f->nested_paging || f->vpid) {
		uint64_t cap = rdmsr(MSR_VMX_EPT_VPID);
		f->nested_paging = f->nested_paging && BIT(cap, 6) && BIT(cap, 14); /* 4-level, WB */
		f->np_2m = BIT(cap, 16);
		f->np_1g = BIT(cap, 17);
	}
}

void cpufeat_detect(struct cpu_features *f)
{
	struct cpuid basic = cpuid(1, 0), ext = cpuid(0x80000001, 0);

	*f = (struct cpu_features){ .virt = VIRT_NONE };
	f->pages_1g = BIT(ext.edx, 26);
	f->nx = BIT(ext.edx, 20);
	f->x2apic = BIT(basic.ecx, 21);
	f->xsave = BIT(basic.ecx, 26);
	if (f->xsave) /* x87 and SSE are always there; AVX where the CPU has it */
		f->xcr0_max = (cpuid(0xd, 0).eax & XCR0_SWITCHED) | XCR0_X87 | XCR0_SSE;
	if (BIT(basic.ecx, 5))
		detect_vmx(f);
	else if (BIT(ext.ecx, 2))
		detect_svm(f);
}

const char *virt_name(enum virt_kind v)
{
	static const char *const names[] = { [VIRT_NONE] = "none", [VIRT_VMX] = "vmx",
					      [VIRT_SVM] = "svm" };
	return names[v];
}

static const char *page_sizes(bool m2, bool g1)
{
	return g1 ? (m2 ? "4k,2m,1g" : "4k,1g") : (m2 ? "4k,2m" : "4k");
}

void cpufeat_log(unsigned cpu, uint32_t apic_id, const struct cpu_features *f)
{
	if (f->virt == VIRT_SVM)
		log_raw(LOG_INFO,
			"cpu%u: apic=%u svm npt=%d nrips=%d flush_asid=%d vgif=%d decode=%d "
			"vmcb_clean=%d asids=%u npt_pages=%s host_pages=%s",
			cpu, apic_id, f->nested_paging, f->nrips, f->flush_by_asid, f->vgif,
			f->decode_assists, f->vmcb_clean, f->asids, page_sizes(f->np_2m, f->np_1g),
			page_sizes(true, f->pages_1g));
	else if (f->virt == VIRT_VMX)
		log_raw(LOG_INFO,
			"cpu%u: apic=%u vmx ept=%d vpid=%d unrestricted=%d preempt_timer=%d "
			"true_ctls=%d locked_off=%d ept_pages=%s host_pages=%s",
			cpu, apic_id, f->nested_paging, f->vpid, f->unrestricted, f->preempt_timer,
			f->true_ctls, f->vmx_locked_off, page_sizes(f->np_2m, f->np_1g),
			page_sizes(true, f->pages_1g));
	else
		log_raw(LOG_WARN, "cpu%u: apic=%u none: no VMX or SVM, cannot host partitions",
			cpu, apic_id);
}
