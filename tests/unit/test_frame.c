/* SPDX-License-Identifier: MIT */
/* test_frame.c - frame allocator: what the pool excludes, alignment, limits, free, trampoline. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/errno.h>
#include "monitor/frame.h"
#include "monitor/memmap.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define PG  FRAME_SIZE

static struct bh_bootinfo bi;
static struct frame_pool pool, saved;

static void add(uint64_t base, uint64_t len, uint32_t type)
{
	assert_int_equal(memmap_add(&bi, base, len, type), 0);
}

static void module(uint64_t start, uint64_t end)
{
	bi.modules[bi.module_count++] = (struct bh_module){ .start = start, .end = end };
}

/* A QEMU-like PC: 128 MiB below the hole, about 256 MiB above 4 GiB, a reserved page in the
 * middle of RAM, an unaligned information block and unaligned modules. */
static void pc_bootinfo(void)
{
	memset(&bi, 0, sizeof(bi));
	add(0x0, 0x9fc00, BH_MEM_USABLE);
	add(0x9fc00, 0x400, BH_MEM_RESERVED);
	add(0xf0000, 0x10000, BH_MEM_RESERVED);
	add(0x100000, 128 * MiB - 0x100000 - 0x20000, BH_MEM_USABLE);
	add(128 * MiB - 0x20000, 0x20000, BH_MEM_ACPI_RECLAIM);
	add(0x3000800, 0x100, BH_MEM_RESERVED); /* inside usable RAM: overlap, rounded out */
	add(4 * GiB + 0x400, 256 * MiB - 0x800, BH_MEM_USABLE); /* unaligned: shrunk inward */
	memmap_normalize(&bi);
	bi.info_start = 0x300100;
	bi.info_end = 0x300900;
	module(0x400000, 0x5123ab);
	module(0x600000, 0x600001);
}

/* The caller's own reservations: monitor image and a stray unaligned range. */
static const struct frame_range pc_reserved[] = {
	{ 0x100000, 0x2ab000 },
	{ 0x7000010, 0x7000020 },
};

struct forbidden {
	uint64_t base, end;
};

/* Everything a pooled frame must not touch, in byte terms (before any rounding). */
static const struct forbidden pc_forbidden[] = {
	{ 0x0, 0x100000 },			/* FRAME_LOW_LIMIT */
	{ 0x300100, 0x300900 },			/* information block */
	{ 0x400000, 0x5123ab },			/* modules */
	{ 0x600000, 0x600001 },
	{ 0x3000800, 0x3000900 },		/* reserved in the map */
	{ 128 * MiB - 0x20000, 4 * GiB },	/* ACPI reclaim and the PCI hole */
	{ 0x100000, 0x2ab000 },			/* caller's reservations */
	{ 0x7000010, 0x7000020 },
	{ 4 * GiB, 4 * GiB + 0x400 },		/* outside the unaligned high range */
	{ 4 * GiB + 256 * MiB - 0x400, UINT64_MAX },
};

static void init_pc(void)
{
	pc_bootinfo();
	assert_int_equal(frame_pool_init(&pool, &bi, pc_reserved, 2), 0);
}

static void check_page_allowed(uint64_t pa, uint64_t len)
{
	assert_int_equal(pa % PG, 0);
	for (size_t i = 0; i < sizeof(pc_forbidden) / sizeof(pc_forbidden[0]); i++) {
		if (pa < pc_forbidden[i].end && pc_forbidden[i].base < pa + len)
			fail_msg("frame %#llx+%#llx hits forbidden [%#llx, %#llx)",
				 (unsigned long long)pa, (unsigned long long)len,
				 (unsigned long long)pc_forbidden[i].base,
				 (unsigned long long)pc_forbidden[i].end);
	}
}

/* The free list: sorted, disjoint, not touching, frame aligned, never empty ranges. */
static void check_pool(const struct frame_pool *p)
{
	assert_true(p->count <= FRAME_RANGES_MAX);
	for (unsigned i = 0; i < p->count; i++) {
		assert_true(p->free[i].base < p->free[i].end);
		assert_int_equal(p->free[i].base % PG, 0);
		assert_int_equal(p->free[i].end % PG, 0);
		if (i + 1 < p->count)
			assert_true(p->free[i].end < p->free[i + 1].base);
	}
}

/* Drain the pool in 'chunk'-page pieces, then single pages; every byte is accounted for. */
static void drain(uint64_t chunk)
{
	uint64_t got = 0, pa;

	init_pc();
	check_pool(&pool);
	assert_int_equal(pool.total_bytes, frame_pool_free_bytes(&pool));
	for (uint64_t n = chunk; n; n = n > 1 ? 1 : 0) {
		while ((pa = frame_alloc(&pool, n, 0, 0)) != 0) {
			check_page_allowed(pa, n * PG);
			got += n * PG;
		}
	}
	assert_int_equal(got, pool.total_bytes);
	assert_int_equal(frame_pool_free_bytes(&pool), 0);
	assert_int_equal(pool.count, 0);
}

static void test_pool_excludes_single_pages(void **state)
{
	drain(1);
}

static void test_pool_excludes_chunks(void **state)
{
	drain(37);
}

static void test_pool_size(void **state)
{
	uint64_t low = 128 * MiB - 0x20000 - 0x2ab000; /* above the image, below ACPI */

	init_pc();
	low -= 0x1000;			/* info block: one frame */
	low -= 0x113000;		/* module 0 rounded out */
	low -= 0x1000;			/* module 1 */
	low -= 0x1000;			/* reserved map entry */
	low -= 0x1000;			/* caller's stray range */
	assert_int_equal(pool.total_bytes, low + 256 * MiB - 2 * PG);
}

static void test_alignment(void **state)
{
	uint64_t pa;

	init_pc();
	pa = frame_alloc(&pool, 1, 2 * MiB, 0);
	assert_int_equal(pa, 4 * GiB + 256 * MiB - 2 * MiB);
	pa = frame_alloc(&pool, 512, 2 * MiB, 0);
	assert_int_equal(pa % (2 * MiB), 0);
	assert_int_equal(pa, 4 * GiB + 256 * MiB - 4 * MiB);
	assert_int_equal(frame_alloc(&pool, 3, GiB, 0), 0); /* 4 GiB itself is not pooled */
	pa = frame_alloc(&pool, 3, 64 * MiB, 0);
	assert_int_equal(pa, 4 * GiB + 192 * MiB);
	assert_int_equal(frame_alloc(&pool, 1, 3 * PG, 0), 0);	/* not a power of two */
	assert_int_equal(frame_alloc(&pool, 1, PG / 2, 0), 0);	/* below a frame */
	check_pool(&pool);
}

static void test_limit(void **state)
{
	uint64_t pa;

	init_pc();
	pa = frame_alloc(&pool, 4, 0, 4 * GiB);
	assert_int_equal(pa, 128 * MiB - 0x20000 - 4 * PG);
	pa = frame_alloc(&pool, 1, 0, 0x2000800); /* unaligned limit: the frame ends below it */
	assert_int_equal(pa, 0x1fff000);
	assert_int_equal(frame_alloc(&pool, 1, 0, 0x100000), 0); /* nothing below 1 MiB */
	assert_int_equal(frame_alloc(&pool, 1, 0, 0x2ab000), 0);
	assert_int_equal(frame_alloc(&pool, 2, 0, PG), 0); /* limit below the size itself */
	while ((pa = frame_alloc(&pool, 64, 0, 4 * GiB)) != 0)
		assert_true(pa + 64 * PG <= 4 * GiB);
	check_pool(&pool);
	assert_int_equal(pool.free[pool.count - 1].base, 4 * GiB + PG); /* untouched above 4 GiB */
	assert_int_equal(pool.free[pool.count - 1].end, 4 * GiB + 256 * MiB - PG);
}

static void test_exhaustion(void **state)
{
	memset(&bi, 0, sizeof(bi));
	add(0x100000, 4 * PG, BH_MEM_USABLE);
	assert_int_equal(frame_pool_init(&pool, &bi, NULL, 0), 0);
	assert_int_equal(frame_alloc(&pool, 5, 0, 0), 0);
	assert_int_equal(frame_alloc(&pool, 0, 0, 0), 0);
	assert_int_equal(frame_alloc(&pool, UINT64_MAX / PG + 1, 0, 0), 0);
	assert_int_equal(frame_alloc(&pool, 4, 0, 0), 0x100000);
	assert_int_equal(frame_alloc(&pool, 1, 0, 0), 0);
	assert_int_equal(frame_pool_free_bytes(&pool), 0);
}

/* Same free ranges (entries past count are scratch). */
static void assert_same_pool(const struct frame_pool *a, const struct frame_pool *b)
{
	assert_int_equal(a->count, b->count);
	assert_int_equal(a->total_bytes, b->total_bytes);
	assert_memory_equal(a->free, b->free, a->count * sizeof(a->free[0]));
}

static void test_free_and_merge(void **state)
{
	uint64_t a, b, c;

	init_pc();
	memcpy(&saved, &pool, sizeof(pool));
	a = frame_alloc(&pool, 1, 0, 0);
	b = frame_alloc(&pool, 1, 0, 0);
	c = frame_alloc(&pool, 1, 0, 0);
	assert_int_equal(a - b, PG);
	assert_int_equal(b - c, PG);
	assert_int_equal(frame_free(&pool, b, 1), 0); /* an island: one more range */
	assert_int_equal(pool.count, saved.count + 1);
	assert_int_equal(frame_free(&pool, a, 1), 0); /* joins the island */
	assert_int_equal(pool.count, saved.count + 1);
	assert_int_equal(frame_free(&pool, c, 1), 0); /* joins the island and the range below */
	check_pool(&pool);
	assert_same_pool(&pool, &saved);
}

/* pa..pa+8 frames allocated, the upper four given back: every bad free leaves it as is. */
static void test_free_rejects(void **state)
{
	uint64_t pa;

	init_pc();
	pa = frame_alloc(&pool, 8, 0, 0);
	assert_int_equal(frame_free(&pool, pa + 4 * PG, 4), 0);
	memcpy(&saved, &pool, sizeof(pool));
	assert_int_equal(frame_free(&pool, pa - PG, 1), -BH_EINVAL);	 /* free already */
	assert_int_equal(frame_free(&pool, pa - PG, 2), -BH_EINVAL);	 /* half free already */
	assert_int_equal(frame_free(&pool, pa + 3 * PG, 2), -BH_EINVAL); /* runs into free */
	assert_int_equal(frame_free(&pool, pa + 4 * PG, 4), -BH_EINVAL); /* double free */
	assert_int_equal(frame_free(&pool, pa + 1, 1), -BH_EINVAL);	 /* misaligned */
	assert_int_equal(frame_free(&pool, pa, 0), -BH_EINVAL);
	assert_int_equal(frame_free(&pool, 0x9f000, 1), -BH_EINVAL);	 /* below 1 MiB */
	assert_int_equal(frame_free(&pool, pa, UINT64_MAX / PG), -BH_EINVAL); /* wraps */
	assert_memory_equal(&pool, &saved, sizeof(pool));
	assert_int_equal(frame_free(&pool, pa, 4), 0);
	assert_int_equal(pool.count, saved.count - 1); /* three ranges became one */
	assert_int_equal(frame_free(&pool, pa, 4), -BH_EINVAL);
}

/* 2 * FRAME_RANGES_MAX single frames, every other one freed: the list fills up. */
static void test_free_list_full(void **state)
{
	static uint64_t pages[2 * FRAME_RANGES_MAX + 2];
	unsigned n = sizeof(pages) / sizeof(pages[0]), i;

	memset(&bi, 0, sizeof(bi));
	add(GiB, n * PG, BH_MEM_USABLE);
	assert_int_equal(frame_pool_init(&pool, &bi, NULL, 0), 0);
	for (i = 0; i < n; i++)
		assert_int_not_equal(pages[i] = frame_alloc(&pool, 1, 0, 0), 0);
	for (i = 0; i < FRAME_RANGES_MAX; i++)
		assert_int_equal(frame_free(&pool, pages[2 * i], 1), 0);
	memcpy(&saved, &pool, sizeof(pool));
	assert_int_equal(frame_free(&pool, pages[2 * i], 1), -BH_E2BIG);
	assert_memory_equal(&pool, &saved, sizeof(pool));
	assert_int_equal(frame_free(&pool, pages[1], 1), 0); /* merges two: always fits */
	assert_int_equal(frame_alloc(&pool, 1, 0, 0), pages[0]); /* no split needed */
	check_pool(&pool);
}

static void test_init_overflow(void **state)
{
	static struct frame_range holes[FRAME_RANGES_MAX];

	memset(&bi, 0, sizeof(bi));
	add(GiB, 4 * FRAME_RANGES_MAX * PG, BH_MEM_USABLE);
	for (unsigned i = 0; i < FRAME_RANGES_MAX; i++)
		holes[i] = (struct frame_range){ GiB + (2 * i + 1) * PG, GiB + (2 * i + 2) * PG };
	assert_int_equal(frame_pool_init(&pool, &bi, holes, FRAME_RANGES_MAX - 1), 0);
	assert_int_equal(pool.count, FRAME_RANGES_MAX);
	assert_int_equal(frame_pool_init(&pool, &bi, holes, FRAME_RANGES_MAX), -BH_E2BIG);
}

/* One reserved range across three free ranges: trims one, drops one, trims the last. */
static void test_reserved_spans_ranges(void **state)
{
	static const struct frame_range span = { 0x180000, 0x580000 };

	memset(&bi, 0, sizeof(bi));
	add(0x100000, 0x100000, BH_MEM_USABLE);
	add(0x300000, 0x100000, BH_MEM_USABLE);
	add(0x500000, 0x100000, BH_MEM_USABLE);
	assert_int_equal(frame_pool_init(&pool, &bi, &span, 1), 0);
	assert_int_equal(pool.count, 2);
	assert_int_equal(pool.free[0].base, 0x100000);
	assert_int_equal(pool.free[0].end, 0x180000);
	assert_int_equal(pool.free[1].base, 0x580000);
	assert_int_equal(pool.free[1].end, 0x600000);
}

/* A map that was never normalized: a reserved entry inside usable RAM still stays out. */
static void test_unnormalized_map(void **state)
{
	memset(&bi, 0, sizeof(bi));
	bi.mmap[0] = (struct bh_mem_range){ .base = 0x1000000, .len = 0x10000, .type = 2 };
	bi.mmap[1] = (struct bh_mem_range){ .base = 0, .len = 0x2000000, .type = 1 };
	bi.mmap[2] = (struct bh_mem_range){ .base = 0x1800000, .len = 0x1000000, .type = 1 };
	bi.mmap_count = 3;
	assert_int_equal(frame_pool_init(&pool, &bi, NULL, 0), 0);
	assert_int_equal(pool.count, 2);
	assert_int_equal(pool.free[0].base, 0x100000);
	assert_int_equal(pool.free[0].end, 0x1000000);
	assert_int_equal(pool.free[1].base, 0x1010000);
	assert_int_equal(pool.free[1].end, 0x2800000);
}

static void test_trampoline(void **state)
{
	pc_bootinfo();
	bi.info_start = 0x20000; /* keep it away for the first pick */
	bi.info_end = 0x20100;
	bi.module_count = 0;
	assert_int_equal(frame_pick_trampoline(&bi), 0x9e000); /* 0x9f000 touches the EBDA */
	module(0x9d000, 0x9e800);
	assert_int_equal(frame_pick_trampoline(&bi), 0x9c000);
	bi.info_start = 0x9b800;
	bi.info_end = 0x9c100;
	assert_int_equal(frame_pick_trampoline(&bi), 0x9a000);
}

static void test_trampoline_none(void **state)
{
	memset(&bi, 0, sizeof(bi));
	add(0x0, 0x1000, BH_MEM_USABLE); /* page 0 is never picked */
	add(0xa0000, 0x60000, BH_MEM_USABLE); /* above 0xA0000 does not count */
	add(0x100000, 64 * MiB, BH_MEM_USABLE);
	memmap_normalize(&bi);
	assert_int_equal(frame_pick_trampoline(&bi), 0);
	memset(&bi, 0, sizeof(bi));
	add(0x1000, 0x800, BH_MEM_USABLE); /* half a page */
	assert_int_equal(frame_pick_trampoline(&bi), 0);
	add(0x2000, 0x1000, BH_MEM_USABLE);
	assert_int_equal(frame_pick_trampoline(&bi), 0x2000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pool_excludes_single_pages),
		cmocka_unit_test(test_pool_excludes_chunks),
		cmocka_unit_test(test_pool_size),
		cmocka_unit_test(test_alignment),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_exhaustion),
		cmocka_unit_test(test_free_and_merge),
		cmocka_unit_test(test_free_rejects),
		cmocka_unit_test(test_free_list_full),
		cmocka_unit_test(test_init_overflow),
		cmocka_unit_test(test_reserved_spans_ranges),
		cmocka_unit_test(test_unnormalized_map),
		cmocka_unit_test(test_trampoline),
		cmocka_unit_test(test_trampoline_none),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
