/* SPDX-License-Identifier: MIT */
/* check-policy.c - every partition obeys the policy of its zone. */
#include "checks.h"
#include "fmt.h"

/* Partition i's zone policy, when both references are sound. */
static bool policy_of(const struct cfg_blob *b, const struct bh_cfg_partition *p,
		      struct bh_cfg_policy *pol, uint32_t *index)
{
	struct bh_cfg_zone z;

	if (!cfg_read(b, BH_CFG_ZONES, p->zone, &z) || !cfg_read(b, BH_CFG_POLICIES, z.policy, pol))
		return false;
	*index = z.policy;
	return true;
}

/* "ultravisor, command" from a kinds mask. */
static struct cfg_text kinds_text(uint32_t kinds)
{
	struct cfg_text t = { "" };
	size_t len = 0;

	for (uint32_t k = 1; k < BH_CFG_KIND_NR && len < sizeof(t.s); k++)
		if (kinds & (1u << k))
			len += bh_snprintf(t.s + len, sizeof(t.s) - len, "%s%s", len ? ", " : "",
					   cfg_kind_name(k));
	if (!len)
		bh_snprintf(t.s, sizeof(t.s), "no kind");
	return t;
}

void check_policy_kinds(struct cfg_ctx *c)
{
	struct bh_cfg_partition p;
	struct bh_cfg_policy pol;
	uint32_t pi;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_PARTITIONS, i, &p); i++) {
		if (!cfg_kind_name(p.kind) || !policy_of(c->b, &p, &pol, &pi) ||
		    (pol.kinds & (1u << p.kind)))
			continue;
		cfg_err(c, BH_CFG_PARTITIONS, i, "kind", "%s not allowed in zone \"%s\": policy "
			"\"%s\" allows %s", cfg_kind_name(p.kind),
			cfg_name(c->b, BH_CFG_ZONES, p.zone).s,
			cfg_name(c->b, BH_CFG_POLICIES, pi).s, kinds_text(pol.kinds).s);
	}
}

void check_policy_max_partitions(struct cfg_ctx *c)
{
	struct bh_cfg_zone z;
	struct bh_cfg_policy pol;
	struct bh_cfg_partition p;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_ZONES, i, &z); i++) {
		uint32_t n = 0;

		if (!cfg_read(c->b, BH_CFG_POLICIES, z.policy, &pol) || !pol.max_partitions)
			continue;
		for (uint32_t j = 0; cfg_read(c->b, BH_CFG_PARTITIONS, j, &p); j++)
			n += p.zone == i;
		if (n > pol.max_partitions)
			cfg_err(c, BH_CFG_ZONES, i, "policy", "%u partitions in zone \"%s\", but "
				"policy \"%s\" allows %u", n, cfg_name(c->b, BH_CFG_ZONES, i).s,
				cfg_name(c->b, BH_CFG_POLICIES, z.policy).s, pol.max_partitions);
	}
}

/* A policy's rule is a ceiling: "stop" forbids restarts, a count caps them. */
static void restart_rule(struct cfg_ctx *c, uint32_t i, const struct bh_cfg_partition *p,
			 const struct bh_cfg_policy *pol, uint32_t pi)
{
	struct cfg_name name = cfg_name(c->b, BH_CFG_POLICIES, pi);

	if (p->restart != BH_CFG_RESTART)
		return;
	if (pol->restart == BH_CFG_RESTART_STOP)
		cfg_err(c, BH_CFG_PARTITIONS, i, "restart", "restart not allowed: policy \"%s\" "
			"stops partitions that die", name.s);
	else if (pol->restart_max && !p->restart_max)
		cfg_err(c, BH_CFG_PARTITIONS, i, "restart-max", "unlimited, but policy \"%s\" "
			"allows at most %u restarts", name.s, pol->restart_max);
	else if (pol->restart_max && p->restart_max > pol->restart_max)
		cfg_err(c, BH_CFG_PARTITIONS, i, "restart-max", "%u, but policy \"%s\" allows at "
			"most %u restarts", p->restart_max, name.s, pol->restart_max);
}

void check_policy_restart(struct cfg_ctx *c)
{
	struct bh_cfg_partition p;
	struct bh_cfg_policy pol;
	uint32_t pi;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_PARTITIONS, i, &p); i++)
		if (policy_of(c->b, &p, &pol, &pi))
			restart_rule(c, i, &p, &pol, pi);
}

/* I/O partitions that serve partition i over block channels, as a partition-index count. */
static uint32_t block_servers(const struct cfg_blob *b, uint32_t i)
{
	uint64_t seen[(BH_CFG_PARTITIONS_MAX + 63) / 64] = { 0 };
	struct bh_cfg_channel ch;
	uint32_t n = 0;

	for (uint32_t j = 0; cfg_read(b, BH_CFG_CHANNELS, j, &ch); j++) {
		if (ch.type != BH_CFG_CHAN_BLOCK || ch.client != i || ch.server == i ||
		    ch.server >= cfg_count(b, BH_CFG_PARTITIONS) ||
		    (seen[ch.server / 64] & (1ull << (ch.server % 64))))
			continue;
		seen[ch.server / 64] |= 1ull << (ch.server % 64);
		n++;
	}
	return n;
}

/* Failover to the other I/O partition needs a block channel to each of two. Kind guest
 * only: a linux partition's block channels are served to its device model (virtio-blk),
 * and this rule does not cover them. */
void check_policy_failover(struct cfg_ctx *c)
{
	struct bh_cfg_partition p;
	struct bh_cfg_policy pol;
	uint32_t pi, n;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_PARTITIONS, i, &p); i++) {
		if (p.kind != BH_CFG_KIND_GUEST || !policy_of(c->b, &p, &pol, &pi) ||
		    pol.failover != BH_CFG_FAILOVER_IOPART)
			continue;
		n = block_servers(c->b, i);
		if (n < 2)
			cfg_err(c, BH_CFG_PARTITIONS, i, "", "policy \"%s\" fails over between I/O "
				"partitions, but this guest has block channels to %u (needs 2)",
				cfg_name(c->b, BH_CFG_POLICIES, pi).s, n);
	}
}
