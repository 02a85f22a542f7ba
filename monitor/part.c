/* SPDX-License-Identifier: MIT */
/* part.c - partition lifecycle in the monitor: memory, nested and guest page tables, info
 * page, image, vCPUs; and the end of a partition, by its own wish or by containment. */
#define pr_fmt(fmt) "part: " fmt
#include <string.h>
#include <bulkhead/errno.h>
#include <bulkhead/hypercall.h>
#include "elf/elf-load.h"
#include "enforce.h"
#include "fmt.h"
#include "lapic.h"
#include "log.h"
#include "modspec.h"
#include "palloc.h"
#include "part.h"
#include "percpu.h"
#include "sched.h"
#include "timer.h"

struct partition *partitions[MAX_PARTITIONS];
unsigned partition_count;

/* The memory region of p's view that holds all of [gpa, gpa + len), or NULL. Device MMIO
 * is never touched on a partition's behalf. */
static const struct bh_view_region *view_region(const struct partition *p, uint64_t gpa,
						uint64_t len)
{
	for (unsigned i = 0; i < p->view.region_count; i++) {
		const struct bh_view_region *r = &p->view.regions[i];
		if (gpa - r->gpa < r->size && len <= r->size - (gpa - r->gpa))
			return r->kind == BH_VIEW_MMIO ? NULL : r;
	}
	return NULL;
}

void *gpa_to_host(const struct partition *p, uint64_t gpa, uint64_t len)
{
	const struct bh_view_region *r = view_region(p, gpa, len);

	return r ? (void *)(r->hpa + (gpa - r->gpa)) : NULL;
}

void *gpa_to_host_rw(const struct partition *p, uint64_t gpa, uint64_t len)
{
	const struct bh_view_region *r = view_region(p, gpa, len);

	return r && r->flags & BH_VIEW_W ? (void *)(r->hpa + (gpa - r->gpa)) : NULL;
}


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
	for (unsigned i = 3; i < p->view.region_count && !r; i++) /* channels, modules */
		r = pt_map(&t, p->view.regions[i].gpa, p->view.regions[i].gpa,
			   p->view.regions[i].size,
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
	info->vcpu_count = p->vcpu_count;
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
	info->heap_end = p->size - p->vcpu_count * BH_STACK_SIZE;
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
	uint64_t limit = p->size - p->vcpu_count * BH_STACK_SIZE;
	char err[128];
	int r = elf_load((const void *)m->start, m->end - m->start, BH_IMAGE_BASE, limit, &sink,
			 entry, err, sizeof(err));

	if (r)
		pr_err("partition %s: image \"%s\": %s", p->name, m->name, err);
	*end = (ctx.end + PAGE_4K - 1) & ~(PAGE_4K - 1);
	return r;
}

/* FXSAVE image of a CPU after FNINIT: FCW 0x37f, MXCSR 0x1f80 (SDM vol 1, Table 10-2). */
static void fpu_image_init(uint8_t *fx)
{
	fx[0] = 0x7f;
	fx[1] = 0x03;
	fx[24] = 0x80;
	fx[25] = 0x1f;
}

static int create_vcpus(struct partition *p, const struct part_spec *s, uint64_t entry)
{
	for (unsigned i = 0; i < s->ncpus; i++) {
		struct vcpu *v = (void *)palloc((sizeof(*v) + PAGE_4K - 1) / PAGE_4K, 0, 0);
		uint64_t stack = p->size - i * BH_STACK_SIZE;
		int r;

		if (!v)
			return -BH_ENOMEM;
		*v = (struct vcpu){ .part = p, .index = i, .cpu = s->cpus[i], .first_run = true };
		fpu_image_init(v->fpu);
		v->regs.rdi = BH_INFO_GPA;
		v->regs.rsi = i;
		v->regs.rsp = stack;
		if ((r = vendor->vcpu_init(v, entry, stack, BH_PT_GPA)))
			return r;
		p->vcpus[i] = v;
	}
	for (unsigned i = 0; i < s->ncpus; i++)
		sched_add(p->vcpus[i]);
	return 0;
}

/* The view of a partition started from a boot module: its extent at guest-physical 0, the
 * info page read-only (partition.h). */
/* The host memory of channel id: the other endpoint's, which learns its peer now, or new. */
static int build(struct partition *p, const struct part_spec *s, const struct bh_module *m)
{
	uint64_t entry, end;
	int r;

	if ((r = modspec_view(p, s)) || (r = enforce_view(p)) || (r = build_guest_tables(p)))
		return r;
	if ((r = load_image(p, m, &entry, &end)))
		return r;
	fill_info(p, s, end);
	return create_vcpus(p, s, entry);
}

int part_create_from_module(const struct bh_module *m)
{
	struct part_spec spec;
	const char *bad;
	struct partition *p;
	int r = -BH_ENOMEM;

	if (modspec_parse(m->name, &spec, &bad)) {
		pr_err("module \"%s\": bad or missing partition setting at \"%s\"", m->name, bad);
		return -BH_EINVAL;
	}
	if (partition_count == MAX_PARTITIONS) {
		pr_err("module \"%s\": not started: already %u partitions, the most there can be",
		       m->name, MAX_PARTITIONS);
		return -BH_ENOSPC;
	}
	if (!(p = (void *)palloc((sizeof(*p) + PAGE_4K - 1) / PAGE_4K, 0, 0)))
		return -BH_ENOMEM;
	*p = (struct partition){ .id = partition_count + 1, .vcpu_count = spec.ncpus };
	memcpy(p->name, spec.name, sizeof(p->name));
	p->size = spec.mem_mib << 20;
	p->hpa = palloc(p->size / PAGE_4K, PAGE_2M, 0);
	p->info = (void *)(p->hpa + BH_INFO_GPA);
	if (!p->hpa || (r = build(p, &spec, m))) {
		pr_err("partition %s: not started (error %d)", p->name, r);
		return r;
	}
	partitions[partition_count++] = p;
	pr_notice("partition %s: id %u, %lu MiB at %#lx, %u vCPU(s), image \"%s\"", p->name,
		  p->id, spec.mem_mib, p->hpa, p->vcpu_count, m->name);
	return 0;
}

/* ---- console and the end of a partition ---- */

void part_console(struct partition *p, const char *s, size_t n)
{
	spin_lock(&p->console_lock);
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c != '\n' && p->line_len < sizeof(p->line))
			p->line[p->line_len++] = (c >= 0x20 && c < 0x7f) || c == '\t' ? c : '?';
		if (c == '\n' || p->line_len == sizeof(p->line)) {
			log_console(p->name, p->line, p->line_len);
			p->line_len = 0;
		}
	}
	spin_unlock(&p->console_lock);
}

static const char *const state_names[] = {
	[PART_RUNNING] = "running", [PART_EXITED] = "exited", [PART_CRASHED] = "crashed",
};

static struct partition *part_by_id(uint32_t id)
{
	for (unsigned i = 0; i < partition_count; i++)
		if (partitions[i]->id == id)
			return partitions[i];
	return NULL;
}

int part_signal(struct partition *p, uint32_t chan_id)
{
	struct partition *peer = NULL;
	struct vcpu *target;

	for (unsigned i = 0; i < p->view.region_count && !peer; i++)
		if (p->view.regions[i].kind == BH_VIEW_CHANNEL && p->view.regions[i].chan_id == chan_id)
			if (!(peer = part_by_id(p->view.regions[i].peer_id)))
				return -BH_EIO;
	if (!peer)
		return -BH_ENOENT;
	if (peer->state != PART_RUNNING || peer->ending)
		return -BH_EIO;
	target = peer->vcpus[0];
	__atomic_or_fetch(&target->events, BH_EVENT_CHANNEL, __ATOMIC_RELEASE);
	if (target->cpu != this_cpu()->id)
		sched_kick(target->cpu);
	else
		sched_replan(target->cpu);
	return 0;
}

/* Mark p ended and its vCPUs dead; CPUs running one of them are kicked out of it. */
static void part_end(struct partition *p, enum part_state state, int status)
{
	if (__atomic_exchange_n(&p->ending, true, __ATOMIC_ACQ_REL))
		return; /* another vCPU ended it first */
	p->exit_status = status;
	spin_lock(&p->console_lock);
	if (p->line_len)
		log_console(p->name, p->line, p->line_len);
	p->line_len = 0;
	spin_unlock(&p->console_lock);
	for (unsigned i = 0; i < p->vcpu_count; i++) {
		struct vcpu *v = p->vcpus[i];
		v->state = VCPU_DEAD;
		if (v->cpu != this_cpu()->id)
			sched_kick(v->cpu);
	}
	pr_notice("partition %s: %s, status %d", p->name, state_names[state], status);
	for (unsigned i = 0; i < p->view.region_count; i++) /* survivors hear of it */
		if (p->view.regions[i].kind == BH_VIEW_CHANNEL)
			part_signal(p, p->view.regions[i].chan_id);
	/* Published last: CPU 0 may stop the machine once every partition has ended, and the
	 * line above must be out by then. */
	__atomic_store_n(&p->state, state, __ATOMIC_RELEASE);
	if (this_cpu()->id != 0)
		sched_kick(0); /* CPU 0 notices when the last partition has ended */
}

void part_contain(struct vcpu *v, const char *cause, const struct exit_info *e)
{
	pr_warn("partition %s: vcpu %u: %s: rip=%#lx addr=%#lx (exit %#lx, info %#lx)",
		v->part->name, v->index, cause, vendor->get_rip(v), e->addr, e->code, e->qual);
	part_end(v->part, PART_CRASHED, -1);
}

void part_exit(struct partition *p, int status)
{
	part_end(p, PART_EXITED, status);
}

bool parts_all_ended(void)
{
	for (unsigned i = 0; i < partition_count; i++)
		if (partitions[i]->state == PART_RUNNING)
			return false;
	return true;
}
