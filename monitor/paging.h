/* SPDX-License-Identifier: MIT */
/* paging.h - the monitor's own address space: an identity direct map of all RAM. */
#ifndef MONITOR_PAGING_H
#define MONITOR_PAGING_H

#include <stdbool.h>
#include <bulkhead/bootinfo.h>

/* Identity-map every memory-map range (write-back) and the given MMIO pages (uncached) with
 * the largest pages the CPU has, then switch CR3 on this CPU. Tables lie below 4 GiB so APs
 * can load CR3 from 32-bit code. Returns 0 or a negative BH_E*. */
int paging_init(const struct bh_bootinfo *bi, bool has_1g_pages);

/* Map one uncached MMIO page into the direct map (no-op if already mapped). */
int paging_map_mmio(uint64_t pa);

/* The direct map's root, for APs. */
uint64_t paging_root(void);

#endif
