/* SPDX-License-Identifier: MIT */
/* hypercall.h - partition-side hypercall wrappers (ABI: include/bulkhead/hypercall.h).
 *
 * bh_hcN(nr, args...) load RAX = nr, RDI, RSI, RDX, R10, R8, R9 = args and execute VMMCALL
 * or VMCALL, as chosen by bh_hc_detect() from the CPUID vendor ("GenuineIntel" → VMCALL,
 * anything else → VMMCALL). Until then VMMCALL is used; the monitor accepts either on both
 * vendors, the native one is just cheaper. The monitor preserves every register but RAX.
 * Results: >= 0 on success, a negative BH_E* code otherwise.
 */
#ifndef BH_RT_HYPERCALL_H
#define BH_RT_HYPERCALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <bulkhead/hypercall.h>
#include <bulkhead/partition.h>

enum bh_hc_insn {
	BH_INSN_VMMCALL = 1, /* AMD SVM */
	BH_INSN_VMCALL  = 2, /* Intel VMX */
};

/* Never 0, so it lives in .data and is valid before .bss is cleared. */
extern uint32_t bh_hc_insn;

/* Pick VMCALL or VMMCALL from CPUID leaf 0's vendor string. */
void bh_hc_detect(void);

/* CPUID leaf 0x40000000 carries BH_CPUID_SIGNATURE; *abi gets leaf 0x40000001 EAX. */
bool bh_hv_present(uint32_t *abi);

/* The runtime's own sleeps (bh_rt_sleep_until(): the console waiting for room, nanosleep)
 * run on vCPU 0 and take its events; they owe them to the application: bh_wait() on vCPU 0
 * returns bh_rt_events at once, without the hypercall, while it is not zero. Timer events
 * are owed only when vCPU 0's own deadline (bh_rt_deadline, recorded by bh_timer_set()) has
 * passed; the runtime's sleeps put that deadline back when they are done. Either may bring a
 * spurious event now and then: BH_HC_WAIT's callers re-check what they wait for anyway. */
extern uint32_t bh_rt_events;
extern uint64_t bh_rt_deadline;
/* The stacks of vCPUs > 0, [bh_rt_sec_lo, bh_rt_sec_lo + bh_rt_sec_len) (start.c, from the
 * info page: vCPU 0's stack is the highest). Code on any other stack runs on vCPU 0. */
extern uintptr_t bh_rt_sec_lo;
extern uintptr_t bh_rt_sec_len;

/* Sleeps until an event or deadline (bh_time_ns() scale) without taking anything from the
 * application: events go to bh_rt_events, vCPU 0's timer is set back. vCPU 0 only. */
void bh_rt_sleep_until(uint64_t deadline);

static inline bool bh_rt_vcpu0(void)
{
	uintptr_t sp;

	__asm__ volatile("mov %%rsp, %0" : "=r"(sp));
	return sp - bh_rt_sec_lo >= bh_rt_sec_len;
}

/* Start state: VA = GPA (rt.h). */
static inline uint64_t bh_gpa(const volatile void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static inline long bh_hc6(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
			  uint64_t a4, uint64_t a5)
{
	register uint64_t r10 __asm__("r10") = a3;
	register uint64_t r8 __asm__("r8") = a4;
	register uint64_t r9 __asm__("r9") = a5;
	long ret;

	if (bh_hc_insn == BH_INSN_VMCALL)
		__asm__ volatile("vmcall"
				 : "=a"(ret)
				 : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8), "r"(r9)
				 : "memory", "cc");
	else
		__asm__ volatile("vmmcall"
				 : "=a"(ret)
				 : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8), "r"(r9)
				 : "memory", "cc");
	return ret;
}

static inline long bh_hc0(uint64_t nr)
{
	return bh_hc6(nr, 0, 0, 0, 0, 0, 0);
}

static inline long bh_hc1(uint64_t nr, uint64_t a0)
{
	return bh_hc6(nr, a0, 0, 0, 0, 0, 0);
}

static inline long bh_hc2(uint64_t nr, uint64_t a0, uint64_t a1)
{
	return bh_hc6(nr, a0, a1, 0, 0, 0, 0);
}

static inline long bh_hc3(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	return bh_hc6(nr, a0, a1, a2, 0, 0, 0);
}

static inline long bh_hc4(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	return bh_hc6(nr, a0, a1, a2, a3, 0, 0);
}

static inline long bh_hc5(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
			  uint64_t a4)
{
	return bh_hc6(nr, a0, a1, a2, a3, a4, 0);
}

/* Copies this partition's info into buf; → bytes copied. */
static inline long bh_info(struct bh_partition_info *buf, size_t len)
{
	return bh_hc2(BH_HC_INFO, bh_gpa(buf), len);
}

/* len <= BH_CONSOLE_MAX; → bytes written. */
static inline long bh_console_write(const void *buf, size_t len)
{
	return bh_hc2(BH_HC_CONSOLE_WRITE, bh_gpa(buf), len);
}

static inline long bh_yield(void)
{
	return bh_hc0(BH_HC_YIELD);
}

/* Nanoseconds since the monitor started. */
static inline int64_t bh_time_ns(void)
{
	return bh_hc0(BH_HC_TIME);
}

/* One-shot timer at deadline_ns (bh_time_ns() scale); 0 cancels. */
static inline long bh_timer_set(uint64_t deadline_ns)
{
	if (bh_rt_vcpu0())
		bh_rt_deadline = deadline_ns;
	return bh_hc1(BH_HC_TIMER_SET, deadline_ns);
}

/* Blocks until an event is pending; → BH_EVENT_* mask, now cleared. On vCPU 0, the events
 * the runtime's own sleeps took come first (bh_rt_events). */
static inline long bh_wait(void)
{
	if (__atomic_load_n(&bh_rt_events, __ATOMIC_RELAXED) && bh_rt_vcpu0()) {
		uint32_t ev = __atomic_exchange_n(&bh_rt_events, 0, __ATOMIC_RELAXED);

		if (ev)
			return ev;
	}
	return bh_hc0(BH_HC_WAIT);
}

/* Ends the whole partition with status. */
_Noreturn void bh_exit(int status);

#endif
