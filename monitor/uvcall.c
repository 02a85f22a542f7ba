/* SPDX-License-Identifier: MIT */
/* uvcall.c - the ultravisor: started first from the image inside bulkhead.elf, and the
 * calls only it may make (include/bulkhead/uvcall.h). The monitor keeps no resource
 * database: it checks each request against the containment rules and does it. */
#define pr_fmt(fmt) "uv: " fmt
#include <string.h>
#include <bulkhead/channel.h>
#include <bulkhead/errno.h>
#include <bulkhead/uvcall.h>
#include "bootpart.h"
#include "enforce.h"
#include "log.h"
#include "palloc.h"
#include "part.h"
#include "pci.h"
#include "iommu/iommu.h"
#include "percpu.h"
#include "timer.h"
#include "uvcall.h"

extern const char uv_image_start[], uv_image_end[];

static const struct bh_bootinfo *boot;
static const struct bh_module *uv_modules[MODULES_MAX]; /* MODULE region i of its view */
static unsigned uv_module_count;

bool uv_wanted(const struct bh_bootinfo *bi)
{
	for (uint32_t i = 0; i < bi->module_count; i++)
		if (!strcmp(bi->modules[i].name, "config"))
			return true;
	return false;
}

int uv_start(const struct bh_bootinfo *bi)
{
	const struct bh_module image = { (uint64_t)uv_image_start, (uint64_t)uv_image_end,
					 "ultravisor (built into bulkhead.elf)" };
	struct part_spec s = { .name = "ultravisor", .ncpus = 1, .cmdline = "",
			       .mem_mib = BH_UV_BOOT_MEM >> 20 };

	boot = bi;
	for (uint32_t i = 0; i < bi->module_count; i++) {
		if (bi->modules[i].start & 0xfff || uv_module_count == MODULES_MAX) {
			pr_warn("module %u \"%s\" not given to the ultravisor", i, bi->modules[i].name);
			continue;
		}
		uv_modules[uv_module_count++] = s.modules[s.nmodules++] = &bi->modules[i];
	}
	if (!(ultravisor = part_build(&s, &image)))
		return -BH_EIO;
	ultravisor->privileged = true;
	return 0;
}

/* ---- the calls ---- */

int64_t uv_bootinfo(struct vcpu *v, uint64_t gpa, uint64_t len, uint64_t a2, uint64_t a3)
{
	static struct bh_uv_bootinfo b; /* one ultravisor vCPU: one caller at a time */
	void *dst;
	unsigned k = 0;

	len = len < sizeof(b) ? len : sizeof(b);
	if (!(dst = gpa_to_host_rw(v->part, gpa, len)))
		return -BH_EFAULT;
	memset(&b, 0, sizeof(b));
	b.cpu_count = cpu_count;
	b.tsc_hz = tsc_hz();
	for (unsigned i = 0; i < v->part->view.region_count && k < uv_module_count; i++) {
		const struct bh_view_region *r = &v->part->view.regions[i];
		if (r->kind != BH_VIEW_MODULE)
			continue;
		b.modules[k].gpa = r->gpa;
		b.modules[k].size = uv_modules[k]->end - uv_modules[k]->start;
		b.modules[k].hpa = r->hpa;
		memcpy(b.modules[k].name, uv_modules[k]->name, sizeof(b.modules[k].name) - 1);
		k++;
	}
	b.module_count = k;
	for (uint32_t i = 0; i < boot->mmap_count && b.ram_count < BH_UV_RAM_MAX; i++)
		if (boot->mmap[i].type == BH_MEM_USABLE)
			b.ram[b.ram_count++] = (struct bh_uv_range){ boot->mmap[i].base,
								     boot->mmap[i].len };
	b.flags = iommu_active() ? BH_UV_BOOT_IOMMU : 0;
	b.pci_count = pci_fn_count;
	memcpy(b.pci, pci_fns, sizeof(b.pci));
	memcpy(dst, &b, len);
	return (int64_t)len;
}

int64_t uv_pool(struct vcpu *v, uint64_t gpa, uint64_t count, uint64_t a2, uint64_t a3)
{
	struct bh_uv_range r[BH_UV_POOL_MAX];
	const void *src;

	if (!count || count > BH_UV_POOL_MAX)
		return -BH_EINVAL;
	if (!(src = gpa_to_host(v->part, gpa, count * sizeof(r[0]))))
		return -BH_EFAULT;
	memcpy(r, src, count * sizeof(r[0])); /* read once */
	return enforce_claim_pool(r, (unsigned)count);
}

/* Private RAM of new view n that holds [gpa, gpa + len) of the old one, or NULL. */
static void *private_in(const struct bh_view *n, uint64_t gpa, uint64_t *len)
{
	for (unsigned i = 0; i < n->region_count; i++) {
		const struct bh_view_region *r = &n->regions[i];
		if (r->kind == BH_VIEW_PRIVATE && gpa - r->gpa < r->size) {
			uint64_t room = r->size - (gpa - r->gpa);
			*len = *len < room ? *len : room;
			return (void *)(r->hpa + (gpa - r->gpa));
		}
	}
	return NULL;
}

/* The ultravisor moves into the RAM of its published view: every private byte of the old
 * view goes to the same GPA in the new one; then the bootstrap RAM goes back to the monitor. */
static int relocate(struct vcpu *v, const struct bh_view *n, struct pgtable *npt)
{
	struct partition *p = v->part;

	for (unsigned i = 0; i < n->region_count; i++) /* what the copy leaves: zeros, not boot
							* leftovers */
		if (n->regions[i].kind == BH_VIEW_PRIVATE)
			memset((void *)n->regions[i].hpa, 0, n->regions[i].size);

	for (unsigned i = 0; i < p->view.region_count; i++) {
		const struct bh_view_region *o = &p->view.regions[i];
		for (uint64_t off = 0; o->kind == BH_VIEW_PRIVATE && off < o->size;) {
			uint64_t len = o->size - off;
			void *dst = private_in(n, o->gpa + off, &len);
			if (!dst) {
				pr_err("partition %s: new view has no private RAM at GPA %#lx: not moved",
				       p->name, o->gpa + off);
				return -BH_EINVAL;
			}
			memcpy(dst, (const void *)(o->hpa + off), len);
			off += len;
		}
	}
	enforce_free(&p->npt);
	p->npt = *npt;
	p->view = *n;
	p->id = n->partition_id;
	p->info = gpa_to_host(p, BH_INFO_GPA, sizeof(*p->info));
	vendor->npt_changed(v);
	pfree(p->hpa, p->size / PAGE_4K);
	pr_notice("partition %s: moved into its view (id %u, generation %lu); bootstrap RAM "
		  "[%#lx-%#lx) freed", p->name, p->id, n->generation, p->hpa, p->hpa + p->size);
	p->hpa = p->size = 0;
	return 0;
}

/* A channel region no other partition maps yet is new: zero it. */
static bool channel_is_new(const struct partition *self, const struct bh_view_region *c)
{
	for (unsigned i = 0; i < partition_count; i++) {
		const struct partition *o = partitions[i];
		for (unsigned j = 0; o && o != self && j < o->view.region_count; j++)
			if (o->view.regions[j].kind == BH_VIEW_CHANNEL && o->view.regions[j].hpa == c->hpa)
				return false;
	}
	return true;
}

static void install(struct partition *p, const struct bh_view *n, struct pgtable *npt,
		    struct pgtable *dma)
{
	uint64_t ram = 0;

	pci_release(&p->view, n); /* functions the new view drops */
	iommu_switch(p, n, dma); /* waited for: no device writes the memory zeroed below */
	for (unsigned i = 0; i < n->region_count; i++) {
		const struct bh_view_region *r = &n->regions[i];
		bool own = r->kind == BH_VIEW_PRIVATE && !(r->flags & BH_VIEW_GUEST);
		if (own || (r->kind == BH_VIEW_CHANNEL && channel_is_new(p, r)))
			memset((void *)r->hpa, 0, r->size); /* nothing of an earlier owner leaks */
		ram += own && !(r->flags & (BH_VIEW_IDENT | BH_VIEW_IOREQ | BH_VIEW_BAR)) ? r->size : 0;
	}
	enforce_free(&p->npt);
	p->npt = *npt;
	p->view = *n;
	if (enforce_ports(p)) { /* out of memory: no port rather than a wrong map */
		p->view.port_count = 0;
		pr_err("partition %s: no memory for its I/O permission map: it gets no port", p->name);
	}
	memcpy(p->name, n->name, sizeof(p->name));
	p->name[sizeof(p->name) - 1] = '\0';
	p->info = gpa_to_host(p, BH_INFO_GPA, sizeof(*p->info));
	pr_notice("partition %s: id %u view installed: generation %lu, %u regions, %lu MiB RAM, "
		  "%u vCPU(s), %u I/O port range(s)", p->name, p->id, n->generation,
		  n->region_count, ram >> 20, n->vcpu_count, p->view.port_count);
}

int64_t uv_view_publish(struct vcpu *v, uint64_t gpa, uint64_t len, uint64_t flags,
			uint64_t a3)
{
	static struct bh_view n;
	struct partition *p;
	struct pgtable npt, dma;
	const void *src;
	bool self = flags & BH_UV_PUBLISH_SELF, created = false;
	int r;

	if (len != sizeof(n) || flags & ~BH_UV_PUBLISH_SELF)
		return -BH_EINVAL;
	if (!enforce_pool_claimed())
		return -BH_EBUSY; /* BH_HC_UV_POOL first */
	if (!(src = gpa_to_host(v->part, gpa, len)))
		return -BH_EFAULT;
	memcpy(&n, src, sizeof(n)); /* read once: checked and used from the copy only */
	p = self ? v->part : part_by_id(n.partition_id);
	if (!n.partition_id || (self && part_by_id(n.partition_id) && n.partition_id != p->id) ||
	    (!self && p == v->part) || n.vcpu_count > MAX_VCPUS ||
	    (self && (n.vcpu_count != 1 || n.cpus[0] != v->cpu)))
		return -BH_EINVAL; /* the ultravisor moves its memory, never its one vCPU */
	if (!p) {
		if (!(p = part_alloc(n.partition_id, n.name)))
			return -BH_ENOSPC;
		created = true;
	} else if (!self && part_quiesce(p)) {
		pr_err("partition %s: view refused: it is running", p->name);
		return -BH_EBUSY;
	}
	if ((r = enforce_check(&n, p)) || (r = enforce_build(&n, &npt))) {
		if (created)
			part_free(p);
		return r;
	}
	if (self) /* no DMA tables: a function in the ultravisor's view stays blocked */
		return (r = relocate(v, &n, &npt)) ? (enforce_free(&npt), r) : 0;
	if ((r = iommu_build(&n, &dma))) {
		enforce_free(&npt);
		if (created)
			part_free(p);
		return r;
	}
	install(p, &n, &npt, &dma);
	return 0;
}

/* A partition the ultravisor manages: not the ultravisor itself. */
static struct partition *target(struct vcpu *v, uint64_t id)
{
	struct partition *p = id <= 0xffffffffu ? part_by_id((uint32_t)id) : NULL;

	return p == v->part ? NULL : p;
}

int64_t uv_load(struct vcpu *v, uint64_t id, uint64_t dst, uint64_t src, uint64_t len)
{
	struct partition *p = target(v, id);
	const uint8_t *from = NULL;

	if (!p)
		return -BH_ENOENT;
	if (part_quiesce(p))
		return -BH_EBUSY;
	if (src && !(from = gpa_to_host(v->part, src, len)))
		return -BH_EFAULT;
	while (len) { /* the private RAM may be split (the read-only info page) */
		uint64_t n = len;
		void *to = private_in(&p->view, dst, &n);
		if (!to)
			return -BH_EFAULT;
		if (from) {
			memcpy(to, from, n);
			from += n;
		} else {
			memset(to, 0, n);
		}
		dst += n;
		len -= n;
	}
	return 0;
}

int64_t uv_start_part(struct vcpu *v, uint64_t id, uint64_t entry, uint64_t stack_top,
		      uint64_t a3)
{
	struct partition *p = target(v, id);

	if (!p)
		return -BH_ENOENT;
	return part_quiesce(p) ? -BH_EBUSY : part_start(p, entry, stack_top, a3);
}

int64_t uv_stop(struct vcpu *v, uint64_t id, uint64_t a1, uint64_t a2, uint64_t a3)
{
	struct partition *p = target(v, id);

	if (!p)
		return -BH_ENOENT;
	return part_stop(p);
}

int64_t uv_destroy(struct vcpu *v, uint64_t id, uint64_t a1, uint64_t a2, uint64_t a3)
{
	struct partition *p = target(v, id);

	if (!p)
		return -BH_ENOENT;
	if (part_stop(p)) /* destroy implies stop; every vCPU off its CPU before its tables go */
		return -BH_EBUSY;
	enforce_free(&p->npt);
	part_destroy(p);
	return 0;
}

int64_t uv_chan_dead(struct vcpu *v, uint64_t id, uint64_t chan_id, uint64_t side,
		     uint64_t a3)
{
	struct partition *p = target(v, id);

	if (!p)
		return -BH_ENOENT;
	if (side > BH_CHAN_CLIENT)
		return -BH_EINVAL;
	if (part_quiesce(p))
		return -BH_EBUSY;
	for (unsigned i = 0; i < p->view.region_count; i++) {
		const struct bh_view_region *r = &p->view.regions[i];
		if (r->kind != BH_VIEW_CHANNEL || r->chan_id != chan_id)
			continue;
		bh_chan_mark_dead((struct bh_chan_hdr *)r->hpa, (unsigned)side); /* >= 4 KiB */
		part_signal(p, r->chan_id);
		return 0;
	}
	return -BH_ENOENT;
}

int64_t uv_events(struct vcpu *v, uint64_t gpa, uint64_t max, uint64_t a2, uint64_t a3)
{
	struct bh_uv_event *out;
	int64_t n = 0;

	max = max < BH_UV_EVENTS_MAX ? max : BH_UV_EVENTS_MAX;
	if (!(out = gpa_to_host_rw(v->part, gpa, max * sizeof(*out))))
		return -BH_EFAULT;
	for (unsigned i = 0; i < partition_count && n < (int64_t)max; i++) {
		struct partition *p = partitions[i];
		if (!p || !__atomic_exchange_n(&p->event_pending, false, __ATOMIC_ACQ_REL))
			continue;
		out[n++] = (struct bh_uv_event){ p->id, p->state == PART_CRASHED ? BH_UV_CRASHED :
							     BH_UV_EXITED, p->exit_status, 0 };
	}
	return n;
}
