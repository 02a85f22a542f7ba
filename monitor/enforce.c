/* SPDX-License-Identifier: MIT */
/* enforce.c - check a view, then map exactly what it says. */
#define pr_fmt(fmt) "enforce: " fmt
#include <string.h>
#include <bulkhead/errno.h>
#include "acpi.h"
#include "enforce.h"
#include "log.h"
#include "msix.h"
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
static struct view_range fw_ports[10]; /* the FADT's PM, SMI and reset ports (acpi.h) */
static unsigned fw_port_count;
static struct view_range monitor_mem[2];
static struct view_mmio kept_mmio[32];   /* the firmware's tables name these (acpi-mmio.c) */
static struct view_mmio reserved_mmio[BH_BOOT_MMAP_MAX]; /* the memory map's reserved */
static unsigned kept_mmio_count, reserved_mmio_count;
static struct view_mmio platform_mmio[8]; /* view_platform_mmio that passed platform_init */
static unsigned platform_mmio_count;
static struct view_range modules[BH_BOOT_MODULES_MAX];
static unsigned pool_count, monitor_count, module_count;
static bool pool_claimed;

/* The MMIO the firmware names (never mapped) and the memory map's reserved ranges (mapped
 * only inside a BAR); the platform ranges that overlap neither. */
static void platform_init(const struct bh_bootinfo *bi)
{
	struct acpi_mmio a[32];
	unsigned n = acpi_kept_mmio(bi, a, 32);

	for (unsigned i = 0; i < n; i++) {
		kept_mmio[kept_mmio_count++] = (struct view_mmio){ a[i].base, a[i].base + a[i].size,
								   a[i].name };
		pr_info("MMIO [%#lx-%#lx) kept: %s", a[i].base, a[i].base + a[i].size, a[i].name);
	}
	for (uint32_t i = 0; i < bi->mmap_count; i++)
		if (bi->mmap[i].type == BH_MEM_RESERVED)
			reserved_mmio[reserved_mmio_count++] = (struct view_mmio){
				bi->mmap[i].base, bi->mmap[i].base + bi->mmap[i].len,
				"a range the firmware's memory map reserves" };
	for (unsigned i = 0; i < view_platform_mmio_count && i < 8; i++) {
		const struct view_mmio *p = &view_platform_mmio[i], *k;
		uint64_t size = p->end - p->base;
		if ((k = view_mmio_hit(kept_mmio, kept_mmio_count, p->base, size)) ||
		    (k = view_mmio_hit(reserved_mmio, reserved_mmio_count, p->base, size))) {
			pr_warn("platform MMIO [%#lx-%#lx) (%s) dropped: it overlaps %s", p->base,
				p->end, p->name, k->name);
			continue;
		}
		platform_mmio[platform_mmio_count++] = *p;
	}
}

void enforce_init(const struct bh_bootinfo *bi)
{
	for (uint32_t i = 0; i < bi->mmap_count; i++)
		if (bi->mmap[i].type == BH_MEM_USABLE)
			ram[ram_count++] = pool[pool_count++] = (struct view_range){
				bi->mmap[i].base, bi->mmap[i].base + bi->mmap[i].len };
	monitor_mem[monitor_count++] = (struct view_range){ (uint64_t)__image_start,
							    (uint64_t)__image_end };
	monitor_mem[monitor_count++] = (struct view_range){ bi->info_start, bi->info_end };
	struct acpi_ports pm[10];
	unsigned n = acpi_pm_ports(bi, pm, 10);

	for (unsigned i = 0; i < n; i++) {
		fw_ports[fw_port_count++] = (struct view_range){ pm[i].base, pm[i].base + pm[i].count };
		pr_info("I/O ports %#x-%#x kept: the firmware's power management, reset or SMI",
			pm[i].base, pm[i].base + pm[i].count - 1);
	}
	platform_init(bi);
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

void enforce_free(struct pgtable *t)
{
	pt_free(t, pfree_table);
}

/* Region g; device MMIO uncached, cut around the pages of MSI-X tables and PBAs, which are
 * mapped read-only: a partition never writes a table entry (msix.h, PCIe 6.0 7.7.2). */
static int map_region(struct pgtable *t, const struct bh_view_region *g)
{
	uint64_t leaf = g->flags & BH_VIEW_W ? vendor->npt_leaf_rw : vendor->npt_leaf_ro;
	uint64_t write = vendor->npt_leaf_rw & ~vendor->npt_leaf_ro;
	uint64_t at = g->hpa, end = g->hpa + g->size;
	struct view_range ro;
	int r = 0;

	if (g->kind != BH_VIEW_MMIO)
		return pt_map(t, g->gpa, g->hpa, g->size, leaf);
	leaf = vendor->npt_leaf_mmio & ~(g->flags & BH_VIEW_W ? 0 : write); /* uncached */
	while (at < end && !r) {
		bool hit = msix_ro_next(pci_msix_ro, pci_msix_ro_count, at, end, &ro);
		uint64_t stop = hit ? ro.base : end;

		if (stop > at)
			r = pt_map(t, g->gpa + (at - g->hpa), at, stop - at, leaf);
		if (!r && hit)
			r = pt_map(t, g->gpa + (ro.base - g->hpa), ro.base, ro.end - ro.base,
				   leaf & ~write);
		at = hit ? ro.end : end;
	}
	return r;
}

int enforce_build(const struct bh_view *v, struct pgtable *t)
{
	int r = 0;

	*t = (struct pgtable){ .fmt = vendor->npt_format, .alloc_table = palloc_table,
			       .phys_to_virt = phys_to_virt_identity,
			       .max_leaf = this_cpu()->feat.np_1g ? PAGE_1G : PAGE_2M };
	if (!(t->root = palloc_table(NULL)))
		return -BH_ENOMEM;
	for (unsigned i = 0; i < v->region_count && !r; i++)
		r = map_region(t, &v->regions[i]);
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
				fw_port_count, pci_fns, pci_fn_count, platform_mmio,
				platform_mmio_count, kept_mmio, kept_mmio_count, reserved_mmio,
				reserved_mmio_count, iommu_mmio, iommu_mmio_count };
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
