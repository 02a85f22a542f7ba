/* SPDX-License-Identifier: MIT */
/* db-int.h - private to ultravisor/db*.c: the transaction context and the pieces of a commit.
 *
 * db_apply() copies the state into a scratch struct db_state, runs each op on it (db-ops.c,
 * memory through db-mem.c), recomputes the derived fields, lays out every view
 * (db-layout.c), runs the config validator's invariants on the result (db-check.c) and only
 * then copies it back and journals the request (db-journal.c). Each step that refuses
 * says why through txn_fail(), which names the op.
 */
#ifndef ULTRAVISOR_DB_INT_H
#define ULTRAVISOR_DB_INT_H

#include "config/checks.h" /* cfg_size_text: sizes in messages, as the validator writes them */
#include "db.h"

#define TXN_NONE 0xff /* "no op touched this" in the per-entity op maps */

/* One transaction in progress. */
struct txn {
	struct db_state *st;        /* the scratch state the ops change */
	const struct uv_request *req;
	uint32_t origin;            /* enum uv_origin */
	int cur;                    /* op being applied; -1 at boot */
	int status;                 /* 0 or the first failure's -BH_E* */
	int failed_op;
	char *reason;
	size_t reason_len;
	/* which op last touched each entity: to name the op an invariant failure belongs to */
	uint8_t part_op[DB_PARTS_MAX];
	uint8_t chan_op[DB_CHANS_MAX];
	uint8_t dev_op[DB_DEVICES_MAX];
	uint8_t zone_op[BH_CFG_ZONES_MAX];
	uint8_t table_op[BH_CFG_TABLES];
};

/* A transaction on st (req NULL at boot); failures are described in reason. */
void txn_begin(struct txn *t, struct db_state *st, const struct uv_request *req, char *reason,
	       size_t reason_len, uint32_t origin);
/* Records the failure of op t->cur: "op <n> (<what>): <fmt...>". Returns code. */
int txn_fail(struct txn *t, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The same, blamed on op `op` (-1: no op prefix). */
int txn_fail_op(struct txn *t, int op, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void txn_touch_part(struct txn *t, const struct db_part *p);
void txn_grow_zone(struct txn *t, const struct db_part *p);
void txn_touch_chan(struct txn *t, const struct db_chan *c);
void txn_touch_dev(struct txn *t, uint32_t dev);
/* "assign memory to guest-1" */
void op_describe(const struct uv_op *op, char *buf, size_t len);

/* db.c: lookups on any state (the scratch one included), slots, derived fields */
struct db_part *st_part(struct db_state *st, const char *name);
struct db_part *st_part_id(struct db_state *st, uint32_t id);
struct db_chan *st_chan(struct db_state *st, const char *name);
uint32_t st_device(const struct db_state *st, const char *name); /* index or BH_CFG_NONE */
uint32_t st_zone(const struct db_state *st, const char *name);
void st_derive(struct db_state *st);
bool str_ok(const char *s, size_t size); /* NUL inside the field */
void str_set(char *dst, size_t size, const char *src); /* copy, zero the rest */

/* db-ops.c */
int op_apply(struct txn *t, const struct uv_op *op);
int op_check_shape(struct txn *t, const struct uv_op *op);
void part_release_all(struct txn *t, struct db_part *p);

/* db-mem.c: extents. Allocations fail through txn_fail with the shortfall named. */
int mem_alloc_part(struct txn *t, struct db_part *p, uint64_t bytes, uint64_t phys_base);
int mem_release_part(struct txn *t, struct db_part *p, uint64_t bytes);
int mem_alloc_chan(struct txn *t, struct db_chan *c);
void mem_free_owner(struct db_state *st, uint32_t owner, uint32_t id);
uint64_t mem_owned(const struct db_state *st, uint32_t owner, uint32_t id);
uint32_t mem_regions(const struct db_state *st, uint32_t id); /* RAM extents of a partition */
uint64_t mem_free_usable(const struct db_state *st, uint64_t align);
void mem_init(struct db_state *st);

/* db-layout.c: channel GPAs and the limits of a view; db_view() */
int layout_all(struct txn *t);

/* db-check.c: the config validator's invariants on the state */
int check_state(struct txn *t);

/* db-journal.c */
void journal_append(struct db_journal *j, uint64_t generation, const struct uv_request *req,
		    uint32_t origin);
int journal_read(const struct db_journal *j, uint64_t since, struct uv_response *resp);

/* db-query.c */
int query_partitions(const struct db_state *st, uint64_t from, struct uv_response *resp);
int query_resources(const struct db_state *st, uint64_t from, struct uv_response *resp);


static inline uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static inline uint64_t align_down(uint64_t v, uint64_t a)
{
	return v & ~(a - 1);
}

static inline bool ranges_overlap(uint64_t a, uint64_t an, uint64_t b, uint64_t bn)
{
	return a < b + bn && b < a + an;
}

#endif
