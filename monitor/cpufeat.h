/* SPDX-License-Identifier: MIT */
/* cpufeat.h - what this CPU offers the monitor: VMX or SVM and the features built on them. */
#ifndef MONITOR_CPUFEAT_H
#define MONITOR_CPUFEAT_H

#include <stdbool.h>
#include <stdint.h>

enum virt_kind { VIRT_NONE, VIRT_VMX, VIRT_SVM };

struct cpu_features {
	enum virt_kind virt;
	bool pages_1g;       /* CPUID 0x80000001 EDX[26] */
	bool nx;             /* CPUID 0x80000001 EDX[20] */
	bool x2apic;         /* CPUID 1 ECX[21] */
	bool xsave;          /* CPUID 1 ECX[26] */
	uint64_t xcr0_max;   /* the XCR0_SWITCHED components this CPU has (CPUID 0xd.0) */
	bool nested_paging;  /* EPT or NPT */
	bool np_2m, np_1g;   /* nested-paging large pages */
	/* SVM (CPUID 0x8000000A EDX) */
	bool nrips, flush_by_asid, vgif, decode_assists, vmcb_clean;
	uint32_t asids;
	/* VMX (capability MSRs) */
	bool vpid, unrestricted, preempt_timer, true_ctls;
	bool vmx_locked_off; /* IA32_FEATURE_CONTROL locked with VMX disabled by firmware */
};

/* Fill *f for the CPU this runs on. */
void cpufeat_detect(struct cpu_features *f);

/* The per-CPU feature line, "cpu<N>: apic=<id> svm npt=1 ..." on the monitor log. */
void cpufeat_log(unsigned cpu, uint32_t apic_id, const struct cpu_features *f);

const char *virt_name(enum virt_kind v);

#endif
