/* SPDX-License-Identifier: MIT */
/* db_test.h - helpers for the resource-database tests: example blobs, request builders,
 * apply-and-expect, and an invariant checker written apart from the database's own code. */
#ifndef TESTS_UNIT_DB_TEST_H
#define TESTS_UNIT_DB_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/errno.h>
#include "config/validate.h"
#include "monitor/view.h"
#include "ultravisor/db.h"

#include "example_blob.h"

#define MIB (1024ull * 1024)
#define KIB 1024ull

static _Alignas(8) uint8_t blob_buf[BH_CFG_BLOB_MAX];
static size_t blob_len;

/* Reads build/examples/<name>.bin into blob_buf. */
static inline void load_example(const char *name)
{
	blob_len = example_blob(DB_EXAMPLES_DIR, name, blob_buf, sizeof(blob_buf));
}

static inline void boot(struct db *db, const char *name)
{
	char err[256] = "";
	int r;

	load_example(name);
	r = db_init_from_blob(db, blob_buf, blob_len, err, sizeof(err));
	if (r)
		print_message("boot %s: %d %s\n", name, r, err);
	assert_int_equal(r, 0);
}

/* Request building: rq_begin(), then one rq_* per op. */
static inline void rq_begin(struct uv_request *rq, uint64_t id)
{
	memset(rq, 0, sizeof(*rq));
	rq->magic = UV_REQ_MAGIC;
	rq->version = UV_VERSION;
	rq->kind = UV_REQ_TXN;
	rq->request_id = id;
}

static inline struct uv_op *rq_op(struct uv_request *rq, uint16_t code, const char *name)
{
	struct uv_op *op = &rq->ops[rq->op_count++];

	memset(op, 0, sizeof(*op));
	op->op = code;
	snprintf(op->name, sizeof(op->name), "%s", name);
	return op;
}

static inline void rq_create(struct uv_request *rq, const char *name, uint32_t kind,
			     const char *zone, uint32_t cpu, uint64_t memory)
{
	struct uv_create *c = &rq_op(rq, UV_OP_CREATE, name)->args.create;

	c->kind = kind;
	snprintf(c->zone, sizeof(c->zone), "%s", zone);
	c->vcpus = 1;
	c->cpus[0] = (uint8_t)cpu;
	c->memory = memory;
	c->restart = BH_CFG_RESTART_STOP;
	snprintf(c->image, sizeof(c->image), "guest-pv");
}

static inline void rq_memory(struct uv_request *rq, uint16_t code, const char *name, uint64_t bytes)
{
	rq_op(rq, code, name)->args.memory.bytes = bytes;
}

static inline void rq_cpu(struct uv_request *rq, uint16_t code, const char *name, uint32_t cpu)
{
	rq_op(rq, code, name)->args.cpu.cpu = cpu;
}

static inline void rq_device(struct uv_request *rq, uint16_t code, const char *name,
			     const char *dev)
{
	snprintf(rq_op(rq, code, name)->args.device.device, UV_NAME_LEN, "%s", dev);
}

static inline void rq_channel(struct uv_request *rq, const char *name, uint32_t type,
			      const char *server, const char *client, const char *device,
			      uint64_t size)
{
	struct uv_channel *c = &rq_op(rq, UV_OP_ASSIGN_CHANNEL, name)->args.channel;

	c->type = type;
	c->size = size;
	snprintf(c->server, sizeof(c->server), "%s", server);
	snprintf(c->client, sizeof(c->client), "%s", client);
	snprintf(c->device, sizeof(c->device), "%s", device);
}

static struct uv_response resp;
static struct db before;

/* One op request, applied with origin; returns the status. */
static inline void must_commit(struct db *db, const struct uv_request *rq, uint32_t origin)
{
	uint64_t gen = db->st.generation;
	int r = db_apply_as(db, rq, &resp, origin);

	if (r)
		print_message("unexpected rejection %d: %s\n", r, resp.reason);
	assert_int_equal(r, 0);
	assert_int_equal(resp.failed_op, -1);
	assert_int_equal(resp.generation, gen + 1);
	assert_int_equal(db->st.generation, gen + 1);
}

/* The request must fail at op `op` with `code`, leaving db byte-identical, and the reason
 * must be exactly `reason` (or contain it, when it starts with '~'). */
static inline void must_reject(struct db *db, const struct uv_request *rq, uint32_t origin,
			       int code, int op, const char *reason)
{
	int r;

	memcpy(&before, db, sizeof(before));
	r = db_apply_as(db, rq, &resp, origin);
	if (r != code || resp.failed_op != op ||
	    (reason[0] == '~' ? !strstr(resp.reason, reason + 1) : strcmp(resp.reason, reason)))
		print_message("got %d op %d \"%s\"\nwant %d op %d \"%s\"\n", r, resp.failed_op,
			      resp.reason, code, op, reason);
	assert_int_equal(r, code);
	assert_int_equal(resp.status, code);
	assert_int_equal(resp.failed_op, op);
	assert_int_equal(resp.generation, db->st.generation);
	if (reason[0] == '~')
		assert_non_null(strstr(resp.reason, reason + 1));
	else
		assert_string_equal(resp.reason, reason);
	assert_memory_equal(&before, db, sizeof(before));
}

/* Lifecycle shortcut: one op as the ultravisor (events) or the client, which must commit. */
static inline void step(struct db *db, uint16_t code, const char *name)
{
	struct uv_request rq;

	rq_begin(&rq, 2);
	rq_op(&rq, code, name);
	must_commit(db, &rq, code >= UV_OP_EV_LOADED ? UV_ORIGIN_ULTRAVISOR : UV_ORIGIN_CLIENT);
}

static inline uint32_t part_state(const struct db *db, const char *name)
{
	const struct db_part *p = db_part_by_name(&db->st, name);

	assert_non_null(p);
	return p->state;
}

#include "db_invariants.h"

#endif
