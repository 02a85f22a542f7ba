/* SPDX-License-Identifier: MIT */
/* blk-client.h - the guest's end of a block device reached through two I/O partitions.
 *
 * Two block channels (include/bulkhead/block.h), path 0 and path 1, lead to two servers
 * exporting the same disk. The client lays both out, sends every request on the active
 * path, and keeps each request in a table until its answer arrives:
 *
 *   FREE --submit--> QUEUED --sent on the active path--> SENT --valid answer--> DONE
 *                      ^                                  |                      |
 *                      +------ active path lost: replay --+      blk_poll / sync call
 *   QUEUED, no path up, deadline passed --> DONE (-BH_EIO)               --> FREE
 *
 * A path is lost when its channel is dead or corrupt (the ultravisor wrote BH_CHAN_DEAD,
 * the server closed or re-attached) or when its server breaks the protocol (an answer with
 * an unknown id, a wrong sector count or length, a status outside block.h). A lost path is
 * laid out afresh at once, so its server can come back and attach as a standby. When the
 * active path is lost, its requests go back to QUEUED and are sent again, in submission
 * order, on the other path as soon as that path's server is attached (a failover); until
 * a path is up again they wait, each until its own deadline.
 *
 * Replay contract (docs/block.md): a write the lost server applied without answering is
 * applied again by the other server, with the same data at the same place; that is not
 * observable because no request overlapping a write is ever in flight with it (submit
 * refuses with -BH_EBUSY), and because the caller's buffer stays untouched until the
 * request is DONE. A request that fails by its deadline (-BH_EIO) may or may not have been
 * applied.
 *
 * The server is hostile: whatever it writes, these functions return in bounded time (a
 * synchronous call waits as long as a live server leaves a request unanswered: declaring
 * a silent server dead is the ultravisor's watchdog's job), touch only the two regions,
 * the scratch buffer and the callers' buffers, and never crash. Not reentrant: one thread
 * per client, and the environment's callbacks must not call back into it.
 */
#ifndef BH_BLK_CLIENT_H
#define BH_BLK_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <bulkhead/block.h>
#include "chan/chan.h"

#define BLK_INFLIGHT 16 /* requests in the table: at most one ring of them */
_Static_assert(BLK_INFLIGHT <= BH_BLK_SLOTS, "every request in flight fits the ring");

enum blk_event {
	BLK_EV_PATH_UP   = 1, /* a server attached to path; value 0 */
	BLK_EV_PATH_LOST = 2, /* path lost, laid out afresh; value enum blk_why */
	BLK_EV_FAILOVER  = 3, /* path is the active one now; value: requests to replay */
};

enum blk_why {
	BLK_WHY_DEAD     = 1, /* channel dead or corrupt, server closed or re-attached */
	BLK_WHY_PROTOCOL = 2, /* the server's answer broke block.h */
};

/* The guest's environment, so the client runs in a partition and on the host alike. */
struct blk_env {
	void *ctx;
	/* Wake the server of path (the signal hypercall). */
	void (*signal)(void *ctx, unsigned path);
	/* Sleep until an event or the next tick of now(). 0, or a negative value that makes a
	 * synchronous call give up with it (its request stays in the table for blk_poll). */
	int (*wait)(void *ctx);
	/* A monotonic clock, in the unit of every deadline. */
	uint64_t (*now)(void *ctx);
	/* Optional (may be NULL): what happened to a path, for the log. */
	void (*log)(void *ctx, enum blk_event ev, unsigned path, uint64_t value);
};

enum blk_path_state {
	BLK_PATH_DEAD = 0, /* not laid out: laid out again at the next chance */
	BLK_PATH_DOWN = 1, /* laid out, no server attached yet: nothing is sent on it */
	BLK_PATH_UP   = 2, /* a live server is attached */
};

struct blk_path {
	void    *mem;  /* the region, page aligned */
	size_t   size; /* page multiple, >= BH_BLK_CHAN_MIN */
	struct chan ch;
	enum blk_path_state state;
};

enum blk_req_state {
	BLK_REQ_FREE   = 0,
	BLK_REQ_QUEUED = 1, /* to be sent on the active path */
	BLK_REQ_SENT   = 2, /* on the active path, unanswered */
	BLK_REQ_DONE   = 3, /* answered or expired; status is the outcome */
};

struct blk_req {
	uint64_t    id;       /* 1, 2, ...: never reused */
	uint64_t    lba;
	uint64_t    deadline; /* while no path is up, waits until env->now() >= this */
	const void *wbuf;     /* WRITE: the caller's data, re-sent on a replay */
	void       *rbuf;     /* READ: where the data go */
	uint32_t    op;       /* enum bh_blk_op */
	uint32_t    sectors;
	int         status;
	uint8_t     state;    /* enum blk_req_state */
	bool        replay;   /* requeued by a lost path: counted when sent again */
};

/* A finished request, as blk_poll hands it out. */
struct blk_done {
	uint64_t id;
	int      status; /* 0 or -BH_E* (the server's, or -BH_EIO past the deadline) */
};

struct blk_client_stats {
	uint64_t failovers;  /* the active path changed after it had carried requests */
	uint64_t replays;    /* requests sent again after a lost path */
	uint64_t paths_lost; /* BLK_EV_PATH_LOST events */
	uint64_t completed;  /* requests DONE */
	uint64_t errors;     /* of them with a negative status */
};

struct blk_client {
	const struct blk_env *env;
	struct blk_path path[2];
	unsigned active;       /* the path requests go to */
	bool     used;         /* the active path has carried a request since it became so */
	bool     connected;
	uint64_t next_id;
	uint64_t capacity;     /* sectors, from INFO */
	uint32_t info_max;     /* the server's max_sectors, from INFO */
	uint32_t max_sectors;  /* per request: INFO's, both channels' and the scratch's limit */
	uint8_t *scratch;      /* one answer, copied out of the channel */
	size_t   scratch_size;
	struct blk_req req[BLK_INFLIGHT];
	struct blk_client_stats stats;
};

/* Two regions (page aligned, page multiples, >= BH_BLK_CHAN_MIN), a scratch buffer of at
 * least BH_BLK_SECTOR + 32 bytes (a request carries at most what its answer fits there),
 * and an environment with signal, wait and now. Touches neither region.
 * → 0, -BH_EINVAL. */
int blk_client_init(struct blk_client *cl, const struct blk_env *env, void *mem[2],
		    const size_t size[2], void *scratch, size_t scratch_size);

/* Lays out both channels, attaches to both, and asks INFO on the first path whose server
 * attaches, waiting until deadline for one. Then capacity and max_sectors are known.
 * → 0, -BH_EIO (no server by the deadline, or INFO failed), -BH_ENOSPC (no request can
 *   carry a sector), -BH_EBUSY (connected already), or env->wait's error. */
int blk_client_connect(struct blk_client *cl, uint64_t deadline);
/* The same, preferring path 0: until `prefer` (<= deadline) it waits for path 0's server
 * before it settles for path 1's. */
int blk_client_connect_prefer(struct blk_client *cl, uint64_t prefer, uint64_t deadline);

/* Asynchronous: queue a request and send it if a path is up. buf (sectors * 512 bytes)
 * must stay valid and, for a write, unchanged, until the request is DONE.
 * → the request's id (> 0), -BH_EINVAL (not connected, sectors 0, buf NULL), -BH_E2BIG
 *   (sectors > max_sectors), -BH_ERANGE (past capacity), -BH_EBUSY (overlaps a request in
 *   flight and one of the two is a write), -BH_ENOSPC (BLK_INFLIGHT requests not yet
 *   handed back). */
int64_t blk_submit_read(struct blk_client *cl, uint64_t lba, uint32_t sectors, void *buf,
			uint64_t deadline);
int64_t blk_submit_write(struct blk_client *cl, uint64_t lba, uint32_t sectors,
			 const void *buf, uint64_t deadline);
int64_t blk_submit_flush(struct blk_client *cl, uint64_t deadline);

/* Does everything due: collects answers, notices lost and returning paths, fails over and
 * replays, sends what is queued, expires what waited too long. Then hands out at most max
 * finished requests, oldest first, and frees their entries. → how many (0..max). */
int blk_poll(struct blk_client *cl, struct blk_done *done, unsigned max);

/* Sleeps, announcing it on the active path so its server signals an answer (unless one is
 * already there). → 0 or env->wait's error. */
int blk_wait(struct blk_client *cl);

/* Synchronous, in pieces of at most max_sectors, one at a time (so requests the caller has
 * in flight keep their answers for blk_poll). → 0, a submit error, the server's error,
 * -BH_EIO (no path up by deadline), or env->wait's error. */
int blk_read(struct blk_client *cl, uint64_t lba, uint32_t sectors, void *buf,
	     uint64_t deadline);
int blk_write(struct blk_client *cl, uint64_t lba, uint32_t sectors, const void *buf,
	      uint64_t deadline);
int blk_flush(struct blk_client *cl, uint64_t deadline);

#endif
