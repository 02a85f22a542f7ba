/* SPDX-License-Identifier: MIT */
/* db-ops.c - one handler per transaction op, each on the scratch state; the lifecycle rules.
 *
 * A handler checks what only it can know (names resolve, the state machine allows the op,
 * the pool has the memory) and changes the scratch state; the invariants of the state as a
 * whole (zones, policies, kinds, CPU placement) are db-check.c's, after the last op.
 */
#include <string.h>
#include <bulkhead/errno.h>
#include "db-int.h"
#include "fmt.h"

/* A name safe to print: NUL-terminated, unprintable bytes as '?'. */
struct safe_name {
	char s[BH_CFG_NAME_LEN + 1];
};

static struct safe_name safe(const char *name)
{
	struct safe_name n = { "" };

	for (size_t k = 0; k < BH_CFG_NAME_LEN && name[k]; k++)
		n.s[k] = name[k] >= 0x20 && name[k] < 0x7f ? name[k] : '?';
	return n;
}

void op_describe(const struct uv_op *op, char *buf, size_t len)
{
	struct safe_name name = safe(op->name), device = safe(op->args.device.device);
	const char *n = name.s, *dev = device.s;
	uint32_t cpu = op->args.cpu.cpu;

	switch (op->op) {
	case UV_OP_CREATE:         bh_snprintf(buf, len, "create %s", n); break;
	case UV_OP_ASSIGN_MEMORY:  bh_snprintf(buf, len, "assign memory to %s", n); break;
	case UV_OP_RELEASE_MEMORY: bh_snprintf(buf, len, "release memory from %s", n); break;
	case UV_OP_ASSIGN_CPU:     bh_snprintf(buf, len, "assign CPU %u to %s", cpu, n); break;
	case UV_OP_RELEASE_CPU:    bh_snprintf(buf, len, "release CPU %u from %s", cpu, n); break;
	case UV_OP_ASSIGN_DEVICE:  bh_snprintf(buf, len, "assign device %s to %s", dev, n); break;
	case UV_OP_RELEASE_DEVICE: bh_snprintf(buf, len, "release device %s from %s", dev, n);
		break;
	case UV_OP_ASSIGN_CHANNEL: bh_snprintf(buf, len, "assign channel %s", n); break;
	case UV_OP_RELEASE_CHANNEL: bh_snprintf(buf, len, "release channel %s", n); break;
	case UV_OP_START:          bh_snprintf(buf, len, "start %s", n); break;
	case UV_OP_STOP:           bh_snprintf(buf, len, "stop %s", n); break;
	case UV_OP_RESTART:        bh_snprintf(buf, len, "restart %s", n); break;
	case UV_OP_DESTROY:        bh_snprintf(buf, len, "destroy %s", n); break;
	case UV_OP_SET_ZONE:       bh_snprintf(buf, len, "set zone %s", n); break;
	case UV_OP_SET_POLICY:     bh_snprintf(buf, len, "set policy %s", n); break;
	case UV_OP_EV_LOADED:      bh_snprintf(buf, len, "%s loaded", n); break;
	case UV_OP_EV_CRASHED:     bh_snprintf(buf, len, "%s crashed", n); break;
	case UV_OP_EV_EXITED:      bh_snprintf(buf, len, "%s exited", n); break;
	case UV_OP_READ_JOURNAL:   bh_snprintf(buf, len, "read journal"); break;
	case UV_OP_READ_PARTITIONS: bh_snprintf(buf, len, "read partitions"); break;
	case UV_OP_READ_RESOURCES: bh_snprintf(buf, len, "read resources"); break;
	default:                   bh_snprintf(buf, len, "op code %u", op->op); break;
	}
}

static bool known_op(const struct txn *t, uint32_t code)
{
	if (t->req->kind == UV_REQ_READ)
		return code >= UV_OP_READ_JOURNAL && code < UV_OP_READ_NR;
	return (code >= UV_OP_CREATE && code < UV_OP_CLIENT_NR) ||
	       (code >= UV_OP_EV_LOADED && code < UV_OP_EV_NR);
}

static bool zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static int shape_strings(struct txn *t, const struct uv_op *op)
{
	const struct uv_create *c = &op->args.create;
	const struct uv_channel *ch = &op->args.channel;
	bool ok = true;

	if (op->op == UV_OP_CREATE)
		ok = str_ok(c->zone, sizeof(c->zone)) && str_ok(c->image, sizeof(c->image)) &&
		     str_ok(c->cmdline, sizeof(c->cmdline)) && !c->reserved_0x34;
	else if (op->op == UV_OP_ASSIGN_CHANNEL)
		ok = str_ok(ch->server, sizeof(ch->server)) &&
		     str_ok(ch->client, sizeof(ch->client)) &&
		     str_ok(ch->device, sizeof(ch->device)) && !ch->reserved_0x04;
	else if (op->op == UV_OP_ASSIGN_DEVICE || op->op == UV_OP_RELEASE_DEVICE)
		ok = str_ok(op->args.device.device, sizeof(op->args.device.device));
	else if (op->op == UV_OP_ASSIGN_CPU || op->op == UV_OP_RELEASE_CPU)
		ok = !op->args.cpu.reserved_0x04;
	else if (op->op == UV_OP_SET_POLICY)
		ok = !op->args.policy.reserved_0x14;
	return ok ? 0 : txn_fail(t, -BH_EINVAL, "a string argument lacks its NUL terminator, "
				 "or a reserved field is set");
}

/* The op as bytes: known code, allowed from this origin, strings terminated, zero where
 * nothing is meant. */
int op_check_shape(struct txn *t, const struct uv_op *op)
{
	bool read = t->req->kind == UV_REQ_READ;
	uint32_t used = uv_op_args_size(op->op);

	if (!known_op(t, op->op))
		return txn_fail(t, -BH_ENOSYS, "unknown op code %u for a %s request", op->op,
				read ? "read" : "transaction");
	if (op->op >= UV_OP_EV_LOADED && op->op < UV_OP_EV_NR && t->origin != UV_ORIGIN_ULTRAVISOR)
		return txn_fail(t, -BH_EPERM, "lifecycle events come from the ultravisor only");
	if (op->flags || op->reserved_0x04 || !zero(op->args.raw + used, sizeof(op->args) - used))
		return txn_fail(t, -BH_EINVAL, "flags, reserved fields and the bytes after the "
				"op's arguments must be zero");
	if (!str_ok(op->name, sizeof(op->name)))
		return txn_fail(t, -BH_EINVAL, "name has no NUL terminator within %u bytes",
				BH_CFG_NAME_LEN);
	if (read != !op->name[0])
		return txn_fail(t, -BH_EINVAL, read ? "a read names nothing" : "name is empty");
	return shape_strings(t, op);
}

static struct db_part *need_part(struct txn *t, const char *name, const char *role)
{
	struct db_part *p = st_part(t->st, name);

	if (!p)
		txn_fail(t, -BH_ENOENT, "no partition named \"%s\"%s", safe(name).s, role);
	return p;
}

static int not_running(struct txn *t, const struct db_part *p)
{
	if (p->state != UV_STATE_RUNNING)
		return 0;
	return txn_fail(t, -BH_EBUSY, "%s is running; stop it first", p->name);
}

static int wrong_state(struct txn *t, const struct db_part *p, const char *need)
{
	return txn_fail(t, -BH_EBUSY, "%s is %s; %s", p->name, db_state_name(p->state), need);
}

static int never_the_ultravisor(struct txn *t, const struct db_part *p)
{
	if (p->kind != BH_CFG_KIND_ULTRAVISOR)
		return 0;
	return txn_fail(t, -BH_EPERM, "the ultravisor holds this database and runs until the "
			"machine stops");
}

static struct db_part *free_slot(struct txn *t)
{
	for (uint32_t s = 0; s < DB_PARTS_MAX; s++)
		if (!t->st->parts[s].id)
			return &t->st->parts[s];
	txn_fail(t, -BH_ENOSPC, "the partition table is full (%u partitions)", DB_PARTS_MAX);
	return NULL;
}

static int op_create(struct txn *t, const struct uv_op *op)
{
	const struct uv_create *c = &op->args.create;
	uint32_t zone = st_zone(t->st, c->zone);
	struct db_part *p;

	if (st_part(t->st, op->name))
		return txn_fail(t, -BH_EEXIST, "partition %s already exists", op->name);
	if (zone == BH_CFG_NONE)
		return txn_fail(t, -BH_ENOENT, "no zone named \"%s\"", safe(c->zone).s);
	if (!c->vcpus || c->vcpus > BH_CFG_VCPUS_MAX)
		return txn_fail(t, -BH_E2BIG, "%u vCPUs; a partition has 1 to %u", c->vcpus,
				BH_CFG_VCPUS_MAX);
	if (!(p = free_slot(t)))
		return t->status;
	memset(p, 0, sizeof(*p));
	str_set(p->name, sizeof(p->name), op->name);
	p->id = t->st->next_part_id++;
	p->kind = c->kind;
	p->zone = zone;
	p->flags = c->flags;
	p->state = UV_STATE_CREATED;
	p->vcpus = c->vcpus;
	memcpy(p->cpus, c->cpus, sizeof(p->cpus));
	p->restart = c->restart;
	p->restart_max = c->restart_max;
	p->phys_base = c->phys_base;
	str_set(p->image, sizeof(p->image), c->image);
	str_set(p->cmdline, sizeof(p->cmdline), c->cmdline);
	txn_touch_part(t, p);
	txn_grow_zone(t, p);
	return mem_alloc_part(t, p, c->memory, c->phys_base);
}

static int op_memory(struct txn *t, struct db_part *p, const struct uv_op *op)
{
	int r;

	if ((r = not_running(t, p)))
		return r;
	t->table_op[BH_CFG_POOL] = (uint8_t)t->cur;
	if (op->op == UV_OP_ASSIGN_MEMORY) {
		txn_grow_zone(t, p);
		return mem_alloc_part(t, p, op->args.memory.bytes, 0);
	}
	return mem_release_part(t, p, op->args.memory.bytes);
}

static int op_assign_cpu(struct txn *t, struct db_part *p, uint32_t cpu)
{
	int r;

	if ((r = not_running(t, p)))
		return r;
	if (cpu >= t->st->cpu_count)
		return txn_fail(t, -BH_ERANGE, "CPU %u does not exist; the machine has CPUs 0-%u",
				cpu, t->st->cpu_count - 1);
	if (p->vcpus >= BH_CFG_VCPUS_MAX)
		return txn_fail(t, -BH_E2BIG, "%s already has %u vCPUs, the most a partition has",
				p->name, BH_CFG_VCPUS_MAX);
	p->cpus[p->vcpus++] = (uint8_t)cpu;
	txn_grow_zone(t, p);
	return 0;
}

static int op_release_cpu(struct txn *t, struct db_part *p, uint32_t cpu)
{
	uint32_t k = 0;
	int r;

	if ((r = not_running(t, p)))
		return r;
	while (k < p->vcpus && p->cpus[k] != cpu)
		k++;
	if (k == p->vcpus)
		return txn_fail(t, -BH_ENOENT, "%s has no vCPU on CPU %u", p->name, cpu);
	if (p->vcpus == 1)
		return txn_fail(t, -BH_EINVAL, "CPU %u runs the only vCPU of %s; a partition "
				"needs one", cpu, p->name);
	for (; k + 1 < p->vcpus; k++)
		p->cpus[k] = p->cpus[k + 1];
	p->cpus[--p->vcpus] = 0;
	return 0;
}

static int op_device(struct txn *t, struct db_part *p, const struct uv_op *op)
{
	uint32_t d = st_device(t->st, op->args.device.device);
	struct db_device *dev = &t->st->devices[d % DB_DEVICES_MAX];
	const struct db_part *owner;
	int r;

	if (d == BH_CFG_NONE)
		return txn_fail(t, -BH_ENOENT, "no device named \"%s\"",
				safe(op->args.device.device).s);
	if ((r = not_running(t, p)))
		return r;
	owner = st_part_id(t->st, dev->owner);
	txn_touch_dev(t, d);
	if (op->op == UV_OP_ASSIGN_DEVICE) {
		if (owner)
			return txn_fail(t, -BH_EBUSY, "device %s is owned by %s", dev->cfg.name,
					owner->name);
		dev->owner = p->id;
		return 0;
	}
	if (owner != p)
		return txn_fail(t, -BH_EPERM, "device %s is owned by %s, not %s", dev->cfg.name,
				owner ? owner->name : "no partition", p->name);
	dev->owner = 0;
	return 0;
}

static struct db_chan *free_chan(struct txn *t)
{
	for (uint32_t s = 0; s < DB_CHANS_MAX; s++)
		if (!t->st->chans[s].id)
			return &t->st->chans[s];
	txn_fail(t, -BH_ENOSPC, "the channel table is full (%u channels)", DB_CHANS_MAX);
	return NULL;
}

static int op_assign_channel(struct txn *t, const struct uv_op *op)
{
	const struct uv_channel *a = &op->args.channel;
	struct db_part *s, *cl;
	uint32_t dev = BH_CFG_NONE;
	struct db_chan *c;

	if (st_chan(t->st, op->name))
		return txn_fail(t, -BH_EEXIST, "channel %s already exists", op->name);
	if (!(s = need_part(t, a->server, " (server)")) || !(cl = need_part(t, a->client,
									      " (client)")))
		return t->status;
	if (a->device[0] && (dev = st_device(t->st, a->device)) == BH_CFG_NONE)
		return txn_fail(t, -BH_ENOENT, "no device named \"%s\"", safe(a->device).s);
	if (!(c = free_chan(t)))
		return t->status;
	memset(c, 0, sizeof(*c));
	str_set(c->name, sizeof(c->name), op->name);
	c->id = t->st->next_chan_id++;
	c->type = a->type;
	c->server = s->id;
	c->client = cl->id;
	c->device = dev;
	c->size = a->size;
	txn_touch_chan(t, c);
	txn_touch_part(t, s);
	txn_touch_part(t, cl);
	return mem_alloc_chan(t, c);
}

/* The channel's memory back to the pool; its endpoints are told through their views. */
static void chan_release(struct txn *t, struct db_chan *c)
{
	struct db_part *p;

	txn_touch_chan(t, c);
	if ((p = st_part_id(t->st, c->server)))
		txn_touch_part(t, p);
	if ((p = st_part_id(t->st, c->client)))
		txn_touch_part(t, p);
	mem_free_owner(t->st, UV_OWNER_CHANNEL, c->id);
	memset(c, 0, sizeof(*c));
}

static int op_release_channel(struct txn *t, const struct uv_op *op)
{
	struct db_chan *c = st_chan(t->st, op->name);

	if (!c)
		return txn_fail(t, -BH_ENOENT, "no channel named \"%s\"", safe(op->name).s);
	chan_release(t, c);
	return 0;
}

/* Every resource of p back to the pool: channels, devices, memory. */
void part_release_all(struct txn *t, struct db_part *p)
{
	for (uint32_t s = 0; s < DB_CHANS_MAX; s++) {
		struct db_chan *c = &t->st->chans[s];

		if (c->id && (c->server == p->id || c->client == p->id))
			chan_release(t, c);
	}
	for (uint32_t d = 0; d < t->st->device_count; d++) {
		if (t->st->devices[d].owner == p->id) {
			t->st->devices[d].owner = 0;
			txn_touch_dev(t, d);
		}
	}
	t->table_op[BH_CFG_POOL] = (uint8_t)(t->cur < 0 ? TXN_NONE : t->cur);
	mem_free_owner(t->st, UV_OWNER_PARTITION, p->id);
}

static int op_destroy(struct txn *t, struct db_part *p)
{
	int r;

	if ((r = never_the_ultravisor(t, p)) || (r = not_running(t, p)))
		return r;
	part_release_all(t, p);
	memset(p, 0, sizeof(*p));
	return 0;
}

/* The restart rule decides what a death leaves: created again (to be reloaded and started)
 * while restarts remain, crashed otherwise. */
static void crashed(struct db_part *p)
{
	bool again = p->restart == BH_CFG_RESTART &&
		     (!p->restart_max || p->auto_restarts < p->restart_max);

	if (!again) {
		p->state = UV_STATE_CRASHED;
		return;
	}
	p->state = UV_STATE_CREATED;
	p->restarts++;
	p->auto_restarts++;
	p->start_pending = 1;
}

static int op_lifecycle(struct txn *t, struct db_part *p, uint32_t code)
{
	uint32_t s = p->state;

	switch (code) {
	case UV_OP_START:
		if (s != UV_STATE_LOADED && s != UV_STATE_STOPPED)
			return wrong_state(t, p, "start needs loaded or stopped");
		p->state = UV_STATE_RUNNING;
		p->start_pending = 0;
		return 0;
	case UV_OP_STOP:
	case UV_OP_EV_EXITED:
		if (code == UV_OP_STOP && never_the_ultravisor(t, p))
			return t->status;
		if (s != UV_STATE_RUNNING)
			return wrong_state(t, p, "stop needs running");
		p->state = UV_STATE_STOPPED;
		return 0;
	case UV_OP_RESTART:
		if (never_the_ultravisor(t, p))
			return t->status;
		if (s != UV_STATE_RUNNING && s != UV_STATE_STOPPED && s != UV_STATE_CRASHED)
			return wrong_state(t, p, "restart needs running, stopped or crashed");
		p->state = UV_STATE_CREATED;
		p->restarts++;
		p->start_pending = 1;
		return 0;
	case UV_OP_EV_LOADED:
		if (s != UV_STATE_CREATED)
			return wrong_state(t, p, "an image is loaded only into a created "
					   "partition");
		p->state = UV_STATE_LOADED;
		return 0;
	default: /* UV_OP_EV_CRASHED */
		if (s != UV_STATE_RUNNING)
			return wrong_state(t, p, "only a running partition crashes");
		crashed(p);
		return 0;
	}
}

/* A zone's CPUs and budget, or a policy's rules, as the operations partition decided: only
 * the shape is checked here; whether every partition still fits is db-check.c's, after the
 * last op, blamed on this one. */
static int op_set_zone(struct txn *t, const struct uv_op *op)
{
	uint32_t z = st_zone(t->st, op->name);
	const struct uv_zone_set *a = &op->args.zone;

	if (z == BH_CFG_NONE)
		return txn_fail(t, -BH_ENOENT, "no zone named \"%s\"", safe(op->name).s);
	if (!a->cpus || !a->memory || a->memory % BH_CFG_MEM_ALIGN)
		return txn_fail(t, -BH_EINVAL, "a zone needs CPUs and a memory budget in 2 MiB "
				"steps");
	t->st->zones[z].cpus = a->cpus;
	t->st->zones[z].memory = a->memory;
	t->zone_op[z] = (uint8_t)t->cur;
	t->table_op[BH_CFG_ZONES] = (uint8_t)t->cur;
	t->table_op[BH_CFG_PARTITIONS] = (uint8_t)t->cur; /* a partition now outside its zone */
	return 0;
}

static int op_set_policy(struct txn *t, const struct uv_op *op)
{
	const struct uv_policy_set *a = &op->args.policy;
	uint32_t i;

	for (i = 0; i < t->st->policy_count; i++)
		if (!strncmp(t->st->policies[i].name, op->name, BH_CFG_NAME_LEN))
			break;
	if (i == t->st->policy_count)
		return txn_fail(t, -BH_ENOENT, "no policy named \"%s\"", safe(op->name).s);
	t->st->policies[i].kinds = a->kinds;
	t->st->policies[i].max_partitions = a->max_partitions;
	t->st->policies[i].restart = a->restart;
	t->st->policies[i].restart_max = a->restart_max;
	t->st->policies[i].failover = a->failover;
	t->table_op[BH_CFG_POLICIES] = (uint8_t)t->cur;
	t->table_op[BH_CFG_PARTITIONS] = (uint8_t)t->cur; /* a partition the policy now forbids */
	return 0;
}

int op_apply(struct txn *t, const struct uv_op *op)
{
	struct db_part *p;

	if (op->op == UV_OP_SET_ZONE)
		return op_set_zone(t, op);
	if (op->op == UV_OP_SET_POLICY)
		return op_set_policy(t, op);

	if (op->op == UV_OP_CREATE)
		return op_create(t, op);
	if (op->op == UV_OP_ASSIGN_CHANNEL)
		return op_assign_channel(t, op);
	if (op->op == UV_OP_RELEASE_CHANNEL)
		return op_release_channel(t, op);
	if (!(p = need_part(t, op->name, "")))
		return t->status;
	txn_touch_part(t, p);
	switch (op->op) {
	case UV_OP_ASSIGN_MEMORY:
	case UV_OP_RELEASE_MEMORY:
		return op_memory(t, p, op);
	case UV_OP_ASSIGN_CPU:
		return op_assign_cpu(t, p, op->args.cpu.cpu);
	case UV_OP_RELEASE_CPU:
		return op_release_cpu(t, p, op->args.cpu.cpu);
	case UV_OP_ASSIGN_DEVICE:
	case UV_OP_RELEASE_DEVICE:
		return op_device(t, p, op);
	case UV_OP_DESTROY:
		return op_destroy(t, p);
	default:
		return op_lifecycle(t, p, op->op);
	}
}
