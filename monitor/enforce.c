/* SPDX-License-Identifier: MIT */
/* enforce.c - check a view, then map exactly what it says. */
#define pr_fmt(fmt) "enforce: " fmt
#include <string.h>
#include <bulkhead/errno.h>
#include "acpi.h"
#include "enforce.h"
#include "log.h"
#include "palloc.h"
#include "part.h"
#include "pci.h"
#include "serial.h"
#include "percpu.h"
#include "view.h"
#include "iommu/iommu.h"

extern const char __image_start[], __image_end[];

static struct view_range pool[BH_BOOT_MMAP_MAX];
static struct view_range ram[BH_BOOT_MMAP_MAX]; /* usable RAM as booted: the pool shrinks to
						 * the claimed ranges, this never does */
static unsigned ram_count;
static struct view_range fw_ports[8]; /* the FADT's PM and reset ports (acpi.h) */
static unsigned fw_port_count;
static struct view_range monitor_mem[2];
static struct view_range modules[BH_BOOT_MODULES_MAX];
static unsigned pool_count, monitor_count, module_count;
static bool pool_claimed;

void enforce_init(const struct bh_bootinfo *bi)
{
	for (uint32_t i = 0; i < bi->mmap_count; i++)
		if (bi->mmap[i].type == BH_MEM_USABLE)
			ram[ram_count++] = pool[pool_count++] = (struct view_range){
				bi->mmap[i].base, bi->mmap[i].base + bi->mmap[i].len };
	monitor_mem[monitor_count++] = (struct view_range){ (uint64_t)__image_start,
							    (uint64_t)__image_end };
	monitor_mem[monitor_count++] = (struct view_range){ bi->info_start, bi->info_end };
	struct acpi_ports pm[8];
	unsigned n = acpi_pm_ports(bi, pm, 8);

	for (unsigned i = 0; i < n; i++) {
		fw_ports[fw_port_count++] = (struct view_range){ pm[i].base, pm[i].base + pm[i].count };
		pr_info("I/O ports %#x-%#x kept: the firmware's power management or reset",
			pm[i].base, pm[i].base + pm[i].count - 1);
	}
	for (uint32_t i = 0; i < bi->module_count; i++) /* whole pages: they are mapped so */
		modules[module_count++] = (struct view_range){ bi->modules[i].start & ~0xfffull,
							       (bi->modules[i].end + 0xfff) & ~0xfffull };
}

bool enforce_pool_claimed(void)
{
	return pool_claimed;
}

/* All checks first, then all frames taken: either every range is claimed or none is. A
 * frame the monitor uses (page tables, vCPUs, the ultravisor's bootstrap) is never free. */
int enforce_claim_pool(const struct bh_uv_range *r, unsigned n)
{
	if (pool_claimed || !n || n > BH_UV_POOL_MAX) {
		pr_err("pool: %s", pool_claimed ? "already claimed" : "1 to 16 ranges");
		return pool_claimed ? -BH_EBUSY : -BH_EINVAL;
	}
	for (unsigned i = 0; i < n; i++) {
		uint64_t end = r[i].base + r[i].size;
		if (!r[i].size || ((r[i].base | r[i].size) & (PAGE_2M - 1)) || end < r[i].base ||
		    !view_inside(r[i].base, r[i].size, ram, ram_count)) {
			pr_err("pool range %u [%#lx-%#lx) refused: not 2 MiB aligned usable RAM", i,
			       r[i].base, end);
			return -BH_EINVAL;
		}
	}
	for (unsigned i = 0; i < n; i++)
		if (palloc_take(r[i].base, r[i].size / PAGE_4K)) {
			pr_err("pool range %u [%#lx-%#lx) refused: the monitor uses memory in it", i,
			       r[i].base, r[i].base + r[i].size);
			while (i--)
				pfree(r[i].base, r[i].size / PAGE_4K);
			return -BH_EBUSY;
		}
	for (unsigned i = 0; i < n; i++)
		pool[i] = (struct view_range){ r[i].base, r[i].base + r[i].size };
	pool_count = n;
	pool_claimed = true;
	for (unsigned i = 0; i < n; i++)
		pr_notice("pool range %u [%#lx-%#lx) claimed: %lu MiB for partitions", i, r[i].base,
			  r[i].base + r[i].size, r[i].size >> 20);
	return 0;
}

static uint64_t npt_alloc(void *ctx)
{
	return palloc(1, 0, 0);
}

static void npt_free(uint64_t pa)
{
	pfree(pa, 1);
}

static void *identity(uint64_t pa)
{
	return (void *)pa;
}

void enforce_free(struct pgtable *t)
{
	pt_free(t, npt_free);
}

int enforce_build(const struct bh_view *v, struct pgtable *t)
{
	int r = 0;

	*t = (struct pgtable){ .fmt = vendor->npt_format, .alloc_table = npt_alloc,
			       .phys_to_virt = identity,
			       .max_leaf = this_cpu()->feat.np_1g ? PAGE_1G : PAGE_2M };
	if (!(t->root = npt_alloc(NULL)))
		return -BH_ENOMEM;
	for (unsigned i = 0; i < v->region_count && !r; i++) {
		const struct bh_view_region *g = &v->regions[i];
		uint64_t leaf = g->flags & BH_VIEW_W ? vendor->npt_leaf_rw : vendor->npt_leaf_ro;
		r = pt_map(t, g->gpa, g->hpa, g->size, leaf);
	}
	if (r)
		enforce_free(t);
	return r;
}

/* One bit per port, set: the access exits (and the monitor contains it). The layout both
 * vendors read: AMD's I/O permissions map (APM vol 2, 15.10.1: 12 KiB, the third page for
 * accesses that run past port 0xffff), Intel's I/O bitmaps A and B (SDM vol 3, 25.6.4:
 * ports 0-0x7fff, 0x8000-0xffff) as its first two pages. */
#define IOPERM_PAGES 3

int enforce_ports(struct partition *p)
{
	uint8_t *bm;

	if (!p->view.port_count && !p->ioperm)
		return 0; /* the backends' deny-all map */
	if (!p->ioperm && !(p->ioperm = palloc(IOPERM_PAGES, 0, 0)))
		return -BH_ENOMEM;
	bm = (uint8_t *)p->ioperm;
	memset(bm, 0xff, IOPERM_PAGES * PAGE_4K); /* ports an earlier view gave are gone */
	for (unsigned i = 0; i < p->view.port_count; i++) {
		if (p->view.ports[i].base < COM1 + 8u &&
		    COM1 < (uint32_t)p->view.ports[i].base + p->view.ports[i].count)
			log_give_com1(p->name); /* any of its 8 registers */
		for (uint32_t port = p->view.ports[i].base;
		     port < (uint32_t)p->view.ports[i].base + p->view.ports[i].count; port++)
			bm[port / 8] &= (uint8_t)~(1u << (port % 8));
	}
	return 0;
}

int enforce_check(const struct bh_view *v, const struct partition *self)
{
	const struct bh_view *others[MAX_PARTITIONS];
	struct view_world w = { pool, pool_count, monitor_mem, monitor_count, modules,
				module_count, others, 0, cpu_count, ram, ram_count, fw_ports,
				fw_port_count, pci_fns, pci_fn_count, iommu_mmio,
				iommu_mmio_count };
	char err[160];
	int bad, r;

	for (unsigned i = 0; i < partition_count; i++) {
		const struct partition *o = partitions[i];
		if (o && o != self && o->view.magic)
			others[w.other_count++] = &o->view;
	}
	if ((r = view_check(v, &w, &bad, err, sizeof(err))))
		pr_err("view refused: %s", err);
	return r;
}

int enforce_view(struct partition *p)
{
	int r = enforce_check(&p->view, p);

	return r ? r : enforce_build(&p->view, &p->npt);
}

void enforce_free_ports(struct partition *p)
{
	if (p->ioperm)
		pfree(p->ioperm, IOPERM_PAGES);
	p->ioperm = 0;
}
