/* SPDX-License-Identifier: MIT */
/* check-memory.c - memory, MMIO, I/O port and IRQ resources: no overlaps, within budgets. */
#include "checks.h"
#include "fmt.h"

/* "0x4000000-0x7ffffff": first and last byte. */
static struct cfg_text range_text(uint64_t base, uint64_t size)
{
	struct cfg_text t;

	bh_snprintf(t.s, sizeof(t.s), "0x%lx-0x%lx", (unsigned long)base,
		    (unsigned long)(base + size - 1));
	return t;
}

void check_pool_overlap(struct cfg_ctx *c)
{
	struct bh_cfg_pool r, o;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_POOL, i, &r); i++) {
		for (uint32_t j = 0; j < i && cfg_range_ok(r.base, r.size); j++) {
			cfg_read(c->b, BH_CFG_POOL, j, &o);
			if (!cfg_range_ok(o.base, o.size) ||
			    !cfg_overlap(r.base, r.size, o.base, o.size))
				continue;
			cfg_err(c, BH_CFG_POOL, i, "", "%s overlaps memory-pool[%u] %s",
				range_text(r.base, r.size).s, j, range_text(o.base, o.size).s);
			break;
		}
	}
}

static bool fixed(const struct bh_cfg_partition *p)
{
	return p->phys_base && cfg_range_ok(p->phys_base, p->memory);
}

static bool in_pool(const struct cfg_blob *b, uint64_t base, uint64_t size)
{
	struct bh_cfg_pool r;

	for (uint32_t i = 0; cfg_read(b, BH_CFG_POOL, i, &r); i++)
		if (cfg_range_ok(r.base, r.size) && base >= r.base &&
		    base + size <= r.base + r.size)
			return true;
	return false;
}

/* A fixed placement is carved out of one pool range, so the allocator knows it is taken. */
void check_fixed_in_pool(struct cfg_ctx *c)
{
	struct bh_cfg_partition p;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_PARTITIONS, i, &p); i++) {
		if (fixed(&p) && !in_pool(c->b, p.phys_base, p.memory))
			cfg_err(c, BH_CFG_PARTITIONS, i, "phys-base", "%s is not inside one "
				"memory-pool range", range_text(p.phys_base, p.memory).s);
	}
}

void check_fixed_overlap(struct cfg_ctx *c)
{
	struct bh_cfg_partition p, o;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_PARTITIONS, i, &p); i++) {
		for (uint32_t j = 0; j < i && fixed(&p); j++) {
			cfg_read(c->b, BH_CFG_PARTITIONS, j, &o);
			if (!fixed(&o) ||
			    !cfg_overlap(p.phys_base, p.memory, o.phys_base, o.memory))
				continue;
			cfg_err(c, BH_CFG_PARTITIONS, i, "phys-base", "%s overlaps partitions[%u] "
				"\"%s\" at %s", range_text(p.phys_base, p.memory).s, j,
				cfg_name(c->b, BH_CFG_PARTITIONS, j).s,
				range_text(o.phys_base, o.memory).s);
			break;
		}
	}
}

/* Sums saturate, so hostile sizes cannot wrap them around into a pass. */
void check_pool_capacity(struct cfg_ctx *c)
{
	uint64_t parts = 0, chans = 0, pool = 0;
	struct bh_cfg_partition p;
	struct bh_cfg_channel ch;
	struct bh_cfg_pool r;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_PARTITIONS, i, &p); i++)
		parts = cfg_add_sat(parts, p.memory);
	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_CHANNELS, i, &ch); i++)
		chans = cfg_add_sat(chans, ch.size);
	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_POOL, i, &r); i++)
		pool = cfg_add_sat(pool, r.size);
	if (cfg_add_sat(parts, chans) > pool)
		cfg_err(c, BH_CFG_POOL, -1, "", "partitions need %s and channels %s, but the pool "
			"holds %s", cfg_size_text(parts).s, cfg_size_text(chans).s,
			cfg_size_text(pool).s);
}

void check_zone_memory_budget(struct cfg_ctx *c)
{
	struct bh_cfg_zone z;
	struct bh_cfg_partition p;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_ZONES, i, &z); i++) {
		uint64_t need = 0;

		for (uint32_t j = 0; cfg_read(c->b, BH_CFG_PARTITIONS, j, &p); j++)
			if (p.zone == i)
				need = cfg_add_sat(need, p.memory);
		if (need > z.memory)
			cfg_err(c, BH_CFG_ZONES, i, "memory", "partitions in zone \"%s\" need %s, "
				"over its %s budget", cfg_name(c->b, BH_CFG_ZONES, i).s,
				cfg_size_text(need).s, cfg_size_text(z.memory).s);
	}
}

static bool mmio_slot(const struct bh_cfg_device *d, uint32_t k)
{
	return k < d->mmio_count && k < BH_CFG_DEV_MMIO_MAX &&
	       cfg_range_ok(d->mmio[k].base, d->mmio[k].size);
}

/* Ranges before (i, k): earlier devices, then earlier slots of device i. */
static void mmio_vs_devices(struct cfg_ctx *c, uint32_t i, uint32_t k,
			    const struct bh_cfg_mmio *m)
{
	struct bh_cfg_device o;

	for (uint32_t j = 0; j <= i && cfg_read(c->b, BH_CFG_DEVICES, j, &o); j++) {
		for (uint32_t l = 0; l < (j < i ? BH_CFG_DEV_MMIO_MAX : k); l++) {
			if (!mmio_slot(&o, l) || !cfg_overlap(m->base, m->size, o.mmio[l].base,
							     o.mmio[l].size))
				continue;
			cfg_err_at(c, BH_CFG_DEVICES, i, "mmio", k, "%s overlaps "
				   "devices[%u].mmio[%u] of \"%s\"", range_text(m->base, m->size).s,
				   j, l, cfg_name(c->b, BH_CFG_DEVICES, j).s);
			return;
		}
	}
}

static void mmio_vs_pool(struct cfg_ctx *c, uint32_t i, uint32_t k, const struct bh_cfg_mmio *m)
{
	struct bh_cfg_pool r;

	for (uint32_t j = 0; cfg_read(c->b, BH_CFG_POOL, j, &r); j++) {
		if (!cfg_range_ok(r.base, r.size) || !cfg_overlap(m->base, m->size, r.base, r.size))
			continue;
		cfg_err_at(c, BH_CFG_DEVICES, i, "mmio", k, "%s overlaps RAM in memory-pool[%u]",
			   range_text(m->base, m->size).s, j);
		return;
	}
}

void check_mmio_overlap(struct cfg_ctx *c)
{
	struct bh_cfg_device d;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_DEVICES, i, &d); i++) {
		for (uint32_t k = 0; k < BH_CFG_DEV_MMIO_MAX; k++) {
			if (!mmio_slot(&d, k))
				continue;
			mmio_vs_devices(c, i, k, &d.mmio[k]);
			mmio_vs_pool(c, i, k, &d.mmio[k]);
		}
	}
}

static bool port_slot(const struct bh_cfg_device *d, uint32_t k)
{
	return k < d->port_count && k < BH_CFG_DEV_PORTS_MAX && d->ports[k].count;
}

static void ports_vs_devices(struct cfg_ctx *c, uint32_t i, uint32_t k,
			     const struct bh_cfg_ioport *r)
{
	struct bh_cfg_device o;

	for (uint32_t j = 0; j <= i && cfg_read(c->b, BH_CFG_DEVICES, j, &o); j++) {
		for (uint32_t l = 0; l < (j < i ? BH_CFG_DEV_PORTS_MAX : k); l++) {
			if (!port_slot(&o, l) || !cfg_overlap(r->base, r->count, o.ports[l].base,
							     o.ports[l].count))
				continue;
			cfg_err_at(c, BH_CFG_DEVICES, i, "ports", k, "0x%x-0x%x overlaps "
				   "devices[%u].ports[%u] of \"%s\"", r->base,
				   r->base + r->count - 1, j, l,
				   cfg_name(c->b, BH_CFG_DEVICES, j).s);
			return;
		}
	}
}

void check_ports_overlap(struct cfg_ctx *c)
{
	struct bh_cfg_device d;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_DEVICES, i, &d); i++)
		for (uint32_t k = 0; k < BH_CFG_DEV_PORTS_MAX; k++)
			if (port_slot(&d, k))
				ports_vs_devices(c, i, k, &d.ports[k]);
}

/* A shared line is fine inside one owner; across owners one could storm the other. */
static void irq_vs_devices(struct cfg_ctx *c, uint32_t i, uint32_t k,
			   const struct bh_cfg_device *d)
{
	struct bh_cfg_device o;

	for (uint32_t j = 0; j < i && cfg_read(c->b, BH_CFG_DEVICES, j, &o); j++) {
		for (uint32_t l = 0; l < o.irq_count && l < BH_CFG_DEV_IRQS_MAX; l++) {
			if (o.irqs[l] != d->irqs[k] || o.owner == d->owner)
				continue;
			cfg_err_at(c, BH_CFG_DEVICES, i, "irqs", k, "IRQ %u is also used by "
				   "devices[%u] \"%s\" of another owner", d->irqs[k], j,
				   cfg_name(c->b, BH_CFG_DEVICES, j).s);
			return;
		}
	}
}

void check_irq_shared(struct cfg_ctx *c)
{
	struct bh_cfg_device d;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_DEVICES, i, &d); i++)
		for (uint32_t k = 0; k < d.irq_count && k < BH_CFG_DEV_IRQS_MAX; k++)
			irq_vs_devices(c, i, k, &d);
}
