/* SPDX-License-Identifier: MIT */
/* loader.c - a partition's memory made ready to start, through the load window: zeroed, its
 * ELF image, its guest page tables and its info page (the start state of partition.h). The
 * page tables and the view's extent serve linux partitions too (loader-linux.c). */
#include <stdio.h>
#include <string.h>
#include <bulkhead/errno.h>
#include <bulkhead/hypercall.h>
#include "elf/elf-load.h"
#include "fmt.h"
#include "loader.h"
#include "rt/hypercall.h"
#include "rt/rt.h"

#define PAGE     0x1000ull
#define PAGE_2M  0x200000ull
#define PTE_P    (1ull << 0)
#define PTE_W    (1ull << 1)
#define PTE_PWT  (1ull << 3)
#define PTE_PCD  (1ull << 4)
#define PTE_PS   (1ull << 7)

struct load {
	uint32_t id;
	uint64_t end; /* highest image byte */
};

static int load_copy(void *ctx, uint64_t gpa, const void *src, uint64_t len)
{
	struct load *l = ctx;

	l->end = gpa + len > l->end ? gpa + len : l->end;
	return (int)bh_hc4(BH_HC_PART_LOAD, l->id, gpa, bh_gpa(src), len);
}

static int load_zero(void *ctx, uint64_t gpa, uint64_t len)
{
	struct load *l = ctx;

	l->end = gpa + len > l->end ? gpa + len : l->end;
	return (int)bh_hc4(BH_HC_PART_LOAD, l->id, gpa, 0, len);
}

/* Guest page tables, built here and copied to BH_PT_GPA: VA = GPA over [4 KiB, top), the
 * first 2 MiB in 4 KiB pages (page 0 unmapped: NULL faults), 2 MiB pages above, and the 2 MiB
 * pages holding device MMIO uncached (SDM vol 3, 4.9: PCD | PWT is UC-, and a BAR's page
 * is never also RAM). Pages: PML4, PDPT, one PD per GiB, the PT of the first 2 MiB. */
static int build_tables(uint64_t pt[BH_PT_PAGES][512], uint64_t top, const struct bh_view *v)
{
	uint64_t mtop = top;

	for (unsigned i = 0; i < v->region_count; i++)
		if (v->regions[i].kind == BH_VIEW_MMIO && v->regions[i].gpa + v->regions[i].size > mtop)
			mtop = v->regions[i].gpa + v->regions[i].size;
	if (mtop > BH_START_MAP_MAX)
		return -BH_E2BIG;
	unsigned pds = (unsigned)((mtop + (1ull << 30) - 1) >> 30);

	if (top > BH_START_MAP_MAX || pds > BH_PT_PAGES - 3)
		return -BH_E2BIG;
	memset(pt, 0, BH_PT_PAGES * PAGE);
	pt[0][0] = (BH_PT_GPA + 1 * PAGE) | PTE_P | PTE_W;
	for (unsigned g = 0; g < pds; g++)
		pt[1][g] = (BH_PT_GPA + (2 + g) * PAGE) | PTE_P | PTE_W;
	pt[2][0] = (BH_PT_GPA + (2 + pds) * PAGE) | PTE_P | PTE_W;
	for (unsigned i = 1; i < 512; i++)
		pt[2 + pds][i] = i * PAGE | PTE_P | PTE_W;
	for (uint64_t va = PAGE_2M; va < top; va += PAGE_2M)
		pt[2 + (va >> 30)][(va >> 21) & 511] = va | PTE_P | PTE_W | PTE_PS;
	for (unsigned i = 0; i < v->region_count; i++) {
		const struct bh_view_region *r = &v->regions[i];
		for (uint64_t va = r->gpa & ~(PAGE_2M - 1); r->kind == BH_VIEW_MMIO &&
		     va < r->gpa + r->size; va += PAGE_2M)
			if (va >= PAGE_2M)
				pt[2 + (va >> 30)][(va >> 21) & 511] =
					va | PTE_P | PTE_W | PTE_PS | PTE_PCD | PTE_PWT;
	}
	return 0;
}

bool loader_dma_by_gpa;

/* Where RAM's GPA 0 lies on the host (its first private region), or 0. */
static uint64_t ram_hpa(const struct bh_view *v)
{
	for (unsigned i = 0; i < v->region_count; i++)
		if (v->regions[i].kind == BH_VIEW_PRIVATE && v->regions[i].gpa == 0)
			return v->regions[i].hpa;
	return 0;
}

static void fill_info(struct bh_partition_info *info, const struct bh_view *v,
		      const char *cmdline, const struct load_peer *peers, uint64_t ram,
		      uint64_t heap_start)
{
	memset(info, 0, sizeof(*info));
	info->magic = BH_INFO_MAGIC;
	info->abi_version = BH_ABI_VERSION;
	info->id = v->partition_id;
	memcpy(info->name, v->name, sizeof(info->name) - 1);
	info->vcpu_count = v->vcpu_count;
	info->mem[info->mem_count++] = (struct bh_mem_region){ 0, ram, BH_MEM_R | BH_MEM_W |
							       BH_MEM_X, BH_MEM_KIND_RAM };
	for (unsigned i = 0; i < v->region_count && info->mem_count < BH_INFO_MEM_MAX; i++)
		if (v->regions[i].kind == BH_VIEW_CHANNEL) {
			info->peer_kind[info->mem_count] = peers[i].kind;
			info->chan_type[info->mem_count] = peers[i].chan_type;
			memcpy(info->peer_name[info->mem_count], peers[i].name, BH_NAME_MAX - 1);
			info->chan_client[info->mem_count] = peers[i].client;
			info->mem[info->mem_count++] = (struct bh_mem_region){
				v->regions[i].gpa, v->regions[i].size, BH_MEM_R | BH_MEM_W |
				(v->regions[i].gpa == v->regions[i].hpa ? BH_MEM_IDENT : 0),
				BH_MEM_KIND_CHANNEL | v->regions[i].chan_id << 8 };
		}
		else if (v->regions[i].flags & BH_VIEW_IOREQ) /* a device model's request ring */
			info->mem[info->mem_count++] = (struct bh_mem_region){
				v->regions[i].gpa, v->regions[i].size, BH_MEM_R | BH_MEM_W,
				BH_MEM_KIND_IOREQ };
		else if (v->regions[i].kind == BH_VIEW_MODULE) /* whole pages: the blob says its size */
			info->mem[info->mem_count++] = (struct bh_mem_region){
				v->regions[i].gpa, v->regions[i].size, BH_MEM_R, BH_MEM_KIND_MODULE };
	/* RAM [0, ram) is one range at GPA = HPA (less page 0 and the info page, db-layout.c)
	 * when one alias region starts right after the info page of the RAM at GPA 0 */
	for (unsigned i = 0; i < v->region_count; i++)
		if (v->regions[i].flags & BH_VIEW_IDENT &&
		    v->regions[i].gpa == ram_hpa(v) + BH_INFO_GPA + PAGE &&
		    v->regions[i].size == ram - BH_INFO_GPA - PAGE)
			info->ident_base = ram_hpa(v), info->ident_size = ram;
	for (unsigned i = 0; i < v->pci_count && i < BH_INFO_PCI_MAX; i++)
		info->pci_bdf[info->pci_count++] = v->pci[i];
	info->dma_flags = loader_dma_by_gpa && v->pci_count ? BH_INFO_DMA_GPA : 0;
	info->heap_start = (heap_start + PAGE - 1) & ~(PAGE - 1);
	info->heap_end = ram - v->vcpu_count * BH_STACK_SIZE;
	info->tsc_hz = bh_info_page()->tsc_hz;
	bh_snprintf(info->cmdline, sizeof(info->cmdline), "%s", cmdline);
}

int loader_put_tables(const struct bh_view *v, uint64_t top, char *err, size_t errlen)
{
	static uint64_t tables[BH_PT_PAGES][512] __attribute__((aligned(4096)));
	int r;

	if ((r = build_tables(tables, (top + PAGE_2M - 1) & ~(PAGE_2M - 1), v))) {
		bh_snprintf(err, errlen, "its memory reaches past 4 GiB: more than the start "
			    "state's page tables map");
		return r;
	}
	if ((r = (int)bh_hc4(BH_HC_PART_LOAD, v->partition_id, BH_PT_GPA, bh_gpa(tables),
			     sizeof(tables))))
		bh_snprintf(err, errlen, "load window refused the page tables (error %d)", r);
	return r;
}

uint64_t loader_view_extent(const struct bh_view *v, uint64_t *top)
{
	uint64_t ram = 0;

	*top = 0;
	for (unsigned i = 0; i < v->region_count; i++) {
		const struct bh_view_region *r = &v->regions[i];
		if (r->kind == BH_VIEW_PRIVATE && !(r->flags & BH_VIEW_IDENT) && r->gpa == ram)
			ram += r->size;
		if (r->kind != BH_VIEW_MMIO && r->gpa + r->size > *top)
			*top = r->gpa + r->size;
	}
	return ram;
}

int load_partition(const struct bh_view *v, const void *image, size_t image_len,
		   const char *cmdline, const struct load_peer peers[BH_VIEW_REGIONS_MAX],
		   struct load_result *out,
		   char *err, size_t errlen)
{
	static struct bh_partition_info info;
	struct load l = { v->partition_id, 0 };
	const struct elf_sink sink = { .ctx = &l, .copy = load_copy, .zero = load_zero };
	uint64_t top, ram = loader_view_extent(v, &top);
	uint64_t stacks = (uint64_t)v->vcpu_count * BH_STACK_SIZE;
	int r;

	if (ram < BH_IMAGE_BASE + stacks) {
		bh_snprintf(err, errlen, "%llu KiB of RAM cannot hold an image and %u stacks",
			    (unsigned long long)(ram >> 10), v->vcpu_count);
		return -BH_ENOMEM;
	}
	if ((r = (int)bh_hc4(BH_HC_PART_LOAD, l.id, 0, 0, ram))) {
		bh_snprintf(err, errlen, "load window refused (error %d)", r);
		return r;
	}
	if ((r = elf_load(image, image_len, BH_IMAGE_BASE, ram - stacks, &sink, &out->entry, err,
			  errlen)))
		return r;
	if ((r = loader_put_tables(v, top, err, errlen)))
		return r;
	fill_info(&info, v, cmdline, peers, ram, l.end);
	if ((r = (int)bh_hc4(BH_HC_PART_LOAD, l.id, BH_INFO_GPA, bh_gpa(&info), sizeof(info)))) {
		bh_snprintf(err, errlen, "load window refused the start state (error %d)", r);
		return r;
	}
	out->stack_top = ram;
	out->boot_arg = 0;
	if (strlen(cmdline) >= sizeof(info.cmdline))
		printf("ultravisor: %s: command line cut to %zu bytes\n", v->name,
		       sizeof(info.cmdline) - 1);
	return 0;
}
