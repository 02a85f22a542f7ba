/* SPDX-License-Identifier: MIT */
/* cli_fake.c - the scripted ultravisor and operations partition of the CLI's tests
 * (cli_fake.h), and the default machine they start from. */
#include "cli_fake.h"

struct fake_uv uv;
struct fake_pol pol;
struct fake_console fcon;
uint64_t now_ms;

/* ---- output, checked line by line ---- */

char out[OUT_MAX][CLI_OUT_MAX + 2];
uint32_t nout;
bool awaiting;     /* an echo was printed, its ok/error not yet */
uint32_t answers;

static void on_out(void *ctx, const char *line)
{
	size_t n = strlen(line);

	assert_true(n <= CLI_OUT_MAX);
	for (size_t i = 0; i < n; i++)
		assert_true((line[i] >= 0x20 && line[i] < 0x7f) || line[i] == '\t');
	if (!strncmp(line, "> ", 2)) {
		assert_false(awaiting); /* the last line had its answer */
		awaiting = true;
	} else if (!strcmp(line, "ok") || !strncmp(line, "error: ", 7)) {
		assert_true(awaiting);
		awaiting = false;
		answers++;
	}
	if (nout < OUT_MAX)
		strcpy(out[nout++], line);
}

/* Everything printed since the last call, lines joined with "\n". */
const char *output(void)
{
	static char all[OUT_MAX * 64];
	size_t len = 0;

	all[0] = 0;
	for (uint32_t i = 0; i < nout && len + CLI_OUT_MAX + 2 < sizeof(all); i++)
		len += (size_t)sprintf(all + len, "%s%s", i ? "\n" : "", out[i]);
	nout = 0;
	return all;
}

static void sleep_ms(void *ctx, uint32_t ms)
{
	now_ms += ms;
}

uint64_t console_up_at = 0; /* the fake console's server attaches at this now_ms */

static bool console_up(void *ctx)
{
	return now_ms >= console_up_at;
}

/* ---- the fake console server's answers ---- */

static int console_attach(void *ctx, const char *name)
{
	static const char *const served[] = { "ultravisor", "command", "opspolicy", "iopart-b",
					      "guest-1", "guest-2" };
	bool known = false;

	fcon.asks++;
	snprintf(fcon.asked, sizeof(fcon.asked), "%s", name);
	for (size_t i = 0; i < sizeof(served) / sizeof(served[0]); i++)
		known |= !strcmp(served[i], name);
	if (!known)
		return -BH_ENOENT;
	if (!strcmp(name, "command"))
		return -BH_EPERM;
	if (fcon.status == -BH_ETIMEDOUT)
		now_ms += CLI_ANSWER_MS;
	return fcon.status;
}

/* ---- the fake ultravisor's answers ---- */

struct uv_part_rec *fpart(const char *name)
{
	for (uint32_t i = 0; i < uv.nparts; i++)
		if (!strcmp(uv.parts[i].name, name))
			return &uv.parts[i];
	return NULL;
}

static void loads(void)
{
	for (uint32_t i = 0; i < uv.nparts; i++)
		if (uv.parts[i].state == UV_STATE_CREATED && uv.load_ms >= 0 &&
		    now_ms >= uv.created_at[i] + (uint64_t)uv.load_ms)
			uv.parts[i].state = UV_STATE_LOADED;
}

static void read_recs(const void *recs, uint32_t n, size_t size, uint64_t from,
		      struct uv_response *rs)
{
	for (uint64_t k = from; k < n && rs->count < uv.page; k++) {
		memcpy(rs->data + rs->data_size, (const uint8_t *)recs + k * size, size);
		rs->data_size += (uint32_t)size;
		rs->count++;
	}
	rs->next = from + rs->count;
	if (rs->next < n)
		rs->flags |= UV_RESP_MORE;
}

static void read_journal(uint64_t from, struct uv_response *rs)
{
	if (from + 1 < uv.journal_first) {
		rs->status = -BH_ERANGE;
		snprintf(rs->reason, sizeof(rs->reason), "the journal starts at generation %llu",
			 (unsigned long long)uv.journal_first);
		return;
	}
	rs->next = from;
	for (uint32_t i = 0; i < uv.njournal; i++) {
		const struct jrec *j = &uv.journal[i];
		struct uv_journal_rec h = { .generation = j->generation, .op_count = j->nops,
					    .origin = j->origin };

		if (j->generation <= from)
			continue;
		if (rs->count == uv.page) {
			rs->flags |= UV_RESP_MORE;
			break;
		}
		memcpy(rs->data + rs->data_size, &h, sizeof(h));
		rs->data_size += sizeof(h);
		memcpy(rs->data + rs->data_size, j->ops, j->nops * sizeof(struct uv_op));
		rs->data_size += j->nops * (uint32_t)sizeof(struct uv_op);
		rs->count++;
		rs->next = j->generation;
	}
}

static int zone_index(const char *name)
{
	for (uint32_t i = 0, z = 0; i < uv.nres; i++)
		if (uv.res[i].type == UV_RES_ZONE && !strcmp(uv.res[i].name, name))
			return (int)z;
		else if (uv.res[i].type == UV_RES_ZONE)
			z++;
	return -1;
}

static int apply_op(const struct uv_op *op, int k, struct uv_response *rs)
{
	struct uv_part_rec *p = fpart(op->name);
	static const uint32_t start_from[] = { [UV_STATE_LOADED] = 1, [UV_STATE_STOPPED] = 1 };

	switch (op->op) {
	case UV_OP_CREATE: {
		struct uv_part_rec *n = &uv.parts[uv.nparts];
		const struct uv_create *a = &op->args.create;

		memset(n, 0, sizeof(*n));
		strcpy(n->name, op->name);
		n->id = uv.next_id++;
		n->kind = a->kind;
		n->zone = (uint32_t)zone_index(a->zone);
		n->state = UV_STATE_CREATED;
		n->vcpus = a->vcpus;
		memcpy(n->cpus, a->cpus, sizeof(n->cpus));
		n->restart = a->restart;
		n->restart_max = a->restart_max;
		n->memory = a->memory;
		uv.created_at[uv.nparts++] = now_ms;
		uv.mute = uv.mute_after_create;
		return 0;
	}
	case UV_OP_SET_ZONE:
	case UV_OP_SET_POLICY:
		return 0;
	}
	if (!p) {
		snprintf(rs->reason, sizeof(rs->reason), "op %d (%s): no partition named \"%s\"",
			 k, "op", op->name);
		return -BH_ENOENT;
	}
	switch (op->op) {
	case UV_OP_START:
		if (p->state >= sizeof(start_from) / 4 || !start_from[p->state]) {
			snprintf(rs->reason, sizeof(rs->reason),
				 "op %d (start %s): %s is %s; start needs loaded or stopped", k,
				 p->name, p->name,
				 p->state == UV_STATE_RUNNING ? "running" : "created");
			return -BH_EINVAL;
		}
		p->state = UV_STATE_RUNNING;
		return 0;
	case UV_OP_STOP:
		p->state = UV_STATE_STOPPED;
		return 0;
	case UV_OP_RESTART:
		p->state = UV_STATE_RUNNING;
		p->restarts++;
		return 0;
	case UV_OP_DESTROY:
		*p = uv.parts[--uv.nparts];
		return 0;
	case UV_OP_ASSIGN_MEMORY:
		p->memory += op->args.memory.bytes;
		return 0;
	case UV_OP_RELEASE_MEMORY:
		p->memory -= op->args.memory.bytes;
		return 0;
	case UV_OP_ASSIGN_CPU:
		p->cpus[p->vcpus++] = (uint8_t)op->args.cpu.cpu;
		return 0;
	case UV_OP_RELEASE_CPU:
		p->vcpus--;
		return 0;
	}
	return -BH_ENOSYS;
}

static void txn(const struct uv_request *rq, struct uv_response *rs)
{
	static struct uv_part_rec saved[64];
	uint32_t nsaved = uv.nparts;
	struct jrec *j;

	if (uv.ntxn < 24)
		uv.txn[uv.ntxn++] = *rq;
	rs->generation = uv.generation;
	if (uv.refuse) {
		rs->status = uv.refuse;
		rs->failed_op = 0;
		strcpy(rs->reason, uv.refuse_reason);
		uv.refuse = 0;
		return;
	}
	memcpy(saved, uv.parts, sizeof(saved));
	for (uint32_t k = 0; k < rq->op_count; k++) {
		if ((rs->status = apply_op(&rq->ops[k], (int)k, rs))) {
			rs->failed_op = (int32_t)k;
			memcpy(uv.parts, saved, sizeof(saved));
			uv.nparts = nsaved;
			return;
		}
	}
	rs->generation = ++uv.generation;
	if (uv.njournal < 40) {
		j = &uv.journal[uv.njournal++];
		j->generation = uv.generation;
		j->origin = UV_ORIGIN_CLIENT;
		j->nops = rq->op_count;
		memcpy(j->ops, rq->ops, sizeof(j->ops));
	}
}

static int fake_uv(void *ctx, const struct uv_request *rq, struct uv_response *rs)
{
	if (uv.silent)
		return -BH_ETIMEDOUT;
	assert_int_equal(rq->magic, UV_REQ_MAGIC);
	assert_int_equal(rq->version, UV_VERSION);
	assert_true(rq->op_count >= 1 && rq->op_count <= UV_REQ_OPS_MAX);
	memset(rs, 0, sizeof(*rs));
	rs->magic = uv.garble ? 0x12345678 : UV_RESP_MAGIC;
	rs->version = UV_VERSION;
	rs->kind = rq->kind;
	rs->request_id = rq->request_id;
	rs->failed_op = -1;
	rs->generation = uv.generation;
	loads();
	if (rq->kind == UV_REQ_TXN) {
		txn(rq, rs);
		return 0;
	}
	if (uv.mute) {
		uv.mute--;
		return -BH_ETIMEDOUT;
	}
	uv.nreads++;
	assert_int_equal(rq->op_count, 1);
	if (rq->ops[0].op == UV_OP_READ_PARTITIONS)
		read_recs(uv.parts, uv.nparts, sizeof(uv.parts[0]), rq->ops[0].args.read.from, rs);
	else if (rq->ops[0].op == UV_OP_READ_RESOURCES)
		read_recs(uv.res, uv.nres, sizeof(uv.res[0]), rq->ops[0].args.read.from, rs);
	else if (rq->ops[0].op == UV_OP_READ_JOURNAL)
		read_journal(rq->ops[0].args.read.from, rs);
	else
		fail();
	return 0;
}

/* ---- the fake operations partition's answers ---- */

const struct pol_zone *pzone(const char *name)
{
	for (uint32_t i = 0; i < pol.nzones; i++)
		if (!strcmp(pol.zones[i].name, name))
			return &pol.zones[i];
	return NULL;
}

static void pol_apply(const struct pol_request *rq, struct pol_response *rs)
{
	struct pol_zone *z = (struct pol_zone *)pzone(rq->zone);
	unsigned long long v = strtoull(rq->value, NULL, 10);

	if (!z) {
		rs->status = -BH_ENOENT;
		snprintf(rs->reason, sizeof(rs->reason), "no zone \"%s\"", rq->zone);
		return;
	}
	if (pol.set_status && pol.set_skip) {
		pol.set_skip--;
	} else if (pol.set_status) {
		rs->status = pol.set_status;
		strcpy(rs->reason, pol.set_reason);
		rs->violator_count = pol.nviolators;
		memcpy(rs->violators, pol.violators, sizeof(pol.violators));
		pol.set_status = 0;
		return;
	}
	if (!strcmp(rq->key, "memory"))
		z->memory = v * MIB; /* the tests type M */
	else if (!strcmp(rq->key, "max-partitions"))
		z->max_partitions = (uint32_t)v;
	rs->policy_version = ++pol.version;
	rs->zone_count = 1;
	rs->zones[0] = *z;
}

static int fake_pol(void *ctx, const struct pol_request *rq, struct pol_response *rs)
{
	if (pol.silent)
		return -BH_ETIMEDOUT;
	assert_int_equal(rq->magic, POL_REQ_MAGIC);
	assert_int_equal(rq->version, POL_VERSION);
	if (pol.nreq < 24)
		pol.req[pol.nreq++] = *rq;
	memset(rs, 0, sizeof(*rs));
	rs->magic = POL_RESP_MAGIC;
	rs->version = POL_VERSION;
	rs->kind = rq->kind;
	rs->request_id = rq->request_id;
	rs->policy_version = pol.version;
	if (rq->kind == POL_CHECK) {
		rs->status = pol.deny;
		strcpy(rs->reason, pol.deny ? pol.deny_reason : "");
		pol.deny = 0;
	} else if (rq->kind == POL_SET) {
		pol_apply(rq, rs);
	} else {
		for (uint32_t i = 0; i < pol.nzones; i++)
			if (!rq->zone[0] || !strcmp(rq->zone, pol.zones[i].name))
				rs->zones[rs->zone_count++] = pol.zones[i];
		if (!rs->zone_count && rq->zone[0]) {
			rs->status = -BH_ENOENT;
			snprintf(rs->reason, sizeof(rs->reason), "no zone \"%s\"", rq->zone);
		}
	}
	return 0;
}

/* ---- the machine of examples/default.yaml, mostly running ---- */

struct cli cli;

static void part(const char *name, uint32_t id, uint32_t kind, uint32_t zone, uint32_t state,
		 uint64_t mem, const char *cpus)
{
	struct uv_part_rec *p = &uv.parts[uv.nparts++];

	memset(p, 0, sizeof(*p));
	strcpy(p->name, name);
	p->id = id;
	p->kind = kind;
	p->zone = zone;
	p->state = state;
	p->memory = mem;
	p->restart = BH_CFG_RESTART;
	p->restart_max = kind == BH_CFG_KIND_ULTRAVISOR ? 0 : 3;
	for (const char *c = cpus; *c; c++)
		if (*c >= '0' && *c <= '9')
			p->cpus[p->vcpus++] = (uint8_t)(*c - '0');
}

static void res(uint32_t type, const char *name, uint32_t owner, uint64_t base, uint64_t size,
		uint64_t value, uint64_t aux)
{
	struct uv_res_rec *r = &uv.res[uv.nres++];

	memset(r, 0, sizeof(*r));
	r->type = type;
	strcpy(r->name, name);
	r->owner = owner;
	r->base = base;
	r->size = size;
	r->value = value;
	r->aux = aux;
}

static void zone(const char *name, const char *policy, uint64_t cpus, uint64_t mem,
		 uint32_t kinds, uint32_t max, uint32_t restart_max, uint32_t failover)
{
	struct pol_zone *z = &pol.zones[pol.nzones++];

	memset(z, 0, sizeof(*z));
	strcpy(z->name, name);
	strcpy(z->policy, policy);
	z->cpus = cpus;
	z->memory = mem;
	z->kinds = kinds;
	z->max_partitions = max;
	z->restart = BH_CFG_RESTART;
	z->restart_max = restart_max;
	z->failover = failover;
}

int setup(void **state)
{
	static const struct cli_io io = { .uv = fake_uv, .pol = fake_pol, .out = on_out,
		.sleep_ms = sleep_ms, .console_up = console_up, .console_attach = console_attach };

	memset(&uv, 0, sizeof(uv));
	memset(&pol, 0, sizeof(pol));
	memset(&fcon, 0, sizeof(fcon));
	now_ms = 0;
	console_up_at = 0;
	nout = 0;
	awaiting = false;
	answers = 0;
	uv.page = 3;
	uv.generation = 8;
	uv.next_id = 8;
	uv.load_ms = 60;
	part("ultravisor", 1, BH_CFG_KIND_ULTRAVISOR, 0, UV_STATE_RUNNING, 32 * MIB, "0");
	part("command", 2, BH_CFG_KIND_COMMAND, 0, UV_STATE_RUNNING, 16 * MIB, "0");
	part("opspolicy", 3, BH_CFG_KIND_OPSPOLICY, 0, UV_STATE_RUNNING, 16 * MIB, "0");
	part("iopart-a", 4, BH_CFG_KIND_IOPART, 0, UV_STATE_RUNNING, 64 * MIB, "1");
	part("iopart-b", 5, BH_CFG_KIND_IOPART, 0, UV_STATE_RUNNING, 64 * MIB, "1");
	part("guest-1", 6, BH_CFG_KIND_GUEST, 1, UV_STATE_RUNNING, 64 * MIB, "23");
	part("guest-2", 7, BH_CFG_KIND_GUEST, 1, UV_STATE_STOPPED, 64 * MIB, "23");
	uv.parts[0].restart = BH_CFG_RESTART_STOP;
	uv.parts[5].restarts = 2;
	uv.parts[5].auto_restarts = 1;
	uv.parts[5].disk_base = 256 * MIB; /* its window: 64M at 256M, read-only */
	uv.parts[5].disk_size = 64 * MIB;
	uv.parts[5].disk_flags = BH_CFG_DISK_RO;
	memcpy(uv.parts[5].mac, "\x52\x54\x00\x12\x34\x56", 6);
	uv.parts[5].channels = 2;
	uv.parts[3].devices = 2;
	res(UV_RES_POOL, "", 0, 0x4000000, 384 * MIB, 60 * MIB, 0);
	res(UV_RES_EXTENT, "", 1, 0x4000000, 32 * MIB, UV_OWNER_PARTITION, 0);
	res(UV_RES_EXTENT, "", 0, 0x6000000, 60 * MIB, UV_OWNER_FREE, 0);
	res(UV_RES_ZONE, "system", 0, 0x3, 192 * MIB, 192 * MIB, 0);
	res(UV_RES_ZONE, "guests", 0, 0xc, 160 * MIB, 128 * MIB, 0);
	res(UV_RES_CPU, "", 0, 3, 0, 3, 0);
	res(UV_RES_CPU, "", 1, 2, 0, 2, 0);
	res(UV_RES_CPU, "", 2, 2, 0, 2, 0);
	res(UV_RES_CPU, "", 3, 2, 0, 2, 4);
	res(UV_RES_DEVICE, "com1", 4, 0, 0, BH_CFG_CLASS_SERIAL, 0);
	res(UV_RES_DEVICE, "nvme-a", 4, 0, 0, BH_CFG_CLASS_STORAGE, 0);
	res(UV_RES_DEVICE, "spare", 0, 0, 0, BH_CFG_CLASS_OTHER, 0);
	res(UV_RES_CHANNEL, "control-ultravisor", 1, 0x1bff0000, 64 * KIB, 1, 2);
	res(UV_RES_CHANNEL, "control-opspolicy", 2, 0x1bfe0000, 64 * KIB, 3, 2);
	res(UV_RES_CHANNEL, "console-guest-1", 3, 0x1bfd0000, 64 * KIB, 4, 6);
	res(UV_RES_CHANNEL, "block-guest-1-a", 4, 0x1be00000, MIB, 4, 6);
	pol.version = 1;
	zone("system", "system", 0x3, 192 * MIB, K(ULTRAVISOR) | K(COMMAND) | K(OPSPOLICY) |
	     K(IOPART), 5, 3, BH_CFG_FAILOVER_NONE);
	zone("guests", "guests", 0xc, 160 * MIB, K(GUEST), 8, 5, BH_CFG_FAILOVER_IOPART);
	cli_init(&cli, &io);
	return 0;
}

/* Types line (with its line end) and returns what came back. */
const char *run(const char *line)
{
	char buf[512];

	nout = 0;
	snprintf(buf, sizeof(buf), "%s\n", line);
	cli_input(&cli, buf, strlen(buf));
	return output();
}

/* The answer of a line, without its echo. */
const char *answer(const char *line)
{
	const char *all = run(line);
	const char *nl = strchr(all, '\n');

	assert_non_null(nl);
	return nl + 1;
}

void clear_requests(void)
{
	uv.ntxn = uv.nreads = 0;
	pol.nreq = 0;
}
