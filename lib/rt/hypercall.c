/* SPDX-License-Identifier: MIT */
/* hypercall.c - hypercall instruction choice, hypervisor detection, exit. */
#include <string.h>
#include "rt/hypercall.h"

uint32_t bh_hc_insn = BH_INSN_VMMCALL;

static void cpuid(uint32_t leaf, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

void bh_hc_detect(void)
{
	uint32_t r[4];
	char vendor[12];

	cpuid(0, r);
	memcpy(vendor, &r[1], 4); /* EBX, EDX, ECX: "Genu" "ineI" "ntel" */
	memcpy(vendor + 4, &r[3], 4);
	memcpy(vendor + 8, &r[2], 4);
	bh_hc_insn = memcmp(vendor, "GenuineIntel", 12) ? BH_INSN_VMMCALL : BH_INSN_VMCALL;
}

bool bh_hv_present(uint32_t *abi)
{
	uint32_t r[4];
	char sig[12];

	cpuid(BH_CPUID_LEAF, r);
	memcpy(sig, &r[1], 4); /* EBX, ECX, EDX: "Bulk" "head" "HV\0\0" */
	memcpy(sig + 4, &r[2], 4);
	memcpy(sig + 8, &r[3], 4);
	if (memcmp(sig, BH_CPUID_SIGNATURE, sizeof(BH_CPUID_SIGNATURE)) || r[0] < BH_CPUID_LEAF + 1)
		return false;
	if (abi) {
		cpuid(BH_CPUID_LEAF + 1, r);
		*abi = r[0];
	}
	return true;
}

_Noreturn void bh_exit(int status)
{
	bh_hc1(BH_HC_EXIT, (uint64_t)(int64_t)status);
	for (;;) /* the monitor never returns from BH_HC_EXIT; if it does, park */
		bh_wait();
}
