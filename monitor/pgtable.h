/* SPDX-License-Identifier: MIT */
/* pgtable.h - one builder for 4-level x86-64 page tables in either entry format:
 * the long-mode format (host paging, and AMD NPT, which uses it unchanged: APM vol 2,
 * 15.25.5 "Nested Table Walk") and Intel EPT (SDM vol 3, 29.3.2 "EPT Translation
 * Mechanism": bits 2:0 read/write/execute instead of present/writable/user).
 *
 * The builder knows only what both formats share: 512 entries per 4 KiB table, the address
 * in bits 51:12, bit 7 marking a 1 GiB / 2 MiB leaf. Which bits mean "present" and what a
 * pointer to a lower table carries come from struct pt_format; leaf bits from the caller.
 */
#ifndef MONITOR_PGTABLE_H
#define MONITOR_PGTABLE_H

#include <stdint.h>

#define PT_ADDR_MASK 0x000ffffffffff000ull
#define PT_LARGE     (1ull << 7)
#define PAGE_4K      0x1000ull
#define PAGE_2M      0x200000ull
#define PAGE_1G      0x40000000ull

/* Long-mode entry bits (SDM vol 3, 4.5 "4-Level Paging") */
#define PTE_P   (1ull << 0)
#define PTE_W   (1ull << 1)
#define PTE_U   (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_G   (1ull << 8)
#define PTE_NX  (1ull << 63)

struct pt_format {
	uint64_t present_mask; /* any of these set = entry in use */
	uint64_t table_bits;   /* bits of an entry pointing to a lower-level table */
	uint8_t  level_shift;  /* 0, or where a pointer to a lower table carries that table's
				* level, 1 (PT) .. 3 (PDPT): AMD-Vi's NextLevel, bits 11:9 */
};

extern const struct pt_format pt_format_x86; /* host paging and NPT */
extern const struct pt_format pt_format_ept; /* Intel EPT */
extern const struct pt_format pt_format_vtd; /* Intel VT-d second-level tables */
extern const struct pt_format pt_format_amdvi; /* AMD-Vi I/O page tables */

struct pgtable {
	const struct pt_format *fmt;
	uint64_t root;                      /* physical address of the PML4 */
	uint64_t max_leaf;                  /* PAGE_1G, PAGE_2M or PAGE_4K */
	uint64_t (*alloc_table)(void *ctx); /* a zeroed 4 KiB page, or 0 */
	void *(*phys_to_virt)(uint64_t pa);
	void *ctx;
};

/* Map [va, va + len) to [pa, ...) with leaf bits 'leaf' (format-specific, no PT_LARGE: the
 * builder adds it), using the largest pages alignment and max_leaf allow. All three values
 * must be 4 KiB aligned. Refuses (-BH_EEXIST) to replace an existing mapping, and
 * -BH_ENOMEM when a table cannot be allocated (what was mapped so far stays mapped). */
int pt_map(struct pgtable *pt, uint64_t va, uint64_t pa, uint64_t len, uint64_t leaf);

/* Give every table back through free_table, the root last; pt->root becomes 0. */
void pt_free(struct pgtable *pt, void (*free_table)(uint64_t pa));
/* Walk: the physical address va maps to, the leaf entry's size in *size, or -1 if unmapped. */
int64_t pt_lookup(const struct pgtable *pt, uint64_t va, uint64_t *leaf, uint64_t *size);

#endif
