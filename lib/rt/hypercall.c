/* SPDX-License-Identifier: MIT */
/* hypercall.c - hypercall instruction choice, hypervisor detection, exit, the runtime's
 * own sleep. */
#include <string.h>
#include "rt/hypercall.h"

uint32_t bh_hc_insn = BH_INSN_VMMCALL;
uint32_t bh_rt_events;
uint64_t bh_rt_deadline;
uintptr_t bh_rt_sec_lo;
uintptr_t bh_rt_sec_len;

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

/* vCPU 0's own deadline, when it has passed: a timer event owed, the deadline forgotten.
 * → the deadline still ahead, 0 if none. */
static uint64_t app_deadline(void)
{
	uint64_t app = bh_rt_deadline;

	if (app && bh_time_ns() >= (int64_t)app) {
		__atomic_or_fetch(&bh_rt_events, BH_EVENT_TIMER, __ATOMIC_RELAXED);
		bh_rt_deadline = app = 0;
	}
	return app;
}

void bh_rt_sleep_until(uint64_t deadline)
{
	uint64_t app = app_deadline();
	long ev;

	bh_hc1(BH_HC_TIMER_SET, app && app < deadline ? app : deadline);
	ev = bh_hc0(BH_HC_WAIT);
	if (ev > 0) /* our own timer's event is ours; the application's is owed below */
		__atomic_or_fetch(&bh_rt_events, (uint32_t)ev & ~BH_EVENT_TIMER, __ATOMIC_RELAXED);
	bh_hc1(BH_HC_TIMER_SET, app_deadline()); /* its deadline back, or ours cancelled */
}
