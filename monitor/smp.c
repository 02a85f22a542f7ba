/* SPDX-License-Identifier: MIT */
/* smp.c - wake APs one at a time with INIT-SIPI-SIPI (SDM vol 3, 9.4.4.1 "Typical BSP
 * Initialization Sequence"; the INIT goes to all APs first, which also stops APs that
 * firmware such as OVMF leaves running). One trampoline page serves every AP in turn. */
#define pr_fmt(fmt) "smp: " fmt
#include <string.h>
#include "../boot/trampoline.h"
#include "cpu.h"
#include "lapic.h"
#include "log.h"
#include "paging.h"
#include "percpu.h"
#include "sched.h"
#include "smp.h"
#include "vcpu.h"
#include "timer.h"
#include "x86.h"

#define AP_START_TIMEOUT_US 1000000
#define INIT_TO_SIPI_US     10000 /* 9.4.4.1: wait 10 ms after INIT */

extern volatile bool sched_started;

/* An AP idles until the BSP has built the partitions, then runs its share of vCPUs. */
static void ap_main(struct percpu *pc)
{
	cpu_start(pc);
	while (!__atomic_load_n(&sched_started, __ATOMIC_ACQUIRE))
		__asm__ volatile("sti; hlt; cli" ::: "memory");
	if (vendor->cpu_enable())
		cpu_halt_forever();
	sched_loop();
}

static void trampoline_prepare(uint64_t page, struct percpu *pc)
{
	struct tramp_params *p = (void *)(page + TRAMP_PARAMS);

	p->cr3 = (uint32_t)paging_root();
	p->efer = (uint32_t)(rdmsr(MSR_EFER) & ~EFER_LMA);
	p->stack = pc->stack_top;
	p->percpu = (uint64_t)pc;
	p->entry = (uint64_t)ap_main;
}

static int start_ap(uint64_t page, struct percpu *pc)
{
	trampoline_prepare(page, pc);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (int sipi = 0; sipi < 2; sipi++) {
		lapic_send_sipi(pc->apic_id, page);
		udelay(200);
	}
	for (uint64_t us = 0; !pc->online && us < AP_START_TIMEOUT_US; us += 100)
		udelay(100);
	if (pc->online)
		return 0;
	lapic_send_init(pc->apic_id); /* park it: it must not wake later on a reused page */
	return -1;
}

void smp_park_aps(void)
{
	lapic_send_init_all_but_self();
}

unsigned smp_boot(uint64_t trampoline, const uint32_t *apic_ids, unsigned n)
{
	uint32_t self = cpus[0].apic_id;
	unsigned failed = 0;

	memcpy((void *)trampoline, ap_trampoline_start, ap_trampoline_end - ap_trampoline_start);
	udelay(INIT_TO_SIPI_US);
	for (unsigned i = 0; i < n; i++) {
		if (apic_ids[i] == self)
			continue;
		struct percpu *pc = &cpus[cpu_count];
		pc->id = cpu_count;
		pc->apic_id = apic_ids[i];
		if (cpu_alloc_stacks(pc) || start_ap(trampoline, pc)) {
			pr_err("cpu%u (apic %u) did not start", pc->id, pc->apic_id);
			failed++;
			continue;
		}
		cpu_count++;
	}
	return failed;
}
