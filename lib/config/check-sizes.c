/* SPDX-License-Identifier: MIT */
/* check-sizes.c - counts and sizes within limits; sizes nonzero and aligned. */
#include "checks.h"

/* base + size must end at or below BH_CFG_PHYS_LIMIT, without wrapping. */
static void phys_end(struct cfg_ctx *c, uint32_t t, uint32_t i, const char *field,
		     uint64_t base, uint64_t size)
{
	if (base > BH_CFG_PHYS_LIMIT || size > BH_CFG_PHYS_LIMIT - base)
		cfg_err(c, t, i, field, "0x%lx + 0x%lx ends above the 52-bit physical limit",
			(unsigned long)base, (unsigned long)size);
}

static void count_max(struct cfg_ctx *c, uint32_t t, uint32_t i, const char *field,
		      uint32_t n, uint32_t max, const char *what)
{
	if (n > max)
		cfg_err(c, t, i, field, "%u %s exceed the limit of %u", n, what, max);
}

static void limits_header(struct cfg_ctx *c)
{
	uint32_t n = c->b->hdr.cpu_count;

	if (n == 0 || n > BH_CFG_CPUS_MAX)
		cfg_err(c, CFG_HEADER, -1, "cpus", "%u; the machine needs 1 to %u CPUs", n,
			BH_CFG_CPUS_MAX);
}

static void limits_partitions(struct cfg_ctx *c)
{
	struct bh_cfg_partition p;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_PARTITIONS, i, &p); i++) {
		if (!p.vcpus)
			cfg_err(c, BH_CFG_PARTITIONS, i, "cpus", "no vCPUs; a partition needs 1 "
				"to %u", BH_CFG_VCPUS_MAX);
		count_max(c, BH_CFG_PARTITIONS, i, "cpus", p.vcpus, BH_CFG_VCPUS_MAX, "vCPUs");
		if (p.memory > BH_CFG_PART_MEM_MAX)
			cfg_err(c, BH_CFG_PARTITIONS, i, "memory", "%s exceeds the limit of %s",
				cfg_size_text(p.memory).s, cfg_size_text(BH_CFG_PART_MEM_MAX).s);
		else if (p.phys_base)
			phys_end(c, BH_CFG_PARTITIONS, i, "phys-base", p.phys_base, p.memory);
		count_max(c, BH_CFG_PARTITIONS, i, "restart-max", p.restart_max,
			  BH_CFG_RESTART_MAX, "restarts");
	}
}

static void limits_device(struct cfg_ctx *c, uint32_t i, const struct bh_cfg_device *d)
{
	count_max(c, BH_CFG_DEVICES, i, "ports", d->port_count, BH_CFG_DEV_PORTS_MAX, "ranges");
	count_max(c, BH_CFG_DEVICES, i, "mmio", d->mmio_count, BH_CFG_DEV_MMIO_MAX, "ranges");
	count_max(c, BH_CFG_DEVICES, i, "irqs", d->irq_count, BH_CFG_DEV_IRQS_MAX, "IRQs");
	for (uint32_t k = 0; k < d->port_count && k < BH_CFG_DEV_PORTS_MAX; k++) {
		if ((uint32_t)d->ports[k].base + d->ports[k].count > BH_CFG_PORT_LIMIT)
			cfg_err_at(c, BH_CFG_DEVICES, i, "ports", k, "0x%x + %u ports ends past "
				   "port 0xffff", d->ports[k].base, d->ports[k].count);
	}
	for (uint32_t k = 0; k < d->mmio_count && k < BH_CFG_DEV_MMIO_MAX; k++)
		phys_end(c, BH_CFG_DEVICES, i, cfg_field_at("mmio", k).s, d->mmio[k].base,
			 d->mmio[k].size);
	for (uint32_t k = 0; k < d->irq_count && k < BH_CFG_DEV_IRQS_MAX; k++) {
		if (d->irqs[k] > BH_CFG_IRQ_MAX)
			cfg_err_at(c, BH_CFG_DEVICES, i, "irqs", k, "IRQ %u above the highest, %u",
				   d->irqs[k], BH_CFG_IRQ_MAX);
	}
}

static void limits_rest(struct cfg_ctx *c)
{
	struct bh_cfg_pool r;
	struct bh_cfg_device d;
	struct bh_cfg_channel ch;
	struct bh_cfg_zone z;
	struct bh_cfg_policy p;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_POOL, i, &r); i++)
		phys_end(c, BH_CFG_POOL, i, "size", r.base, r.size);
	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_DEVICES, i, &d); i++)
		limits_device(c, i, &d);
	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_CHANNELS, i, &ch); i++) {
		if (ch.size > BH_CFG_CHAN_MAX)
			cfg_err(c, BH_CFG_CHANNELS, i, "size", "%s exceeds the limit of %s",
				cfg_size_text(ch.size).s, cfg_size_text(BH_CFG_CHAN_MAX).s);
	}
	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_ZONES, i, &z); i++)
		phys_end(c, BH_CFG_ZONES, i, "memory", 0, z.memory);
	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_POLICIES, i, &p); i++)
		count_max(c, BH_CFG_POLICIES, i, "restart-max", p.restart_max,
			  BH_CFG_RESTART_MAX, "restarts");
}

void check_limits(struct cfg_ctx *c)
{
	limits_header(c);
	limits_partitions(c);
	limits_rest(c);
}

/* Zero sizes and misalignment: "<field>: 0x1000 not a multiple of 2 MiB". */
static void aligned(struct cfg_ctx *c, uint32_t t, uint32_t i, const char *field, uint64_t v,
		    uint64_t align, bool zero_ok)
{
	if (!v && !zero_ok)
		cfg_err(c, t, i, field, "zero; need a multiple of %s", cfg_size_text(align).s);
	else if (v % align)
		cfg_err(c, t, i, field, "0x%lx not a multiple of %s", (unsigned long)v,
			cfg_size_text(align).s);
}

static void align_partitions_pool(struct cfg_ctx *c)
{
	struct bh_cfg_partition p;
	struct bh_cfg_pool r;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_PARTITIONS, i, &p); i++) {
		aligned(c, BH_CFG_PARTITIONS, i, "memory", p.memory, BH_CFG_MEM_ALIGN, false);
		aligned(c, BH_CFG_PARTITIONS, i, "phys-base", p.phys_base, BH_CFG_MEM_ALIGN,
			true);
	}
	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_POOL, i, &r); i++) {
		aligned(c, BH_CFG_POOL, i, "base", r.base, BH_CFG_MEM_ALIGN, true);
		aligned(c, BH_CFG_POOL, i, "size", r.size, BH_CFG_MEM_ALIGN, false);
	}
}

static void align_device(struct cfg_ctx *c, uint32_t i, const struct bh_cfg_device *d)
{
	for (uint32_t k = 0; k < d->port_count && k < BH_CFG_DEV_PORTS_MAX; k++) {
		if (!d->ports[k].count)
			cfg_err_at(c, BH_CFG_DEVICES, i, "ports", k, "range at 0x%x holds no ports",
				   d->ports[k].base);
	}
	for (uint32_t k = 0; k < d->mmio_count && k < BH_CFG_DEV_MMIO_MAX; k++) {
		struct cfg_text field = cfg_field_at("mmio", k);

		aligned(c, BH_CFG_DEVICES, i, field.s, d->mmio[k].base, BH_CFG_PAGE, true);
		aligned(c, BH_CFG_DEVICES, i, field.s, d->mmio[k].size, BH_CFG_PAGE, false);
	}
}

static void align_rest(struct cfg_ctx *c)
{
	struct bh_cfg_device d;
	struct bh_cfg_channel ch;
	struct bh_cfg_zone z;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_DEVICES, i, &d); i++)
		align_device(c, i, &d);
	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_CHANNELS, i, &ch); i++) {
		aligned(c, BH_CFG_CHANNELS, i, "size", ch.size, BH_CFG_PAGE, false);
		if (ch.size && ch.size % BH_CFG_PAGE == 0 && ch.size < BH_CFG_CHAN_MIN)
			cfg_err(c, BH_CFG_CHANNELS, i, "size", "%s is below the %s minimum",
				cfg_size_text(ch.size).s, cfg_size_text(BH_CFG_CHAN_MIN).s);
	}
	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_ZONES, i, &z); i++)
		aligned(c, BH_CFG_ZONES, i, "memory", z.memory, BH_CFG_MEM_ALIGN, false);
}

void check_align(struct cfg_ctx *c)
{
	align_partitions_pool(c);
	align_rest(c);
}
