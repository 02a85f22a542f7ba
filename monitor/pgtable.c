/* SPDX-License-Identifier: MIT */
/* pgtable.c - 4-level page-table builder shared by host paging and nested paging. */
#include <stddef.h>
#include <bulkhead/errno.h>
#include "pgtable.h"

const struct pt_format pt_format_x86 = {
	.present_mask = PTE_P,
	.table_bits = PTE_P | PTE_W | PTE_U, /* leaves decide; tables never restrict */
};

/* EPT: an entry is in use when any of R, W, X (bits 2:0) is set; a pointer to a lower table
 * grants all three and has bits 7:3 zero (SDM vol 3, 29.3.2 "EPT Translation Mechanism",
 * the "Format of an EPT ... Entry" tables). */
const struct pt_format pt_format_ept = {
	.present_mask = 0x7,
	.table_bits = 0x7,
};

/* VT-d second level: an entry is in use when R or W (bits 1:0) is set; bit 7 is PS in a
 * leaf above 4 KiB and must be clear in a pointer; bit 11 stays clear (VT-d 3.x, 9.8
 * "Second-Level Paging Entries"). */
const struct pt_format pt_format_vtd = {
	.present_mask = 0x3,
	.table_bits = 0x3,
};

/* AMD-Vi: PR (bit 0) marks an entry in use; a pointer carries the level of the table it
 * points to in NextLevel (bits 11:9) and grants IR (61) and IW (62); a leaf has NextLevel 0
 * (AMD IOMMU spec 48882, 2.2.3 "I/O Page Tables for Host Translations"). */
const struct pt_format pt_format_amdvi = {
	.present_mask = 0x1,
	.table_bits = 0x1 | 1ull << 61 | 1ull << 62,
	.level_shift = 9,
};

/* Level 3 = PML4 ... level 0 = PT; a level-l entry spans 4 KiB << 9l. */
static uint64_t level_span(int level)
{
	return PAGE_4K << (9 * level);
}

static unsigned level_index(uint64_t va, int level)
{
	return (va >> (12 + 9 * level)) & 511;
}

static uint64_t *table(const struct pgtable *pt, uint64_t pa)
{
	return pt->phys_to_virt(pa & PT_ADDR_MASK);
}

/* The entry for va at 'level', creating tables above it as needed; NULL if out of memory,
 * or if a large leaf already covers va (reported through *conflict). */
static uint64_t *entry_at(struct pgtable *pt, uint64_t va, int level, int *conflict)
{
	uint64_t *t = table(pt, pt->root);

	for (int l = 3; l > level; l--) {
		uint64_t *e = &t[level_index(va, l)];
		if (!(*e & pt->fmt->present_mask)) {
			uint64_t pa = pt->alloc_table(pt->ctx);
			if (!pa)
				return NULL;
			*e = pa | pt->fmt->table_bits |
			     (pt->fmt->level_shift ? (uint64_t)l << pt->fmt->level_shift : 0);
		} else if (*e & PT_LARGE) {
			*conflict = 1;
			return NULL;
		}
		t = table(pt, *e);
	}
	return &t[level_index(va, level)];
}

static int leaf_level(const struct pgtable *pt, uint64_t va, uint64_t pa, uint64_t len)
{
	for (int l = 2; l > 0; l--) {
		uint64_t span = level_span(l);
		if (span <= pt->max_leaf && !((va | pa) & (span - 1)) && len >= span)
			return l;
	}
	return 0;
}

int pt_map(struct pgtable *pt, uint64_t va, uint64_t pa, uint64_t len, uint64_t leaf)
{
	if ((va | pa | len) & (PAGE_4K - 1))
		return -BH_EINVAL;
	while (len) {
		int level = leaf_level(pt, va, pa, len), conflict = 0;
		uint64_t span = level_span(level);
		uint64_t *e = entry_at(pt, va, level, &conflict);

		if (!e)
			return conflict ? -BH_EEXIST : -BH_ENOMEM;
		if (*e & pt->fmt->present_mask)
			return -BH_EEXIST;
		*e = pa | leaf | (level ? PT_LARGE : 0);
		va += span;
		pa += span;
		len -= span;
	}
	return 0;
}

int64_t pt_lookup(const struct pgtable *pt, uint64_t va, uint64_t *leaf, uint64_t *size)
{
	const uint64_t *t = table(pt, pt->root);

	for (int l = 3; l >= 0; l--) {
		uint64_t e = t[level_index(va, l)];
		if (!(e & pt->fmt->present_mask))
			return -1;
		if (l == 0 || (l < 3 && (e & PT_LARGE))) {
			uint64_t span = level_span(l);
			if (leaf)
				*leaf = e & ~PT_ADDR_MASK;
			if (size)
				*size = span;
			return (int64_t)((e & PT_ADDR_MASK & ~(span - 1)) + (va & (span - 1)));
		}
		t = table(pt, e);
	}
	return -1;
}

static void free_level(struct pgtable *pt, uint64_t pa, int level, void (*free_table)(uint64_t))
{
	const uint64_t *t = table(pt, pa);

	for (unsigned i = 0; level > 0 && i < 512; i++)
		if ((t[i] & pt->fmt->present_mask) && !(t[i] & PT_LARGE))
			free_level(pt, t[i] & PT_ADDR_MASK, level - 1, free_table);
	free_table(pa);
}

void pt_free(struct pgtable *pt, void (*free_table)(uint64_t pa))
{
	if (pt->root)
		free_level(pt, pt->root, 3, free_table);
	pt->root = 0;
}
