/* SPDX-License-Identifier: MIT */
/* db-journal.c - the ring of committed transactions, and READ_JOURNAL.
 *
 * Ring record (8-byte aligned, may wrap around the end of the ring):
 *   struct jrec                  generation, request id, op count, origin, record size
 *   op 0: 0x28 header bytes + uv_op_args_size(op 0) argument bytes
 *   op 1: ...
 * Argument bytes past an op's size are zero by rule (op_check_shape), so the record keeps
 * every op exactly. When the ring is full the oldest records go; a reader that fell behind
 * them is told so (-BH_ERANGE) and re-reads the state instead.
 */
#include <string.h>
#include <bulkhead/errno.h>
#include "db-int.h"
#include "fmt.h"

#define OP_HDR offsetof(struct uv_op, args)

struct jrec {
	uint64_t generation;
	uint64_t request_id;
	uint32_t op_count;
	uint32_t origin;
	uint32_t size; /* the whole record, padding included */
	uint32_t reserved;
};

static void ring_put(struct db_journal *j, uint32_t at, const void *src, uint32_t n)
{
	const uint8_t *s = src;

	for (uint32_t i = 0; i < n; i++)
		j->ring[(at + i) % DB_JOURNAL_BYTES] = s[i];
}

static void ring_get(const struct db_journal *j, uint32_t at, void *dst, uint32_t n)
{
	uint8_t *d = dst;

	for (uint32_t i = 0; i < n; i++)
		d[i] = j->ring[(at + i) % DB_JOURNAL_BYTES];
}

static uint32_t op_bytes(const struct uv_op *op)
{
	return (uint32_t)OP_HDR + uv_op_args_size(op->op);
}

static void drop_oldest(struct db_journal *j)
{
	struct jrec r;

	ring_get(j, j->tail, &r, sizeof(r));
	j->tail = (j->tail + r.size) % DB_JOURNAL_BYTES;
	j->used -= r.size;
	j->count--;
	if (!j->count) {
		j->first = 0;
		return;
	}
	ring_get(j, j->tail, &r, sizeof(r));
	j->first = r.generation;
}

void journal_append(struct db_journal *j, uint64_t generation, const struct uv_request *req,
		    uint32_t origin)
{
	struct jrec r = { generation, req->request_id, req->op_count, origin, sizeof(r), 0 };
	static const uint8_t pad[8];
	uint32_t at;

	for (uint32_t i = 0; i < req->op_count; i++)
		r.size += op_bytes(&req->ops[i]);
	r.size = (uint32_t)align_up(r.size, 8);
	while (DB_JOURNAL_BYTES - j->used < r.size)
		drop_oldest(j);
	ring_put(j, j->head, &r, sizeof(r));
	at = j->head + sizeof(r);
	for (uint32_t i = 0; i < req->op_count; i++) {
		ring_put(j, at, &req->ops[i], op_bytes(&req->ops[i]));
		at += op_bytes(&req->ops[i]);
	}
	ring_put(j, at, pad, (j->head + r.size - at) % 8);
	j->head = (j->head + r.size) % DB_JOURNAL_BYTES;
	j->used += r.size;
	j->count++;
	j->last = generation;
	if (!j->first)
		j->first = generation;
}

/* Record at ring offset `at` into data as a uv_journal_rec and whole ops, if it fits. */
static bool emit(const struct db_journal *j, uint32_t at, const struct jrec *r,
		 struct uv_response *resp)
{
	uint32_t need = sizeof(struct uv_journal_rec) + r->op_count * sizeof(struct uv_op);
	struct uv_journal_rec out = { r->generation, r->request_id, r->op_count, r->origin, 0 };
	uint8_t *d = resp->data + resp->data_size;

	if (need > UV_RESP_DATA_MAX - resp->data_size)
		return false;
	memcpy(d, &out, sizeof(out));
	d += sizeof(out);
	at += sizeof(*r);
	for (uint32_t i = 0; i < r->op_count; i++, d += sizeof(struct uv_op)) {
		struct uv_op *op = (struct uv_op *)d;

		memset(op, 0, sizeof(*op));
		ring_get(j, at, op, OP_HDR);
		ring_get(j, at + OP_HDR, op->args.raw, uv_op_args_size(op->op));
		at += op_bytes(op);
	}
	resp->data_size += need;
	resp->count++;
	return true;
}

int journal_read(const struct db_journal *j, uint64_t since, struct uv_response *resp)
{
	uint64_t after = since ? since : 1; /* generation 1 is the boot state: no record */
	uint32_t at = j->tail;
	struct jrec r;

	resp->next = since;
	if (j->count && j->first > after + 1) {
		bh_snprintf(resp->reason, sizeof(resp->reason), "the journal starts at generation "
			    "%lu; generations %lu-%lu are no longer kept (read the state instead)",
			    (unsigned long)j->first, (unsigned long)(after + 1),
			    (unsigned long)(j->first - 1));
		return -BH_ERANGE;
	}
	for (uint32_t n = 0; n < j->count; n++, at = (at + r.size) % DB_JOURNAL_BYTES) {
		ring_get(j, at, &r, sizeof(r));
		if (r.generation <= since)
			continue;
		if (!emit(j, at, &r, resp)) {
			resp->flags |= UV_RESP_MORE;
			break;
		}
		resp->next = r.generation;
	}
	return 0;
}
