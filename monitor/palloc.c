/* SPDX-License-Identifier: MIT */
/* palloc.c - one frame pool for the whole monitor, shared by all CPUs under a lock. The
 * monitor's memory is identity-mapped, so a frame's physical address is its pointer. */
#include <string.h>
#include "palloc.h"
#include "spinlock.h"

static struct frame_pool pool;
static struct spinlock lock;

int palloc_init(const struct bh_bootinfo *bi, const struct frame_range *reserved, unsigned n)
{
	return frame_pool_init(&pool, bi, reserved, n);
}

uint64_t palloc(uint64_t npages, uint64_t align, uint64_t limit)
{
	uint64_t pa;

	spin_lock(&lock);
	pa = frame_alloc(&pool, npages, align, limit);
	spin_unlock(&lock);
	if (pa)
		memset((void *)pa, 0, npages * FRAME_SIZE);
	return pa;
}

void pfree(uint64_t pa, uint64_t npages)
{
	spin_lock(&lock);
	frame_free(&pool, pa, npages);
	spin_unlock(&lock);
}

int palloc_take(uint64_t pa, uint64_t npages)
{
	int r;

	spin_lock(&lock);
	r = frame_take(&pool, pa, npages);
	spin_unlock(&lock);
	return r;
}

uint64_t palloc_free_bytes(void)
{
	return frame_pool_free_bytes(&pool);
}

uint64_t palloc_table(void *ctx)
{
	return palloc(1, 0, 0);
}

void pfree_table(uint64_t pa)
{
	pfree(pa, 1);
}

void *phys_to_virt_identity(uint64_t pa)
{
	return (void *)pa;
}
