/* SPDX-License-Identifier: MIT */
/* frame.c - physical frame allocator: a sorted list of free ranges, highest fit first. */
#include <stdbool.h>
#include <string.h>
#include <bulkhead/errno.h>
#include "frame.h"

/*
 * p->free[0 .. count) is sorted by base, and ranges neither overlap nor touch, so a range is
 * exactly one maximal run of free frames. Every operation is O(count).
 */

#define FRAME_MASK       (FRAME_SIZE - 1)
#define FRAME_TOP        (UINT64_MAX & ~FRAME_MASK) /* last frame boundary we can express */
#define TRAMPOLINE_FIRST 0x1000ull
#define TRAMPOLINE_END   0xA0000ull /* conventional memory ends; the EBDA and VGA follow */

static uint64_t fr_down(uint64_t v)
{
	return v & ~FRAME_MASK;
}

static uint64_t fr_up(uint64_t v)
{
	return v > FRAME_TOP ? FRAME_TOP : (v + FRAME_MASK) & ~FRAME_MASK;
}

/* End of [base, base + len), saturated instead of wrapping. */
static uint64_t fr_end(uint64_t base, uint64_t len)
{
	return len > UINT64_MAX - base ? UINT64_MAX : base + len;
}

static bool fr_overlap(uint64_t a, uint64_t a_end, uint64_t b, uint64_t b_end)
{
	return a < a_end && b < b_end && a < b_end && b < a_end;
}

static unsigned fr_mmap_count(const struct bh_bootinfo *bi)
{
	return bi->mmap_count < BH_BOOT_MMAP_MAX ? bi->mmap_count : BH_BOOT_MMAP_MAX;
}

static unsigned fr_module_count(const struct bh_bootinfo *bi)
{
	return bi->module_count < BH_BOOT_MODULES_MAX ? bi->module_count : BH_BOOT_MODULES_MAX;
}

static int fr_insert(struct frame_pool *p, unsigned i, uint64_t base, uint64_t end)
{
	if (p->count >= FRAME_RANGES_MAX)
		return -BH_E2BIG;
	memmove(&p->free[i + 1], &p->free[i], (p->count - i) * sizeof(p->free[0]));
	p->free[i] = (struct frame_range){ .base = base, .end = end };
	p->count++;
	return 0;
}

/* Remove free[i .. j). */
static void fr_remove(struct frame_pool *p, unsigned i, unsigned j)
{
	memmove(&p->free[i], &p->free[j], (p->count - j) * sizeof(p->free[0]));
	p->count -= j - i;
}

/* Union [base, end) into the list, merging every range it overlaps or touches. */
static int fr_add(struct frame_pool *p, uint64_t base, uint64_t end)
{
	unsigned i = 0, j;

	while (i < p->count && p->free[i].end < base)
		i++;
	for (j = i; j < p->count && p->free[j].base <= end; j++) {
		base = p->free[j].base < base ? p->free[j].base : base;
		end = p->free[j].end > end ? p->free[j].end : end;
	}
	if (j == i)
		return fr_insert(p, i, base, end);
	p->free[i] = (struct frame_range){ .base = base, .end = end };
	fr_remove(p, i + 1, j);
	return 0;
}

/* Take [base, end) out of free[i], which contains it. */
static int fr_carve(struct frame_pool *p, unsigned i, uint64_t base, uint64_t end)
{
	struct frame_range *r = &p->free[i];
	bool left = r->base < base, right = end < r->end;
	int rc;

	if (left && right) {
		rc = fr_insert(p, i + 1, end, r->end);
		if (rc)
			return rc;
		p->free[i].end = base;
	} else if (left) {
		r->end = base;
	} else if (right) {
		r->base = end;
	} else {
		fr_remove(p, i, i + 1);
	}
	return 0;
}

/* Remove [base, end) from the pool wherever it is free. */
static int fr_sub(struct frame_pool *p, uint64_t base, uint64_t end)
{
	unsigned i = 0;
	int rc;

	while (i < p->count && p->free[i].end <= base)
		i++;
	while (i < p->count && p->free[i].base < end) {
		uint64_t lo = p->free[i].base > base ? p->free[i].base : base;
		uint64_t hi = p->free[i].end < end ? p->free[i].end : end;
		unsigned before = p->count;

		rc = fr_carve(p, i, lo, hi);
		if (rc)
			return rc;
		if (p->count >= before)
			i++; /* free[i] survived (trimmed or split): step past it */
	}
	return 0;
}

/* Rounded outward: a partly reserved frame is a reserved frame. */
static int fr_sub_outward(struct frame_pool *p, uint64_t base, uint64_t end)
{
	if (end <= base)
		return 0;
	return fr_sub(p, fr_down(base), fr_up(end));
}

static int fr_add_usable(struct frame_pool *p, const struct bh_bootinfo *bi)
{
	for (unsigned i = 0; i < fr_mmap_count(bi); i++) {
		const struct bh_mem_range *r = &bi->mmap[i];
		uint64_t lo = fr_up(r->base < FRAME_LOW_LIMIT ? FRAME_LOW_LIMIT : r->base);
		uint64_t hi = fr_down(fr_end(r->base, r->len));
		int rc;

		if (r->type != BH_MEM_USABLE || lo >= hi)
			continue;
		rc = fr_add(p, lo, hi);
		if (rc)
			return rc;
	}
	return 0;
}

/* Anything the map calls non-usable stays out, even if another entry overlaps it. */
static int fr_sub_unusable(struct frame_pool *p, const struct bh_bootinfo *bi)
{
	for (unsigned i = 0; i < fr_mmap_count(bi); i++) {
		const struct bh_mem_range *r = &bi->mmap[i];
		int rc;

		if (r->type == BH_MEM_USABLE)
			continue;
		rc = fr_sub_outward(p, r->base, fr_end(r->base, r->len));
		if (rc)
			return rc;
	}
	return 0;
}

static int fr_sub_boot(struct frame_pool *p, const struct bh_bootinfo *bi)
{
	int rc = fr_sub_outward(p, bi->info_start, bi->info_end);

	for (unsigned i = 0; !rc && i < fr_module_count(bi); i++)
		rc = fr_sub_outward(p, bi->modules[i].start, bi->modules[i].end);
	return rc;
}

int frame_pool_init(struct frame_pool *p, const struct bh_bootinfo *bi,
		    const struct frame_range *reserved, unsigned nreserved)
{
	int rc;

	memset(p, 0, sizeof(*p));
	rc = fr_add_usable(p, bi);
	if (!rc)
		rc = fr_sub_unusable(p, bi);
	if (!rc)
		rc = fr_sub_boot(p, bi);
	for (unsigned i = 0; !rc && i < nreserved; i++)
		rc = fr_sub_outward(p, reserved[i].base, reserved[i].end);
	p->total_bytes = frame_pool_free_bytes(p);
	return rc;
}

/* Highest 'align'-aligned start of 'size' bytes inside r ending at or below top; 0: none. */
static uint64_t fr_fit(const struct frame_range *r, uint64_t size, uint64_t align, uint64_t limit)
{
	uint64_t top = limit && limit < r->end ? limit : r->end;
	uint64_t start;

	if (top < r->base || top - r->base < size)
		return 0;
	start = (top - size) & ~(align - 1);
	return start >= r->base ? start : 0; /* the pool never holds frame 0 */
}

uint64_t frame_alloc(struct frame_pool *p, uint64_t npages, uint64_t align, uint64_t limit)
{
	uint64_t size, start;

	if (!align)
		align = FRAME_SIZE;
	if (!npages || npages > UINT64_MAX / FRAME_SIZE)
		return 0;
	if (align < FRAME_SIZE || (align & (align - 1)))
		return 0;
	size = npages * FRAME_SIZE;
	for (unsigned i = p->count; i-- > 0;) {
		start = fr_fit(&p->free[i], size, align, limit);
		if (start && !fr_carve(p, i, start, start + size))
			return start;
	}
	return 0; /* nothing fits, or only by splitting a range with the list full */
}

static bool fr_any_free(const struct frame_pool *p, uint64_t base, uint64_t end)
{
	for (unsigned i = 0; i < p->count; i++) {
		if (fr_overlap(p->free[i].base, p->free[i].end, base, end))
			return true;
	}
	return false;
}

int frame_free(struct frame_pool *p, uint64_t base, uint64_t npages)
{
	uint64_t end;

	if (!npages || (base & FRAME_MASK) || base < FRAME_LOW_LIMIT)
		return -BH_EINVAL;
	if (npages > (UINT64_MAX - base) / FRAME_SIZE)
		return -BH_EINVAL;
	end = base + npages * FRAME_SIZE;
	if (fr_any_free(p, base, end))
		return -BH_EINVAL; /* double free */
	return fr_add(p, base, end);
}

int frame_take(struct frame_pool *p, uint64_t base, uint64_t npages)
{
	uint64_t end = base + npages * FRAME_SIZE;

	if (!npages || (base & FRAME_MASK) || npages > (UINT64_MAX - base) / FRAME_SIZE)
		return -BH_EINVAL;
	for (unsigned i = 0; i < p->count; i++)
		if (p->free[i].base <= base && end <= p->free[i].end)
			return fr_carve(p, i, base, end);
	return -BH_EBUSY;
}

uint64_t frame_pool_free_bytes(const struct frame_pool *p)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < p->count; i++)
		sum += p->free[i].end - p->free[i].base;
	return sum;
}

/* The page lies wholly inside a usable range and touches no non-usable one. */
static bool tr_page_usable(const struct bh_bootinfo *bi, uint64_t pa)
{
	bool inside = false;

	for (unsigned i = 0; i < fr_mmap_count(bi); i++) {
		const struct bh_mem_range *r = &bi->mmap[i];
		uint64_t end = fr_end(r->base, r->len);

		if (r->type == BH_MEM_USABLE && r->base <= pa && pa + FRAME_SIZE <= end)
			inside = true;
		else if (r->type != BH_MEM_USABLE && fr_overlap(r->base, end, pa, pa + FRAME_SIZE))
			return false;
	}
	return inside;
}

static bool tr_page_clear(const struct bh_bootinfo *bi, uint64_t pa)
{
	if (fr_overlap(bi->info_start, bi->info_end, pa, pa + FRAME_SIZE))
		return false;
	for (unsigned i = 0; i < fr_module_count(bi); i++) {
		if (fr_overlap(bi->modules[i].start, bi->modules[i].end, pa, pa + FRAME_SIZE))
			return false;
	}
	return true;
}

/* Intel SDM vol 3A, "Interrupt Command Register (ICR)", Start-Up delivery mode: the vector
 * is the page number of the AP entry, so the page lies below 1 MiB; below 0xA0000 keeps it
 * in conventional memory, away from the VGA window and option ROMs. */
uint64_t frame_pick_trampoline(const struct bh_bootinfo *bi)
{
	for (uint64_t pa = TRAMPOLINE_END - FRAME_SIZE; pa >= TRAMPOLINE_FIRST; pa -= FRAME_SIZE) {
		if (tr_page_usable(bi, pa) && tr_page_clear(bi, pa))
			return pa;
	}
	return 0;
}
