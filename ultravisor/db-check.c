/* SPDX-License-Identifier: MIT */
/* db-check.c - a transaction's result must pass the same invariants a config blob does.
 *
 * The scratch state is written out as a config blob (the same entry structs: partitions
 * with their RAM and vCPUs now, devices with their owners now, channels, and the pool,
 * zones and policies as booted) and handed to cfg_validate(), lib/config's one validator.
 * So a transaction can never reach a state the config compiler would have refused: a zone
 * over its memory budget, a vCPU outside its zone, a second command partition, a device
 * on a guest, a control channel to a guest, a failover guest left with one I/O partition,
 * a linux partition without its device model.
 *
 * Placement is the allocator's, so the blob carries no phys_base (fixed placement was
 * checked when it was made); a channel whose client end a device model holds for its linux
 * guest names the guest, as the config did; everything else is as in the database.
 *
 * A violation is blamed on the op that last touched the entity it names (a partition,
 * channel, device or zone); the earliest such op is the failing one.
 */
#include <string.h>
#include <bulkhead/errno.h>
#include "config/validate.h"
#include "db-int.h"
#include "fmt.h"

#define BLOB_MAX (sizeof(struct bh_cfg_header) +                                      \
		  DB_PARTS_MAX * sizeof(struct bh_cfg_partition) +                      \
		  BH_CFG_POOL_MAX * sizeof(struct bh_cfg_pool) +                        \
		  DB_DEVICES_MAX * sizeof(struct bh_cfg_device) +                       \
		  DB_CHANS_MAX * sizeof(struct bh_cfg_channel) +                        \
		  BH_CFG_ZONES_MAX * sizeof(struct bh_cfg_zone) +                       \
		  BH_CFG_POLICIES_MAX * sizeof(struct bh_cfg_policy))
_Static_assert(BLOB_MAX <= BH_CFG_BLOB_MAX, "the database fits one config blob");

/* Static like the scratch state: one transaction at a time. */
static _Alignas(8) uint8_t blob[BLOB_MAX];

struct emit {
	struct txn *t;
	uint32_t size;
	uint32_t part_slot[DB_PARTS_MAX]; /* blob index -> parts[] slot */
	uint32_t chan_slot[DB_CHANS_MAX];
	uint32_t nparts, nchans;
	/* the violation to report */
	int best_op;
	struct cfg_error best;
};

/* Starts table id at the current end of the blob; returns where its entries go. Every
 * entry size is a multiple of 8, so each table stays 8-byte aligned. */
static void *table(struct emit *m, uint32_t id, uint32_t count, uint32_t entry_size)
{
	struct bh_cfg_header *h = (struct bh_cfg_header *)blob;
	void *at = blob + m->size;

	h->tables[id] = (struct bh_cfg_table){ m->size, count, entry_size, 0 };
	m->size += count * entry_size;
	memset(at, 0, (size_t)count * entry_size);
	return at;
}

/* Blob index of partition id, BH_CFG_NONE for none. */
static uint32_t index_of(const struct emit *m, uint32_t id)
{
	for (uint32_t i = 0; id && i < m->nparts; i++)
		if (m->t->st->parts[m->part_slot[i]].id == id)
			return i;
	return BH_CFG_NONE;
}

static void emit_partition(const struct emit *m, struct bh_cfg_partition *e,
			   const struct db_part *p)
{
	memcpy(e->name, p->name, sizeof(e->name));
	e->kind = p->kind;
	e->zone = p->zone;
	e->flags = p->flags;
	e->vcpus = p->vcpus;
	memcpy(e->cpus, p->cpus, sizeof(e->cpus));
	e->memory = p->memory;
	e->restart = p->restart;
	e->restart_max = p->restart_max;
	memcpy(e->image, p->image, sizeof(e->image));
	memcpy(e->cmdline, p->cmdline, sizeof(e->cmdline));
	memcpy(e->initrd, p->initrd, sizeof(e->initrd));
	e->disk_base = p->disk_base;
	e->disk_size = p->disk_size;
	e->disk_flags = p->disk_flags;
	memcpy(e->mac, p->mac, sizeof(e->mac));
	/* a device model whose guest is gone names none: the validator refuses that */
	e->guest = p->kind == BH_CFG_KIND_DEVMODEL ? index_of(m, p->guest) : 0;
}

/* Blob index of the partition a config names as the client of a channel whose client end is
 * held by id: a device model holds its linux guest's (db-boot.c), the config names the guest.
 * A device model whose guest is gone: BH_CFG_NONE, which the validator refuses. */
static uint32_t config_client(const struct emit *m, uint32_t id)
{
	const struct db_state *st = m->t->st;

	for (uint32_t s = 0; id && s < DB_PARTS_MAX; s++)
		if (st->parts[s].id == id && st->parts[s].kind == BH_CFG_KIND_DEVMODEL)
			return index_of(m, st->parts[s].guest);
	return index_of(m, id);
}

static void emit_channel(const struct emit *m, struct bh_cfg_channel *e, const struct db_chan *c)
{
	memcpy(e->name, c->name, sizeof(e->name));
	e->type = c->type;
	e->server = index_of(m, c->server);
	e->client = config_client(m, c->client);
	e->device = c->device;
	e->size = c->size;
}

/* The state as a blob: partitions and channels in slot order, the rest as booted. */
static void emit_blob(struct emit *m)
{
	struct db_state *st = m->t->st;
	struct bh_cfg_header *h = (struct bh_cfg_header *)blob;
	struct bh_cfg_partition *p;
	struct bh_cfg_device *d;
	struct bh_cfg_channel *c;

	memset(h, 0, sizeof(*h));
	m->size = sizeof(*h);
	for (uint32_t s = 0; s < DB_PARTS_MAX; s++)
		if (st->parts[s].id)
			m->part_slot[m->nparts++] = s;
	for (uint32_t s = 0; s < DB_CHANS_MAX; s++)
		if (st->chans[s].id)
			m->chan_slot[m->nchans++] = s;
	p = table(m, BH_CFG_PARTITIONS, m->nparts, sizeof(*p));
	for (uint32_t i = 0; i < m->nparts; i++)
		emit_partition(m, &p[i], &st->parts[m->part_slot[i]]);
	memcpy(table(m, BH_CFG_POOL, st->pool_count, sizeof(st->pool[0])), st->pool,
	       st->pool_count * sizeof(st->pool[0]));
	d = table(m, BH_CFG_DEVICES, st->device_count, sizeof(*d));
	for (uint32_t i = 0; i < st->device_count; i++) {
		d[i] = st->devices[i].cfg;
		d[i].owner = index_of(m, st->devices[i].owner);
	}
	c = table(m, BH_CFG_CHANNELS, m->nchans, sizeof(*c));
	for (uint32_t i = 0; i < m->nchans; i++)
		emit_channel(m, &c[i], &st->chans[m->chan_slot[i]]);
	memcpy(table(m, BH_CFG_ZONES, st->zone_count, sizeof(st->zones[0])), st->zones,
	       st->zone_count * sizeof(st->zones[0]));
	memcpy(table(m, BH_CFG_POLICIES, st->policy_count, sizeof(st->policies[0])),
	       st->policies, st->policy_count * sizeof(st->policies[0]));
	h->magic = BH_CFG_MAGIC;
	h->version = BH_CFG_VERSION;
	h->table_count = BH_CFG_TABLES;
	h->total_size = m->size;
	h->cpu_count = st->cpu_count;
	h->checksum = cfg_crc32(blob + BH_CFG_CHECKSUM_START, m->size - BH_CFG_CHECKSUM_START);
}

/* The op that last touched what e names, else the last op that touched its table, else
 * the transaction's last op. */
static int blame(const struct emit *m, const struct cfg_error *e)
{
	const struct txn *t = m->t;
	uint8_t op = TXN_NONE;
	uint32_t i = (uint32_t)e->index;

	if (e->index >= 0 && e->table == BH_CFG_PARTITIONS && i < m->nparts)
		op = t->part_op[m->part_slot[i]];
	else if (e->index >= 0 && e->table == BH_CFG_CHANNELS && i < m->nchans)
		op = t->chan_op[m->chan_slot[i]];
	else if (e->index >= 0 && e->table == BH_CFG_DEVICES && i < DB_DEVICES_MAX)
		op = t->dev_op[i];
	else if (e->index >= 0 && e->table == BH_CFG_ZONES && i < BH_CFG_ZONES_MAX)
		op = t->zone_op[i];
	if (op == TXN_NONE && e->table < BH_CFG_TABLES)
		op = t->table_op[e->table];
	if (op == TXN_NONE)
		return t->req ? (int)t->req->op_count - 1 : -1;
	return op;
}

static void report(void *ctx, const struct cfg_error *e)
{
	struct emit *m = ctx;
	int op = blame(m, e);

	if (m->best.check && op >= m->best_op)
		return;
	m->best_op = op;
	m->best = *e;
}

/* Config-validator checks map onto errno: budgets are memory, policies permission,
 * double bookings busy, the rest malformed. */
static int code_of(const char *check)
{
	static const struct {
		const char *check;
		int code;
	} codes[] = {
		{ "zone-memory-budget", -BH_ENOMEM }, { "pool-capacity", -BH_ENOMEM },
		{ "policy-kinds", -BH_EPERM },	      { "policy-max-partitions", -BH_ENOSPC },
		{ "policy-restart", -BH_EPERM },      { "policy-failover", -BH_EPERM },
		{ "cpu-dedicated", -BH_EBUSY },	      { "irq-shared", -BH_EBUSY },
		{ "kind-singletons", -BH_EEXIST },    { "names-unique", -BH_EEXIST },
	};

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strcmp(codes[i].check, check) == 0)
			return codes[i].code;
	return -BH_EINVAL;
}

/* "partition guest-3", "memory-pool[0]", "partitions": what the violation is about. */
static void subject(const struct emit *m, const struct cfg_error *e, char *buf, size_t len)
{
	static const char *const one[] = { "partition", "memory-pool", "device", "channel",
					   "zone", "policy" };
	const struct db_state *st = m->t->st;
	uint32_t i = (uint32_t)e->index;
	const char *name = NULL;

	if (e->index < 0 || e->table >= BH_CFG_TABLES) {
		bh_snprintf(buf, len, "%s", cfg_table_name(e->table));
		return;
	}
	if (e->table == BH_CFG_PARTITIONS && i < m->nparts)
		name = st->parts[m->part_slot[i]].name;
	else if (e->table == BH_CFG_CHANNELS && i < m->nchans)
		name = st->chans[m->chan_slot[i]].name;
	else if (e->table == BH_CFG_DEVICES && i < st->device_count)
		name = st->devices[i].cfg.name;
	else if (e->table == BH_CFG_ZONES && i < st->zone_count)
		name = st->zones[i].name;
	else if (e->table == BH_CFG_POLICIES && i < st->policy_count)
		name = st->policies[i].name;
	if (name)
		bh_snprintf(buf, len, "%s %.32s", one[e->table], name);
	else
		bh_snprintf(buf, len, "%s[%u]", one[e->table], i);
}

int check_state(struct txn *t)
{
	struct emit m;
	char what[64];

	memset(&m, 0, sizeof(m));
	m.t = t;
	m.best_op = -1;
	emit_blob(&m);
	if (!cfg_validate(blob, m.size, report, &m))
		return 0;
	if (!m.best.check) /* structure refused: cannot happen for a blob built here */
		return txn_fail(t, -BH_EINVAL, "the state does not form a valid blob");
	subject(&m, &m.best, what, sizeof(what));
	return txn_fail_op(t, m.best_op, code_of(m.best.check), "%s%s%s: %s", what,
			   m.best.field[0] ? " " : "", m.best.field, m.best.msg);
}
