/* SPDX-License-Identifier: MIT */
/* db_invariants.h - what must hold of every committed database, checked from the outside:
 * the extents cover the pool exactly and never overlap, every owned byte has one live
 * owner, nothing leaks (free + owned == pool), each partition's RAM is 2 MiB blocks
 * covering guest-physical [0, memory), derived fields agree, and the views: each passes
 * the monitor's own containment check (monitor/view.c) against all the others, each
 * channel is in exactly its two endpoints' views at one host range, private regions are
 * disjoint across views. Returns NULL, or what is wrong. */
#ifndef TESTS_UNIT_DB_INVARIANTS_H
#define TESTS_UNIT_DB_INVARIANTS_H

static char inv_msg[512];
static struct bh_view inv_views[DB_PARTS_MAX];

#define INV(cond, ...)                                                        \
	do {                                                                  \
		if (!(cond)) {                                                \
			snprintf(inv_msg, sizeof(inv_msg), __VA_ARGS__);      \
			return inv_msg;                                       \
		}                                                             \
	} while (0)

static inline const struct db_chan *inv_chan(const struct db_state *st, uint32_t id)
{
	for (uint32_t s = 0; s < DB_CHANS_MAX; s++)
		if (id && st->chans[s].id == id)
			return &st->chans[s];
	return NULL;
}

static inline bool inv_in_pool(const struct db_state *st, uint64_t base, uint64_t size)
{
	for (uint32_t i = 0; i < st->pool_count; i++)
		if (base >= st->pool[i].base && base + size <= st->pool[i].base + st->pool[i].size)
			return true;
	return false;
}

static inline const char *inv_extents(const struct db_state *st, uint64_t *free, uint64_t *owned)
{
	uint64_t pool = 0;

	for (uint32_t i = 0; i < st->pool_count; i++)
		pool += st->pool[i].size;
	INV(pool == st->pool_total, "pool_total %lx, ranges sum %lx", st->pool_total, pool);
	INV(st->extent_count <= DB_EXTENTS_MAX, "extent count");
	*free = *owned = 0;
	for (uint32_t i = 0; i < st->extent_count; i++) {
		const struct db_extent *e = &st->extents[i];

		INV(e->size && inv_in_pool(st, e->base, e->size), "extent %u %lx+%lx outside the "
		    "pool", i, e->base, e->size);
		INV(!i || st->extents[i - 1].base + st->extents[i - 1].size <= e->base,
		    "extent %u overlaps or is out of order", i);
		INV(e->base % DB_PAGE == 0 && e->size % DB_PAGE == 0, "extent %u not paged", i);
		if (e->owner == UV_OWNER_FREE) {
			INV(!e->id && !e->gpa, "free extent %u has an owner", i);
			*free += e->size;
			continue;
		}
		*owned += e->size;
		INV(e->owner == UV_OWNER_PARTITION ? db_part_by_id(st, e->id) != NULL
						   : inv_chan(st, e->id) != NULL,
		    "extent %u owned by dead %s %u", i, e->owner == 1 ? "partition" : "channel",
		    e->id);
	}
	INV(*free + *owned == pool, "leak: free %lx + owned %lx != pool %lx", *free, *owned, pool);
	INV(*free == st->pool_free, "pool_free %lx, extents say %lx", st->pool_free, *free);
	return NULL;
}

/* RAM of p: 2 MiB blocks, GPA [0, memory) covered once. */
static inline const char *inv_ram(const struct db_state *st, const struct db_part *p)
{
	uint64_t g = 0, sum = 0;

	for (uint32_t i = 0; i < st->extent_count; i++) {
		const struct db_extent *e = &st->extents[i];

		if (e->owner != UV_OWNER_PARTITION || e->id != p->id)
			continue;
		INV(e->base % DB_MEM_ALIGN == 0 && e->size % DB_MEM_ALIGN == 0 &&
		    e->gpa % DB_MEM_ALIGN == 0, "%s: RAM extent %u not in 2 MiB blocks", p->name,
		    i);
		sum += e->size;
	}
	INV(sum == p->memory && sum, "%s: memory %lx, extents %lx", p->name, p->memory, sum);
	while (g < sum) {
		uint32_t hits = 0, i;
		uint64_t next = 0;

		for (i = 0; i < st->extent_count; i++) {
			const struct db_extent *e = &st->extents[i];

			if (e->owner == UV_OWNER_PARTITION && e->id == p->id && e->gpa == g) {
				hits++;
				next = g + e->size;
			}
		}
		INV(hits == 1, "%s: GPA %lx covered %u times", p->name, g, hits);
		g = next;
	}
	return NULL;
}

static inline const char *inv_parts(const struct db_state *st, uint64_t *part_bytes)
{
	uint64_t zone[BH_CFG_ZONES_MAX] = { 0 };
	const char *m;

	*part_bytes = 0;
	for (uint32_t s = 0; s < DB_PARTS_MAX; s++) {
		const struct db_part *p = &st->parts[s];

		if (!p->id)
			continue;
		INV(p->id < st->next_part_id, "%s: id %u not below next %u", p->name, p->id,
		    st->next_part_id);
		INV(p->state >= UV_STATE_CREATED && p->state < UV_STATE_NR, "%s: state %u",
		    p->name, p->state);
		INV(p->vcpus >= 1 && p->vcpus <= BH_CFG_VCPUS_MAX, "%s: vcpus", p->name);
		INV(p->zone < st->zone_count, "%s: zone", p->name);
		for (uint32_t o = 0; o < s; o++)
			INV(st->parts[o].id != p->id && (!st->parts[o].id ||
			    strcmp(st->parts[o].name, p->name)), "%s: id or name twice", p->name);
		if ((m = inv_ram(st, p)))
			return m;
		for (uint32_t k = 0; k < p->vcpus; k++)
			INV(st->zones[p->zone].cpus & (1ull << p->cpus[k]), "%s: CPU %u outside "
			    "its zone", p->name, p->cpus[k]);
		zone[p->zone] += p->memory;
		*part_bytes += p->memory;
	}
	for (uint32_t z = 0; z < st->zone_count; z++)
		INV(zone[z] == st->zone_used[z] && zone[z] <= st->zones[z].memory,
		    "zone %s: used %lx, derived %lx, budget %lx", st->zones[z].name, zone[z],
		    st->zone_used[z], st->zones[z].memory);
	return NULL;
}

static inline const char *inv_chans_devices(const struct db_state *st, uint64_t *chan_bytes)
{
	*chan_bytes = 0;
	for (uint32_t s = 0; s < DB_CHANS_MAX; s++) {
		const struct db_chan *c = &st->chans[s];
		uint32_t n = 0;

		if (!c->id)
			continue;
		INV(db_part_by_id(st, c->server) && db_part_by_id(st, c->client) &&
		    c->server != c->client, "channel %s: endpoints %u %u", c->name, c->server,
		    c->client);
		for (uint32_t i = 0; i < st->extent_count; i++) {
			const struct db_extent *e = &st->extents[i];

			if (e->owner == UV_OWNER_CHANNEL && e->id == c->id) {
				n++;
				INV(e->base == c->hpa && e->size == c->size, "channel %s extent",
				    c->name);
			}
		}
		INV(n == 1, "channel %s has %u extents", c->name, n);
		*chan_bytes += c->size;
	}
	for (uint32_t d = 0; d < st->device_count; d++) {
		const struct db_part *o = db_part_by_id(st, st->devices[d].owner);

		INV(!st->devices[d].owner || (o && o->kind == BH_CFG_KIND_IOPART),
		    "device %s owned by %u", st->devices[d].cfg.name, st->devices[d].owner);
	}
	return NULL;
}

/* Each channel in exactly two views, at one host range, between its endpoints. */
static inline const char *inv_channel_views(const struct db_state *st, uint32_t nviews)
{
	for (uint32_t s = 0; s < DB_CHANS_MAX; s++) {
		const struct db_chan *c = &st->chans[s];
		uint32_t seen = 0;

		for (uint32_t v = 0; c->id && v < nviews; v++) {
			uint32_t me = inv_views[v].partition_id;

			for (uint32_t r = 0; r < inv_views[v].region_count; r++) {
				const struct bh_view_region *q = &inv_views[v].regions[r];
				uint32_t peer = me == c->server ? c->client : c->server;

				if (q->kind != BH_VIEW_CHANNEL || q->chan_id != c->id)
					continue;
				seen++;
				INV(q->hpa == c->hpa && q->size == c->size && q->peer_id == peer &&
				    (me == c->server || me == c->client),
				    "channel %s wrong in the view of %s", c->name,
				    inv_views[v].name);
			}
		}
		INV(!c->id || seen == 2, "channel %s in %u views", c->name, seen);
	}
	return NULL;
}

static inline const char *inv_views_check(const struct db *db)
{
	const struct db_state *st = &db->st;
	struct view_range pool[BH_CFG_POOL_MAX];
	const struct bh_view *others[DB_PARTS_MAX];
	struct view_world w = { .pool = pool, .pool_count = st->pool_count, .others = others,
				.cpu_count = st->cpu_count, .platform_mmio = view_platform_mmio,
				.platform_mmio_count = view_platform_mmio_count };
	uint32_t n = 0;
	char err[200];
	int bad;

	for (uint32_t i = 0; i < st->pool_count; i++)
		pool[i] = (struct view_range){ st->pool[i].base,
					       st->pool[i].base + st->pool[i].size };
	for (uint32_t s = 0; s < DB_PARTS_MAX; s++) {
		if (!st->parts[s].id)
			continue;
		INV(db_view(db, st->parts[s].id, &inv_views[n]) == 0, "no view for %s",
		    st->parts[s].name);
		INV(inv_views[n].generation == st->generation, "view generation");
		INV(inv_views[n].regions[0].gpa == 0 && inv_views[n].regions[0].kind ==
		    BH_VIEW_PRIVATE, "%s: RAM not at GPA 0", st->parts[s].name);
		n++;
	}
	for (uint32_t v = 0; v < n; v++) {
		w.other_count = 0;
		for (uint32_t o = 0; o < n; o++)
			if (o != v)
				others[w.other_count++] = &inv_views[o];
		INV(view_check(&inv_views[v], &w, &bad, err, sizeof(err)) == 0,
		    "monitor refuses a view: %s", err);
	}
	return inv_channel_views(st, n);
}

static inline const char *db_invariants(const struct db *db)
{
	uint64_t free, owned, parts, chans;
	const char *m;

	if ((m = inv_extents(&db->st, &free, &owned)) || (m = inv_parts(&db->st, &parts)) ||
	    (m = inv_chans_devices(&db->st, &chans)))
		return m;
	INV(parts + chans == owned, "owned %lx != partitions %lx + channels %lx", owned, parts,
	    chans);
	return inv_views_check(db);
}

static inline void assert_invariants(const struct db *db)
{
	const char *m = db_invariants(db);

	if (m)
		print_message("invariant broken at generation %lu: %s\n",
			      (unsigned long)db->st.generation, m);
	assert_null(m);
}

#endif
