/* SPDX-License-Identifier: MIT */
/* dmamap.h - a partition's DMA address space, built from the same view as its nested page
 * tables: IOVA = GPA. Pure: the tables come from the caller's allocator; host-tested. */
#ifndef MONITOR_DMAMAP_H
#define MONITOR_DMAMAP_H

#include <stddef.h>
#include <bulkhead/view.h>
#include "../pgtable.h"

#define DMA_MSI_BASE 0xfee00000ull /* no IOMMU translates it: a write there is an MSI */
#define DMA_MSI_SIZE 0x100000ull

/* The leaf bits of each access a vendor's format grants. */
struct dma_leaf {
	uint64_t rw, ro;
};

/* Map into t (fmt, max_leaf, allocator set, root 0) every region of v a device may reach:
 * PRIVATE RAM (not its second mappings, BH_VIEW_IDENT / BH_VIEW_IOREQ) and CHANNEL regions,
 * read-only where the view is read-only; never MMIO or boot modules. IOVAs must lie below
 * iova_limit and outside the MSI window. 0, or -BH_EINVAL / -BH_ENOMEM with err naming the
 * partition and region; on error t holds whatever was built (the caller frees it). */
int dma_build(const struct bh_view *v, struct pgtable *t, const struct dma_leaf *leaf,
	      uint64_t iova_limit, char *err, size_t errlen);

/* Does a device of v reach region r? */
int dma_reaches(const struct bh_view_region *r);

#endif
