/* SPDX-License-Identifier: MIT */
/* bootpart.c - partitions the monitor builds itself, from a part_spec and an ELF image: the
 * ultravisor's bootstrap (uvboot.c) and, with no config blob, the test harness's
 * module-started partitions (modspec.c). Everything else is built by the ultravisor.
 * View, guest page tables, image, info page, then vCPUs. */
#define pr_fmt(fmt) "part: " fmt
#include <string.h>
#include <bulkhead/errno.h>
#include <bulkhead/hypercall.h>
#include "bootpart.h"
#include "elf/elf-load.h"
#include "enforce.h"
#include "fmt.h"
#include "log.h"
#include "palloc.h"
#include "part.h"
#include "timer.h"

/* Guest page tables inside the partition (partition.h): a bump allocator over its
 * BH_PT_PAGES pages, addressed through the same builder. */
struct gpt_ctx {
	struct partition *p;
	uint64_t next;
};

static uint64_t gpt_alloc(void *ctx)
{
	struct gpt_ctx *c = ctx;

	if (c->next >= BH_PT_GPA + BH_PT_PAGES * PAGE_4K)
		return 0;
	c->next += PAGE_4K;
	return c->next - PAGE_4K;
}

static struct partition *gpt_owner;
static void *gpt_to_host(uint64_t gpa)
{
	return (void *)(gpt_owner->hpa + gpa);
}

static int build_guest_tables(struct partition *p)
{
	struct gpt_ctx ctx = { p, BH_PT_GPA };
	struct pgtable t = { .fmt = &pt_format_x86, .alloc_table = gpt_alloc,
			     .phys_to_virt = gpt_to_host, .max_leaf = PAGE_2M, .ctx = &ctx };

	int r = 0;

	gpt_owner = p; /* partitions are built one at a time, on the BSP */
	t.root = gpt_alloc(&ctx);
	r = pt_map(&t, PAGE_4K, PAGE_4K, p->size - PAGE_4K, PTE_P | PTE_W);
	for (unsigned i = 3; i < p->view.region_count && !r; i++) /* channels, modules: 2 MiB */
		r = pt_map(&t, p->view.regions[i].gpa, p->view.regions[i].gpa,
			   (p->view.regions[i].size + PAGE_2M - 1) & ~(PAGE_2M - 1),
			   p->view.regions[i].flags & BH_VIEW_W ? PTE_P | PTE_W : PTE_P);
	return r;
}

/* ---- building ---- */

static void fill_info(struct partition *p, const struct part_spec *s, uint64_t heap_start)
{
	struct bh_partition_info *info = p->info;

	info->magic = BH_INFO_MAGIC;
	info->abi_version = BH_ABI_VERSION;
	info->id = p->id;
	memcpy(info->name, p->name, sizeof(info->name));
	info->vcpu_count = p->view.vcpu_count;
	info->mem_count = 1;
	info->mem[0] = (struct bh_mem_region){ 0, p->size, BH_MEM_R | BH_MEM_W | BH_MEM_X, 0 };
	for (unsigned i = 3; i < p->view.region_count; i++) {
		const struct bh_view_region *r = &p->view.regions[i];
		if (r->kind == BH_VIEW_MODULE)
			info->mem[info->mem_count++] = (struct bh_mem_region){
				r->gpa, s->modules[i - 3 - s->nchans]->end -
					s->modules[i - 3 - s->nchans]->start, BH_MEM_R,
				BH_MEM_KIND_MODULE
			};
		else
			info->mem[info->mem_count++] = (struct bh_mem_region){
				r->gpa, r->size, BH_MEM_R | BH_MEM_W,
				BH_MEM_KIND_CHANNEL | r->chan_id << 8
			};
	}
	info->heap_start = heap_start;
	info->heap_end = p->size - p->view.vcpu_count * BH_STACK_SIZE;
	info->tsc_hz = tsc_hz();
	bh_snprintf(info->cmdline, sizeof(info->cmdline), "%s", s->cmdline);
}

struct load_ctx {
	struct partition *p;
	uint64_t end; /* highest byte loaded */
};

static int load_copy(void *ctx, uint64_t gpa, const void *src, uint64_t len)
{
	struct load_ctx *c = ctx;
	void *dst = gpa_to_host(c->p, gpa, len);

	if (!dst)
		return -BH_EFAULT;
	memcpy(dst, src, len);
	c->end = gpa + len > c->end ? gpa + len : c->end;
	return 0;
}

static int load_zero(void *ctx, uint64_t gpa, uint64_t len)
{
	struct load_ctx *c = ctx;
	void *dst = gpa_to_host(c->p, gpa, len);

	if (!dst)
		return -BH_EFAULT;
	memset(dst, 0, len);
	c->end = gpa + len > c->end ? gpa + len : c->end;
	return 0;
}

static int load_image(struct partition *p, const struct bh_module *m, uint64_t *entry,
		      uint64_t *end)
{
	struct load_ctx ctx = { p, 0 };
	const struct elf_sink sink = { .ctx = &ctx, .copy = load_copy, .zero = load_zero };
	uint64_t limit = p->size - p->view.vcpu_count * BH_STACK_SIZE;
	char err[128];
	int r = elf_load((const void *)m->start, m->end - m->start, BH_IMAGE_BASE, limit, &sink,
			 entry, err, sizeof(err));

	if (r)
		pr_err("partition %s: image \"%s\": %s", p->name, m->name, err);
	*end = (ctx.end + PAGE_4K - 1) & ~(PAGE_4K - 1);
	return r;
}

struct partition *part_build(const struct part_spec *s, const struct bh_module *image)
{
	struct partition *p = part_alloc(partition_count + 1, s->name);
	uint64_t entry, end;
	int r = -BH_ENOMEM;

	if (!p) {
		pr_err("partition %s: not started: no free slot (at most %u partitions)", s->name,
		       MAX_PARTITIONS);
		return NULL;
	}
	p->size = s->mem_mib << 20;
	p->hpa = palloc(p->size / PAGE_4K, PAGE_2M, 0);
	p->info = (void *)(p->hpa + BH_INFO_GPA);
	if (!p->hpa || (r = modspec_view(p, s)) || (r = enforce_view(p)) ||
	    (r = build_guest_tables(p)) || (r = load_image(p, image, &entry, &end))) {
		pr_err("partition %s: not started (error %d)", p->name, r);
		return NULL;
	}
	fill_info(p, s, end);
	pr_notice("partition %s: id %u, %lu MiB at %#lx, image \"%s\"", p->name, p->id,
		  s->mem_mib, p->hpa, image->name);
	return part_start(p, entry, p->size, 0) ? NULL : p;
}

int part_create_from_module(const struct bh_module *m)
{
	struct part_spec spec;
	const char *bad;

	if (modspec_parse(m->name, &spec, &bad)) {
		pr_err("module \"%s\": bad or missing partition setting at \"%s\"", m->name, bad);
		return -BH_EINVAL;
	}
	return part_build(&spec, m) ? 0 : -BH_EINVAL;
}
