/* SPDX-License-Identifier: MIT */
/* clock.h - monitor time: nanoseconds since the TSC was calibrated (TSC assumed invariant
 * and synchronized across CPUs, as on the emulators and on current servers). */
#ifndef MONITOR_CLOCK_H
#define MONITOR_CLOCK_H

#include <stdint.h>

/* a * mul / div without 128-bit division; exact while mul and div are below 1.8e10 (rates
 * up to 18 GHz and the 1e9 of nanoseconds). */
static inline uint64_t muldiv64(uint64_t a, uint64_t mul, uint64_t div)
{
	return a / div * mul + a % div * mul / div;
}

void clock_init(void); /* after timer_calibrate; reads the RTC */
/* Nanoseconds since 1970-01-01 UTC at clock_ns() == 0, from the RTC; 0 if there is none. */
uint64_t clock_epoch_ns(void);
uint64_t clock_ns(void);
uint64_t clock_ns_to_tsc(uint64_t ns);      /* a duration */
uint64_t clock_ns_to_deadline(uint64_t ns); /* a point in time: the TSC value then (≥ 1) */

#endif
