/* SPDX-License-Identifier: MIT */
/* trampoline.h - the AP start-up trampoline page and its parameter block.
 *
 *   page + 0              real-mode code (ap-trampoline.asm), copied in by the BSP
 *   page + TRAMP_PARAMS   struct tramp_params, filled by the BSP before each SIPI
 *
 * The AP runs 16 → 32 → 64-bit through a GDT inside the page, loads CR3 and EFER from the
 * parameters, switches to its own stack and jumps to entry(percpu). The page must lie below
 * 1 MiB (SIPI vector = page >> 12) and CR3 below 4 GiB (loaded in 32-bit mode).
 */
#ifndef BOOT_TRAMPOLINE_H
#define BOOT_TRAMPOLINE_H

#include <bulkhead/abi.h>

#define TRAMP_PARAMS 0xf00

struct tramp_params {
	uint32_t cr3;     /* 0x00 */
	uint32_t efer;    /* 0x04 */
	uint64_t stack;   /* 0x08  initial RSP */
	uint64_t percpu;  /* 0x10  first argument of entry */
	uint64_t entry;   /* 0x18  64-bit C entry in the image */
};
BH_OFFSET(tramp_params, efer, 0x04);
BH_OFFSET(tramp_params, stack, 0x08);
BH_OFFSET(tramp_params, percpu, 0x10);
BH_OFFSET(tramp_params, entry, 0x18);

extern const char ap_trampoline_start[], ap_trampoline_end[];

#endif
