/* SPDX-License-Identifier: MIT */
/* schema.c - the source format: each key of each table and the blob field it fills. */
#include <stddef.h>
#include <string.h>
#include "bhconfig.h"

#define FLDK(k, t, w, st, req, o, a, l, kd) \
	{ .key = k, .type = t, .width = w, .style = st, .kind = kd, .required = req, .off = o, \
	  .aux = a, .len = l }
#define FLD(k, t, w, st, req, o, a, l) FLDK(k, t, w, st, req, o, a, l, 0)
#define OFF(s, f) offsetof(struct s, f)
#define NUM(k, s, f, st, req) FLD(k, F_NUM, sizeof(((struct s *)0)->f), st, req, OFF(s, f), 0, 0)
#define NAME(s, f, req)       FLD(#f, F_NAME, 0, 0, req, OFF(s, f), 0, sizeof(((struct s *)0)->f))
#define ENUM(k, s, f, e, req) FLD(k, F_ENUM, sizeof(((struct s *)0)->f), 0, req, OFF(s, f), e, 0)
#define REF(k, s, f, t)       FLD(k, F_REF, 4, 0, false, OFF(s, f), t, 0)
/* Keys of one partition kind. */
#define NAME_OF(kd, f) \
	FLDK(#f, F_NAME, 0, 0, false, OFF(bh_cfg_partition, f), 0, \
	     sizeof(((struct bh_cfg_partition *)0)->f), kd)
#define REF_OF(kd, k, f, t) FLDK(k, F_REF, 4, 0, true, OFF(bh_cfg_partition, f), t, 0, kd)
#define LIST(k, ty, s, f, n, req) \
	FLD(k, ty, 0, 0, req, OFF(s, f), OFF(s, n), sizeof(((struct s *)0)->f) / sizeof(((struct s *)0)->f[0]))

/* References are optional in the source: a missing one is reported by the validator. */
static const struct field header_fields[] = {
	NUM("version", bh_cfg_header, version, S_DEC, true),
	NUM("cpus", bh_cfg_header, cpu_count, S_DEC, true),
};

static const struct field partition_fields[] = {
	NAME(bh_cfg_partition, name, true),
	ENUM("kind", bh_cfg_partition, kind, E_KIND, true),
	REF_OF(BH_CFG_KIND_DEVMODEL, "guest", guest, BH_CFG_PARTITIONS), /* its linux partition */
	REF("zone", bh_cfg_partition, zone, BH_CFG_ZONES),
	LIST("cpus", F_CPUS, bh_cfg_partition, cpus, vcpus, true),
	FLD("dedicated", F_BOOL, 4, 0, false, OFF(bh_cfg_partition, flags), 0, 0),
	NUM("memory", bh_cfg_partition, memory, S_SIZE, true),
	NUM("phys-base", bh_cfg_partition, phys_base, S_HEX, false),
	ENUM("restart", bh_cfg_partition, restart, E_RESTART, false),
	NUM("restart-max", bh_cfg_partition, restart_max, S_DEC, false),
	NAME(bh_cfg_partition, image, false), /* linux: the kernel */
	NAME_OF(BH_CFG_KIND_LINUX, initrd),
	NAME(bh_cfg_partition, cmdline, false),
	NUM("disk-base", bh_cfg_partition, disk_base, S_SIZE, false),
	NUM("disk-size", bh_cfg_partition, disk_size, S_SIZE, false),
	FLD("disk-read-only", F_BOOL, 4, 0, false, OFF(bh_cfg_partition, disk_flags), 0, 0),
	FLD("mac", F_MAC, 6, 0, false, OFF(bh_cfg_partition, mac), 0, 0),
};

static const struct field pool_fields[] = {
	NUM("base", bh_cfg_pool, base, S_HEX, true),
	NUM("size", bh_cfg_pool, size, S_SIZE, true),
};

static const struct field device_fields[] = {
	NAME(bh_cfg_device, name, true),
	ENUM("class", bh_cfg_device, class, E_CLASS, true),
	REF("owner", bh_cfg_device, owner, BH_CFG_PARTITIONS),
	FLD("pci", F_PCI, 2, 0, false, OFF(bh_cfg_device, pci_bdf), OFF(bh_cfg_device, bus), 0),
	LIST("ports", F_PORTS, bh_cfg_device, ports, port_count, false),
	LIST("irqs", F_IRQS, bh_cfg_device, irqs, irq_count, false),
	LIST("mmio", F_MMIO, bh_cfg_device, mmio, mmio_count, false),
};

static const struct field channel_fields[] = {
	NAME(bh_cfg_channel, name, true),
	ENUM("type", bh_cfg_channel, type, E_CHAN, true),
	REF("server", bh_cfg_channel, server, BH_CFG_PARTITIONS),
	REF("client", bh_cfg_channel, client, BH_CFG_PARTITIONS),
	REF("device", bh_cfg_channel, device, BH_CFG_DEVICES),
	NUM("size", bh_cfg_channel, size, S_SIZE, true),
};

static const struct field zone_fields[] = {
	NAME(bh_cfg_zone, name, true),
	FLD("cpus", F_CPUMASK, 8, 0, true, OFF(bh_cfg_zone, cpus), 0, 0),
	NUM("memory", bh_cfg_zone, memory, S_SIZE, true),
	REF("policy", bh_cfg_zone, policy, BH_CFG_POLICIES),
};

static const struct field policy_fields[] = {
	NAME(bh_cfg_policy, name, true),
	FLD("kinds", F_KINDS, 4, 0, true, OFF(bh_cfg_policy, kinds), 0, 0),
	NUM("max-partitions", bh_cfg_policy, max_partitions, S_DEC, false),
	ENUM("restart", bh_cfg_policy, restart, E_RESTART, false),
	NUM("restart-max", bh_cfg_policy, restart_max, S_DEC, false),
	ENUM("failover", bh_cfg_policy, failover, E_FAILOVER, false),
};

static void no_defaults(void *e)
{
}

static void partition_defaults(void *e)
{
	struct bh_cfg_partition *p = e;

	p->zone = BH_CFG_NONE;
	p->restart = BH_CFG_RESTART_STOP;
}

static void device_defaults(void *e)
{
	struct bh_cfg_device *d = e;

	d->owner = BH_CFG_NONE;
	d->bus = BH_CFG_BUS_ISA;
}

static void channel_defaults(void *e)
{
	struct bh_cfg_channel *ch = e;

	ch->server = ch->client = ch->device = BH_CFG_NONE;
}

static void zone_defaults(void *e)
{
	((struct bh_cfg_zone *)e)->policy = BH_CFG_NONE;
}

static void policy_defaults(void *e)
{
	struct bh_cfg_policy *p = e;

	p->restart = BH_CFG_RESTART_STOP;
	p->failover = BH_CFG_FAILOVER_NONE;
}

#define SCHEMA(f, d) { f, sizeof(f) / sizeof(f[0]), d }

static const struct schema schemas[BH_CFG_TABLES + 1] = {
	[BH_CFG_PARTITIONS] = SCHEMA(partition_fields, partition_defaults),
	[BH_CFG_POOL]       = SCHEMA(pool_fields, no_defaults),
	[BH_CFG_DEVICES]    = SCHEMA(device_fields, device_defaults),
	[BH_CFG_CHANNELS]   = SCHEMA(channel_fields, channel_defaults),
	[BH_CFG_ZONES]      = SCHEMA(zone_fields, zone_defaults),
	[BH_CFG_POLICIES]   = SCHEMA(policy_fields, policy_defaults),
	[CFG_HEADER]        = SCHEMA(header_fields, no_defaults),
};

const uint32_t table_order[BH_CFG_TABLES] = {
	BH_CFG_POOL, BH_CFG_POLICIES, BH_CFG_ZONES, BH_CFG_PARTITIONS, BH_CFG_DEVICES,
	BH_CFG_CHANNELS,
};

const struct schema *schema_of(uint32_t table)
{
	return table <= CFG_HEADER ? &schemas[table] : NULL;
}

uint32_t entry_kind(uint32_t table, const uint8_t *entry)
{
	uint32_t kind = 0;

	if (table == BH_CFG_PARTITIONS)
		memcpy(&kind, entry + offsetof(struct bh_cfg_partition, kind), sizeof(kind));
	return kind;
}

const char *enum_name(uint32_t etype, uint32_t v)
{
	static const char *(*const names[])(uint32_t) = {
		[E_KIND] = cfg_kind_name,     [E_RESTART] = cfg_restart_name,
		[E_CLASS] = cfg_class_name,   [E_CHAN] = cfg_chan_type_name,
		[E_FAILOVER] = cfg_failover_name,
	};
	return etype < sizeof(names) / sizeof(names[0]) ? names[etype](v) : NULL;
}
