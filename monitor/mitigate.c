/* SPDX-License-Identifier: MIT */
/* mitigate.c - which transient-execution mitigations this CPU needs (Intel's "Affected
 * Processors" guidance, SDM vol 4 IA32_ARCH_CAPABILITIES; AMD's IBPB in CPUID
 * 0x80000008 EBX[12]). docs/security.md says what each one stops. */
#define pr_fmt(fmt) fmt
#include "log.h"
#include "mitigate.h"

#define MSR_ARCH_CAPABILITIES 0x10a
#define ARCH_CAP_RDCL_NO   (1ull << 0) /* no L1TF */
#define ARCH_CAP_SKIP_L1DFL (1ull << 3) /* no L1D flush needed before VM entry */
#define ARCH_CAP_MDS_NO    (1ull << 5)

#define BIT(v, n) (((v) >> (n)) & 1)

/* Set by the BSP, read before every VMX entry (vmx-entry.asm): VERW clears the CPU buffers
 * MDS could sample. One value for the machine: every CPU is the same model. */
uint8_t vmx_verw;

void mitigate_init(struct percpu *pc)
{
	struct cpuid l7 = cpuid(0, 0).eax >= 7 ? cpuid(7, 0) : (struct cpuid){ 0 };
	struct cpuid x8 = cpuid(0x80000000, 0).eax >= 0x80000008 ? cpuid(0x80000008, 0) :
								   (struct cpuid){ 0 };
	uint64_t cap = BIT(l7.edx, 29) ? rdmsr(MSR_ARCH_CAPABILITIES) : 0;
	bool vmx = pc->feat.virt == VIRT_VMX;
	bool verw = vmx && BIT(l7.edx, 10) && !(cap & ARCH_CAP_MDS_NO);

	pc->ibpb = BIT(l7.edx, 26) || BIT(x8.ebx, 12);
	pc->l1d_flush = vmx && BIT(l7.edx, 28) && !(cap & (ARCH_CAP_RDCL_NO | ARCH_CAP_SKIP_L1DFL));
	if (pc->id == 0)
		vmx_verw = verw;
	log_raw(LOG_INFO, "cpu%u: mitigations: ibpb=%s l1d-flush=%s verw=%s rsb-fill=exit", pc->id,
		pc->ibpb ? "switch" : "n/a", pc->l1d_flush ? "switch" : "n/a",
		verw ? "entry" : "n/a");
}
