/* SPDX-License-Identifier: MIT */
/* smp.h - application processor bring-up. */
#ifndef MONITOR_SMP_H
#define MONITOR_SMP_H

#include <stdint.h>
#include <bulkhead/bootinfo.h>

/* INIT every other CPU: before anything is measured, since firmware (OVMF) may leave APs
 * running, and they slow the BSP down under emulation. */
void smp_park_aps(void);

/* Wake every AP listed in apic_ids (the BSP's own ID is skipped) through the trampoline page;
 * each reaches ap_main on its own stack and per-CPU area, detects its features and idles.
 * Sets cpu_count to the CPUs online. Returns how many APs did not start. */
unsigned smp_boot(uint64_t trampoline, const uint32_t *apic_ids, unsigned n);

#endif
