/* SPDX-License-Identifier: MIT */
/* policy-set.c - POL_SET: one key of a zone or of its policy, refused while a running
 * partition would break the new rule. */
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

/* A change in the making: the zone named and its policy as they would be. */
struct change {
	const struct policy_db *db;
	uint32_t zone; /* index of the zone named */
	struct policy_zone z;
	struct policy_rule p;
	char why[128]; /* why the value is refused */
};

static bool refuse(struct change *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool refuse(struct change *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	bh_vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
	return false;
}

/* Decimal digits at *s, at least one, into *out without overflow; *s moves past them. */
static bool parse_num(const char **s, uint64_t *out)
{
	const char *p = *s;
	uint64_t n = 0;

	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (n > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return false;
		n = n * 10 + (uint64_t)(*p - '0');
	}
	*s = p;
	*out = n;
	return true;
}

/* The value v (1 .. nr - 1) whose name(v) is s[0, n), or 0. */
static uint32_t name_index(const char *(*name)(uint32_t), uint32_t nr, const char *s, size_t n)
{
	for (uint32_t v = 1; v < nr; v++)
		if (strlen(name(v)) == n && !strncmp(name(v), s, n))
			return v;
	return 0;
}

static bool parse_u32(struct change *c, const char *v, uint32_t max, uint32_t *out)
{
	uint64_t n;

	if (!parse_num(&v, &n) || *v)
		return refuse(c, "not a decimal number");
	if (n > max)
		return refuse(c, "%llu over the limit of %u", (unsigned long long)n, max);
	*out = (uint32_t)n;
	return true;
}

/* <n>[K|M|G] bytes (either case), above zero, a multiple of 2 MiB. */
static bool set_memory(struct change *c, const char *v)
{
	unsigned shift = 0;
	uint64_t n;

	if (!parse_num(&v, &n))
		return refuse(c, "not a size (<n>[K|M|G])");
	if (*v == 'K' || *v == 'k')
		shift = 10;
	else if (*v == 'M' || *v == 'm')
		shift = 20;
	else if (*v == 'G' || *v == 'g')
		shift = 30;
	if (shift)
		v++;
	if (*v)
		return refuse(c, "not a size (<n>[K|M|G])");
	if (n > BH_CFG_PHYS_LIMIT >> shift)
		return refuse(c, "ends above the 52-bit physical limit");
	n <<= shift;
	if (!n)
		return refuse(c, "a budget must be above zero");
	if (n % BH_CFG_MEM_ALIGN)
		return refuse(c, "%s is not a multiple of 2 MiB", cfg_size_text(n).s);
	c->z.memory = n;
	return true;
}

/* "n" or "n-m" at *v, into [*a, *b]; *v moves past it. */
static bool parse_range(const char **v, uint64_t *a, uint64_t *b)
{
	if (!parse_num(v, a))
		return false;
	*b = *a;
	if (**v != '-')
		return true;
	++*v;
	return parse_num(v, b);
}

/* "2,3", "2-3" or a mix; CPUs of the machine that no other zone holds. */
static bool set_cpus(struct change *c, const char *v)
{
	uint32_t cpus = c->db->cpu_count < 64 ? c->db->cpu_count : 64;
	uint64_t all = cpus < 64 ? (1ull << cpus) - 1 : ~0ull, mask = 0, a, b;

	for (;;) {
		if (!parse_range(&v, &a, &b))
			return refuse(c, "not a CPU list (\"2,3\" or \"2-3\")");
		if (a > b)
			return refuse(c, "CPUs %llu-%llu run backwards", (unsigned long long)a,
				      (unsigned long long)b);
		if (b >= cpus)
			return refuse(c, "CPU %llu but the machine has CPUs %s",
				      (unsigned long long)b, cfg_cpus_text(all).s);
		for (uint64_t k = a; k <= b; k++)
			mask |= 1ull << k;
		if (!*v)
			break;
		if (*v++ != ',')
			return refuse(c, "not a CPU list (\"2,3\" or \"2-3\")");
	}
	for (uint32_t j = 0; j < c->db->zone_count; j++) {
		const struct policy_zone *o = &c->db->zones[j];

		if (j != c->zone && (o->cpus & mask))
			return refuse(c, "CPU %d is in zone %s", __builtin_ctzll(o->cpus & mask),
				      o->name);
	}
	c->z.cpus = mask;
	return true;
}

static bool set_max_partitions(struct change *c, const char *v)
{
	return parse_u32(c, v, UINT32_MAX, &c->p.max_partitions);
}

/* kind[,kind...] */
static bool set_kinds(struct change *c, const char *v)
{
	uint32_t kinds = 0;

	for (;;) {
		const char *comma = strchr(v, ',');
		size_t n = comma ? (size_t)(comma - v) : strlen(v);
		uint32_t k = name_index(cfg_kind_name, BH_CFG_KIND_NR, v, n);

		if (!k)
			return refuse(c, "unknown kind \"%.*s\" (ultravisor command opspolicy "
				      "iopart guest linux devmodel)", (int)n, v);
		kinds |= 1u << k;
		v += n;
		if (!*v++)
			break;
	}
	c->p.kinds = kinds;
	return true;
}

/* "stop" also drops the restart-max ceiling: a count needs "restart" (as in the blob). */
static bool set_restart(struct change *c, const char *v)
{
	uint32_t r = name_index(cfg_restart_name, BH_CFG_RESTART_NR, v, strlen(v));

	if (!r)
		return refuse(c, "not stop or restart");
	c->p.restart = r;
	if (r == BH_CFG_RESTART_STOP)
		c->p.restart_max = 0;
	return true;
}

static bool set_restart_max(struct change *c, const char *v)
{
	if (!parse_u32(c, v, BH_CFG_RESTART_MAX, &c->p.restart_max))
		return false;
	if (c->p.restart_max && c->p.restart != BH_CFG_RESTART)
		return refuse(c, "policy %s stops partitions that die: a count needs "
			      "restart=restart", c->p.name);
	return true;
}

static bool set_failover(struct change *c, const char *v)
{
	uint32_t f = name_index(cfg_failover_name, BH_CFG_FAILOVER_NR, v, strlen(v));

	if (!f)
		return refuse(c, "not none or iopart");
	c->p.failover = f;
	return true;
}

typedef void (*show_fn)(char *buf, size_t len, const struct policy_zone *z,
			const struct policy_rule *p);

static void show_memory(char *buf, size_t len, const struct policy_zone *z,
			const struct policy_rule *p)
{
	bh_snprintf(buf, len, "%s", cfg_size_text(z->memory).s);
}

static void show_cpus(char *buf, size_t len, const struct policy_zone *z,
		      const struct policy_rule *p)
{
	bh_snprintf(buf, len, "%s", cfg_cpus_text(z->cpus).s);
}

static void show_max_partitions(char *buf, size_t len, const struct policy_zone *z,
				const struct policy_rule *p)
{
	bh_snprintf(buf, len, "%u", p->max_partitions);
}

static void show_kinds(char *buf, size_t len, const struct policy_zone *z,
		       const struct policy_rule *p)
{
	size_t n = 0;

	buf[0] = 0;
	for (uint32_t k = 1; k < BH_CFG_KIND_NR && n < len; k++)
		if (p->kinds & (1u << k))
			n += bh_snprintf(buf + n, len - n, "%s%s", n ? "," : "", cfg_kind_name(k));
}

static void show_restart(char *buf, size_t len, const struct policy_zone *z,
			 const struct policy_rule *p)
{
	bh_snprintf(buf, len, "%s", cfg_restart_name(p->restart));
}

static void show_restart_max(char *buf, size_t len, const struct policy_zone *z,
			     const struct policy_rule *p)
{
	bh_snprintf(buf, len, "%u", p->restart_max);
}

static void show_failover(char *buf, size_t len, const struct policy_zone *z,
			  const struct policy_rule *p)
{
	bh_snprintf(buf, len, "%s", cfg_failover_name(p->failover));
}

struct set_key {
	const char *name;
	bool policy;    /* a key of the zone's policy: every zone that names it changes */
	enum rule rule; /* the rule it sets, which running partitions must keep */
	bool (*parse)(struct change *c, const char *v); /* false: c->why says why */
	show_fn show;
};

static const struct set_key keys[] = {
	{ "memory", false, RULE_MEMORY, set_memory, show_memory },
	{ "cpus", false, RULE_CPUS, set_cpus, show_cpus },
	{ "max-partitions", true, RULE_COUNT, set_max_partitions, show_max_partitions },
	{ "kinds", true, RULE_KINDS, set_kinds, show_kinds },
	{ "restart", true, RULE_RESTART, set_restart, show_restart },
	{ "restart-max", true, RULE_RESTART, set_restart_max, show_restart_max },
	{ "failover", true, RULE_NONE, set_failover, show_failover },
};

static const struct set_key *key_named(const char *name)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(keys[i].name, name))
			return &keys[i];
	return NULL;
}

static bool affects(const struct set_key *k, const struct change *c, uint32_t j)
{
	return j == c->zone || (k->policy && c->db->zones[j].policy == c->z.policy);
}

/* The first running partition found breaking the new rule, for the reason. */
struct breach {
	const struct pol_part *q;
	const struct policy_zone *z;
	struct usage u;
};

/* Lists the running partitions of zone z under policy p that break rule r in rs->violators
 * (as many as fit) and returns how many there are; the first one found goes to *first. */
static uint32_t violators(const struct pol_request *rq, enum rule r,
			  const struct policy_zone *z, const struct policy_rule *p,
			  struct pol_response *rs, struct breach *first)
{
	struct usage u = pol_usage(rq, z, NULL); /* every state counts, as for POL_CHECK */
	uint32_t n = 0;

	for (uint32_t i = 0; i < rq->part_count; i++) {
		const struct pol_part *q = &rq->parts[i];
		uint32_t v = rs->violator_count;

		if (!pol_in_zone(q, z) || q->state != UV_STATE_RUNNING ||
		    !pol_breaks(r, q, z, p, &u))
			continue;
		if (v < POL_VIOLATORS_MAX) {
			bh_snprintf(rs->violators[v], POL_NAME_LEN, "%s", q->name);
			rs->violator_count = v + 1;
		}
		if (!first->q)
			*first = (struct breach){ q, z, u };
		n++;
	}
	return n;
}

static int refuse_change(const struct pol_request *rq, const struct set_key *k,
			 const struct change *c, const struct breach *b, uint32_t n,
			 struct pol_response *rs)
{
	char why[160], where[48] = "";

	pol_rule_text(why, sizeof(why), k->rule, b->q, b->z, &c->p, &b->u, false);
	if (b->z != &c->z)
		bh_snprintf(where, sizeof(where), "zone %s: ", b->z->name);
	return pol_fail(rs, -BH_EPERM, "zone %s: %s=%s would break the rule for %u running "
			"partition(s): %s%s", rq->zone, k->name, rq->value, n, where, why);
}

/* POL_SET: parse, look for running partitions the new rule would break, then apply. */
int pol_set(struct policy_db *db, const struct pol_request *rq, struct pol_response *rs)
{
	int zi = pol_zone_index(db, rq->zone);
	const struct set_key *k = key_named(rq->key);
	struct breach first = { 0 };
	struct change c;
	uint32_t n = 0;

	if (zi < 0)
		return pol_fail(rs, -BH_ENOENT, "zone %s: no such zone", rq->zone);
	if (!k)
		return pol_fail(rs, -BH_ENOENT, "zone %s: no such key \"%s\" (memory cpus "
				"max-partitions kinds restart restart-max failover)", rq->zone,
				rq->key);
	c = (struct change){ .db = db, .zone = (uint32_t)zi, .z = db->zones[zi],
			     .p = db->policies[db->zones[zi].policy] };
	if (!k->parse(&c, rq->value))
		return pol_fail(rs, -BH_EINVAL, "zone %s: %s=%s: %s", rq->zone, k->name, rq->value,
				c.why);
	for (uint32_t j = 0; j < db->zone_count; j++)
		if (affects(k, &c, j))
			n += violators(rq, k->rule, j == c.zone ? &c.z : &db->zones[j], &c.p, rs,
				       &first);
	if (n)
		return refuse_change(rq, k, &c, &first, n, rs);
	db->zones[zi] = c.z;
	db->policies[c.z.policy] = c.p;
	db->version++;
	for (uint32_t j = 0; j < db->zone_count; j++)
		if (affects(k, &c, j))
			pol_flatten(db, j, &rs->zones[rs->zone_count++]);
	return 0;
}

int pol_key_text(const char *key, const struct policy_zone *z, const struct policy_rule *p,
		 char *buf, size_t len)
{
	const struct set_key *k = key_named(key);

	if (!k)
		return -BH_ENOENT;
	k->show(buf, len, z, p);
	return 0;
}
