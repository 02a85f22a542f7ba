/* SPDX-License-Identifier: MIT */
/* timer.h - TSC and LAPIC timer rates, measured once against the PIT. */
#ifndef MONITOR_TIMER_H
#define MONITOR_TIMER_H

#include <stdint.h>

/* Measure on the BSP (LAPIC enabled). Returns 0, or -BH_ETIMEDOUT if the PIT never ticks. */
int timer_calibrate(void);

uint64_t tsc_hz(void);
uint64_t lapic_timer_hz(void); /* after the divide-by-16 */

void udelay(uint64_t us);

#endif
