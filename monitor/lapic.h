/* SPDX-License-Identifier: MIT */
/* lapic.h - the local APIC, owned by the monitor (xAPIC MMIO, or x2APIC MSRs when the
 * firmware left x2APIC enabled). SDM vol 3, chapter 11 "Advanced Programmable Interrupt
 * Controller (APIC)". */
#ifndef MONITOR_LAPIC_H
#define MONITOR_LAPIC_H

#include <stdbool.h>
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

/* The scheduler's timer on this CPU: vector, divide by 16, one-shot; stopped. */
void lapic_timer_setup(uint8_t vector);
/* Interrupt (the setup's vector) once, tsc_ticks TSC ticks from now, clamped to the timer's
 * range and at least one of its ticks; lapic_timer_stop: never. */
void lapic_timer_oneshot_tsc(uint64_t tsc_ticks);
void lapic_timer_stop(void);
void lapic_send_ipi(uint32_t apic_id, uint8_t vector);
void lapic_eoi(void);
/* Whether vector is in service here (ISR, SDM vol 3, 11.8.4): an interrupt, not an
 * exception, is being handled on it. */
bool lapic_in_service(uint8_t vector);
/* An NMI (delivery mode 100b) to one CPU: test hooks. */
void lapic_send_nmi(uint32_t apic_id);

#endif
