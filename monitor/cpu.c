/* SPDX-License-Identifier: MIT */
/* cpu.c - per-CPU bring-up shared by the BSP and the APs. */
#define pr_fmt(fmt) "cpu: " fmt
#include <bulkhead/errno.h>
#include "cpu.h"
#include "lapic.h"
#include "log.h"
#include "mitigate.h"
#include "palloc.h"
#include "x86.h"

static uint64_t alloc_stack(uint64_t bytes)
{
	uint64_t pa = palloc(bytes / FRAME_SIZE, 0, 0);

	return pa ? pa + bytes : 0;
}

int cpu_alloc_stacks(struct percpu *pc)
{
	if (!pc->stack_top && !(pc->stack_top = alloc_stack(STACK_SIZE)))
		return -BH_ENOMEM;
	for (int i = IST_DF; i < IST_COUNT; i++)
		if (!(pc->tss.ist[i - 1] = alloc_stack(IST_SIZE)))
			return -BH_ENOMEM;
	return 0;
}

void cpu_start(struct percpu *pc)
{
	percpu_load(pc);
	cpufeat_detect(&pc->feat);
	if (pc->feat.nx)
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
	write_cr0((read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE);
	/* CR4 and XCR0 are the monitor's, whatever firmware left there (SMEP, PKE, CET, AVX
	 * enabled, ...): OSFXSR for the guests' SSE, OSXSAVE to switch their state with XSAVE
	 * (sched.c) and to choose what XCR0 allows them; LA57 cannot change in long mode. */
	write_cr4((read_cr4() & CR4_LA57) | CR4_PAE | CR4_MCE | CR4_PGE | CR4_OSFXSR |
		  CR4_OSXMMEXCPT | (pc->feat.xsave ? CR4_OSXSAVE : 0));
	if (pc->feat.xsave) {
		pc->xcr0 = 0;
		cpu_xcr0_set(XCR0_X87 | XCR0_SSE);
	}
	if (lapic_init())
		pr_err("cpu%u: local APIC unusable", pc->id);
	pc->apic_id = lapic_id();
	cpufeat_log(pc->id, pc->apic_id, &pc->feat);
	mitigate_init(pc);
	__atomic_store_n(&pc->online, true, __ATOMIC_RELEASE);
}
