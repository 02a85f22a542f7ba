/* SPDX-License-Identifier: MIT */
/* test_pgtable.c - the page-table builder in both entry formats it emits: long mode (host
 * paging, AMD NPT) and Intel EPT. Each case runs once per format; the tables live in a
 * heap arena whose "physical" addresses are offsets from its base. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/errno.h>
#include "monitor/pgtable.h"
#include "monitor/vmx/vmcs.h"

#define ARENA_PAGES 64
#define MiB (1ull << 20)
#define GiB (1ull << 30)

struct arena {
	uint8_t *base; /* 4 KiB aligned */
	uint64_t next; /* next free "physical" address; 0 is never handed out */
	uint64_t limit;
};

static uint64_t arena_alloc(void *ctx)
{
	struct arena *a = ctx;
	uint64_t pa = a->next;

	if (pa >= a->limit)
		return 0;
	a->next += PAGE_4K;
	memset(a->base + pa, 0, PAGE_4K);
	return pa;
}

static struct arena *the_arena;
static void *arena_virt(uint64_t pa)
{
	assert_true(pa < the_arena->limit && !(pa & (PAGE_4K - 1)));
	return the_arena->base + pa;
}

/* A format and the leaf bits a caller of that format passes for read-write RAM. */
struct case_fmt {
	const struct pt_format *fmt;
	uint64_t leaf_rw, leaf_ro;
};

static const struct case_fmt formats[] = {
	{ &pt_format_x86, PTE_P | PTE_W | PTE_U, PTE_P | PTE_U },
	{ &pt_format_ept, EPT_R | EPT_W | EPT_X | EPT_MT_WB, EPT_R | EPT_X | EPT_MT_WB },
};

struct fixture {
	struct arena arena;
	struct pgtable pt;
	const struct case_fmt *f;
};

static int setup(void **state, const struct case_fmt *f)
{
	struct fixture *x = calloc(1, sizeof(*x));

	x->arena.base = aligned_alloc(PAGE_4K, ARENA_PAGES * PAGE_4K);
	x->arena.next = PAGE_4K;
	x->arena.limit = ARENA_PAGES * PAGE_4K;
	the_arena = &x->arena;
	x->f = f;
	x->pt = (struct pgtable){ .fmt = f->fmt, .max_leaf = PAGE_1G, .alloc_table = arena_alloc,
				  .phys_to_virt = arena_virt, .ctx = &x->arena };
	x->pt.root = arena_alloc(&x->arena);
	*state = x;
	return 0;
}

static int setup_x86(void **state) { return setup(state, &formats[0]); }
static int setup_ept(void **state) { return setup(state, &formats[1]); }

static int teardown(void **state)
{
	struct fixture *x = *state;

	free(x->arena.base);
	free(x);
	return 0;
}

/* Every entry on the walk to va: tables carry exactly the format's table bits. */
static void check_walk(struct fixture *x, uint64_t va, uint64_t want_size)
{
	uint64_t pa = x->pt.root, *t;
	int level = 3;

	for (;; level--) {
		t = arena_virt(pa);
		uint64_t e = t[(va >> (12 + 9 * level)) & 511];
		assert_true(e & x->f->fmt->present_mask);
		if (level == 0 || (e & PT_LARGE))
			break;
		assert_int_equal(e & ~PT_ADDR_MASK, x->f->fmt->table_bits);
		pa = e & PT_ADDR_MASK;
	}
	assert_int_equal(PAGE_4K << (9 * level), want_size);
}

static void test_large_pages_where_aligned(void **state)
{
	struct fixture *x = *state;
	uint64_t leaf, size;

	/* [2 MiB - 4 KiB, 2 GiB + 2 MiB): a 4 KiB page, 2 MiB pages, a 1 GiB page, a 2 MiB page */
	assert_int_equal(pt_map(&x->pt, 2 * MiB - PAGE_4K, 2 * MiB - PAGE_4K, 2 * GiB + PAGE_4K,
				x->f->leaf_rw), 0);
	assert_int_equal(pt_lookup(&x->pt, 2 * MiB - PAGE_4K, &leaf, &size), 2 * MiB - PAGE_4K);
	assert_int_equal(size, PAGE_4K);
	assert_int_equal(leaf, x->f->leaf_rw);
	assert_int_equal(pt_lookup(&x->pt, 3 * MiB + 5, &leaf, &size), 3 * MiB + 5);
	assert_int_equal(size, PAGE_2M);
	assert_int_equal(leaf, x->f->leaf_rw | PT_LARGE);
	assert_int_equal(pt_lookup(&x->pt, GiB + 123, &leaf, &size), GiB + 123);
	assert_int_equal(size, PAGE_1G);
	check_walk(x, 2 * MiB - PAGE_4K, PAGE_4K);
	check_walk(x, 4 * MiB, PAGE_2M);
	check_walk(x, GiB, PAGE_1G);
	check_walk(x, 2 * GiB, PAGE_2M);
	assert_int_equal(pt_lookup(&x->pt, 2 * MiB - 2 * PAGE_4K, NULL, NULL), -1);
	assert_int_equal(pt_lookup(&x->pt, 2 * GiB + 2 * MiB, NULL, NULL), -1);
}

/* The layout part.c builds: RAM read-write around a read-only 4 KiB info page. */
static void test_read_only_page_inside_ram(void **state)
{
	struct fixture *x = *state;
	const uint64_t hpa = 64 * MiB, info = 0x1000, size = 16 * MiB;
	uint64_t leaf, size_out;

	assert_int_equal(pt_map(&x->pt, 0, hpa, info, x->f->leaf_rw), 0);
	assert_int_equal(pt_map(&x->pt, info, hpa + info, PAGE_4K, x->f->leaf_ro), 0);
	assert_int_equal(pt_map(&x->pt, info + PAGE_4K, hpa + info + PAGE_4K,
				size - info - PAGE_4K, x->f->leaf_rw), 0);
	assert_int_equal(pt_lookup(&x->pt, info + 8, &leaf, &size_out), hpa + info + 8);
	assert_int_equal(leaf, x->f->leaf_ro);
	assert_int_equal(size_out, PAGE_4K);
	assert_int_equal(pt_lookup(&x->pt, 8 * MiB, &leaf, &size_out), hpa + 8 * MiB);
	assert_int_equal(size_out, PAGE_2M);
	assert_int_equal(pt_lookup(&x->pt, size, NULL, NULL), -1);
}

static void test_refuses_overlap_and_misalignment(void **state)
{
	struct fixture *x = *state;

	assert_int_equal(pt_map(&x->pt, 0, 0, 4 * MiB, x->f->leaf_rw), 0);
	assert_int_equal(pt_map(&x->pt, 2 * MiB, 8 * MiB, PAGE_4K, x->f->leaf_rw), -BH_EEXIST);
	assert_int_equal(pt_map(&x->pt, 0, 0, PAGE_4K, x->f->leaf_rw), -BH_EEXIST);
	assert_int_equal(pt_map(&x->pt, 8 * MiB + 1, 0, PAGE_4K, x->f->leaf_rw), -BH_EINVAL);
	assert_int_equal(pt_map(&x->pt, 8 * MiB, 0, PAGE_4K + 1, x->f->leaf_rw), -BH_EINVAL);
}

static void test_out_of_tables(void **state)
{
	struct fixture *x = *state;

	x->arena.limit = x->arena.next + PAGE_4K; /* one table left: a PDPT, no PD */
	assert_int_equal(pt_map(&x->pt, 0, 0, PAGE_2M, x->f->leaf_rw), -BH_ENOMEM);
}

#define BOTH(fn) { #fn " (long mode)", fn, setup_x86, teardown, NULL }, \
		 { #fn " (EPT)", fn, setup_ept, teardown, NULL }

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_large_pages_where_aligned),
		BOTH(test_read_only_page_inside_ram),
		BOTH(test_refuses_overlap_and_misalignment),
		BOTH(test_out_of_tables),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
