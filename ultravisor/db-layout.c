/* SPDX-License-Identifier: MIT */
/* db-layout.c - each partition's guest-physical layout, and the view built from it.
 *
 *   GPA 0                RAM extents, in order, contiguous         private, RWX
 *   GPA 0x1000           the info page (partition.h)                private, read-only
 *   RAM top ...          channels, first fit, 4 KiB aligned        channel, RW
 *   device MMIO          at GPA = HPA (uncached BARs)              mmio, RW
 *   I/O partitions: their RAM again, at GPA = HPA (device DMA)     private, RW, ident
 *
 * A channel keeps the GPA it got in each endpoint for as long as it exists, so a running
 * partition never sees a mapping move. Only a partition that is not running may have one
 * moved, and only when its RAM or a device's MMIO grew over it.
 */
#include <string.h>
#include <bulkhead/errno.h>
#include <bulkhead/partition.h>
#include "db-int.h"

/* One endpoint of a channel in partition `id`; a channel joining a partition to itself
 * (refused later by the validator) has two. */
static uint64_t *endpoint_gpa(struct db_chan *c, uint32_t id, int end)
{
	if (!c->id)
		return NULL;
	if (end == 0)
		return c->server == id ? &c->server_gpa : NULL;
	return c->client == id ? &c->client_gpa : NULL;
}

/* Does [gpa, gpa + size) hit the MMIO of a device id owns? *end: where that range ends. */
static bool mmio_hits(const struct db_state *st, uint32_t id, uint64_t gpa, uint64_t size,
		      uint64_t *end)
{
	for (uint32_t d = 0; d < st->device_count; d++) {
		const struct bh_cfg_device *cfg = &st->devices[d].cfg;

		if (st->devices[d].owner != id)
			continue;
		for (uint32_t k = 0; k < cfg->mmio_count && k < BH_CFG_DEV_MMIO_MAX; k++)
			if (ranges_overlap(gpa, size, cfg->mmio[k].base, cfg->mmio[k].size)) {
				*end = cfg->mmio[k].base + cfg->mmio[k].size;
				return true;
			}
	}
	return false;
}

/* An I/O partition sees its RAM a second time at GPA = HPA, for device DMA (partition.h,
 * ident_base): those ranges are as fixed as MMIO. Does [gpa, gpa + size) hit one? */
static bool ident_hits(const struct db_state *st, const struct db_part *p, uint64_t gpa,
		       uint64_t size, uint64_t *end)
{
	for (uint32_t i = 0; p->kind == BH_CFG_KIND_IOPART && !st->iommu && i < st->extent_count;
	     i++) {
		const struct db_extent *e = &st->extents[i];
		if (e->owner == UV_OWNER_PARTITION && e->id == p->id &&
		    ranges_overlap(gpa, size, e->base, e->size)) {
			*end = e->base + e->size;
			return true;
		}
	}
	return false;
}

/* Does [gpa, gpa + size) hit RAM, MMIO, or a placed channel of id other than `self`? */
static bool gpa_busy(struct db_state *st, const struct db_part *p, uint64_t gpa, uint64_t size,
		     const uint64_t *self, uint64_t *end)
{
	*end = p->memory;
	if (gpa < p->memory || mmio_hits(st, p->id, gpa, size, end) ||
	    ident_hits(st, p, gpa, size, end))
		return true;
	for (uint32_t s = 0; s < DB_CHANS_MAX; s++) {
		for (int e = 0; e < 2; e++) {
			uint64_t *g = endpoint_gpa(&st->chans[s], p->id, e);

			if (g && g != self && *g &&
			    ranges_overlap(gpa, size, *g, st->chans[s].size)) {
				*end = *g + st->chans[s].size;
				return true;
			}
		}
	}
	return false;
}

/* First fit above RAM, stepping past whatever is in the way. */
/* An I/O partition sees a channel at GPA = HPA where it can, so its devices DMA straight
 * into the channel (partition.h, BH_MEM_IDENT); other partitions first fit above RAM. */
static void place(struct db_state *st, const struct db_part *p, struct db_chan *c, uint64_t *g)
{
	uint64_t cand = align_up(p->memory, DB_PAGE), end;

	if (p->kind == BH_CFG_KIND_IOPART && c->hpa + c->size <= BH_START_MAP_MAX &&
	    !gpa_busy(st, p, c->hpa, c->size, g, &end)) {
		*g = c->hpa;
		return;
	}
	while (gpa_busy(st, p, cand, c->size, g, &end))
		cand = align_up(end > cand ? end : cand + DB_PAGE, DB_PAGE);
	*g = cand;
}

static int place_channels(struct txn *t, struct db_part *p)
{
	struct db_state *st = t->st;
	uint64_t end;

	for (uint32_t s = 0; s < DB_CHANS_MAX; s++) {
		for (int e = 0; e < 2; e++) {
			uint64_t *g = endpoint_gpa(&st->chans[s], p->id, e);

			if (!g || !*g || !gpa_busy(st, p, *g, st->chans[s].size, g, &end))
				continue;
			if (p->state == UV_STATE_RUNNING)
				return txn_fail(t, -BH_EBUSY, "channel %s would move in running %s",
						st->chans[s].name, p->name);
			*g = 0;
		}
	}
	for (uint32_t s = 0; s < DB_CHANS_MAX; s++)
		for (int e = 0; e < 2; e++) {
			uint64_t *g = endpoint_gpa(&st->chans[s], p->id, e);

			if (g && !*g)
				place(st, p, &st->chans[s], g);
		}
	return 0;
}

/* Regions and port ranges p's view needs. */
static void view_counts(const struct db_state *st, const struct db_part *p, uint32_t *regions,
			uint32_t *ports)
{
	*regions = mem_regions(st, p->id) + (p->memory ? 2 : 0); /* + the info page split */
	if (p->kind == BH_CFG_KIND_IOPART)
		*regions += mem_regions(st, p->id); /* the identity alias */
	*ports = 0;
	for (uint32_t s = 0; s < DB_CHANS_MAX; s++)
		*regions += (st->chans[s].id && st->chans[s].server == p->id) +
			    (st->chans[s].id && st->chans[s].client == p->id);
	for (uint32_t d = 0; d < st->device_count; d++) {
		if (st->devices[d].owner != p->id)
			continue;
		*regions += st->devices[d].cfg.mmio_count;
		*ports += st->devices[d].cfg.port_count;
	}
}

/* RAM and channels below BH_START_MAP_MAX, which the start state's page tables map. */
static int fits_start_map(struct txn *t, const struct db_part *p)
{
	uint64_t top = p->memory;

	for (uint32_t i = 0; p->kind == BH_CFG_KIND_IOPART && i < t->st->extent_count; i++) {
		const struct db_extent *e = &t->st->extents[i]; /* its RAM again at GPA = HPA */
		if (e->owner == UV_OWNER_PARTITION && e->id == p->id && e->base + e->size > top)
			top = e->base + e->size;
	}
	for (uint32_t s = 0; s < DB_CHANS_MAX; s++)
		for (int e = 0; e < 2; e++) {
			const uint64_t *g = endpoint_gpa(&t->st->chans[s], p->id, e);
			if (g && *g + t->st->chans[s].size > top)
				top = *g + t->st->chans[s].size;
		}
	if (top <= BH_START_MAP_MAX)
		return 0;
	return txn_fail(t, -BH_E2BIG, "the RAM and channels of %s would reach guest-physical "
			"%#llx; a partition starts with [0, 4 GiB) mapped", p->name,
			(unsigned long long)top);
}

static int layout_part(struct txn *t, struct db_part *p)
{
	uint32_t regions, ports;
	uint64_t end;

	view_counts(t->st, p, &regions, &ports);
	if (regions > BH_VIEW_REGIONS_MAX)
		return txn_fail(t, -BH_E2BIG, "the view of %s would need %u regions; a view "
				"holds %u", p->name, regions, BH_VIEW_REGIONS_MAX);
	if (ports > BH_VIEW_PORTS_MAX)
		return txn_fail(t, -BH_E2BIG, "the view of %s would need %u I/O port ranges; a "
				"view holds %u", p->name, ports, BH_VIEW_PORTS_MAX);
	if (mmio_hits(t->st, p->id, 0, p->memory, &end))
		return txn_fail(t, -BH_ERANGE, "a device's MMIO range lies inside the %s of RAM "
				"of %s (guest-physical 0 up)", cfg_size_text(p->memory).s, p->name);
	if (ident_hits(t->st, p, 0, p->memory, &end))
		return txn_fail(t, -BH_ERANGE, "the RAM of %s lies below host-physical %s, so it "
				"cannot be mapped again at guest-physical = host-physical",
				p->name, cfg_size_text(p->memory).s);
	return place_channels(t, p) ? t->status : fits_start_map(t, p);
}

/* Every partition's layout, failures blamed on the last op that touched the partition. */
int layout_all(struct txn *t)
{
	int cur = t->cur, r = 0;

	for (uint32_t s = 0; s < DB_PARTS_MAX && !r; s++) {
		if (!t->st->parts[s].id)
			continue;
		if (t->part_op[s] != TXN_NONE)
			t->cur = t->part_op[s];
		r = layout_part(t, &t->st->parts[s]);
		t->cur = cur;
	}
	return r;
}

static void add_region(struct bh_view *v, uint64_t gpa, uint64_t hpa, uint64_t size,
		       uint32_t kind, uint32_t flags)
{
	struct bh_view_region *r = &v->regions[v->region_count++];

	r->gpa = gpa;
	r->hpa = hpa;
	r->size = size;
	r->kind = kind;
	r->flags = flags;
}

static void view_ram(const struct db_state *st, const struct db_part *p, struct bh_view *v)
{
	const uint32_t rwx = BH_VIEW_R | BH_VIEW_W | BH_VIEW_X;

	for (uint64_t g = 0; g < p->memory;) {
		const struct db_extent *e = st->extents, *end = e + st->extent_count;

		while (e < end &&
		       !(e->owner == UV_OWNER_PARTITION && e->id == p->id && e->gpa == g))
			e++;
		if (e == end)
			return; /* cannot happen: RAM is contiguous from 0 */
		if (g == 0 && p->kind != BH_CFG_KIND_LINUX) {
			/* the info page is read-only (partition.h); extents are >= 2 MiB. A linux
			 * partition has none: all its RAM is the kernel's (e820). */
			add_region(v, 0, e->base, BH_INFO_GPA, BH_VIEW_PRIVATE, rwx);
			add_region(v, BH_INFO_GPA, e->base + BH_INFO_GPA, DB_PAGE, BH_VIEW_PRIVATE,
				   BH_VIEW_R);
			add_region(v, BH_INFO_GPA + DB_PAGE, e->base + BH_INFO_GPA + DB_PAGE,
				   e->size - BH_INFO_GPA - DB_PAGE, BH_VIEW_PRIVATE, rwx);
		} else {
			add_region(v, g, e->base, e->size, BH_VIEW_PRIVATE, rwx);
		}
		if (p->kind == BH_CFG_KIND_IOPART && !st->iommu && g == 0) { /* else IOVA = GPA */
			/* the alias is never more permissive than the RAM (monitor/view.c): it
			 * starts after the read-only info page (and page 0, which no device
			 * needs either) */
			uint64_t skip = BH_INFO_GPA + DB_PAGE;
			add_region(v, e->base + skip, e->base + skip, e->size - skip, BH_VIEW_PRIVATE,
				   BH_VIEW_R | BH_VIEW_W | BH_VIEW_IDENT);
		} else if (p->kind == BH_CFG_KIND_IOPART && !st->iommu) {
			add_region(v, e->base, e->base, e->size, BH_VIEW_PRIVATE,
				   BH_VIEW_R | BH_VIEW_W | BH_VIEW_IDENT);
		}
		g += e->size;
	}
}

static void view_channels(const struct db_state *st, const struct db_part *p, struct bh_view *v)
{
	for (uint32_t s = 0; s < DB_CHANS_MAX; s++) {
		const struct db_chan *c = &st->chans[s];

		for (int e = 0; e < 2 && c->id; e++) {
			uint32_t me = e ? c->client : c->server, peer = e ? c->server : c->client;

			if (me != p->id)
				continue;
			add_region(v, e ? c->client_gpa : c->server_gpa, c->hpa, c->size,
				   BH_VIEW_CHANNEL, BH_VIEW_R | BH_VIEW_W);
			v->regions[v->region_count - 1].peer_id = peer;
			v->regions[v->region_count - 1].chan_id = c->id;
		}
	}
}

static void view_devices(const struct db_state *st, const struct db_part *p, struct bh_view *v)
{
	for (uint32_t d = 0; d < st->device_count; d++) {
		const struct bh_cfg_device *cfg = &st->devices[d].cfg;

		if (st->devices[d].owner != p->id)
			continue;
		if (cfg->bus == BH_CFG_BUS_PCI && st->devices[d].pci_found &&
		    v->pci_count < BH_VIEW_PCI_MAX)
			v->pci[v->pci_count++] = cfg->pci_bdf;
		for (uint32_t k = 0; k < cfg->mmio_count && k < BH_CFG_DEV_MMIO_MAX; k++)
			add_region(v, cfg->mmio[k].base, cfg->mmio[k].base, cfg->mmio[k].size,
				   BH_VIEW_MMIO, BH_VIEW_R | BH_VIEW_W);
		for (uint32_t k = 0; k < cfg->port_count && k < BH_CFG_DEV_PORTS_MAX; k++) {
			v->ports[v->port_count].base = cfg->ports[k].base;
			v->ports[v->port_count++].count = cfg->ports[k].count;
		}
	}
}

int db_view(const struct db *db, uint32_t id, struct bh_view *out)
{
	const struct db_part *p = db_part_by_id(&db->st, id);
	uint32_t regions, ports;

	memset(out, 0, sizeof(*out));
	if (!p)
		return -BH_ENOENT;
	view_counts(&db->st, p, &regions, &ports);
	if (regions > BH_VIEW_REGIONS_MAX || ports > BH_VIEW_PORTS_MAX)
		return -BH_E2BIG; /* refused by every commit; kept for safety */
	out->magic = BH_VIEW_MAGIC;
	out->version = BH_VIEW_VERSION;
	out->partition_id = p->id;
	out->vcpu_count = p->vcpus;
	out->generation = db->st.generation;
	str_set(out->name, sizeof(out->name), p->name);
	memcpy(out->cpus, p->cpus, sizeof(out->cpus));
	view_ram(&db->st, p, out);
	view_channels(&db->st, p, out);
	view_devices(&db->st, p, out);
	return 0;
}
