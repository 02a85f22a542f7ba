/* SPDX-License-Identifier: MIT */
/* db-mem.c - the memory pool as extents: first fit in 2 MiB blocks for partition RAM, last
 * fit in 4 KiB pages for channels, fixed placement where the config says phys_base.
 *
 * st->extents[] is sorted by base and covers every pool range exactly: each byte of the
 * pool is in one extent, free or owned. After every change neighbours merge when they are
 * both free, or are the same partition's RAM at consecutive guest-physical addresses, so
 * one state has one representation (journal replays compare byte for byte).
 */
#include <string.h>
#include <bulkhead/errno.h>
#include "db-int.h"

static uint64_t ext_end(const struct db_extent *e)
{
	return e->base + e->size;
}

static bool is_pool_base(const struct db_state *st, uint64_t addr)
{
	for (uint32_t i = 0; i < st->pool_count; i++)
		if (st->pool[i].base == addr)
			return true;
	return false;
}

static bool mergeable(const struct db_state *st, const struct db_extent *a,
		      const struct db_extent *b)
{
	if (ext_end(a) != b->base || is_pool_base(st, b->base) || a->owner != b->owner)
		return false;
	if (a->owner == UV_OWNER_FREE)
		return true;
	return a->owner == UV_OWNER_PARTITION && a->id == b->id && a->gpa + a->size == b->gpa;
}

static void normalize(struct db_state *st)
{
	uint32_t i = 0;

	while (i + 1 < st->extent_count) {
		struct db_extent *a = &st->extents[i], *b = &st->extents[i + 1];

		if (!mergeable(st, a, b)) {
			i++;
			continue;
		}
		a->size += b->size;
		for (uint32_t k = i + 1; k + 1 < st->extent_count; k++)
			st->extents[k] = st->extents[k + 1];
		st->extent_count--;
		memset(&st->extents[st->extent_count], 0, sizeof(*b));
	}
}

/* Pool ranges as free extents, in address order. */
void mem_init(struct db_state *st)
{
	st->extent_count = 0;
	st->pool_total = 0;
	for (uint32_t i = 0; i < st->pool_count; i++) {
		struct db_extent e = { .base = st->pool[i].base, .size = st->pool[i].size };
		uint32_t k = st->extent_count;

		while (k && st->extents[k - 1].base > e.base) {
			st->extents[k] = st->extents[k - 1];
			k--;
		}
		st->extents[k] = e;
		st->extent_count++;
		st->pool_total += e.size;
	}
}

/* Extent i becomes [base, at) and [at, end). */
static int split(struct txn *t, uint32_t i, uint64_t at)
{
	struct db_state *st = t->st;
	struct db_extent *e = &st->extents[i];

	if (at <= e->base || at >= ext_end(e))
		return 0;
	if (st->extent_count >= DB_EXTENTS_MAX)
		return txn_fail(t, -BH_ENOSPC, "the extent table is full (%u extents)",
				DB_EXTENTS_MAX);
	for (uint32_t k = st->extent_count; k > i + 1; k--)
		st->extents[k] = st->extents[k - 1];
	st->extent_count++;
	e[1] = e[0];
	e[1].base = at;
	e[1].size = ext_end(e) - at;
	if (e->owner == UV_OWNER_PARTITION)
		e[1].gpa = e->gpa + (at - e->base);
	e->size = at - e->base;
	return 0;
}

static int find(const struct db_state *st, uint64_t addr)
{
	for (uint32_t i = 0; i < st->extent_count; i++)
		if (addr >= st->extents[i].base && addr < ext_end(&st->extents[i]))
			return (int)i;
	return -1;
}

/* Gives [base, base + size), inside one free extent, to an owner. */
static int carve(struct txn *t, uint64_t base, uint64_t size, uint32_t owner, uint32_t id,
		 uint64_t gpa)
{
	struct db_state *st = t->st;
	int i = find(st, base);
	int r;

	if (i < 0) /* callers carve only inside a free extent */
		return txn_fail(t, -BH_EFAULT, "0x%lx is not in the pool", (unsigned long)base);
	if ((r = split(t, (uint32_t)i, base)))
		return r;
	i = find(st, base);
	if ((r = split(t, (uint32_t)i, base + size)))
		return r;
	st->extents[i].owner = owner;
	st->extents[i].id = id;
	st->extents[i].gpa = owner == UV_OWNER_PARTITION ? gpa : 0;
	normalize(st);
	return 0;
}

/* Free bytes of e in whole blocks of align, from ub. */
static uint64_t usable(const struct db_extent *e, uint64_t align, uint64_t *ub)
{
	uint64_t b = align_up(e->base, align), end = align_down(ext_end(e), align);

	*ub = b;
	return e->owner == UV_OWNER_FREE && end > b ? end - b : 0;
}

uint64_t mem_free_usable(const struct db_state *st, uint64_t align)
{
	uint64_t sum = 0, ub;

	for (uint32_t i = 0; i < st->extent_count; i++)
		sum += usable(&st->extents[i], align, &ub);
	return sum;
}

uint64_t mem_owned(const struct db_state *st, uint32_t owner, uint32_t id)
{
	uint64_t sum = 0;

	for (uint32_t i = 0; i < st->extent_count; i++)
		if (st->extents[i].owner == owner && st->extents[i].id == id)
			sum += st->extents[i].size;
	return sum;
}

uint32_t mem_regions(const struct db_state *st, uint32_t id)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < st->extent_count; i++)
		n += st->extents[i].owner == UV_OWNER_PARTITION && st->extents[i].id == id;
	return n;
}

void mem_free_owner(struct db_state *st, uint32_t owner, uint32_t id)
{
	for (uint32_t i = 0; i < st->extent_count; i++) {
		struct db_extent *e = &st->extents[i];

		if (e->owner == owner && e->id == id) {
			e->owner = UV_OWNER_FREE;
			e->id = 0;
			e->gpa = 0;
		}
	}
	normalize(st);
}

/* "belongs to partition iopart-a" for the first owned extent in [base, base + size). */
static int fixed_busy(struct txn *t, uint64_t base, uint64_t size)
{
	for (uint32_t i = 0; i < t->st->extent_count; i++) {
		const struct db_extent *e = &t->st->extents[i];
		const struct db_part *p = st_part_id(t->st, e->id);
		const char *what = "channel";
		const char *name = "?";

		if (e->owner == UV_OWNER_FREE || !ranges_overlap(base, size, e->base, e->size))
			continue;
		for (uint32_t c = 0; c < DB_CHANS_MAX && e->owner == UV_OWNER_CHANNEL; c++)
			if (t->st->chans[c].id == e->id)
				name = t->st->chans[c].name;
		if (e->owner == UV_OWNER_PARTITION) {
			what = "partition";
			name = p ? p->name : "?";
		}
		return txn_fail(t, -BH_EBUSY, "phys-base 0x%lx-0x%lx is not free: 0x%lx-0x%lx "
				"belongs to %s %s", (unsigned long)base,
				(unsigned long)(base + size - 1), (unsigned long)e->base,
				(unsigned long)(ext_end(e) - 1), what, name);
	}
	return 0;
}

static int alloc_fixed(struct txn *t, struct db_part *p, uint64_t bytes, uint64_t base)
{
	int i = find(t->st, base);

	if (base % DB_MEM_ALIGN)
		return txn_fail(t, -BH_EINVAL, "phys-base 0x%lx is not a multiple of 2 MiB",
				(unsigned long)base);
	if (i < 0 || bytes > ext_end(&t->st->extents[i]) - base) {
		int r = fixed_busy(t, base, bytes);

		return r ? r : txn_fail(t, -BH_ERANGE, "phys-base 0x%lx-0x%lx is not inside "
					"one memory-pool range", (unsigned long)base,
					(unsigned long)(base + bytes - 1));
	}
	if (t->st->extents[i].owner != UV_OWNER_FREE)
		return fixed_busy(t, base, bytes);
	return carve(t, base, bytes, UV_OWNER_PARTITION, p->id, 0);
}

/* First extent holding bytes in whole 2 MiB blocks, or -1. */
static int first_fit(const struct db_state *st, uint64_t bytes, uint64_t *at)
{
	for (uint32_t i = 0; i < st->extent_count; i++)
		if (usable(&st->extents[i], DB_MEM_ALIGN, at) >= bytes)
			return (int)i;
	return -1;
}

/* Adds bytes of RAM at the top of p's guest-physical space: one extent when one fits,
 * else the free blocks in address order. */
int mem_alloc_part(struct txn *t, struct db_part *p, uint64_t bytes, uint64_t phys_base)
{
	uint64_t gpa = mem_owned(t->st, UV_OWNER_PARTITION, p->id), at, free;
	int r;

	if (!bytes || bytes % DB_MEM_ALIGN)
		return txn_fail(t, -BH_EINVAL, "memory 0x%lx is not a nonzero multiple of 2 MiB",
				(unsigned long)bytes);
	if (phys_base)
		return alloc_fixed(t, p, bytes, phys_base);
	free = mem_free_usable(t->st, DB_MEM_ALIGN);
	if (free < bytes)
		return txn_fail(t, -BH_ENOMEM, "needs %s, %s free in the pool",
				cfg_size_text(bytes).s, cfg_size_text(free).s);
	if (first_fit(t->st, bytes, &at) >= 0)
		return carve(t, at, bytes, UV_OWNER_PARTITION, p->id, gpa);
	while (bytes) {
		int i = first_fit(t->st, DB_MEM_ALIGN, &at);
		uint64_t n = i < 0 ? 0 : usable(&t->st->extents[i], DB_MEM_ALIGN, &at);

		if (!n) /* cannot happen: the free blocks were counted above */
			return txn_fail(t, -BH_ENOMEM, "needs %s more", cfg_size_text(bytes).s);
		n = n < bytes ? n : bytes;
		if ((r = carve(t, at, n, UV_OWNER_PARTITION, p->id, gpa)))
			return r;
		gpa += n;
		bytes -= n;
	}
	return 0;
}

/* The owned extent of partition id with the highest guest-physical address. */
static int top_extent(const struct db_state *st, uint32_t id)
{
	int top = -1;

	for (uint32_t i = 0; i < st->extent_count; i++) {
		const struct db_extent *e = &st->extents[i];

		if (e->owner == UV_OWNER_PARTITION && e->id == id &&
		    (top < 0 || e->gpa > st->extents[top].gpa))
			top = (int)i;
	}
	return top;
}

/* Takes bytes from the top of p's RAM back to the pool. */
int mem_release_part(struct txn *t, struct db_part *p, uint64_t bytes)
{
	uint64_t have = mem_owned(t->st, UV_OWNER_PARTITION, p->id);
	int r;

	if (!bytes || bytes % DB_MEM_ALIGN)
		return txn_fail(t, -BH_EINVAL, "memory 0x%lx is not a nonzero multiple of 2 MiB",
				(unsigned long)bytes);
	if (bytes > have)
		return txn_fail(t, -BH_ERANGE, "releasing %s, but %s has only %s",
				cfg_size_text(bytes).s, p->name, cfg_size_text(have).s);
	if (bytes == have)
		return txn_fail(t, -BH_ERANGE, "releasing all %s of %s would leave it none",
				cfg_size_text(have).s, p->name);
	while (bytes) {
		int i = top_extent(t->st, p->id);
		struct db_extent *e = &t->st->extents[i];

		if (e->size > bytes) {
			if ((r = split(t, (uint32_t)i, ext_end(e) - bytes)))
				return r;
			e = &t->st->extents[i + 1];
		}
		bytes -= e->size;
		e->owner = UV_OWNER_FREE;
		e->id = 0;
		e->gpa = 0;
		normalize(t->st);
	}
	return 0;
}

/* Channels come from the top of the pool so partition RAM keeps its 2 MiB blocks. */
int mem_alloc_chan(struct txn *t, struct db_chan *c)
{
	uint64_t largest = 0, ub;

	if (!c->size || c->size % DB_PAGE)
		return txn_fail(t, -BH_EINVAL, "size 0x%lx is not a nonzero multiple of 4 KiB",
				(unsigned long)c->size);
	for (uint32_t i = t->st->extent_count; i-- > 0;) {
		const struct db_extent *e = &t->st->extents[i];
		uint64_t n = usable(e, DB_PAGE, &ub);

		if (n >= c->size) {
			c->hpa = align_down(ext_end(e), DB_PAGE) - c->size;
			return carve(t, c->hpa, c->size, UV_OWNER_CHANNEL, c->id, 0);
		}
		largest = n > largest ? n : largest;
	}
	return txn_fail(t, -BH_ENOMEM, "needs %s in one piece; the largest free extent holds "
			"%s (%s free in the pool)", cfg_size_text(c->size).s, cfg_size_text(largest).s,
			cfg_size_text(mem_free_usable(t->st, DB_PAGE)).s);
}
