/* SPDX-License-Identifier: MIT */
/* blk-server.h - the I/O partition's end of a block channel (include/bulkhead/block.h).
 *
 * One struct blk_server per channel, over a struct chan the caller attached as
 * CHAN_SERVER with BH_BLK_CHAN_TYPE. The caller's loop, round-robin over its channels:
 *
 *   for each channel s:
 *           n = blk_serve(s, budget);              at most budget requests, never blocks
 *           if (n < 0) close it, log, attach again once the client laid it out afresh
 *           if (chan_need_notify(s->c)) signal the client
 *   sleep when every channel is idle (chan_prepare_wait_for(c, RX | TX) on each)
 *
 * The client is hostile: whatever it writes, blk_serve returns in bounded time, touches
 * only the region, the scratch buffer and what the backend touches, and answers each
 * request it consumed exactly once. Freestanding apart from memcpy/memset: builds in
 * partitions (newlib) and on the host. Not reentrant: one thread per server (servers run
 * by one thread may share one scratch buffer).
 */
#ifndef BH_BLK_SERVER_H
#define BH_BLK_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <bulkhead/block.h>
#include "chan/chan.h"

/* The device. Each call returns 0 or a negative value (answered as -BH_EIO). lba and
 * sectors are checked against capacity and max_sectors before any call. read() writes buf
 * and never reads it: buf lies in the shared region (the answer is built in place). */
struct blk_backend {
	void     *ctx;
	uint64_t  capacity;    /* sectors */
	uint32_t  max_sectors; /* the device's limit per request, >= 1 */
	int (*read)(void *ctx, uint64_t lba, uint32_t sectors, void *buf);
	int (*write)(void *ctx, uint64_t lba, uint32_t sectors, const void *buf);
	int (*flush)(void *ctx);
	bool      read_only;   /* every WRITE is answered -BH_EPERM before the device sees it */
};

struct blk_server_stats {
	uint64_t requests;      /* answered */
	uint64_t errors;        /* answered with a negative status */
	uint64_t bytes_read;    /* sent back by successful READs */
	uint64_t bytes_written; /* taken by successful WRITEs */
};

struct blk_server {
	struct chan *c;
	const struct blk_backend *b;
	uint8_t *scratch;      /* a private copy of one request */
	size_t   scratch_size;
	uint32_t max_sectors;  /* the device's limit and what the channel carries, >= 1 */
	struct blk_server_stats stats;
};

/* Binds a server to an attached channel and a backend. scratch: private memory of at
 * least chan_recv_max(c) bytes, so every message can be consumed.
 * → 0, -BH_EINVAL (arguments, scratch too small), -BH_ENOSPC (the channel's geometry
 *   cannot carry one sector each way: the client laid it out wrong). */
int blk_server_init(struct blk_server *s, struct chan *c, const struct blk_backend *b,
		    void *scratch, size_t scratch_size);

/* Handles at most budget requests, in order: each is copied out once, checked, executed
 * and answered. Stops early when no request is waiting or the answer ring is full (room
 * for the answer is taken before the request is consumed, so no answer is ever dropped).
 * → requests handled (0..budget), -BH_EIO (client dead, channel dead or corrupt: close it). */
int blk_serve(struct blk_server *s, unsigned budget);

#endif
