/* SPDX-License-Identifier: MIT */
/* palloc.h - the monitor's physical page allocator: the frame pool behind a lock. */
#ifndef MONITOR_PALLOC_H
#define MONITOR_PALLOC_H

#include <stdint.h>
#include "frame.h"

#define LIMIT_4G 0x100000000ull

int palloc_init(const struct bh_bootinfo *bi, const struct frame_range *reserved, unsigned n);

/* npages zeroed frames (see frame_alloc for align and limit); 0 when out of memory. */
uint64_t palloc(uint64_t npages, uint64_t align, uint64_t limit);

/* Give back what palloc returned. */
void pfree(uint64_t pa, uint64_t npages);

/* The frames of a struct pgtable (pgtable.h) the monitor builds for a partition, nested or
 * IOMMU tables alike: one frame a table, reached at VA = PA (the monitor's identity map). */
uint64_t palloc_table(void *ctx);
void pfree_table(uint64_t pa);
void *phys_to_virt_identity(uint64_t pa);
/* Remove exactly these frames from the pool for good (frame_take). */
int palloc_take(uint64_t pa, uint64_t npages);
uint64_t palloc_free_bytes(void);

#endif
