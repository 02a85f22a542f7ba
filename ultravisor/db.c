/* SPDX-License-Identifier: MIT */
/* db.c - the database's transactions: scratch copy, ops, invariants, commit or nothing. */
#include <stdarg.h>
#include <string.h>
#include <bulkhead/errno.h>
#include "config/validate.h"
#include "db-int.h"
#include "fmt.h"

/* The state a transaction works on. One transaction at a time: the ultravisor serves its
 * command channel from one vCPU. Static so it lives in BSS, not on a partition stack. */
static struct db_state scratch;

const char *db_state_name(uint32_t state)
{
	static const char *const names[] = { "?", "created", "loaded", "running", "stopped",
					     "crashed" };
	return state < UV_STATE_NR ? names[state] : "?";
}

bool str_ok(const char *s, size_t size)
{
	for (size_t i = 0; i < size; i++)
		if (!s[i])
			return true;
	return false;
}

/* Copies at most size - 1 bytes of src and zeroes the rest of dst. */
void str_set(char *dst, size_t size, const char *src)
{
	size_t n = 0;

	while (n + 1 < size && src[n])
		n++;
	memset(dst, 0, size);
	memcpy(dst, src, n);
}

/* Lookups. Names compare within their fields; an empty name matches nothing. */
struct db_part *st_part(struct db_state *st, const char *name)
{
	for (uint32_t i = 0; name[0] && i < DB_PARTS_MAX; i++)
		if (st->parts[i].id && strncmp(st->parts[i].name, name, BH_CFG_NAME_LEN) == 0)
			return &st->parts[i];
	return NULL;
}

struct db_part *st_part_id(struct db_state *st, uint32_t id)
{
	for (uint32_t i = 0; id && i < DB_PARTS_MAX; i++)
		if (st->parts[i].id == id)
			return &st->parts[i];
	return NULL;
}

struct db_chan *st_chan(struct db_state *st, const char *name)
{
	for (uint32_t i = 0; name[0] && i < DB_CHANS_MAX; i++)
		if (st->chans[i].id && strncmp(st->chans[i].name, name, BH_CFG_NAME_LEN) == 0)
			return &st->chans[i];
	return NULL;
}

uint32_t st_device(const struct db_state *st, const char *name)
{
	for (uint32_t i = 0; name[0] && i < st->device_count; i++)
		if (strncmp(st->devices[i].cfg.name, name, BH_CFG_NAME_LEN) == 0)
			return i;
	return BH_CFG_NONE;
}

uint32_t st_zone(const struct db_state *st, const char *name)
{
	for (uint32_t i = 0; name[0] && i < st->zone_count; i++)
		if (strncmp(st->zones[i].name, name, BH_CFG_NAME_LEN) == 0)
			return i;
	return BH_CFG_NONE;
}

const struct db_part *db_part_by_name(const struct db_state *st, const char *name)
{
	return st_part((struct db_state *)st, name);
}

const struct db_part *db_part_by_id(const struct db_state *st, uint32_t id)
{
	return st_part_id((struct db_state *)st, id);
}

const struct db_part *db_devmodel_of(const struct db_state *st, uint32_t id)
{
	for (uint32_t i = 0; i < DB_PARTS_MAX; i++)
		if (st->parts[i].id && st->parts[i].kind == BH_CFG_KIND_DEVMODEL &&
		    st->parts[i].guest == id)
			return &st->parts[i];
	return NULL;
}

const struct db_chan *db_chan_by_name(const struct db_state *st, const char *name)
{
	return st_chan((struct db_state *)st, name);
}

uint32_t db_id_of(const struct db *db, const char *name)
{
	const struct db_part *p = db_part_by_name(&db->st, name);

	return p ? p->id : 0;
}

/* Fields that follow from the rest: partition RAM, zone use, CPU placement, free bytes. */
void st_derive(struct db_state *st)
{
	memset(st->zone_used, 0, sizeof(st->zone_used));
	memset(st->cpus, 0, sizeof(st->cpus));
	for (uint32_t s = 0; s < DB_PARTS_MAX; s++) {
		struct db_part *p = &st->parts[s];

		if (!p->id)
			continue;
		p->memory = mem_owned(st, UV_OWNER_PARTITION, p->id);
		if (p->zone < st->zone_count)
			st->zone_used[p->zone] += p->memory;
		for (uint32_t k = 0; k < p->vcpus && k < BH_CFG_VCPUS_MAX; k++) {
			struct db_cpu *c;

			if (p->cpus[k] >= BH_CFG_CPUS_MAX) /* refused by check_state() */
				continue;
			c = &st->cpus[p->cpus[k]];
			c->slots |= 1ull << s;
			c->vcpus++;
			if (p->flags & BH_CFG_PART_DEDICATED)
				c->dedicated = p->id;
		}
	}
	st->pool_free = mem_owned(st, UV_OWNER_FREE, 0);
}

/* Failures: the first one wins; later ones (there are none: ops stop at the first) are
 * ignored so the reason always names the op that failed first. */
static int vfail(struct txn *t, int op, int code, const char *fmt, va_list ap)
{
	size_t n = 0;

	if (t->status)
		return code;
	t->status = code;
	t->failed_op = op;
	if (op >= 0 && t->req) {
		char what[96];

		op_describe(&t->req->ops[op], what, sizeof(what));
		n = (size_t)bh_snprintf(t->reason, t->reason_len, "op %d (%s): ", op, what);
	}
	if (n < t->reason_len)
		bh_vsnprintf(t->reason + n, t->reason_len - n, fmt, ap);
	return code;
}

int txn_fail(struct txn *t, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(t, t->cur, code, fmt, ap);
	va_end(ap);
	return code;
}

int txn_fail_op(struct txn *t, int op, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(t, op, code, fmt, ap);
	va_end(ap);
	return code;
}

static uint8_t cur_op(const struct txn *t)
{
	return t->cur < 0 ? TXN_NONE : (uint8_t)t->cur;
}

void txn_touch_part(struct txn *t, const struct db_part *p)
{
	t->part_op[p - t->st->parts] = cur_op(t);
	t->table_op[BH_CFG_PARTITIONS] = cur_op(t);
}

/* Only ops that add to a zone (a partition, memory, a vCPU) can push it over a budget. */
void txn_grow_zone(struct txn *t, const struct db_part *p)
{
	if (p->zone < BH_CFG_ZONES_MAX)
		t->zone_op[p->zone] = cur_op(t);
	t->table_op[BH_CFG_ZONES] = cur_op(t);
}

void txn_touch_chan(struct txn *t, const struct db_chan *c)
{
	t->chan_op[c - t->st->chans] = cur_op(t);
	t->table_op[BH_CFG_CHANNELS] = cur_op(t);
	t->table_op[BH_CFG_POOL] = cur_op(t);
}

void txn_touch_dev(struct txn *t, uint32_t dev)
{
	t->dev_op[dev] = cur_op(t);
	t->table_op[BH_CFG_DEVICES] = cur_op(t);
}

void txn_begin(struct txn *t, struct db_state *st, const struct uv_request *req, char *reason,
	       size_t reason_len, uint32_t origin)
{
	memset(t, 0, sizeof(*t));
	t->st = st;
	t->req = req;
	t->origin = origin;
	t->cur = -1;
	t->failed_op = -1;
	t->reason = reason;
	t->reason_len = reason_len;
	memset(t->part_op, TXN_NONE, sizeof(t->part_op));
	memset(t->chan_op, TXN_NONE, sizeof(t->chan_op));
	memset(t->dev_op, TXN_NONE, sizeof(t->dev_op));
	memset(t->zone_op, TXN_NONE, sizeof(t->zone_op));
	memset(t->table_op, TXN_NONE, sizeof(t->table_op));
}

static void resp_init(struct uv_response *resp, const struct uv_request *req, uint64_t gen)
{
	memset(resp, 0, offsetof(struct uv_response, data));
	resp->magic = UV_RESP_MAGIC;
	resp->version = UV_VERSION;
	resp->kind = req->kind;
	resp->request_id = req->request_id;
	resp->failed_op = -1;
	resp->generation = gen;
}

static int check_header(struct txn *t, const struct uv_request *req, uint16_t kind)
{
	uint32_t max = kind == UV_REQ_READ ? 1 : UV_REQ_OPS_MAX;

	if (req->magic != UV_REQ_MAGIC || req->version != UV_VERSION)
		return txn_fail(t, -BH_EINVAL, "request: magic 0x%08x version %u, expected "
				"0x%08x version %u", req->magic, req->version, UV_REQ_MAGIC,
				UV_VERSION);
	if (req->kind != kind)
		return txn_fail(t, -BH_EINVAL, "request: kind %u, expected %u", req->kind, kind);
	if (!req->op_count || req->op_count > max)
		return txn_fail(t, -BH_E2BIG, "request: %u ops; 1 to %u allowed", req->op_count,
				max);
	if (req->flags || req->reserved_0x18)
		return txn_fail(t, -BH_EINVAL, "request: flags and reserved fields must be zero");
	return 0;
}

/* Every op on the scratch state, then the state as a whole: its views, then the config
 * invariants. 0 when the scratch state may become the database. */
static int run(struct txn *t)
{
	int r;

	for (t->cur = 0; t->cur < (int)t->req->op_count; t->cur++) {
		const struct uv_op *op = &t->req->ops[t->cur];

		if ((r = op_check_shape(t, op)) || (r = op_apply(t, op)))
			return r;
	}
	t->cur = (int)t->req->op_count - 1;
	st_derive(t->st);
	if ((r = layout_all(t)))
		return r;
	return check_state(t);
}

int db_apply_as(struct db *db, const struct uv_request *req, struct uv_response *resp,
		uint32_t origin)
{
	struct txn t;

	resp_init(resp, req, db->st.generation);
	txn_begin(&t, &scratch, req, resp->reason, sizeof(resp->reason), origin);
	if (check_header(&t, req, UV_REQ_TXN))
		return resp->status = t.status;
	memcpy(&scratch, &db->st, sizeof(scratch));
	if (run(&t)) {
		resp->failed_op = t.failed_op;
		return resp->status = t.status;
	}
	scratch.generation++;
	memcpy(&db->st, &scratch, sizeof(db->st));
	journal_append(&db->journal, db->st.generation, req, origin);
	resp->generation = db->st.generation;
	return 0;
}

int db_apply(struct db *db, const struct uv_request *req, struct uv_response *resp)
{
	return db_apply_as(db, req, resp, UV_ORIGIN_CLIENT);
}

int db_read(const struct db *db, const struct uv_request *req, struct uv_response *resp)
{
	const struct uv_op *op = &req->ops[0];
	struct txn t;

	resp_init(resp, req, db->st.generation);
	txn_begin(&t, &scratch, req, resp->reason, sizeof(resp->reason), UV_ORIGIN_CLIENT);
	if (check_header(&t, req, UV_REQ_READ) || (t.cur = 0, op_check_shape(&t, op))) {
		resp->failed_op = t.failed_op;
		return resp->status = t.status;
	}
	if (op->op == UV_OP_READ_JOURNAL)
		resp->status = journal_read(&db->journal, op->args.read.from, resp);
	else if (op->op == UV_OP_READ_PARTITIONS)
		resp->status = query_partitions(&db->st, op->args.read.from, resp);
	else
		resp->status = query_resources(&db->st, op->args.read.from, resp);
	if (resp->status)
		resp->failed_op = 0;
	return resp->status;
}

int db_request(struct db *db, const struct uv_request *req, struct uv_response *resp)
{
	return req->kind == UV_REQ_READ ? db_read(db, req, resp) : db_apply(db, req, resp);
}
