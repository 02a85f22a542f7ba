/* SPDX-License-Identifier: MIT */
/* db-boot.c - the database as the config blob describes it, loaded directly at boot.
 *
 * The blob's partitions, devices and channels are entered as they stand (no transactions,
 * no journal records): generation 1 is the boot state, and replaying the journal from a
 * database booted from the same blob gives the same database. Memory: fixed placements
 * first, so first-fit partitions cannot take their ranges, then the rest in blob order,
 * then channels from the top of the pool.
 */
#include <string.h>
#include <bulkhead/errno.h>
#include "config/validate.h"
#include "db-int.h"
#include "fmt.h"

struct boot {
	struct txn t;
	struct cfg_blob b;
	char reason[UV_REASON_LEN];
	char *err;
	size_t errlen;
};

static void first_error(void *ctx, const struct cfg_error *e)
{
	struct boot *bt = ctx;

	if (!bt->reason[0])
		cfg_format_error(bt->reason, sizeof(bt->reason), e);
}

static int fail(struct boot *bt, int code, const char *what)
{
	bh_snprintf(bt->err, bt->errlen, "%s%s%s", what, what[0] ? ": " : "", bt->reason);
	return code;
}

static void load_tables(struct db_state *st, const struct cfg_blob *b)
{
	st->cpu_count = b->hdr.cpu_count;
	st->pool_count = cfg_count(b, BH_CFG_POOL);
	st->zone_count = cfg_count(b, BH_CFG_ZONES);
	st->policy_count = cfg_count(b, BH_CFG_POLICIES);
	st->device_count = cfg_count(b, BH_CFG_DEVICES);
	for (uint32_t i = 0; i < st->pool_count; i++)
		cfg_read(b, BH_CFG_POOL, i, &st->pool[i]);
	for (uint32_t i = 0; i < st->zone_count; i++)
		cfg_read(b, BH_CFG_ZONES, i, &st->zones[i]);
	for (uint32_t i = 0; i < st->policy_count; i++)
		cfg_read(b, BH_CFG_POLICIES, i, &st->policies[i]);
	for (uint32_t i = 0; i < st->device_count; i++) {
		struct db_device *d = &st->devices[i];

		cfg_read(b, BH_CFG_DEVICES, i, &d->cfg);
		d->owner = d->cfg.owner == BH_CFG_NONE ? 0 : d->cfg.owner + 1; /* ids: below */
		d->cfg.owner = BH_CFG_NONE;
	}
	st->next_part_id = 1;
	st->next_chan_id = 1;
	mem_init(st);
}

/* Partition i of the blob becomes slot i, id i + 1; so a devmodel's guest, a blob index, is
 * the id guest + 1. */
static void load_partition(struct db_state *st, uint32_t i, const struct bh_cfg_partition *e)
{
	struct db_part *p = &st->parts[i];

	str_set(p->name, sizeof(p->name), e->name);
	p->id = st->next_part_id++;
	p->kind = e->kind;
	p->zone = e->zone;
	p->flags = e->flags;
	p->state = e->kind == BH_CFG_KIND_ULTRAVISOR ? UV_STATE_RUNNING : UV_STATE_CREATED;
	p->vcpus = e->vcpus;
	memcpy(p->cpus, e->cpus, sizeof(p->cpus));
	p->restart = e->restart;
	p->restart_max = e->restart_max;
	p->phys_base = e->phys_base;
	str_set(p->image, sizeof(p->image), e->image);
	str_set(p->cmdline, sizeof(p->cmdline), e->cmdline);
	str_set(p->initrd, sizeof(p->initrd), e->initrd);
	p->disk_base = e->disk_base;
	p->disk_size = e->disk_size;
	p->disk_flags = e->disk_flags;
	memcpy(p->mac, e->mac, sizeof(p->mac));
	p->guest = e->kind == BH_CFG_KIND_DEVMODEL ? e->guest + 1 : 0;
}

static int load_memory(struct boot *bt, bool fixed)
{
	struct db_state *st = bt->t.st;
	struct bh_cfg_partition e;

	for (uint32_t i = 0; cfg_read(&bt->b, BH_CFG_PARTITIONS, i, &e); i++) {
		char what[64];

		if (!e.phys_base != !fixed)
			continue;
		if (!mem_alloc_part(&bt->t, &st->parts[i], e.memory, e.phys_base))
			continue;
		bh_snprintf(what, sizeof(what), "partition %s", st->parts[i].name);
		return fail(bt, bt->t.status, what);
	}
	return 0;
}

/* The partition that holds the client end of a channel whose configured client is id: a
 * linux partition has no channel driver, its device model speaks for it. */
static uint32_t client_end(const struct db_state *st, uint32_t id)
{
	const struct db_part *dm = db_devmodel_of(st, id);

	return dm ? dm->id : id;
}

static int load_channels(struct boot *bt)
{
	struct db_state *st = bt->t.st;
	struct bh_cfg_channel e;

	for (uint32_t i = 0; cfg_read(&bt->b, BH_CFG_CHANNELS, i, &e); i++) {
		struct db_chan *c = &st->chans[i];
		char what[64];

		str_set(c->name, sizeof(c->name), e.name);
		c->id = st->next_chan_id++;
		c->type = e.type;
		c->server = e.server + 1;
		c->client = client_end(st, e.client + 1);
		c->device = e.device;
		c->size = e.size;
		if (!mem_alloc_chan(&bt->t, c))
			continue;
		bh_snprintf(what, sizeof(what), "channel %s", c->name);
		return fail(bt, bt->t.status, what);
	}
	return 0;
}

int db_init_from_blob(struct db *db, const void *data, size_t len, char *err, size_t errlen)
{
	static struct boot bt; /* static: a struct txn and a blob view are big for a stack */
	struct bh_cfg_partition e;
	int r;

	memset(&bt, 0, sizeof(bt));
	memset(db, 0, sizeof(*db));
	bt.err = err;
	bt.errlen = errlen;
	if (cfg_validate(data, len, first_error, &bt) || cfg_open(&bt.b, data, len, NULL, NULL))
		return fail(&bt, -BH_EINVAL, "config blob");
	txn_begin(&bt.t, &db->st, NULL, bt.reason, sizeof(bt.reason), UV_ORIGIN_ULTRAVISOR);
	load_tables(&db->st, &bt.b);
	for (uint32_t i = 0; cfg_read(&bt.b, BH_CFG_PARTITIONS, i, &e); i++)
		load_partition(&db->st, i, &e);
	if ((r = load_memory(&bt, true)) || (r = load_memory(&bt, false)) ||
	    (r = load_channels(&bt)))
		goto out;
	st_derive(&db->st);
	if ((r = layout_all(&bt.t)) || (r = check_state(&bt.t))) {
		fail(&bt, r, "");
		goto out;
	}
	db->st.generation = 1;
	return 0;
out:
	memset(db, 0, sizeof(*db));
	return r;
}

void db_set_pci(struct db *db, const struct bh_uv_pci *fns, uint32_t n)
{
	for (uint32_t d = 0; d < db->st.device_count; d++) {
		struct db_device *dev = &db->st.devices[d];
		const struct bh_uv_pci *f = fns;

		if (dev->cfg.bus != BH_CFG_BUS_PCI)
			continue;
		while (f < fns + n && f->bdf != dev->cfg.pci_bdf)
			f++;
		dev->pci_found = f < fns + n;
		dev->cfg.mmio_count = 0;
		for (unsigned b = 0; dev->pci_found && b < BH_UV_PCI_BARS; b++) {
			uint64_t base = f->bar[b].base & ~(DB_PAGE - 1);
			uint64_t end = (f->bar[b].base + f->bar[b].size + DB_PAGE - 1) & ~(DB_PAGE - 1);

			if (f->bar[b].size && dev->cfg.mmio_count < BH_CFG_DEV_MMIO_MAX)
				dev->cfg.mmio[dev->cfg.mmio_count++] =
					(struct bh_cfg_mmio){ base, end - base };
		}
	}
}
