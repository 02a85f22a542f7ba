/* SPDX-License-Identifier: MIT */
/* main.h - the common entry every boot path ends in (monitor/main.c). */
#ifndef MONITOR_MAIN_H
#define MONITOR_MAIN_H

#include <bulkhead/bootinfo.h>

/* What every boot path does first, on the boot CPU: consoles, PICs masked, IDT, per-CPU
 * area, and the first log line. */
void boot_early(void);

/* bi: complete and normalized (memory map sorted, no overlaps), in memory that the frame
 * pool leaves alone: the monitor's .bss (Multiboot2) or [info_start, info_end) (EFI). */
__attribute__((noreturn)) void monitor_main(struct bh_bootinfo *bi);

#endif
