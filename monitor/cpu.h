/* SPDX-License-Identifier: MIT */
/* cpu.h - bring one CPU (BSP or AP) to the monitor's standard state. */
#ifndef MONITOR_CPU_H
#define MONITOR_CPU_H

#include "percpu.h"

/* Main stack (unless the CPU already has one) and IST stacks from the frame pool. */
int cpu_alloc_stacks(struct percpu *pc);

/* On the CPU itself: descriptor tables, control registers, LAPIC, feature detection and the
 * feature log line; then marks it online. */
void cpu_start(struct percpu *pc);

#endif
