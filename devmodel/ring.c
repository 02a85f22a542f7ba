/* SPDX-License-Identifier: MIT */
/* ring.c - draining the I/O request ring (ring.h; the protocol: include/bulkhead/ioreq.h). */
#include <bulkhead/config.h>
#include "ring.h"

void dm_ring_init(struct dm_ring *r, struct bh_ioreq_ring *ring)
{
	*r = (struct dm_ring){ .ring = ring };
	r->cons = __atomic_load_n(&ring->cons, __ATOMIC_ACQUIRE);
}

static void publish(struct dm_ring *r)
{
	__atomic_store_n(&r->ring->cons, r->cons, __ATOMIC_RELEASE);
}

/* The header, once there is work: informative only (the geometry is the ABI's). */
static void check_header(struct dm_ring *r, struct board *b)
{
	uint32_t magic = __atomic_load_n(&r->ring->magic, __ATOMIC_RELAXED);
	uint32_t slots = __atomic_load_n(&r->ring->slots, __ATOMIC_RELAXED);

	r->header_checked = true;
	if (magic != BH_IOREQ_MAGIC || slots != BH_IOREQ_SLOTS)
		board_log_once(b, SAID_MAGIC, "request ring header magic %#x slots %u (expected %#x, "
			       "%u): served as the ABI lays it out", magic, slots, BH_IOREQ_MAGIC,
			       BH_IOREQ_SLOTS);
}

static void answer(struct dm_ring *r, struct board *b, const struct bh_ioreq *q,
		   uint32_t value)
{
	long rc = b->ops->answer(b->ops->ctx, q->vcpu, value, q->seq);

	if (rc < 0) {
		r->stats.answer_fail++;
		board_log_once(b, SAID_ANSWER, "BH_HC_DM_ANSWER(%u, %#x, %u) refused: %ld", q->vcpu,
			       value, q->seq, rc);
	}
}

static void handle(struct dm_ring *r, struct board *b, const struct bh_ioreq *q)
{
	bool in = q->flags & BH_IOREQ_IN;
	uint32_t mask;

	if (q->vcpu >= BH_CFG_VCPUS_MAX) {
		r->stats.bad_vcpu++;
		board_log_once(b, SAID_BAD_VCPU, "request for vCPU %u (port %#x): skipped", q->vcpu,
			       q->port);
		return;
	}
	if (q->size != 1 && q->size != 2 && q->size != 4) {
		r->stats.bad_size++;
		board_log_once(b, SAID_BAD_SIZE, "request of %u bytes at port %#x: skipped", q->size,
			       q->port);
		if (in)
			answer(r, b, q, 0xffffffffu);
		return;
	}
	mask = q->size == 4 ? 0xffffffffu : (1u << (8 * q->size)) - 1;
	if (in) {
		r->stats.in++;
		answer(r, b, q, board_in(b, q->port, q->size) & mask);
	} else {
		r->stats.out++;
		board_out(b, q->port, q->size, q->data & mask);
	}
}

unsigned dm_ring_drain(struct dm_ring *r, struct board *b, unsigned budget)
{
	uint32_t prod = __atomic_load_n(&r->ring->prod, __ATOMIC_ACQUIRE);
	unsigned n = 0;

	if (prod - r->cons > BH_IOREQ_SLOTS) {
		r->stats.resyncs++;
		board_log_once(b, SAID_RESYNC, "request ring prod %u cons %u: more than the ring "
			       "holds, resynchronised", prod, r->cons);
		r->cons = prod;
		publish(r);
		return 0;
	}
	if (prod != r->cons && !r->header_checked)
		check_header(r, b);
	for (; n < budget && r->cons != prod; n++) {
		const volatile struct bh_ioreq *slot = &r->ring->req[r->cons % BH_IOREQ_SLOTS];
		struct bh_ioreq q = { slot->port, slot->size, slot->flags, slot->vcpu, slot->data,
				      slot->seq };

		if (q.seq != r->cons) {
			r->stats.bad_seq++;
			board_log_once(b, SAID_BAD_SEQ, "request %u carries seq %u", r->cons, q.seq);
		}
		handle(r, b, &q);
		r->cons++;
		publish(r);
	}
	return n;
}

bool dm_ring_pending(const struct dm_ring *r)
{
	return __atomic_load_n(&r->ring->prod, __ATOMIC_ACQUIRE) != r->cons;
}
