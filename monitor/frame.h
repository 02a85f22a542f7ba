/* SPDX-License-Identifier: MIT */
/* frame.h - physical frame allocator over usable RAM (4 KiB frames, free-range list). */
#ifndef MONITOR_FRAME_H
#define MONITOR_FRAME_H

#include <stdint.h>
#include <bulkhead/bootinfo.h>

#define FRAME_SIZE       4096ull
#define FRAME_LOW_LIMIT  0x100000ull /* below 1 MiB is firmware and real-mode land: never pooled */
#define FRAME_RANGES_MAX 512

struct frame_range {
	uint64_t base; /* first byte */
	uint64_t end;  /* one past the last byte */
};

struct frame_pool {
	struct frame_range free[FRAME_RANGES_MAX]; /* sorted by base, disjoint, not touching */
	unsigned count;
	uint64_t total_bytes; /* pooled at init */
};

/*
 * Pool = usable RAM of bi at or above FRAME_LOW_LIMIT, shrunk inward to frame boundaries,
 * minus the boot information block [info_start, info_end), every module, and each of the
 * caller's reserved ranges (image, trampoline page, ...) rounded outward to frames.
 * Returns 0 or -BH_E2BIG if the free list would overflow.
 */
int frame_pool_init(struct frame_pool *p, const struct bh_bootinfo *bi,
		    const struct frame_range *reserved, unsigned nreserved);

/* npages contiguous frames aligned to 'align' bytes (a power of two ≥ FRAME_SIZE, or 0 for
 * FRAME_SIZE) ending at or below 'limit' (0: no limit). Takes the highest-addressed fit so low
 * memory stays for those who need it. Returns the physical address, or 0 when nothing fits. */
uint64_t frame_alloc(struct frame_pool *p, uint64_t npages, uint64_t align, uint64_t limit);

/* Give frames back. -BH_EINVAL if misaligned or overlapping frames already free (double free),
 * -BH_E2BIG if the list is full; the pool is unchanged on error. */
int frame_free(struct frame_pool *p, uint64_t base, uint64_t npages);

/* Take the exact frames [base, base + npages pages) out of the pool for good: all of them
 * must be free (-BH_EBUSY otherwise, the pool unchanged); -BH_EINVAL if misaligned. */
int frame_take(struct frame_pool *p, uint64_t base, uint64_t npages);

uint64_t frame_pool_free_bytes(const struct frame_pool *p);

/* A page for the AP start-up trampoline: usable, page aligned, in [0x1000, 0xA0000) (a SIPI
 * vector addresses a page below 1 MiB), clear of the boot information block and modules.
 * Picks the highest such page. Returns its address or 0 if there is none. */
uint64_t frame_pick_trampoline(const struct bh_bootinfo *bi);

#endif
