/* SPDX-License-Identifier: MIT */
/* policy.c - the policy engine: the rules, well-formed requests, POL_CHECK and POL_SHOW. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <bulkhead/errno.h>
#include <bulkhead/uvcmd.h>
#include "config/checks.h" /* cfg_size_text, cfg_cpus_text: written as the validator writes them */
#include "config/validate.h"
#include "fmt.h"
#include "policy-int.h"

int pol_fail(struct pol_response *rs, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	bh_vsnprintf(rs->reason, sizeof(rs->reason), fmt, ap);
	va_end(ap);
	return status;
}

int pol_zone_index(const struct policy_db *db, const char *name)
{
	for (uint32_t i = 0; i < db->zone_count; i++)
		if (!strcmp(db->zones[i].name, name))
			return (int)i;
	return -1;
}

bool pol_in_zone(const struct pol_part *q, const struct policy_zone *z)
{
	return !strcmp(q->zone, z->name);
}

struct usage pol_usage(const struct pol_request *rq, const struct policy_zone *z,
		       const char *skip)
{
	struct usage u = { 0, 0 };

	for (uint32_t i = 0; i < rq->part_count; i++) {
		const struct pol_part *q = &rq->parts[i];

		if (!pol_in_zone(q, z) || (skip && !strcmp(q->name, skip)))
			continue;
		u.count++;
		u.memory = cfg_add_sat(u.memory, q->memory);
	}
	return u;
}

/* The first CPU of q's vCPUs that is not in mask, or -1. */
static int cpu_outside(const struct pol_part *q, uint64_t mask)
{
	for (uint32_t k = 0; k < q->vcpus; k++)
		if (!(cfg_cpu_bit(q->cpus[k]) & mask))
			return q->cpus[k];
	return -1;
}

bool pol_breaks(enum rule r, const struct pol_part *q, const struct policy_zone *z,
		const struct policy_rule *p, const struct usage *u)
{
	switch (r) {
	case RULE_KINDS:
		return !(p->kinds & (1u << q->kind));
	case RULE_CPUS:
		return cpu_outside(q, z->cpus) >= 0;
	case RULE_RESTART: /* a ceiling: "stop" forbids restarts, a count caps them */
		return q->restart == BH_CFG_RESTART &&
		       (p->restart != BH_CFG_RESTART ||
			(p->restart_max && (!q->restart_max || q->restart_max > p->restart_max)));
	case RULE_COUNT:
		return p->max_partitions && u->count > p->max_partitions;
	case RULE_MEMORY:
		return u->memory > z->memory;
	default:
		return false;
	}
}

void pol_rule_text(char *buf, size_t len, enum rule r, const struct pol_part *q,
		   const struct policy_zone *z, const struct policy_rule *p,
		   const struct usage *u, bool check)
{
	if (r == RULE_KINDS)
		bh_snprintf(buf, len, "policy %s does not allow kind %s", p->name,
			    cfg_kind_name(q->kind));
	else if (r == RULE_CPUS)
		bh_snprintf(buf, len, "CPU %d is not in the zone (CPUs %s)",
			    cpu_outside(q, z->cpus), cfg_cpus_text(z->cpus).s);
	else if (r == RULE_RESTART && p->restart != BH_CFG_RESTART)
		bh_snprintf(buf, len, "policy %s does not allow restart", p->name);
	else if (r == RULE_RESTART && !q->restart_max)
		bh_snprintf(buf, len, "restart-max unlimited over the policy's ceiling %u",
			    p->restart_max);
	else if (r == RULE_RESTART)
		bh_snprintf(buf, len, "restart-max %u over the policy's ceiling %u", q->restart_max,
			    p->restart_max);
	else if (r == RULE_COUNT)
		bh_snprintf(buf, len, "policy %s allows at most %u partitions, %u %s", p->name,
			    p->max_partitions, u->count, check ? "needed" : "in the zone");
	else if (check)
		bh_snprintf(buf, len, "memory budget %s, %s needed (policy %s)",
			    cfg_size_text(z->memory).s, cfg_size_text(u->memory).s, p->name);
	else
		bh_snprintf(buf, len, "memory budget %s, %s in use", cfg_size_text(z->memory).s,
			    cfg_size_text(u->memory).s);
}

/* ---- Requests ---------------------------------------------------------------------- */

static bool terminated(const char *s, size_t len)
{
	return strnlen(s, len) < len;
}

/* One partition of a request: strings terminated, enumerations known, vCPUs that fit. */
static int part_ok(const struct pol_part *q, const char *what, struct pol_response *rs)
{
	if (!terminated(q->name, sizeof(q->name)))
		return pol_fail(rs, -BH_EINVAL, "%s.name not NUL-terminated", what);
	if (!terminated(q->zone, sizeof(q->zone)))
		return pol_fail(rs, -BH_EINVAL, "%s.zone not NUL-terminated", what);
	if (!cfg_kind_name(q->kind))
		return pol_fail(rs, -BH_EINVAL, "%s.kind %u unknown", what, q->kind);
	if (!cfg_restart_name(q->restart))
		return pol_fail(rs, -BH_EINVAL, "%s.restart %u unknown", what, q->restart);
	if (!q->vcpus || q->vcpus > sizeof(q->cpus))
		return pol_fail(rs, -BH_EINVAL, "%s.vcpus %u, expected 1 to %zu", what, q->vcpus,
				sizeof(q->cpus));
	return 0;
}

/* Everything a handler relies on; the reason names the first field that is wrong. */
static int request_ok(const struct pol_request *rq, struct pol_response *rs)
{
	char what[16];
	int r;

	if (rq->magic != POL_REQ_MAGIC)
		return pol_fail(rs, -BH_EINVAL, "magic %#x, expected %#x", rq->magic,
				POL_REQ_MAGIC);
	if (rq->version != POL_VERSION)
		return pol_fail(rs, -BH_EINVAL, "version %u, expected %u", rq->version,
				POL_VERSION);
	if (rq->kind < POL_CHECK || rq->kind > POL_SHOW)
		return pol_fail(rs, -BH_EINVAL, "kind %u unknown", rq->kind);
	if (rq->part_count > POL_PARTS_MAX)
		return pol_fail(rs, -BH_EINVAL, "part_count %u over %u", rq->part_count,
				POL_PARTS_MAX);
	if (!terminated(rq->zone, sizeof(rq->zone)))
		return pol_fail(rs, -BH_EINVAL, "zone not NUL-terminated");
	if (!terminated(rq->key, sizeof(rq->key)))
		return pol_fail(rs, -BH_EINVAL, "key not NUL-terminated");
	if (!terminated(rq->value, sizeof(rq->value)))
		return pol_fail(rs, -BH_EINVAL, "value not NUL-terminated");
	if (rq->kind == POL_CHECK && (rq->action < POL_ACT_CREATE || rq->action > POL_ACT_ASSIGN))
		return pol_fail(rs, -BH_EINVAL, "action %u unknown (1 create, 2 start, 3 assign)",
				rq->action);
	if (rq->kind == POL_CHECK && (r = part_ok(&rq->subject, "subject", rs)))
		return r;
	for (uint32_t i = 0; i < rq->part_count; i++) {
		bh_snprintf(what, sizeof(what), "parts[%u]", i);
		if ((r = part_ok(&rq->parts[i], what, rs)))
			return r;
	}
	return 0;
}

void pol_flatten(const struct policy_db *db, uint32_t i, struct pol_zone *out)
{
	const struct policy_zone *z = &db->zones[i];
	const struct policy_rule *p = &db->policies[z->policy];

	memcpy(out->name, z->name, POL_NAME_LEN);
	memcpy(out->policy, p->name, POL_NAME_LEN);
	out->cpus = z->cpus;
	out->memory = z->memory;
	out->kinds = p->kinds;
	out->max_partitions = p->max_partitions;
	out->restart = p->restart;
	out->restart_max = p->restart_max;
	out->failover = p->failover;
}

/* POL_CHECK: may the subject, as it would be, be in its zone? */
static int check(struct policy_db *db, const struct pol_request *rq, struct pol_response *rs)
{
	static const enum rule order[] = { RULE_KINDS, RULE_CPUS, RULE_RESTART, RULE_COUNT,
					   RULE_MEMORY };
	const struct pol_part *s = &rq->subject;
	int zi = pol_zone_index(db, s->zone);
	const struct policy_zone *z;
	const struct policy_rule *p;
	struct usage u;
	char why[192];

	if (zi < 0)
		return pol_fail(rs, -BH_ENOENT, "zone %s: no such zone", s->zone);
	z = &db->zones[zi];
	p = &db->policies[z->policy];
	u = pol_usage(rq, z, s->name); /* the subject replaces its namesake */
	u.count++;
	u.memory = cfg_add_sat(u.memory, s->memory);
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (!pol_breaks(order[i], s, z, p, &u))
			continue;
		pol_rule_text(why, sizeof(why), order[i], s, z, p, &u, true);
		return pol_fail(rs, -BH_EPERM, "zone %s: %s", z->name, why);
	}
	return 0;
}

static int show(struct policy_db *db, const struct pol_request *rq, struct pol_response *rs)
{
	int zi = pol_zone_index(db, rq->zone);

	if (rq->zone[0] && zi < 0)
		return pol_fail(rs, -BH_ENOENT, "zone %s: no such zone", rq->zone);
	for (uint32_t i = 0; i < db->zone_count; i++)
		if (!rq->zone[0] || (int)i == zi)
			pol_flatten(db, i, &rs->zones[rs->zone_count++]);
	return 0;
}

/* ---- Entry points ------------------------------------------------------------------ */

int policy_handle(struct policy_db *db, const struct pol_request *rq, struct pol_response *rs)
{
	static int (*const handlers[])(struct policy_db *, const struct pol_request *,
				       struct pol_response *) = {
		[POL_CHECK] = check, [POL_SET] = pol_set, [POL_SHOW] = show,
	};
	int r;

	memset(rs, 0, sizeof(*rs));
	rs->magic = POL_RESP_MAGIC;
	rs->version = POL_VERSION;
	rs->kind = rq->kind;
	rs->request_id = rq->request_id;
	r = request_ok(rq, rs);
	if (!r)
		r = handlers[rq->kind](db, rq, rs);
	rs->status = r;
	rs->policy_version = db->version;
	return r;
}

int policy_value_text(const struct policy_db *db, const char *zone, const char *key, char *buf,
		      size_t len)
{
	int zi = pol_zone_index(db, zone);

	if (zi < 0 || !len)
		return -BH_ENOENT;
	return pol_key_text(key, &db->zones[zi], &db->policies[db->zones[zi].policy], buf, len);
}

struct first_error {
	char *buf;
	size_t len;
	bool said;
};

static void first_error(void *ctx, const struct cfg_error *e)
{
	struct first_error *f = ctx;
	char line[CFG_FIELD_MAX + CFG_MSG_MAX + 32];

	if (f->said || !f->len)
		return;
	cfg_format_error(line, sizeof(line), e);
	bh_snprintf(f->buf, f->len, "config blob: %s", line);
	f->said = true;
}

int policy_init_from_blob(struct policy_db *db, const void *blob, size_t len, char *err,
			  size_t errlen)
{
	struct first_error f = { err, errlen, false };
	struct bh_cfg_zone z;
	struct bh_cfg_policy p;
	struct cfg_blob b;

	memset(db, 0, sizeof(*db));
	if (errlen)
		err[0] = 0;
	if (cfg_validate(blob, len, first_error, &f) || cfg_open(&b, blob, len, NULL, NULL))
		return -BH_EINVAL;
	db->cpu_count = b.hdr.cpu_count;
	for (uint32_t i = 0; i < POL_ZONES_MAX && cfg_read(&b, BH_CFG_ZONES, i, &z); i++) {
		struct policy_zone *d = &db->zones[db->zone_count++];

		memcpy(d->name, z.name, POL_NAME_LEN);
		d->cpus = z.cpus;
		d->memory = z.memory;
		d->policy = z.policy;
	}
	for (uint32_t i = 0; i < POLICY_RULES_MAX && cfg_read(&b, BH_CFG_POLICIES, i, &p); i++) {
		struct policy_rule *d = &db->policies[db->rule_count++];

		memcpy(d->name, p.name, POL_NAME_LEN);
		d->kinds = p.kinds;
		d->max_partitions = p.max_partitions;
		d->restart = p.restart;
		d->restart_max = p.restart_max;
		d->failover = p.failover;
	}
	db->version = 1;
	return 0;
}
