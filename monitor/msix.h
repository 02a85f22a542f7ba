/* SPDX-License-Identifier: MIT */
/* msix.h - where a function's MSI-X table and PBA live, and the pages of them no partition
 * may write. Pure functions: no global state, host-tested (tests/unit/test_msix.c).
 *
 *   MSI-X capability (PCIe 6.0, 7.7.2)       table entry (16 bytes, 7.7.2.7 - 7.7.2.10)
 *   +2 message control: bits 10:0 size - 1   +0 message address (bits 31:2)
 *   +4 table offset | BIR (bits 2:0)          +4 message upper address
 *   +8 PBA offset | BIR (bits 2:0)            +8 message data
 *                                             +c vector control (bit 0: masked)
 *
 * A partition that could write a table entry could send any MSI (vector, destination,
 * NMI, INIT) without DMA; so every page holding part of a table or PBA is mapped read-only
 * in the nested tables (enforce.c) and entries are written by the monitor only (pci.c,
 * BH_HC_PCI_MSI). */
#ifndef MONITOR_MSIX_H
#define MONITOR_MSIX_H

#include <stdbool.h>
#include <stdint.h>
#include <bulkhead/uvcall.h>
#include "view.h"

#define MSIX_ENTRY      16
#define MSIX_CTRL_MASK  1u /* vector control bit 0 */

struct msix_table {
	uint64_t table;   /* host-physical address of entry 0 */
	uint64_t pba;     /* host-physical address of the pending-bit array */
	uint16_t entries; /* 1..2048 */
};

/* The table and PBA of f from its capability's message control, table and PBA dwords.
 * → 0; -BH_EINVAL if either names a BIR that is not a memory BAR of f, or does not lie
 * wholly inside that BAR (a device decodes its table nowhere else). */
int msix_locate(const struct bh_uv_pci *f, uint16_t ctrl, uint32_t table_reg,
		uint32_t pba_reg, struct msix_table *out);

/* The 4 KiB pages holding t's table and its PBA: 1 range (they share or abut pages) or 2;
 * → how many were written to out[]. */
unsigned msix_pages(const struct msix_table *t, struct view_range out[2]);

/* Of the n read-only ranges ro[], the one overlapping [at, end) that starts lowest,
 * clipped to [at, end), in *hit. → false when none overlaps. */
bool msix_ro_next(const struct view_range *ro, unsigned n, uint64_t at, uint64_t end,
		  struct view_range *hit);

#endif
