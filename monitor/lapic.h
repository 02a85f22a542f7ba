/* SPDX-License-Identifier: MIT */
/* lapic.h - the local APIC, owned by the monitor (xAPIC MMIO, or x2APIC MSRs when the
 * firmware left x2APIC enabled). SDM vol 3, chapter 11 "Advanced Programmable Interrupt
 * Controller (APIC)". */
#ifndef MONITOR_LAPIC_H
#define MONITOR_LAPIC_H

#include <stdint.h>

/* Enable this CPU's local APIC (spurious vector VEC_SPURIOUS), in the BSP's mode. The first
 * call (BSP) picks the mode and maps the xAPIC page. Returns 0 or a negative BH_E*. */
int lapic_init(void);
uint32_t lapic_id(void);

void lapic_send_init_all_but_self(void);
void lapic_send_init(uint32_t apic_id);
void lapic_send_sipi(uint32_t apic_id, uint64_t page);

/* The timer in one-shot mode, masked, divide by 16: for calibration and later slices. */
void lapic_timer_start(uint32_t count);
uint32_t lapic_timer_current(void);

/* Interrupt 'vector' on this CPU after tsc_ticks TSC ticks (clamped to the timer's range). */
void lapic_timer_oneshot_tsc(uint64_t tsc_ticks, uint8_t vector);
void lapic_timer_stop(void);
void lapic_send_ipi(uint32_t apic_id, uint8_t vector);
void lapic_eoi(void);

#endif
