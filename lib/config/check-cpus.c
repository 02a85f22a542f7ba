/* SPDX-License-Identifier: MIT */
/* check-cpus.c - physical CPUs: in range, booked once where that matters, inside the zone. */
#include "checks.h"

/* CPUs that exist: 0 .. cpu_count - 1 (the header's count is checked by check_limits). */
static uint64_t machine_cpus(const struct cfg_blob *b)
{
	uint32_t n = b->hdr.cpu_count;

	return n >= 64 ? ~0ull : (1ull << n) - 1;
}

static uint64_t partition_cpus(const struct bh_cfg_partition *p)
{
	uint64_t mask = 0;

	for (uint32_t k = 0; k < cfg_vcpus(p); k++)
		mask |= cfg_cpu_bit(p->cpus[k]);
	return mask;
}

static uint32_t lowest_cpu(uint64_t mask)
{
	uint32_t cpu = 0;

	while (cpu < 63 && !(mask & (1ull << cpu)))
		cpu++;
	return cpu;
}

void check_cpu_range(struct cfg_ctx *c)
{
	uint64_t all = machine_cpus(c->b);
	struct cfg_text have = cfg_cpus_text(all);
	struct bh_cfg_partition p;
	struct bh_cfg_zone z;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_PARTITIONS, i, &p); i++) {
		for (uint32_t k = 0; k < cfg_vcpus(&p); k++) {
			if (!(cfg_cpu_bit(p.cpus[k]) & all))
				cfg_err_at(c, BH_CFG_PARTITIONS, i, "cpus", k, "CPU %u but the "
					   "machine has CPUs %s", p.cpus[k], have.s);
		}
	}
	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_ZONES, i, &z); i++) {
		if (!z.cpus)
			cfg_err(c, BH_CFG_ZONES, i, "cpus", "empty; a zone needs at least one CPU");
		else if (z.cpus & ~all)
			cfg_err(c, BH_CFG_ZONES, i, "cpus", "CPU %u but the machine has CPUs %s",
				lowest_cpu(z.cpus & ~all), have.s);
	}
}

/* Two vCPUs of one partition on one CPU would only take turns: a configuration mistake. */
void check_cpu_twice(struct cfg_ctx *c)
{
	struct bh_cfg_partition p;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_PARTITIONS, i, &p); i++) {
		for (uint32_t k = 1; k < cfg_vcpus(&p); k++) {
			for (uint32_t j = 0; j < k; j++) {
				if (p.cpus[j] != p.cpus[k])
					continue;
				cfg_err_at(c, BH_CFG_PARTITIONS, i, "cpus", k, "CPU %u already "
					   "runs vCPU %u of this partition", p.cpus[k], j);
				break;
			}
		}
	}
}

/* One report per partition that shares a CPU with an earlier one when either is dedicated. */
static void dedicated_vs_earlier(struct cfg_ctx *c, uint32_t i, const struct bh_cfg_partition *p)
{
	bool mine = p->flags & BH_CFG_PART_DEDICATED;
	struct bh_cfg_partition o;

	for (uint32_t j = 0; j < i && cfg_read(c->b, BH_CFG_PARTITIONS, j, &o); j++) {
		uint64_t shared = partition_cpus(p) & partition_cpus(&o);
		bool theirs = o.flags & BH_CFG_PART_DEDICATED;

		if (!shared || !(mine || theirs))
			continue;
		cfg_err(c, BH_CFG_PARTITIONS, i, "cpus", "CPU %u %s partitions[%u] \"%s\"%s",
			lowest_cpu(shared), theirs ? "is dedicated to" : "is also used by", j,
			cfg_name(c->b, BH_CFG_PARTITIONS, j).s,
			theirs ? "" : ", but this partition is dedicated");
		return;
	}
}

void check_cpu_dedicated(struct cfg_ctx *c)
{
	struct bh_cfg_partition p;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_PARTITIONS, i, &p); i++)
		dedicated_vs_earlier(c, i, &p);
}

void check_zone_cpus_disjoint(struct cfg_ctx *c)
{
	struct bh_cfg_zone z, o;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_ZONES, i, &z); i++) {
		for (uint32_t j = 0; j < i && cfg_read(c->b, BH_CFG_ZONES, j, &o); j++) {
			if (!(z.cpus & o.cpus))
				continue;
			cfg_err(c, BH_CFG_ZONES, i, "cpus", "CPU %u is also in zones[%u] \"%s\"",
				lowest_cpu(z.cpus & o.cpus), j, cfg_name(c->b, BH_CFG_ZONES, j).s);
			break;
		}
	}
}

/* A partition runs only on its zone's CPUs. */
void check_zone_cpu_budget(struct cfg_ctx *c)
{
	struct bh_cfg_partition p;
	struct bh_cfg_zone z;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_PARTITIONS, i, &p); i++) {
		if (!cfg_read(c->b, BH_CFG_ZONES, p.zone, &z))
			continue;
		for (uint32_t k = 0; k < cfg_vcpus(&p); k++) {
			if (cfg_cpu_bit(p.cpus[k]) & z.cpus)
				continue;
			cfg_err_at(c, BH_CFG_PARTITIONS, i, "cpus", k, "CPU %u is outside zone "
				   "\"%s\" (CPUs %s)", p.cpus[k],
				   cfg_name(c->b, BH_CFG_ZONES, p.zone).s, cfg_cpus_text(z.cpus).s);
		}
	}
}
