/* SPDX-License-Identifier: MIT */
/* msix.c - the pages of MSI-X tables and PBAs (PCIe 6.0, 7.7.2 MSI-X Capability and Table
 * Structure): located from the capability, page-rounded, and cut out of MMIO regions. */
#include <bulkhead/errno.h>
#include "msix.h"

#define PAGE 0x1000ull

/* [off, off + len) of BAR bir inside that BAR? → its host-physical address, or 0. */
static uint64_t in_bar(const struct bh_uv_pci *f, uint32_t bir, uint64_t off, uint64_t len)
{
	const struct bh_uv_pci_bar *b = bir < BH_UV_PCI_BARS ? &f->bar[bir] : NULL;

	if (!b || !b->size || !b->base || off > b->size || len > b->size - off)
		return 0;
	return b->base + off;
}

int msix_locate(const struct bh_uv_pci *f, uint16_t ctrl, uint32_t table_reg,
		uint32_t pba_reg, struct msix_table *out)
{
	uint16_t entries = (uint16_t)((ctrl & 0x7ff) + 1);
	uint64_t pba_len = ((entries + 63u) / 64u) * 8u; /* one bit per entry, in qwords */

	*out = (struct msix_table){
		.table = in_bar(f, table_reg & 7, table_reg & ~7u, (uint64_t)entries * MSIX_ENTRY),
		.pba = in_bar(f, pba_reg & 7, pba_reg & ~7u, pba_len),
		.entries = entries,
	};
	return out->table && out->pba ? 0 : -BH_EINVAL;
}

static struct view_range pages(uint64_t at, uint64_t len)
{
	return (struct view_range){ at & ~(PAGE - 1), (at + len + PAGE - 1) & ~(PAGE - 1) };
}

unsigned msix_pages(const struct msix_table *t, struct view_range out[2])
{
	struct view_range a = pages(t->table, (uint64_t)t->entries * MSIX_ENTRY);
	struct view_range b = pages(t->pba, ((t->entries + 63u) / 64u) * 8u);

	if (a.base <= b.end && b.base <= a.end) { /* shared or adjacent pages: one range */
		out[0] = (struct view_range){ a.base < b.base ? a.base : b.base,
					      a.end > b.end ? a.end : b.end };
		return 1;
	}
	out[0] = a;
	out[1] = b;
	return 2;
}

bool msix_ro_next(const struct view_range *ro, unsigned n, uint64_t at, uint64_t end,
		  struct view_range *hit)
{
	bool found = false;

	for (unsigned i = 0; i < n; i++) {
		if (ro[i].base >= end || ro[i].end <= at || (found && ro[i].base >= hit->base))
			continue;
		*hit = ro[i];
		found = true;
	}
	if (found) {
		hit->base = hit->base < at ? at : hit->base;
		hit->end = hit->end > end ? end : hit->end;
	}
	return found;
}
