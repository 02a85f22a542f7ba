/* SPDX-License-Identifier: MIT */
/* test_dmamap.c - DMA tables from a view (monitor/iommu/dmamap.c) in both IOMMU formats:
 * what a device reaches (RAM and channels, read-only kept read-only, never MMIO, modules or
 * the view's second mappings), how big the leaves are, and the entry bits each vendor's
 * manual fixes: VT-d second level (R/W in 1:0, PS bit 7 only in large leaves, bit 11 clear)
 * and AMD-Vi (PR, NextLevel in 11:9 naming the next table's level, IR/IW in 61/62). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/errno.h>
#include "monitor/iommu/dmamap.h"

#define ARENA_PAGES 128
#define MiB (1ull << 20)
#define VTD_R  1ull
#define VTD_W  2ull
#define AMD_PR 1ull
#define AMD_IR (1ull << 61)
#define AMD_IW (1ull << 62)

static uint8_t *arena;
static uint64_t next_pa;

static uint64_t arena_alloc(void *ctx)
{
	uint64_t pa = next_pa;

	if (pa >= ARENA_PAGES * PAGE_4K)
		return 0;
	next_pa += PAGE_4K;
	memset(arena + pa, 0, PAGE_4K);
	return pa;
}

static void *arena_virt(uint64_t pa)
{
	assert_true(pa < ARENA_PAGES * PAGE_4K);
	return arena + pa;
}

struct vendor {
	const struct pt_format *fmt;
	struct dma_leaf leaf;
	uint64_t max_leaf;
};

static const struct vendor vtd = { &pt_format_vtd, { VTD_R | VTD_W, VTD_R }, PAGE_2M };
static const struct vendor amd = { &pt_format_amdvi,
				   { AMD_PR | AMD_IR | AMD_IW, AMD_PR | AMD_IR }, PAGE_4K };

static int setup(void **state)
{
	arena = aligned_alloc(PAGE_4K, ARENA_PAGES * PAGE_4K);
	next_pa = PAGE_4K; /* 0 is never a table */
	return arena ? 0 : -1;
}

static int teardown(void **state)
{
	free(arena);
	return 0;
}

static void region(struct bh_view *v, uint64_t gpa, uint64_t hpa, uint64_t size, uint32_t kind,
		   uint32_t flags)
{
	v->regions[v->region_count++] = (struct bh_view_region){ gpa, hpa, size, kind, flags, 0, 0 };
}

/* An I/O partition's view: RAM around its read-only info page, the identity alias, a
 * channel, a device BAR and a boot module. */
static struct bh_view io_view(void)
{
	struct bh_view v = { .magic = BH_VIEW_MAGIC, .partition_id = 4, .name = "iopart" };

	region(&v, 0, 0x40000000, 0x1000, BH_VIEW_PRIVATE, BH_VIEW_R | BH_VIEW_W | BH_VIEW_X);
	region(&v, 0x1000, 0x40001000, 0x1000, BH_VIEW_PRIVATE, BH_VIEW_R);
	region(&v, 0x2000, 0x40002000, 4 * MiB - 0x2000, BH_VIEW_PRIVATE, BH_VIEW_R | BH_VIEW_W);
	region(&v, 0x40000000, 0x40000000, 4 * MiB, BH_VIEW_PRIVATE,
	       BH_VIEW_R | BH_VIEW_W | BH_VIEW_IDENT);
	region(&v, 8 * MiB, 0x50000000, 64 * 1024, BH_VIEW_CHANNEL, BH_VIEW_R | BH_VIEW_W);
	region(&v, 0xc0000000, 0xc0000000, 0x4000, BH_VIEW_MMIO, BH_VIEW_R | BH_VIEW_W);
	region(&v, 16 * MiB, 0x60000000, 0x2000, BH_VIEW_MODULE, BH_VIEW_R);
	v.pci_count = 1;
	v.pci[0] = 0x20;
	return v;
}

static struct pgtable table(const struct vendor *d)
{
	return (struct pgtable){ .fmt = d->fmt, .max_leaf = d->max_leaf,
				 .alloc_table = arena_alloc, .phys_to_virt = arena_virt };
}

/* → the host address a device at iova reaches and the leaf's bits and size; -1: nothing. */
static int64_t reach(const struct pgtable *t, uint64_t iova, uint64_t *bits, uint64_t *size)
{
	return pt_lookup(t, iova, bits, size);
}

static void builds(const struct vendor *d)
{
	struct bh_view v = io_view();
	struct pgtable t = table(d);
	char err[128];
	uint64_t bits, size;

	assert_int_equal(dma_build(&v, &t, &d->leaf, 1ull << 48, err, sizeof(err)), 0);
	assert_int_equal(reach(&t, 0, &bits, &size), 0x40000000);
	assert_int_equal(bits, d->leaf.rw);
	assert_int_equal(reach(&t, 0x1000, &bits, NULL), 0x40001000); /* the info page */
	assert_int_equal(bits, d->leaf.ro);                          /* stays read-only */
	assert_int_equal(reach(&t, 0x3456, NULL, NULL), 0x40003456);
	assert_int_equal(reach(&t, 4 * MiB - 1, NULL, NULL), 0x40000000 + 4 * MiB - 1);
	assert_int_equal(reach(&t, 4 * MiB, NULL, NULL), -1);
	assert_int_equal(reach(&t, 8 * MiB + 0x1234, &bits, NULL), 0x50001234); /* channel */
	assert_int_equal(bits, d->leaf.rw);
	assert_int_equal(reach(&t, 8 * MiB + 64 * 1024, NULL, NULL), -1);
	assert_int_equal(reach(&t, 0x40000000, NULL, NULL), -1); /* no identity alias */
	assert_int_equal(reach(&t, 0xc0000000, NULL, NULL), -1); /* no MMIO */
	assert_int_equal(reach(&t, 16 * MiB, NULL, NULL), -1);   /* no module */
	reach(&t, 2 * MiB, NULL, &size);
	assert_int_equal(size, d->max_leaf); /* 2 MiB-aligned RAM: VT-d 2 MiB, AMD-Vi 4 KiB */
}

static void vtd_builds(void **state) { builds(&vtd); }
static void amd_builds(void **state) { builds(&amd); }

/* VT-d 9.8: pointers R|W, bit 7 clear; large leaves PS; bit 11 never set. */
static void vtd_entry_format(void **state)
{
	struct bh_view v = io_view();
	struct pgtable t = table(&vtd);
	char err[128];

	assert_int_equal(dma_build(&v, &t, &vtd.leaf, 1ull << 48, err, sizeof(err)), 0);
	const uint64_t *pml4 = arena_virt(t.root);
	assert_int_equal(pml4[0] & 0xfff, VTD_R | VTD_W);
	const uint64_t *pdpt = arena_virt(pml4[0] & PT_ADDR_MASK);
	assert_int_equal(pdpt[0] & 0xfff, VTD_R | VTD_W);
	const uint64_t *pd = arena_virt(pdpt[0] & PT_ADDR_MASK);
	assert_int_equal(pd[1], 0x40200000 | PT_LARGE | VTD_R | VTD_W); /* a 2 MiB leaf */
	assert_int_equal(pd[0] & (PT_LARGE | 1ull << 11), 0);           /* a pointer */
	const uint64_t *pt = arena_virt(pd[0] & PT_ADDR_MASK);
	assert_int_equal(pt[1], 0x40001000 | VTD_R);
	for (unsigned i = 0; i < 512; i++)
		assert_int_equal(pt[i] & (1ull << 11 | 0xffull << 52), 0);
}

/* AMD-Vi 2.2.3: a pointer names the level of the table it points to (PML4 entry: 3, PDPT
 * entry: 2, PD entry: 1) and grants IR/IW; a leaf has NextLevel 0. */
static void amd_entry_format(void **state)
{
	struct bh_view v = io_view();
	struct pgtable t = table(&amd);
	char err[128];

	assert_int_equal(dma_build(&v, &t, &amd.leaf, 1ull << 48, err, sizeof(err)), 0);
	const uint64_t *l4 = arena_virt(t.root);
	assert_int_equal(l4[0] & ~PT_ADDR_MASK, AMD_PR | AMD_IR | AMD_IW | 3ull << 9);
	const uint64_t *l3 = arena_virt(l4[0] & PT_ADDR_MASK);
	assert_int_equal(l3[0] & ~PT_ADDR_MASK, AMD_PR | AMD_IR | AMD_IW | 2ull << 9);
	const uint64_t *l2 = arena_virt(l3[0] & PT_ADDR_MASK);
	assert_int_equal(l2[1] & ~PT_ADDR_MASK, AMD_PR | AMD_IR | AMD_IW | 1ull << 9);
	const uint64_t *l1 = arena_virt(l2[0] & PT_ADDR_MASK);
	assert_int_equal(l1[1], 0x40001000 | AMD_PR | AMD_IR); /* read-only: no IW */
	assert_int_equal(l1[2], 0x40002000 | AMD_PR | AMD_IR | AMD_IW);
	assert_int_equal(l1[0] >> 9 & 7, 0);
}

static void refuses(void **state)
{
	struct bh_view v = io_view();
	struct pgtable t = table(&vtd);
	char err[128];

	v.regions[4].gpa = 0xfee00000 - 0x8000; /* a channel reaching into the MSI window */
	assert_int_equal(dma_build(&v, &t, &vtd.leaf, 1ull << 48, err, sizeof(err)), -BH_EINVAL);
	assert_non_null(strstr(err, "partition 4 (iopart): region 4: DMA-able memory in the MSI"));
	v = io_view();
	t = table(&vtd);
	assert_int_equal(dma_build(&v, &t, &vtd.leaf, 8 * MiB, err, sizeof(err)), -BH_EINVAL);
	assert_non_null(strstr(err, "region 4: beyond the IOMMU's address width"));
	v = io_view();
	v.regions[4].gpa = 0x3000; /* over its own RAM */
	t = table(&vtd);
	assert_int_equal(dma_build(&v, &t, &vtd.leaf, 1ull << 48, err, sizeof(err)), -BH_EEXIST);
	assert_non_null(strstr(err, "unaligned or overlapping"));
	v = io_view();
	t = table(&amd);
	next_pa = (ARENA_PAGES - 2) * PAGE_4K; /* two tables left */
	assert_int_equal(dma_build(&v, &t, &amd.leaf, 1ull << 48, err, sizeof(err)), -BH_ENOMEM);
	assert_non_null(strstr(err, "no memory for the DMA tables"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(vtd_builds, setup, teardown),
		cmocka_unit_test_setup_teardown(amd_builds, setup, teardown),
		cmocka_unit_test_setup_teardown(vtd_entry_format, setup, teardown),
		cmocka_unit_test_setup_teardown(amd_entry_format, setup, teardown),
		cmocka_unit_test_setup_teardown(refuses, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
