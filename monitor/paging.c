/* SPDX-License-Identifier: MIT */
/* paging.c - build the direct map from the boot memory map. */
#define pr_fmt(fmt) "paging: " fmt
#include <bulkhead/errno.h>
#include "log.h"
#include "paging.h"
#include "palloc.h"
#include "pgtable.h"
#include "x86.h"

static uint64_t alloc_table(void *ctx)
{
	return palloc(1, 0, LIMIT_4G);
}

static void *identity(uint64_t pa)
{
	return (void *)pa;
}

static struct pgtable direct = {
	.fmt = &pt_format_x86, .alloc_table = alloc_table, .phys_to_virt = identity,
};

#define ALIGN_DOWN(x, a) ((x) & ~((a) - 1))
#define ALIGN_UP(x, a)   ALIGN_DOWN((x) + (a) - 1, a)

/* Map [base, end) rounded out to pages; ranges arrive sorted, so one open run suffices. */
static int map_run(uint64_t base, uint64_t end)
{
	int r = pt_map(&direct, base, base, end - base, PTE_P | PTE_W | PTE_G);

	if (r)
		pr_err("cannot map [%#lx, %#lx): error %d", base, end, r);
	return r;
}

int paging_init(const struct bh_bootinfo *bi, bool has_1g_pages)
{
	uint64_t run_base = 0, run_end = 0;
	int r;

	direct.max_leaf = has_1g_pages ? PAGE_1G : PAGE_2M;
	direct.root = alloc_table(NULL);
	if (!direct.root)
		return -BH_ENOMEM;
	for (uint32_t i = 0; i < bi->mmap_count; i++) {
		uint64_t b = ALIGN_DOWN(bi->mmap[i].base, PAGE_4K);
		uint64_t e = ALIGN_UP(bi->mmap[i].base + bi->mmap[i].len, PAGE_4K);
		if (b > run_end) {
			if (run_end > run_base && (r = map_run(run_base, run_end)))
				return r;
			run_base = b;
		}
		if (e > run_end)
			run_end = e;
	}
	if (run_end > run_base && (r = map_run(run_base, run_end)))
		return r;
	write_cr4(read_cr4() | CR4_PGE);
	write_cr3(direct.root);
	return 0;
}

int paging_map_mmio(uint64_t pa)
{
	int r;

	pa = ALIGN_DOWN(pa, PAGE_4K);
	if (pt_lookup(&direct, pa, NULL, NULL) >= 0)
		return 0;
	r = pt_map(&direct, pa, pa, PAGE_4K, PTE_P | PTE_W | PTE_PCD | PTE_PWT);
	if (!r)
		__asm__ volatile("invlpg (%0)" : : "r"(pa) : "memory");
	return r;
}

uint64_t paging_root(void)
{
	return direct.root;
}
