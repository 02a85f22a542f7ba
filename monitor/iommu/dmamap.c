/* SPDX-License-Identifier: MIT */
/* dmamap.c - DMA tables from a view (ARCHITECTURE.md, "DMA and interrupt containment"). */
#include <bulkhead/errno.h>
#include "fmt.h"
#include "dmamap.h"

int dma_reaches(const struct bh_view_region *r)
{
	if (r->kind == BH_VIEW_CHANNEL)
		return 1;
	return r->kind == BH_VIEW_PRIVATE &&
	       !(r->flags & (BH_VIEW_IDENT | BH_VIEW_IOREQ | BH_VIEW_GUEST | BH_VIEW_BAR));
}

static int refuse(const struct bh_view *v, unsigned i, int code, const char *why, char *err,
		  size_t errlen)
{
	bh_snprintf(err, errlen, "partition %u (%.32s): region %u: %s", v->partition_id, v->name,
		    i, why);
	return code;
}

int dma_build(const struct bh_view *v, struct pgtable *t, const struct dma_leaf *leaf,
	      uint64_t iova_limit, char *err, size_t errlen)
{
	if (!(t->root = t->alloc_table(t->ctx)))
		return refuse(v, 0, -BH_ENOMEM, "no memory for the DMA tables", err, errlen);
	for (unsigned i = 0; i < v->region_count && i < BH_VIEW_REGIONS_MAX; i++) {
		const struct bh_view_region *r = &v->regions[i];
		int e;

		if (!dma_reaches(r))
			continue;
		if (r->gpa + r->size < r->gpa || r->gpa + r->size > iova_limit)
			return refuse(v, i, -BH_EINVAL, "beyond the IOMMU's address width", err,
				      errlen);
		if (r->gpa < DMA_MSI_BASE + DMA_MSI_SIZE && DMA_MSI_BASE < r->gpa + r->size)
			return refuse(v, i, -BH_EINVAL, "DMA-able memory in the MSI window "
				      "0xfee00000-0xfeefffff", err, errlen);
		e = pt_map(t, r->gpa, r->hpa, r->size, r->flags & BH_VIEW_W ? leaf->rw : leaf->ro);
		if (e)
			return refuse(v, i, e, e == -BH_ENOMEM ? "no memory for the DMA tables" :
				      "unaligned or overlapping", err, errlen);
	}
	return 0;
}
