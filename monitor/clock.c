/* SPDX-License-Identifier: MIT */
/* clock.c - TSC ↔ nanoseconds. */
#include "clock.h"
#include "timer.h"
#include "x86.h"

static uint64_t tsc_zero, hz;

void clock_init(void)
{
	tsc_zero = rdtsc();
	hz = tsc_hz() ? tsc_hz() : 1;
}

uint64_t clock_ns(void)
{
	return muldiv64(rdtsc() - tsc_zero, 1000000000u, hz);
}

uint64_t clock_ns_to_tsc(uint64_t ns)
{
	return muldiv64(ns, hz, 1000000000u);
}

uint64_t clock_ns_to_deadline(uint64_t ns)
{
	return tsc_zero + clock_ns_to_tsc(ns) + 1;
}
