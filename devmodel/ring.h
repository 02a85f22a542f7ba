/* SPDX-License-Identifier: MIT */
/* ring.h - the device model's end of its guest's I/O request ring (include/bulkhead/
 * ioreq.h): requests taken in order, each dispatched to the board, an IN answered at once
 * (BH_HC_DM_ANSWER(vcpu, value, seq) through the board's ops: the monitor matches seq with
 * the IN that vCPU waits on), cons published after each one.
 *
 * The monitor is the only other writer, but nothing read from the ring is trusted to index
 * anything: the geometry is the ABI's (BH_IOREQ_SLOTS), never the header's; a request is
 * copied once before it is looked at; prod - cons beyond the ring (the monitor started the
 * guest afresh under us) resynchronises cons to prod. A request with a size other than 1, 2
 * or 4 goes to no device and is counted; if it is an IN its vCPU is answered all ones so it
 * does not wait for ever. One whose vCPU index is beyond BH_CFG_VCPUS_MAX is counted and
 * skipped. Each of these is said once on the console.
 */
#ifndef DEVMODEL_RING_H
#define DEVMODEL_RING_H

#include <stdbool.h>
#include <stdint.h>
#include <bulkhead/ioreq.h>
#include "board.h"

struct dm_ring_stats {
	uint64_t in, out;     /* requests handled */
	uint64_t bad_size;
	uint64_t bad_vcpu;
	uint64_t bad_seq;     /* seq was not the request's number (handled all the same) */
	uint64_t answer_fail; /* BH_HC_DM_ANSWER refused */
	uint64_t resyncs;
};

struct dm_ring {
	struct bh_ioreq_ring *ring;
	uint32_t cons;        /* ours: never read back from the ring */
	bool header_checked;
	struct dm_ring_stats stats;
};

/* Starts at the ring's current cons (0 on a fresh page). */
void dm_ring_init(struct dm_ring *r, struct bh_ioreq_ring *ring);

/* Handles up to budget requests in order. → how many. */
unsigned dm_ring_drain(struct dm_ring *r, struct board *b, unsigned budget);

/* Are requests waiting? */
bool dm_ring_pending(const struct dm_ring *r);

#endif
