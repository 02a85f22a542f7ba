/* SPDX-License-Identifier: MIT */
/* cli-act.c - the verbs that change something, each asking the operations partition first
 * where docs/cli.md says so, then sending one transaction: start stop restart destroy,
 * create, assign release, policy set; console (which changes where the keyboard goes);
 * and the boot intent. */
#include <string.h>
#include "cli-int.h"
#include "fmt.h"

static void put_name(struct uv_op *op, const char *name)
{
	cli_copy(op->name, sizeof(op->name), name, UV_NAME_LEN);
}

/* One op on partition p, after its policy check when it needs one. */
static int one_op(struct cli *c, uint16_t code, const struct uv_part_rec *p, uint32_t check)
{
	struct pol_part s;
	struct uv_op *op;

	if (check) {
		cli_pol_part(c, p, &s);
		if (cli_pol_check(c, check, &s))
			return -1;
	}
	op = cli_uv_begin(c, UV_REQ_TXN, 1);
	op->op = code;
	put_name(op, p->name);
	return cli_uv_txn(c);
}

/* ---- start stop restart destroy ---- */

static const struct {
	const char *verb;
	uint16_t op;
	uint32_t check; /* policy action, 0: none */
} lifecycle[] = {
	{ "start", UV_OP_START, POL_ACT_START },
	{ "stop", UV_OP_STOP, 0 },
	{ "restart", UV_OP_RESTART, POL_ACT_START },
	{ "destroy", UV_OP_DESTROY, 0 },
};

int cli_cmd_lifecycle(struct cli *c, int argc, char **argv, bool json)
{
	const struct uv_part_rec *p;

	for (size_t i = 0; i < sizeof(lifecycle) / sizeof(lifecycle[0]); i++) {
		if (strcmp(argv[0], lifecycle[i].verb))
			continue;
		if (argc != 2)
			return cli_usage(c, argv[0]);
		if (cli_need(c, argv[1], &p) || one_op(c, lifecycle[i].op, p, lifecycle[i].check))
			return -1;
		cli_out(c, "%s %s: generation %llu", argv[0], argv[1],
			(unsigned long long)c->rs.generation);
		return 0;
	}
	return cli_usage(c, argv[0]);
}

/* ---- assign, release ---- */

int cli_cmd_assign(struct cli *c, int argc, char **argv, bool json)
{
	bool assign = !strcmp(argv[0], "assign");
	const char *cpu = argc == 3 ? cli_value(argv[2], "cpu") : NULL;
	const char *mem = argc == 3 ? cli_value(argv[2], "mem") : NULL;
	const struct uv_part_rec *p;
	struct pol_part s;
	struct uv_op *op;
	uint64_t v;

	if (!cpu && !mem)
		return cli_usage(c, argv[0]);
	if (cpu && cli_number(c, "cpu", cpu, &v))
		return -1;
	if (cpu && v >= BH_CFG_CPUS_MAX)
		return cli_fail(c, "cpu=%s is out of range (0 to %d)", cpu, BH_CFG_CPUS_MAX - 1);
	if (mem && cli_mem_size(c, "mem", mem, &v))
		return -1;
	if (cli_need(c, argv[1], &p))
		return -1;
	if (assign) {
		cli_pol_part(c, p, &s);
		if (cpu && s.vcpus >= UV_VCPUS_MAX)
			return cli_fail(c, "%s has %u vCPUs, the most a partition may have",
					p->name, s.vcpus);
		if (mem && v > UINT64_MAX - s.memory)
			return cli_fail(c, "bad size \"%s\" for mem (too large)", mem);
		if (cpu)
			s.cpus[s.vcpus++] = (uint8_t)v;
		else
			s.memory += v;
		if (cli_pol_check(c, POL_ACT_ASSIGN, &s))
			return -1;
	}
	op = cli_uv_begin(c, UV_REQ_TXN, 1);
	put_name(op, p->name);
	if (cpu) {
		op->op = assign ? UV_OP_ASSIGN_CPU : UV_OP_RELEASE_CPU;
		op->args.cpu.cpu = (uint32_t)v;
	} else {
		op->op = assign ? UV_OP_ASSIGN_MEMORY : UV_OP_RELEASE_MEMORY;
		op->args.memory.bytes = v;
	}
	if (cli_uv_txn(c))
		return -1;
	cli_out(c, "%s %s %s: generation %llu", argv[0], argv[1], argv[2],
		(unsigned long long)c->rs.generation);
	return 0;
}

/* ---- create ---- */

enum { A_IMAGE, A_ZONE, A_CPUS, A_MEM, A_KIND, A_CMDLINE, A_NR };
static const char *const create_keys[A_NR] = { "image", "zone", "cpus", "mem", "kind",
					       "cmdline" };
#define A_REQUIRED 4 /* image, zone, cpus, mem */

struct create {
	const char *arg[A_NR];
	const char *name;
	uint64_t vcpus, memory;
	uint32_t kind;
	struct pol_zone zone;
	struct pol_part subject;
};

static int create_words(struct cli *c, int argc, char **argv, struct create *cr)
{
	char need[64] = "";
	size_t len = 0;

	if (argc < 2 || strchr(argv[1], '='))
		return cli_usage(c, "create");
	cr->name = argv[1];
	for (int i = 2; i < argc; i++) {
		int k = 0;

		while (k < A_NR && !cli_value(argv[i], create_keys[k]))
			k++;
		if (k == A_NR)
			return cli_fail(c, "unknown argument \"%s\" for create (try help)",
					argv[i]);
		if (cr->arg[k])
			return cli_fail(c, "%s= given twice", create_keys[k]);
		cr->arg[k] = cli_value(argv[i], create_keys[k]);
	}
	for (int k = 0; k < A_REQUIRED; k++)
		if (!cr->arg[k])
			len += (size_t)bh_snprintf(need + len, sizeof(need) - len, "%s%s=",
						   len ? ", " : "", create_keys[k]);
	if (len)
		return cli_fail(c, "create needs %s", need);
	return 0;
}

static int create_values(struct cli *c, struct create *cr)
{
	size_t n = strspn(cr->name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			  "0123456789._-");

	if (!n || n != strlen(cr->name) || n >= UV_NAME_LEN)
		return cli_fail(c, "bad name \"%s\" (1 to %d of A-Z a-z 0-9 . _ -)", cr->name,
				UV_NAME_LEN - 1);
	if (strlen(cr->arg[A_IMAGE]) >= UV_IMAGE_LEN || !cr->arg[A_IMAGE][0])
		return cli_fail(c, "bad image \"%s\" (a module name of 1 to %d bytes)",
				cr->arg[A_IMAGE], UV_IMAGE_LEN - 1);
	if (cr->arg[A_CMDLINE] && strlen(cr->arg[A_CMDLINE]) >= UV_CMDLINE_LEN)
		return cli_fail(c, "cmdline is too long (at most %d bytes)", UV_CMDLINE_LEN - 1);
	if (cli_number(c, "cpus", cr->arg[A_CPUS], &cr->vcpus))
		return -1;
	if (cr->vcpus < 1 || cr->vcpus > UV_VCPUS_MAX)
		return cli_fail(c, "cpus=%s is out of range (1 to %d)", cr->arg[A_CPUS],
				UV_VCPUS_MAX);
	if (cli_mem_size(c, "mem", cr->arg[A_MEM], &cr->memory))
		return -1;
	cr->kind = cr->arg[A_KIND] ? cli_kind(cr->arg[A_KIND]) : BH_CFG_KIND_GUEST;
	if (!cr->kind)
		return cli_fail(c, "bad kind \"%s\" (ultravisor, command, opspolicy, iopart or "
				"guest)", cr->arg[A_KIND]);
	return 0;
}

/* The subject: n vCPUs round robin on the zone's CPUs (n at most their number: one vCPU
 * per CPU), the zone policy's restart rule. */
static int create_subject(struct cli *c, struct create *cr)
{
	uint8_t cpus[64];
	uint32_t n = 0;
	struct pol_part *s = &cr->subject;

	if (cli_snapshot(c))
		return -1;
	if (cli_find(c, cr->name))
		return cli_fail(c, "a partition named \"%s\" exists", cr->name);
	if (cli_pol_show(c, cr->arg[A_ZONE], &c->prs))
		return -1;
	if (!c->prs.zone_count)
		return cli_fail(c, "no zone named \"%s\"", cr->arg[A_ZONE]);
	if (c->prs.zone_count != 1 || strcmp(c->prs.zones[0].name, cr->arg[A_ZONE]))
		return cli_fail(c, "the operations partition answered about another zone");
	cr->zone = c->prs.zones[0];
	for (uint32_t i = 0; i < 64; i++)
		if ((cr->zone.cpus >> i) & 1)
			cpus[n++] = (uint8_t)i;
	if (!n)
		return cli_fail(c, "zone %s has no CPUs", cr->zone.name);
	if (cr->vcpus > n) /* the ultravisor's invariant: one vCPU of a partition per CPU */
		return cli_fail(c, "cpus=%s: zone %s has %u CPU%s, and a partition has at most one "
				"vCPU on each", cr->arg[A_CPUS], cr->zone.name, n, n == 1 ? "" : "s");
	memset(s, 0, sizeof(*s));
	strcpy(s->name, cr->name);
	s->kind = cr->kind;
	strcpy(s->zone, cr->zone.name);
	s->state = UV_STATE_CREATED;
	s->vcpus = (uint32_t)cr->vcpus;
	for (uint32_t i = 0; i < s->vcpus; i++)
		s->cpus[i] = cpus[i % n];
	s->restart = cr->zone.restart;
	s->restart_max = cr->zone.restart_max;
	s->memory = cr->memory;
	return 0;
}

static int create_txn(struct cli *c, const struct create *cr)
{
	struct uv_op *op = cli_uv_begin(c, UV_REQ_TXN, 1);
	struct uv_create *a = &op->args.create;
	const struct pol_part *s = &cr->subject;

	op->op = UV_OP_CREATE;
	put_name(op, cr->name);
	a->kind = cr->kind;
	strcpy(a->zone, s->zone);
	a->vcpus = s->vcpus;
	a->restart = s->restart;
	a->restart_max = s->restart_max;
	memcpy(a->cpus, s->cpus, s->vcpus);
	a->memory = cr->memory;
	strcpy(a->image, cr->arg[A_IMAGE]);
	if (cr->arg[A_CMDLINE])
		strcpy(a->cmdline, cr->arg[A_CMDLINE]);
	return cli_uv_txn(c);
}

/* The ultravisor loads the image itself: READ_PARTITIONS until it has. → the record. */
static const struct uv_part_rec *wait_loaded(struct cli *c, const struct create *cr)
{
	const struct uv_part_rec *p;

	for (uint32_t waited = 0;; waited += CLI_POLL_MS) {
		if (cli_read_parts(c) && !c->no_answer)
			return NULL;
		if (c->no_answer) { /* busy loading, maybe: that took a while too */
			waited += CLI_ANSWER_MS;
			if (waited < CLI_LOAD_MS)
				continue;
			cli_fail(c, "created %s, but the ultravisor did not answer while "
				 "loading it (see list)", cr->name);
			return NULL;
		}
		if (!(p = cli_find(c, cr->name))) {
			cli_fail(c, "%s went away before it was loaded", cr->name);
			return NULL;
		}
		if (p->state != UV_STATE_CREATED)
			return p;
		if (waited >= CLI_LOAD_MS)
			break;
		c->io.sleep_ms(c->io.ctx, CLI_POLL_MS);
	}
	cli_fail(c, "created %s, but image \"%s\" was not loaded in %u s: it stays created",
		 cr->name, cr->arg[A_IMAGE], CLI_LOAD_MS / 1000);
	return NULL;
}

int cli_cmd_create(struct cli *c, int argc, char **argv, bool json)
{
	static struct create cr;
	const struct uv_part_rec *p;

	memset(&cr, 0, sizeof(cr));
	if (create_words(c, argc, argv, &cr) || create_values(c, &cr) ||
	    create_subject(c, &cr) || cli_pol_check(c, POL_ACT_CREATE, &cr.subject) ||
	    create_txn(c, &cr) || !(p = wait_loaded(c, &cr)))
		return -1;
	if (p->state == UV_STATE_LOADED && one_op(c, UV_OP_START, p, POL_ACT_START))
		return -1;
	if (p->state != UV_STATE_LOADED && p->state != UV_STATE_RUNNING)
		return cli_fail(c, "%s is %s before it was started", cr.name,
				cli_state_name(p->state));
	cli_out(c, "created %s: running (generation %llu)", cr.name,
		(unsigned long long)c->rs.generation);
	return 0;
}

/* ---- policy set <zone> <key>=<value> ---- */

static const char *const policy_keys[] = { "memory", "cpus", "max-partitions", "kinds",
					   "restart", "restart-max", "failover" };

/* The key's value in zone z, as the operator would type it. */
static void key_text(const struct pol_zone *z, const char *key, char *buf, size_t cap)
{
	if (!strcmp(key, "memory"))
		table_size_text(buf, cap, z->memory);
	else if (!strcmp(key, "cpus"))
		table_mask_text(buf, cap, z->cpus);
	else if (!strcmp(key, "max-partitions"))
		bh_snprintf(buf, cap, "%u", z->max_partitions);
	else if (!strcmp(key, "kinds"))
		cli_kinds_text(z->kinds, buf, cap);
	else if (!strcmp(key, "restart"))
		bh_snprintf(buf, cap, "%s", cli_restart_name(z->restart));
	else if (!strcmp(key, "restart-max"))
		bh_snprintf(buf, cap, "%u", z->restart_max);
	else
		bh_snprintf(buf, cap, "%s", cli_failover_name(z->failover));
}

static int pol_set(struct cli *c, const char *zone, const char *key, const char *value)
{
	cli_pol_begin(c, POL_SET);
	strcpy(c->prq.zone, zone);
	strcpy(c->prq.key, key);
	strcpy(c->prq.value, value);
	return cli_pol_call(c);
}

/* Why POL_SET said no: the rule in the error; the running partitions that break it on a
 * line before, so that the error stays one line where it can. */
static int set_refused(struct cli *c)
{
	const struct pol_response *rs = &c->prs;
	char who[CLI_WHY_MAX] = "";
	size_t len = 0;

	if (rs->status != -BH_EPERM)
		return cli_fail(c, "policy: %s", rs->reason[0] ? rs->reason : "refused");
	for (uint32_t i = 0; i < rs->violator_count && len < sizeof(who); i++)
		len += (size_t)bh_snprintf(who + len, sizeof(who) - len, "%s%s", len ? ", " : "",
					   rs->violators[i]);
	if (len)
		cli_out(c, "running partitions in the way: %s", who);
	return cli_fail(c, "denied by policy: %s", rs->reason[0] ? rs->reason : "no reason given");
}

/* Records the zones the operations partition changed: SET_ZONE for each, SET_POLICY for
 * each policy they name, in one transaction. */
static int record(struct cli *c, const struct pol_response *applied)
{
	struct uv_op *op = cli_uv_begin(c, UV_REQ_TXN, 0);
	uint32_t n = 0;

	for (uint32_t i = 0; i < applied->zone_count && n + 2 <= UV_REQ_OPS_MAX; i++) {
		const struct pol_zone *z = &applied->zones[i];
		bool seen = false;

		op[n].op = UV_OP_SET_ZONE;
		put_name(&op[n], z->name);
		op[n].args.zone.cpus = z->cpus;
		op[n++].args.zone.memory = z->memory;
		for (uint32_t k = 0; k < n; k++)
			seen |= op[k].op == UV_OP_SET_POLICY && !strcmp(op[k].name, z->policy);
		if (seen || !z->policy[0])
			continue;
		op[n].op = UV_OP_SET_POLICY;
		put_name(&op[n], z->policy);
		op[n].args.policy.kinds = z->kinds;
		op[n].args.policy.max_partitions = z->max_partitions;
		op[n].args.policy.restart = z->restart;
		op[n].args.policy.restart_max = z->restart_max;
		op[n++].args.policy.failover = z->failover;
	}
	c->rq.op_count = n;
	return n ? cli_uv_txn(c) : 0;
}

static int set_args(struct cli *c, int argc, char **argv, char *key, const char **value)
{
	const char *eq = argc == 3 ? strchr(argv[2], '=') : NULL;
	size_t klen = eq ? (size_t)(eq - argv[2]) : 0;

	if (!eq || !klen)
		return cli_usage(c, "policy");
	if (strlen(argv[1]) >= POL_NAME_LEN)
		return cli_fail(c, "no zone named \"%s\"", argv[1]);
	for (size_t i = 0; i < sizeof(policy_keys) / sizeof(policy_keys[0]); i++)
		if (strlen(policy_keys[i]) == klen && !strncmp(policy_keys[i], argv[2], klen))
			strcpy(key, policy_keys[i]);
	if (!key[0])
		return cli_fail(c, "unknown policy key \"%.*s\" (memory, cpus, max-partitions, "
				"kinds, restart, restart-max or failover)", (int)klen, argv[2]);
	*value = eq + 1;
	if (strlen(*value) >= sizeof(c->prq.value))
		return cli_fail(c, "value \"%s\" is too long (at most %zu bytes)", *value,
				sizeof(c->prq.value) - 1);
	return 0;
}

static const struct pol_zone *old_zone(struct cli *c, const char *zone)
{
	for (uint32_t i = 0; i < c->old.zone_count; i++)
		if (!strcmp(c->old.zones[i].name, zone))
			return &c->old.zones[i];
	return NULL;
}

/* Every key of a zone, in an order SET accepts one at a time (restart before restart-max). */
static const char *const zone_keys[] = {
	"memory", "cpus", "max-partitions", "kinds", "restart", "restart-max", "failover",
};

int cli_cmd_policy_set(struct cli *c, int argc, char **argv, bool json)
{
	static struct pol_response applied;
	static char uv_why[CLI_WHY_MAX];
	const struct pol_zone *was;
	char key[POL_NAME_LEN] = "", old[64];
	const char *value = "";

	if (set_args(c, argc, argv, key, &value) || cli_snapshot(c) ||
	    cli_pol_show(c, "", &c->old))
		return -1;
	if (!(was = old_zone(c, argv[1])))
		return cli_fail(c, "no zone named \"%s\"", argv[1]);
	if (pol_set(c, argv[1], key, value))
		return -1;
	if (c->prs.status)
		return set_refused(c);
	applied = c->prs;
	if (!record(c, &applied)) {
		cli_out(c, "policy version %u: zone %s %s=%s", applied.policy_version, argv[1],
			key, value);
		return 0;
	}
	/* The ultravisor refused: the operations partition goes back to what it had, every
	 * key of the zone (one change may move another, as restart=stop does restart-max). */
	memcpy(uv_why, c->why, sizeof(uv_why));
	for (unsigned i = 0; i < sizeof(zone_keys) / sizeof(zone_keys[0]); i++) {
		key_text(was, zone_keys[i], old, sizeof(old));
		if (!old[0])
			continue; /* no kinds at all: not a value SET takes */
		if (pol_set(c, argv[1], zone_keys[i], old) || c->prs.status)
			return cli_fail(c, "%s; the operations partition could not be put back to "
					"%s=%s", uv_why, zone_keys[i], old);
	}
	return cli_fail(c, "%s", uv_why);
}

/* ---- console <p> ---- */

/* The partition must be known and running here; whether it has a console channel is the
 * console server's to say (its channel list, docs/console.md). Once attached, this answer
 * ("ok") waits in our console channel with the rest of our output until the operator
 * detaches. */
int cli_cmd_console(struct cli *c, int argc, char **argv, bool json)
{
	const struct uv_part_rec *p;
	int r;

	if (argc != 2)
		return cli_usage(c, "console");
	if (cli_read_parts(c))
		return -1;
	if (!(p = cli_find(c, argv[1])))
		return cli_fail(c, "console: no partition named %s", argv[1]);
	if (p->state != UV_STATE_RUNNING)
		return cli_fail(c, "console: %s is %s, not running", p->name,
				cli_state_name(p->state));
	r = c->io.console_attach ? c->io.console_attach(c->io.ctx, p->name) : -BH_ENOTSUP;
	switch (r) {
	case 0:
		return 0;
	case -BH_ENOENT:
		return cli_fail(c, "console: %s has no console channel", p->name);
	case -BH_EPERM:
		return cli_fail(c, "console: %s is this CLI's own console", p->name);
	case -BH_EIO:
		return cli_fail(c, "console: %s's console channel is not up, or no console server "
				"serves ours", p->name);
	case -BH_ETIMEDOUT:
		return cli_fail(c, "console: the console server did not answer in %u ms",
				CLI_ANSWER_MS);
	case -BH_ENOTSUP:
		return cli_fail(c, "console: no console server to attach through");
	default:
		return cli_fail(c, "console: the console server refused (error %d)", r);
	}
}

/* ---- the boot intent ---- */

static void boot_start(struct cli *c, struct uv_part_rec *p)
{
	struct pol_part s;
	struct uv_op *op;

	cli_pol_part(c, p, &s);
	if (cli_pol_check(c, POL_ACT_START, &s)) {
		cli_out(c, "boot: start %s: %s", p->name, c->why);
		return;
	}
	op = cli_uv_begin(c, UV_REQ_TXN, 1);
	op->op = UV_OP_START;
	put_name(op, p->name);
	if (cli_uv_txn(c)) {
		cli_out(c, "boot: start %s: allowed; %s", p->name, c->why);
		return;
	}
	p->state = UV_STATE_RUNNING; /* the next checks count it as it is now */
	cli_out(c, "boot: start %s: allowed; generation %llu", p->name,
		(unsigned long long)c->rs.generation);
}

/* Between the I/O partitions and the guests: the console's server, if there is one. */
static void boot_console(struct cli *c)
{
	uint32_t ms = 0;

	if (!c->io.console_up)
		return;
	while (!c->io.console_up(c->io.ctx) && ms < CLI_CONSOLE_WAIT_MS) {
		c->io.sleep_ms(c->io.ctx, 10);
		ms += 10;
	}
	if (ms >= CLI_CONSOLE_WAIT_MS)
		cli_out(c, "boot: no I/O partition serves the console after %u ms: starting the "
			"guests all the same", CLI_CONSOLE_WAIT_MS);
}

void cli_boot(struct cli *c)
{
	if (cli_snapshot(c)) {
		cli_out(c, "boot: %s", c->why);
	} else {
		for (int pass = 0; pass < 2; pass++) {
			if (pass == 1)
				boot_console(c);
			for (uint32_t i = 0; i < c->snap.nparts; i++) {
				struct uv_part_rec *p = &c->snap.parts[i];

				if (p->state == UV_STATE_LOADED &&
				    (p->kind == BH_CFG_KIND_IOPART) == (pass == 0))
					boot_start(c, p);
			}
		}
	}
	cli_out(c, "ready");
}
