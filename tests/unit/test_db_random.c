/* SPDX-License-Identifier: MIT */
/* test_db_random.c - seeded random transactions on the resource database, valid and invalid
 * mixed: after every commit and every abort the invariants hold (db_invariants.h), an abort
 * leaves the database byte-identical and the generation unchanged, a commit bumps it by one;
 * the journal, read back through READ_JOURNAL after every commit, replays onto a database
 * booted from the same blob into a byte-identical one.
 *
 * DB_RANDOM_SEED=<n> and DB_RANDOM_TXNS=<n> (per example) override the defaults. */
#include "db_test.h"

#define TXNS_DEFAULT 5000

static struct db db, replay;
static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint32_t below(uint32_t n)
{
	return n ? (uint32_t)(rnd() % n) : 0;
}

static bool chance(uint32_t percent)
{
	return below(100) < percent;
}

/* The journal as read back, every record since boot. */
struct rec {
	struct uv_journal_rec h;
	struct uv_op ops[UV_REQ_OPS_MAX];
};
static struct rec *journal;
static size_t journal_n, journal_cap;
static uint64_t journal_seen;

static struct {
	unsigned txns, commits, aborts, ops[UV_OP_EV_NR], codes[140];
} stats;
static unsigned total_txns, total_commits, total_ops[UV_OP_EV_NR];

static void drain_journal(void)
{
	struct uv_request rd;

	do {
		rq_begin(&rd, 0);
		rd.kind = UV_REQ_READ;
		rq_op(&rd, UV_OP_READ_JOURNAL, "")->args.read.from = journal_seen;
		assert_int_equal(db_read(&db, &rd, &resp), 0);
		for (uint32_t i = 0, at = 0; i < resp.count; i++) {
			struct rec *r;

			if (journal_n == journal_cap) {
				journal_cap = journal_cap ? journal_cap * 2 : 1024;
				journal = realloc(journal, journal_cap * sizeof(*journal));
				assert_non_null(journal);
			}
			r = &journal[journal_n++];
			memcpy(&r->h, resp.data + at, sizeof(r->h));
			memcpy(r->ops, resp.data + at + sizeof(r->h),
			       r->h.op_count * sizeof(r->ops[0]));
			at += sizeof(r->h) + r->h.op_count * sizeof(r->ops[0]);
		}
		journal_seen = resp.next;
	} while (resp.flags & UV_RESP_MORE);
	assert_int_equal(journal_seen, db.st.generation);
}

/* Random live partition, optionally only of one kind (0: any); NULL when there is none. */
static const struct db_part *pick_part(uint32_t kind)
{
	const struct db_part *c[DB_PARTS_MAX];
	uint32_t n = 0;

	for (uint32_t s = 0; s < DB_PARTS_MAX; s++)
		if (db.st.parts[s].id && (!kind || db.st.parts[s].kind == kind))
			c[n++] = &db.st.parts[s];
	return n ? c[below(n)] : NULL;
}

static const char *part_name(uint32_t kind)
{
	const struct db_part *p = chance(4) ? NULL : pick_part(kind);

	return p ? p->name : "ghost";
}

static uint32_t zone_cpu(uint32_t zone)
{
	uint64_t mask = db.st.zones[zone % db.st.zone_count].cpus;
	uint32_t cpus[64], n = 0;

	for (uint32_t c = 0; c < 64; c++)
		if (mask & (1ull << c))
			cpus[n++] = c;
	return chance(90) && n ? cpus[below(n)] : below(db.st.cpu_count + 1);
}

/* A storage device the server owns (block channels export one), or "". */
static const char *storage_of(const char *server)
{
	const struct db_part *s = db_part_by_name(&db.st, server);

	for (uint32_t d = 0; s && d < db.st.device_count; d++)
		if (db.st.devices[d].owner == s->id &&
		    db.st.devices[d].cfg.class == BH_CFG_CLASS_STORAGE)
			return db.st.devices[d].cfg.name;
	return "";
}

static void gen_channel(struct uv_request *rq, const char *client, const char *server,
			uint32_t type)
{
	static unsigned serial;
	char name[32];

	if (!type)
		type = chance(50) ? BH_CFG_CHAN_BLOCK : 1 + below(BH_CFG_CHAN_NR);
	if (!server)
		server = chance(85) ? part_name(BH_CFG_KIND_IOPART) : part_name(0);
	snprintf(name, sizeof(name), "c%u", serial++);
	rq_channel(rq, name, type, server, client ? client : part_name(0),
		   type == BH_CFG_CHAN_BLOCK ? storage_of(server) : "",
		   chance(3) ? 5000 : (2 + below(15)) * 4 * KIB);
}

/* The n-th I/O partition, or a random partition when there is none. */
static const char *iopart(uint32_t n)
{
	for (uint32_t s = 0; s < DB_PARTS_MAX; s++)
		if (db.st.parts[s].id && db.st.parts[s].kind == BH_CFG_KIND_IOPART && n-- == 0)
			return db.st.parts[s].name;
	return part_name(0);
}

/* Mostly a guest with what its zone may ask for: block channels to two I/O partitions (a
 * failover policy needs both) and a console. */
static void gen_create(struct uv_request *rq)
{
	static unsigned serial;
	uint32_t zone = below(db.st.zone_count);
	char name[32];
	struct uv_create *c;

	snprintf(name, sizeof(name), "r%u", serial++);
	rq_create(rq, chance(5) ? part_name(0) : name,
		  chance(85) ? BH_CFG_KIND_GUEST : below(BH_CFG_KIND_NR + 1),
		  chance(97) ? db.st.zones[zone].name : "nozone", zone_cpu(zone),
		  chance(4) ? MIB : (1 + below(6)) * 2 * MIB);
	c = &rq->ops[rq->op_count - 1].args.create;
	if (chance(20))
		c->cpus[c->vcpus++] = (uint8_t)zone_cpu(zone);
	if (chance(40)) {
		c->restart = BH_CFG_RESTART;
		c->restart_max = below(4);
	}
	if (chance(3))
		c->phys_base = db.st.pool[0].base + below(8) * 2 * MIB;
	if (chance(3))
		c->image[0] = 0;
	for (uint32_t k = 0; k < 2; k++)
		if (chance(85))
			gen_channel(rq, name, iopart(k), BH_CFG_CHAN_BLOCK);
	if (chance(50))
		gen_channel(rq, name, iopart(0), BH_CFG_CHAN_CONSOLE);
}

/* A STOP first when p runs, so ops that need it stopped can pass. */
static const char *stopped(struct uv_request *rq, uint32_t kind)
{
	const char *n = part_name(kind);
	const struct db_part *p = db_part_by_name(&db.st, n);

	if (p && p->state == UV_STATE_RUNNING && chance(70))
		rq_op(rq, UV_OP_STOP, n);
	return n;
}

static void gen_resource(struct uv_request *rq, uint32_t what)
{
	const char *n;
	const struct db_part *p;
	uint32_t d = below(db.st.device_count + 1);
	const char *dev = d < db.st.device_count ? db.st.devices[d].cfg.name : "nodev";

	switch (what) {
	case 0:
		rq_memory(rq, UV_OP_ASSIGN_MEMORY, stopped(rq, 0), (1 + below(4)) * 2 * MIB);
		break;
	case 1:
		rq_memory(rq, UV_OP_RELEASE_MEMORY, stopped(rq, 0), (1 + below(4)) * 2 * MIB);
		break;
	case 2:
	case 3:
		n = stopped(rq, 0);
		p = db_part_by_name(&db.st, n);
		rq_cpu(rq, what == 2 ? UV_OP_ASSIGN_CPU : UV_OP_RELEASE_CPU, n,
		       p && what == 3 && chance(80) ? p->cpus[below(p->vcpus)] :
		       zone_cpu(p ? p->zone : 0));
		break;
	case 4:
		rq_device(rq, UV_OP_ASSIGN_DEVICE, stopped(rq, chance(80) ? BH_CFG_KIND_IOPART : 0),
			  dev);
		break;
	case 5:
		p = d < db.st.device_count ? db_part_by_id(&db.st, db.st.devices[d].owner) : NULL;
		rq_device(rq, UV_OP_RELEASE_DEVICE, p && chance(80) ? p->name : stopped(rq, 0),
			  dev);
		break;
	case 6:
		gen_channel(rq, NULL, NULL, 0);
		break;
	case 8: { /* a zone's budget or CPUs moved a little: most commit, some break a fit */
		const struct bh_cfg_zone *z = &db.st.zones[below(db.st.zone_count)];
		struct uv_op *op = rq_op(rq, UV_OP_SET_ZONE, chance(95) ? z->name : "nozone");
		op->args.zone.cpus = chance(90) ? z->cpus : z->cpus | 1ull << below(db.st.cpu_count);
		op->args.zone.memory = z->memory + (below(9) * 2 * MIB) - 8 * MIB;
		break;
	}
	case 9: { /* a policy's limits moved a little */
		const struct bh_cfg_policy *pol = &db.st.policies[below(db.st.policy_count)];
		struct uv_op *op = rq_op(rq, UV_OP_SET_POLICY, chance(95) ? pol->name : "nopolicy");
		op->args.policy = (struct uv_policy_set){ pol->kinds,
			pol->max_partitions + (chance(50) ? 1 : 0), pol->restart,
			pol->restart_max, pol->failover, 0 };
		if (chance(20) && op->args.policy.max_partitions > 1)
			op->args.policy.max_partitions -= 2;
		break;
	}
	default: {
		uint32_t k = 0, s = below(DB_CHANS_MAX);

		while (k < DB_CHANS_MAX && !db.st.chans[(s + k) % DB_CHANS_MAX].id)
			k++;
		rq_op(rq, UV_OP_RELEASE_CHANNEL, k < DB_CHANS_MAX && chance(95) ?
			  db.st.chans[(s + k) % DB_CHANS_MAX].name : "nochan");
	}
	}
}

/* What usually comes next for a partition in each state (events are the ultravisor's). */
static uint16_t next_step(const struct db_part *p)
{
	static const uint16_t after_running[] = { UV_OP_STOP, UV_OP_EV_CRASHED, UV_OP_EV_EXITED,
						  UV_OP_RESTART };
	static const uint16_t after_stopped[] = { UV_OP_START, UV_OP_RESTART, UV_OP_DESTROY };

	switch (p->state) {
	case UV_STATE_CREATED:
		return UV_OP_EV_LOADED;
	case UV_STATE_LOADED:
		return UV_OP_START;
	case UV_STATE_RUNNING:
		return after_running[below(4)];
	case UV_STATE_STOPPED:
		return after_stopped[below(3)];
	default:
		return chance(50) ? UV_OP_RESTART : UV_OP_DESTROY;
	}
}

/* Lifecycle: mostly the step that fits the partition's state, else any op; an event comes
 * alone in its request, from the ultravisor (which sets *origin). */
static void gen_lifecycle(struct uv_request *rq, uint32_t *origin)
{
	static const uint16_t any[] = { UV_OP_START, UV_OP_STOP, UV_OP_RESTART, UV_OP_DESTROY,
					UV_OP_EV_LOADED, UV_OP_EV_CRASHED, UV_OP_EV_EXITED };
	const struct db_part *p = chance(96) ? pick_part(0) : NULL;
	uint16_t code = p && chance(75) ? next_step(p) : any[below(7)];
	const char *name = p ? p->name : "ghost";

	if (code >= UV_OP_EV_LOADED && rq->op_count)
		code = UV_OP_START;
	if (code == UV_OP_DESTROY && p && p->state == UV_STATE_RUNNING && chance(70))
		rq_op(rq, UV_OP_STOP, name);
	rq_op(rq, code, name);
	if (code >= UV_OP_EV_LOADED)
		*origin = chance(97) ? UV_ORIGIN_ULTRAVISOR : UV_ORIGIN_CLIENT;
}

/* One random request: 1-4 actions; now and then a byte or the header broken. */
static uint32_t gen_request(struct uv_request *rq)
{
	uint32_t origin = UV_ORIGIN_CLIENT, actions = chance(60) ? 1 : 2 + below(3);

	rq_begin(rq, stats.txns);
	for (uint32_t a = 0; a < actions && rq->op_count < UV_REQ_OPS_MAX - 4; a++) {
		uint32_t r = below(100);

		if (r < 12)
			gen_create(rq);
		else if (r < 55)
			gen_resource(rq, below(10));
		else
			gen_lifecycle(rq, &origin);
		if (origin == UV_ORIGIN_ULTRAVISOR)
			break;
	}
	if (chance(2))
		((uint8_t *)&rq->ops[below(rq->op_count)])[below(sizeof(struct uv_op))] ^=
			(uint8_t)(1 + below(255));
	if (chance(1))
		((uint8_t *)rq)[below(0x20)] ^= (uint8_t)(1 + below(255));
	return origin;
}

static void one_txn(void)
{
	struct uv_request rq;
	uint32_t origin = gen_request(&rq);
	uint64_t gen = db.st.generation;
	const char *m;
	int r;

	memcpy(&before, &db, sizeof(before));
	r = db_apply_as(&db, &rq, &resp, origin);
	stats.txns++;
	if (r) {
		stats.aborts++;
		stats.codes[-r < 140 ? -r : 0]++;
		assert_memory_equal(&before, &db, sizeof(db));
		assert_int_equal(resp.generation, gen);
		assert_true(resp.failed_op >= -1 && resp.failed_op < (int)UV_REQ_OPS_MAX);
		assert_true(resp.reason[0]);
	} else {
		stats.commits++;
		for (uint32_t i = 0; i < rq.op_count; i++)
			stats.ops[rq.ops[i].op % UV_OP_EV_NR]++;
		assert_int_equal(db.st.generation, gen + 1);
		assert_int_equal(resp.generation, gen + 1);
		drain_journal();
	}
	if ((m = db_invariants(&db))) {
		print_message("after txn %u (%s, op %d: %s): %s\n", stats.txns,
			      r ? "abort" : "commit", resp.failed_op, resp.reason, m);
		fail();
	}
}

/* The journal, applied to the boot state with each record's origin, gives db again. */
static void replay_journal(const char *example)
{
	struct uv_request rq;

	boot(&replay, example);
	for (size_t i = 0; i < journal_n; i++) {
		rq_begin(&rq, journal[i].h.request_id);
		rq.op_count = journal[i].h.op_count;
		memcpy(rq.ops, journal[i].ops, rq.op_count * sizeof(rq.ops[0]));
		assert_int_equal(db_apply_as(&replay, &rq, &resp, journal[i].h.origin), 0);
		assert_int_equal(resp.generation, journal[i].h.generation);
	}
	assert_memory_equal(&replay, &db, sizeof(db));
}

static uint64_t env(const char *name, uint64_t dflt)
{
	const char *v = getenv(name);

	return v ? strtoull(v, NULL, 0) : dflt;
}

static void run(const char *example, uint64_t seed)
{
	uint64_t txns = env("DB_RANDOM_TXNS", TXNS_DEFAULT);

	seed = env("DB_RANDOM_SEED", seed);
	rng = seed | 1;
	memset(&stats, 0, sizeof(stats));
	journal_n = 0;
	journal_seen = 1;
	boot(&db, example);
	assert_invariants(&db);
	while (stats.txns < txns)
		one_txn();
	replay_journal(example);
	print_message("%s: seed %#lx: %u transactions, %u committed (%u records replayed), %u "
		      "rejected (ENOENT %u EBUSY %u ENOMEM %u EINVAL %u EPERM %u other %u)\n",
		      example, (unsigned long)seed, stats.txns, stats.commits, (unsigned)journal_n,
		      stats.aborts, stats.codes[BH_ENOENT], stats.codes[BH_EBUSY],
		      stats.codes[BH_ENOMEM],
		      stats.codes[BH_EINVAL], stats.codes[BH_EPERM],
		      stats.aborts - stats.codes[BH_ENOENT] - stats.codes[BH_EBUSY] -
		      stats.codes[BH_ENOMEM] - stats.codes[BH_EINVAL] - stats.codes[BH_EPERM]);
	assert_true(stats.commits * 5 >= stats.txns); /* the sequences do real work */
	total_txns += stats.txns;
	total_commits += stats.commits;
	print_message("  committed ops by code:");
	for (uint16_t op = UV_OP_CREATE; op < UV_OP_EV_NR; op++) {
		total_ops[op] += stats.ops[op];
		if (op < UV_OP_CLIENT_NR || op >= UV_OP_EV_LOADED)
			print_message(" %u:%u", op, stats.ops[op]);
	}
	print_message("\n");
}

/* Over all runs every kind of op committed (minimal.yaml alone cannot assign a CPU: each
 * of its zones has one, and a second vCPU there would share it). */
static void test_every_op_committed(void **state)
{
	if (env("DB_RANDOM_TXNS", TXNS_DEFAULT) < TXNS_DEFAULT)
		skip(); /* short runs need not reach every op */
	print_message("all runs: %u transactions, %u committed\n", total_txns, total_commits);
	for (uint16_t op = UV_OP_CREATE; op < UV_OP_EV_NR; op++)
		if (op < UV_OP_CLIENT_NR || op >= UV_OP_EV_LOADED)
			assert_true(total_ops[op] > 0);
}

static void test_random_default(void **state)
{
	run("default", 0x5eed0001);
}

static void test_random_dense(void **state)
{
	run("dense", 0x5eed0002);
}

static void test_random_minimal(void **state)
{
	run("minimal", 0x5eed0003);
}

static void test_random_two_zones(void **state)
{
	run("two-zones", 0x5eed0004);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_default),
		cmocka_unit_test(test_random_dense),
		cmocka_unit_test(test_random_minimal),
		cmocka_unit_test(test_random_two_zones),
		cmocka_unit_test(test_every_op_committed),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);

	free(journal);
	return r;
}
