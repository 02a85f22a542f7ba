/* SPDX-License-Identifier: MIT */
/* enforce.c - check a view, then map exactly what it says. */
#define pr_fmt(fmt) "enforce: " fmt
#include <bulkhead/errno.h>
#include "enforce.h"
#include "log.h"
#include "palloc.h"
#include "part.h"
#include "percpu.h"
#include "view.h"

extern const char __image_start[], __image_end[];

static struct view_range pool[BH_BOOT_MMAP_MAX];
static struct view_range monitor_mem[2];
static struct view_range modules[BH_BOOT_MODULES_MAX];
static unsigned pool_count, monitor_count, module_count;

void enforce_init(const struct bh_bootinfo *bi)
{
	for (uint32_t i = 0; i < bi->mmap_count; i++)
		if (bi->mmap[i].type == BH_MEM_USABLE)
			pool[pool_count++] = (struct view_range){ bi->mmap[i].base,
								  bi->mmap[i].base + bi->mmap[i].len };
	monitor_mem[monitor_count++] = (struct view_range){ (uint64_t)__image_start,
							    (uint64_t)__image_end };
	monitor_mem[monitor_count++] = (struct view_range){ bi->info_start, bi->info_end };
	for (uint32_t i = 0; i < bi->module_count; i++) /* whole pages: they are mapped so */
		modules[module_count++] = (struct view_range){ bi->modules[i].start & ~0xfffull,
							       (bi->modules[i].end + 0xfff) & ~0xfffull };
}

static uint64_t npt_alloc(void *ctx)
{
	return palloc(1, 0, 0);
}

static void *identity(uint64_t pa)
{
	return (void *)pa;
}

static int build_npt(struct partition *p)
{
	struct pgtable *t = &p->npt;
	int r = 0;

	*t = (struct pgtable){ .fmt = vendor->npt_format, .alloc_table = npt_alloc,
			       .phys_to_virt = identity,
			       .max_leaf = this_cpu()->feat.np_1g ? PAGE_1G : PAGE_2M };
	if (!(t->root = npt_alloc(NULL)))
		return -BH_ENOMEM;
	for (unsigned i = 0; i < p->view.region_count && !r; i++) {
		const struct bh_view_region *g = &p->view.regions[i];
		uint64_t leaf = g->flags & BH_VIEW_W ? vendor->npt_leaf_rw : vendor->npt_leaf_ro;
		r = pt_map(t, g->gpa, g->hpa, g->size, leaf);
	}
	return r;
}

int enforce_view(struct partition *p)
{
	const struct bh_view *others[MAX_PARTITIONS];
	struct view_world w = { pool, pool_count, monitor_mem, monitor_count, modules,
				module_count, others, 0, cpu_count };
	char err[160];
	int bad, r;

	for (unsigned i = 0; i < partition_count; i++)
		if (partitions[i] != p)
			others[w.other_count++] = &partitions[i]->view;
	if ((r = view_check(&p->view, &w, &bad, err, sizeof(err)))) {
		pr_err("view refused: %s", err);
		return r;
	}
	return build_npt(p);
}
