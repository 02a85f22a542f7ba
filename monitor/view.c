/* SPDX-License-Identifier: MIT */
/* view.c - one check per containment invariant, run on the monitor's own copy of a view
 * before any nested page table is built from it (docs/ultravisor.md, "Views"). */
#include <bulkhead/errno.h>
#include "fmt.h"
#include "view.h"

#define PAGE 0x1000ull
#define PCI_CLASS_BRIDGE 0x06 /* host, ISA, PCI-to-PCI, ... (PCI Code and ID Assignment) */
#define PCI_CLASS_IOMMU  0x0806 /* base system peripheral, IOMMU: AMD-Vi's own function */

/* MMIO the monitor keeps whatever the firmware's tables say: the x86 platform's fixed
 * interrupt, timer and firmware ranges (the firmware-named ones come in the world). */
static const struct view_mmio fixed_kept[] = {
	{ 0xfec00000, 0xfed00000, "the I/O APICs' window" },
	{ 0xfed00000, 0xfed01000, "the HPET" },
	{ 0xfee00000, 0xfef00000, "the local APIC (MSI writes land here)" },
	{ 0xff000000, 0x100000000, "firmware flash (the top of 4 GiB)" },
};

const struct view_mmio view_platform_mmio[] = {
	{ 0xfed40000, 0xfed45000, "a TPM (TCG PC Client Platform TPM Profile, localities 0-4)" },
};
const unsigned view_platform_mmio_count = sizeof(view_platform_mmio) / sizeof(view_platform_mmio[0]);

struct check {
	const struct bh_view *v;
	const struct view_world *w;
	int *bad;
	char *err;
	size_t errlen;
};

static int fail(struct check *c, int region, int code, const char *rule)
{
	*c->bad = region;
	if (region >= 0)
		bh_snprintf(c->err, c->errlen, "partition %u (%.32s): region %d: %s",
			    c->v->partition_id, c->v->name, region, rule);
	else
		bh_snprintf(c->err, c->errlen, "partition %u (%.32s): %s", c->v->partition_id,
			    c->v->name, rule);
	return code;
}

/* An MMIO region refused: the line names the partition, the region, the host-physical
 * range and what lies there. */
static int fail_mmio(struct check *c, int region, const char *what, const char *why)
{
	const struct bh_view_region *r = &c->v->regions[region];

	*c->bad = region;
	bh_snprintf(c->err, c->errlen, "partition %u (%.32s): region %d: MMIO [%#lx-%#lx) %s%s",
		    c->v->partition_id, c->v->name, region, r->hpa, r->hpa + r->size, what, why);
	return -BH_EPERM;
}

static int overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

const struct view_mmio *view_mmio_hit(const struct view_mmio *m, unsigned n, uint64_t base,
				      uint64_t size)
{
	for (unsigned i = 0; i < n; i++)
		if (overlap(base, size, m[i].base, m[i].end - m[i].base))
			return &m[i];
	return NULL;
}

static bool mmio_inside(const struct view_mmio *m, unsigned n, uint64_t base, uint64_t size)
{
	for (unsigned i = 0; i < n; i++)
		if (base >= m[i].base && size <= m[i].end - base && base < m[i].end)
			return true;
	return false;
}

int view_inside(uint64_t base, uint64_t size, const struct view_range *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (base >= r[i].base && size <= r[i].end - base && base < r[i].end)
			return 1;
	return 0;
}

static int check_header(struct check *c)
{
	const struct bh_view *v = c->v;

	if (v->magic != BH_VIEW_MAGIC || v->version != BH_VIEW_VERSION)
		return fail(c, -1, -BH_EINVAL, "bad magic or version");
	if (!v->partition_id || v->region_count > BH_VIEW_REGIONS_MAX ||
	    !v->vcpu_count || v->vcpu_count > BH_VIEW_VCPUS_MAX || v->port_count > BH_VIEW_PORTS_MAX)
		return fail(c, -1, -BH_EINVAL, "id, region, vCPU or port count out of range");
	if (v->flags & ~(BH_VIEW_CONSOLE_IN | BH_VIEW_HVM | BH_VIEW_DEVMODEL) ||
	    (v->flags & BH_VIEW_HVM && v->flags & BH_VIEW_DEVMODEL))
		return fail(c, -1, -BH_EINVAL, "unknown view flags");
	if (!(v->flags & (BH_VIEW_HVM | BH_VIEW_DEVMODEL)) != !v->peer_id)
		return fail(c, -1, -BH_EINVAL, "a peer partition without HVM or DEVMODEL, or none");
	for (unsigned i = 0; i < v->vcpu_count; i++)
		if (v->cpus[i] >= c->w->cpu_count)
			return fail(c, -1, -BH_EINVAL, "vCPU placed on a CPU that does not exist");
	return 0;
}

/* flags of a second mapping of own RAM, and of any mapping of RAM that is not the view's */
#define ALIAS   (BH_VIEW_IDENT | BH_VIEW_IOREQ | BH_VIEW_BAR)
#define FOREIGN (ALIAS | BH_VIEW_GUEST)

/* Is the alias kind of r allowed where it is? An identity region at gpa == hpa; the request
 * ring one page of a device model's; a BAR page in a full-virtualization view, never
 * executable. */
static bool alias_shape(const struct check *c, const struct bh_view_region *r)
{
	switch (r->flags & ALIAS) {
	case BH_VIEW_IDENT:
		return r->gpa == r->hpa;
	case BH_VIEW_IOREQ:
		return r->size == PAGE && c->v->flags & BH_VIEW_DEVMODEL && !(r->flags & BH_VIEW_X);
	case BH_VIEW_BAR:
		return c->v->flags & BH_VIEW_HVM && !(r->flags & BH_VIEW_X);
	default: /* more than one */
		return false;
	}
}

/* An alias region (ALIAS): private, its host range covered by the view's other private
 * regions (the partition's own RAM, seen a second time) and never writable or executable
 * where they are not. */
static bool alias_of_own_ram(const struct check *c, const struct bh_view_region *r)
{
	uint64_t at = r->hpa, end = r->hpa + r->size;

	if (r->kind != BH_VIEW_PRIVATE || r->flags & BH_VIEW_GUEST || !alias_shape(c, r))
		return false;
	for (unsigned steps = 0; at < end; steps++) { /* each step passes one region */
		if (steps > BH_VIEW_REGIONS_MAX)
			return false;
		unsigned j = 0;
		const struct bh_view_region *q = NULL;

		for (; j < c->v->region_count && j < BH_VIEW_REGIONS_MAX; j++) {
			q = &c->v->regions[j];
			if (q->kind == BH_VIEW_PRIVATE && !(q->flags & FOREIGN) &&
			    q->hpa + q->size > q->hpa && q->hpa <= at && at - q->hpa < q->size)
				break;
		}
		if (j == c->v->region_count || j == BH_VIEW_REGIONS_MAX ||
		    (r->flags & (BH_VIEW_W | BH_VIEW_X) & ~q->flags))
			return false;
		at = q->hpa + q->size;
	}
	return true;
}

/* Shape: page multiples, no wrap, known kind and flags, guest-physical ranges disjoint. */
static int check_region_shape(struct check *c, unsigned i)
{
	const struct bh_view_region *r = &c->v->regions[i];

	if (!r->size || (r->gpa | r->hpa | r->size) & (PAGE - 1))
		return fail(c, i, -BH_EINVAL, "zero or not 4 KiB aligned");
	if (r->gpa + r->size < r->gpa || r->hpa + r->size < r->hpa || r->gpa >= 1ull << 46)
		return fail(c, i, -BH_EINVAL, "range wraps or lies beyond the guest address width");
	if (r->kind < BH_VIEW_PRIVATE || r->kind > BH_VIEW_MMIO || r->flags & ~0x7fu || !r->flags)
		return fail(c, i, -BH_EINVAL, "unknown kind or flags");
	if (r->flags & ALIAS && !alias_of_own_ram(c, r))
		return fail(c, i, -BH_EPERM, "alias not over own RAM as its kind allows (identity: "
			    "gpa = hpa; ring: 1 page, device model; BAR: full virt.; never X)");
	if (r->flags & BH_VIEW_GUEST && (r->kind != BH_VIEW_PRIVATE || r->flags & ALIAS ||
					 r->flags & BH_VIEW_X || !(c->v->flags & BH_VIEW_DEVMODEL)))
		return fail(c, i, -BH_EPERM, "guest RAM outside a device model's view, or "
			    "executable");
	for (unsigned j = 0; j < i; j++)
		if (overlap(r->gpa, r->size, c->v->regions[j].gpa, c->v->regions[j].size))
			return fail(c, i, -BH_EINVAL, "guest-physical range overlaps an earlier region");
	return 0;
}

bool view_holds_pci(const struct bh_view *v, uint16_t bdf)
{
	for (unsigned i = 0; i < v->pci_count && i < BH_VIEW_PCI_MAX; i++)
		if (v->pci[i] == bdf)
			return true;
	return false;
}

/* Does r cover a memory BAR of a function found at boot that the view does not hold? */
static bool mmio_of_others(const struct check *c, const struct bh_view_region *r)
{
	for (unsigned k = 0; k < c->w->pci_count; k++) {
		const struct bh_uv_pci *f = &c->w->pci[k];
		for (unsigned b = 0; b < BH_UV_PCI_BARS && !view_holds_pci(c->v, f->bdf); b++)
			if (f->bar[b].size && overlap(r->hpa, r->size, f->bar[b].base, f->bar[b].size))
				return true;
	}
	return false;
}

/* Is r inside one memory BAR (page-rounded, as the ultravisor maps it) of a function the
 * view holds? */
static bool in_held_bar(const struct check *c, const struct bh_view_region *r)
{
	for (unsigned k = 0; k < c->w->pci_count; k++) {
		const struct bh_uv_pci *f = &c->w->pci[k];
		for (unsigned b = 0; b < BH_UV_PCI_BARS && view_holds_pci(c->v, f->bdf); b++) {
			uint64_t base = f->bar[b].base & ~(PAGE - 1);
			uint64_t end = (f->bar[b].base + f->bar[b].size + PAGE - 1) & ~(PAGE - 1);
			if (f->bar[b].size && r->hpa >= base && r->size <= end - r->hpa && r->hpa < end)
				return true;
		}
	}
	return false;
}

/* MMIO by allow-list: never a range the monitor keeps, nor RAM, nor another function's
 * BAR; and only inside a BAR of a function the view holds or a named platform range. */
static int check_region_mmio(struct check *c, unsigned i)
{
	const struct bh_view_region *r = &c->v->regions[i];
	const struct view_world *w = c->w;
	const struct view_mmio *k;

	if (r->kind != BH_VIEW_MMIO)
		return 0;
	if ((k = view_mmio_hit(fixed_kept, sizeof(fixed_kept) / sizeof(fixed_kept[0]), r->hpa,
			       r->size)) ||
	    (k = view_mmio_hit(w->kept_mmio, w->kept_mmio_count, r->hpa, r->size)))
		return fail_mmio(c, i, "overlaps ", k->name);
	for (unsigned m = 0; m < w->kept_count; m++) /* what the IOMMU drivers map */
		if (overlap(r->hpa, r->size, w->kept[m].base, w->kept[m].end - w->kept[m].base))
			return fail(c, i, -BH_EPERM, "maps the registers of an IOMMU");
	for (unsigned m = 0; m < w->ram_count; m++)
		if (overlap(r->hpa, r->size, w->ram[m].base, w->ram[m].end - w->ram[m].base))
			return fail(c, i, -BH_EPERM, "MMIO region over RAM"); /* the monitor's too */
	if (mmio_of_others(c, r))
		return fail(c, i, -BH_EPERM, "maps a BAR of a PCI function the view does not hold");
	if (in_held_bar(c, r) || mmio_inside(w->platform_mmio, w->platform_mmio_count, r->hpa, r->size))
		return 0;
	if ((k = view_mmio_hit(w->reserved_mmio, w->reserved_mmio_count, r->hpa, r->size)))
		return fail_mmio(c, i, "overlaps ", k->name);
	return fail_mmio(c, i, "is neither a BAR of a PCI function the view holds nor a "
			 "platform range", "");
}

/* PCI functions: each one found at boot, listed once, held by no other partition. */
static int check_pci(struct check *c)
{
	const struct bh_view *v = c->v;

	if (v->pci_count > BH_VIEW_PCI_MAX)
		return fail(c, -1, -BH_EINVAL, "PCI function count out of range");
	for (unsigned i = 0; i < v->pci_count; i++) {
		unsigned k = 0;

		while (k < c->w->pci_count && c->w->pci[k].bdf != v->pci[i])
			k++;
		if (k == c->w->pci_count)
			return fail(c, -1, -BH_EINVAL, "a PCI function the machine does not have");
		if (c->w->pci[k].class >> 16 == PCI_CLASS_BRIDGE)
			return fail(c, -1, -BH_EPERM, "a PCI bridge: it forwards other functions' "
				    "memory and DMA");
		if (c->w->pci[k].class >> 8 == PCI_CLASS_IOMMU)
			return fail(c, -1, -BH_EPERM, "an IOMMU: it confines every device's DMA");
		for (unsigned j = 0; j < i; j++)
			if (v->pci[j] == v->pci[i])
				return fail(c, -1, -BH_EINVAL, "a PCI function listed twice");
		for (unsigned o = 0; o < c->w->other_count; o++)
			if (view_holds_pci(c->w->others[o], v->pci[i]))
				return fail(c, -1, -BH_EPERM, "a PCI function another partition holds");
	}
	return 0;
}

/* RAM (private, channel) comes from the pool and never touches monitor memory. */
static int check_region_memory(struct check *c, unsigned i)
{
	const struct bh_view_region *r = &c->v->regions[i];
	const struct view_world *w = c->w;

	for (unsigned m = 0; m < w->monitor_count; m++)
		if (overlap(r->hpa, r->size, w->monitor[m].base, w->monitor[m].end - w->monitor[m].base))
			return fail(c, i, -BH_EPERM, "maps monitor memory");
	if (r->kind == BH_VIEW_MODULE) {
		if (r->flags & BH_VIEW_W || !view_inside(r->hpa, r->size, w->modules, w->module_count))
			return fail(c, i, -BH_EPERM, "module region not read-only inside a boot module");
		return 0;
	}
	for (unsigned m = 0; m < w->module_count; m++)
		if (overlap(r->hpa, r->size, w->modules[m].base, w->modules[m].end - w->modules[m].base))
			return fail(c, i, -BH_EPERM, "maps a boot module");
	if ((r->kind == BH_VIEW_PRIVATE || r->kind == BH_VIEW_CHANNEL) &&
	    !view_inside(r->hpa, r->size, w->pool, w->pool_count))
		return fail(c, i, -BH_EPERM, "RAM outside the partition memory pool");
	return 0;
}

/* May r and q, of views v and its peer-to-be ov, overlap as a device model's map of its
 * guest's RAM? One is BH_VIEW_GUEST in the device model's view, the other the guest's own
 * private RAM (or an alias of it), and the two views name each other. */
static bool guest_ram_shared(const struct bh_view *v, const struct bh_view_region *r,
			     const struct bh_view *ov, const struct bh_view_region *q)
{
	const struct bh_view_region *dm = r->flags & BH_VIEW_GUEST ? r : q;
	const struct bh_view_region *own = dm == r ? q : r;

	return v->peer_id == ov->partition_id && ov->peer_id == v->partition_id &&
	       r->kind == BH_VIEW_PRIVATE && q->kind == BH_VIEW_PRIVATE &&
	       (r->flags ^ q->flags) & BH_VIEW_GUEST && !(own->flags & BH_VIEW_GUEST) &&
	       dm->flags & BH_VIEW_GUEST;
}

/* Against every other partition: private memory is nobody else's but for a device model's
 * map of its guest's; a channel is shared with its peer only, as the same channel at the same
 * host range. */
static int check_region_sharing(struct check *c, unsigned i)
{
	const struct bh_view_region *r = &c->v->regions[i];

	for (unsigned o = 0; o < c->w->other_count; o++) {
		const struct bh_view *ov = c->w->others[o];
		for (unsigned j = 0; j < ov->region_count && j < BH_VIEW_REGIONS_MAX; j++) {
			const struct bh_view_region *q = &ov->regions[j];
			if (!overlap(r->hpa, r->size, q->hpa, q->size) || q->kind == BH_VIEW_MODULE ||
			    guest_ram_shared(c->v, r, ov, q))
				continue;
			if (r->kind != BH_VIEW_CHANNEL || q->kind != BH_VIEW_CHANNEL)
				return fail(c, i, -BH_EPERM, "overlaps another partition's memory");
			if (r->peer_id != ov->partition_id || q->peer_id != c->v->partition_id ||
			    r->chan_id != q->chan_id || r->hpa != q->hpa || r->size != q->size)
				return fail(c, i, -BH_EPERM, "channel shared beyond its two endpoints");
		}
	}
	return 0;
}

/* I/O ports the monitor keeps whatever a view says: the legacy interrupt controllers and
 * timer it programs, the ports that reset the machine or mask NMIs, its log port COM2, PCI
 * configuration space (mediated, never passed through; 0xcf9 resets too), and the
 * emulators' exit port its test hook uses. The firmware's own (the FADT's power
 * management, reset and SMI command ports) come in the world: view_world.ports. */
static const struct { uint16_t base, count; } kept_ports[] = {
	{ 0x0020, 2 },  /* PIC 1 */
	{ 0x0040, 4 },  /* PIT */
	{ 0x0061, 1 },  /* system control port B: NMI status and masks, PIT gate */
	{ 0x0064, 1 },  /* keyboard controller command: can reset the machine */
	{ 0x0070, 2 },  /* CMOS index (and the NMI mask) and data */
	{ 0x0092, 1 },  /* system control port A: fast reset */
	{ 0x00a0, 2 },  /* PIC 2 */
	{ 0x00f4, 4 },  /* isa-debug-exit (tests) */
	{ 0x02f8, 8 },  /* COM2: the monitor's log */
	{ 0x04d0, 2 },  /* ELCR */
	{ 0x0cf8, 8 },  /* PCI configuration address and data */
};

static int check_ports(struct check *c)
{
	for (unsigned i = 0; i < c->v->port_count; i++) {
		const struct bh_view_ports *p = &c->v->ports[i];
		if (!p->count || (uint32_t)p->base + p->count > 0x10000)
			return fail(c, -1, -BH_EINVAL, "empty I/O port range, or past port 0xffff");
		for (unsigned k = 0; k < sizeof(kept_ports) / sizeof(kept_ports[0]); k++)
			if (overlap(p->base, p->count, kept_ports[k].base, kept_ports[k].count))
				return fail(c, -1, -BH_EPERM, "grants an I/O port the monitor keeps");
		for (unsigned k = 0; k < c->w->port_count; k++)
			if (overlap(p->base, p->count, c->w->ports[k].base,
				    c->w->ports[k].end - c->w->ports[k].base))
				return fail(c, -1, -BH_EPERM, "grants a power-management or reset "
					    "port of the firmware's");
	}
	return 0;
}

int view_check(const struct bh_view *v, const struct view_world *w, int *bad_region, char *err,
	       size_t errlen)
{
	static int (*const region_checks[])(struct check *, unsigned) = {
		check_region_shape, check_region_memory, check_region_mmio, check_region_sharing,
	};
	struct check c = { v, w, bad_region, err, errlen };
	int r;

	*bad_region = -1;
	if (errlen)
		err[0] = '\0';
	if ((r = check_header(&c)) || (r = check_ports(&c)) || (r = check_pci(&c)))
		return r;
	for (unsigned i = 0; i < v->region_count; i++)
		for (unsigned k = 0; k < sizeof(region_checks) / sizeof(region_checks[0]); k++)
			if ((r = region_checks[k](&c, i)))
				return r;
	return 0;
}
