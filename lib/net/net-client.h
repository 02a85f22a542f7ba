/* SPDX-License-Identifier: MIT */
/* net-client.h - a guest's network interface reached through two I/O partitions.
 *
 * Two net channels (include/bulkhead/net.h), path 0 and path 1, lead to the switches of
 * two I/O partitions. The client lays both out, sends every frame on the active path and
 * receives on both:
 *
 *   path:  DEAD --laid out--> DOWN --server attached--> UP
 *            ^                  |                        |
 *            +--- channel dead, corrupt, server closed or re-attached: laid out afresh
 *
 *   active path lost, the other UP  --> the other is active (NET_EV_FAILOVER)
 *   active path not UP, the other UP --> the other is active (no failover counted when
 *                                        the old one never carried a frame)
 *   active path carried nothing yet, path 0 UP --> path 0 is active (the preferred one)
 *
 * Frames are datagrams: what was queued in a lost path's rings is lost with it (counted in
 * stats.stranded: our frames its server had not taken yet), and so is every frame sent
 * while no path is up (stats.tx_nopath). Nothing is replayed: whatever needs delivery
 * (TCP, the guest's ping) retries above. From the active path the client takes every
 * frame; from the other one only frames from other clients of that switch (not
 * BH_NET_F_UPLINK): the LAN reaches the guest through both I/O partitions' NICs, and the
 * active one's copy is the one kept.
 *
 * The server is hostile: whatever it writes, these functions return in bounded time, touch
 * only the two regions and the callers' buffers, never return more bytes than the caller's
 * buffer holds, and never crash. A message that breaks net.h is dropped and counted
 * (stats.rx_bad); the path stays (a frame is all a server can spoil). Not reentrant: one
 * thread per client, and the environment's callbacks must not call back into it.
 */
#ifndef BH_NET_CLIENT_H
#define BH_NET_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <bulkhead/net.h>
#include "chan/chan.h"

enum net_event {
	NET_EV_PATH_UP   = 1, /* a server attached to path; value 0 */
	NET_EV_PATH_LOST = 2, /* path lost, laid out afresh; value: our frames stranded in it */
	NET_EV_FAILOVER  = 3, /* path is the active one now; value: failovers so far */
};

/* The guest's environment, so the client runs in a partition and on the host alike. */
struct net_env {
	void *ctx;
	/* Wake the server of path (the signal hypercall). */
	void (*signal)(void *ctx, unsigned path);
	/* Sleep until an event or a tick. 0, or a negative value returned by net_wait. */
	int (*wait)(void *ctx);
	/* Optional (may be NULL): what happened to a path, for the log. */
	void (*log)(void *ctx, enum net_event ev, unsigned path, uint64_t value);
};

enum net_path_state {
	NET_PATH_DEAD = 0, /* not laid out: laid out again at the next chance */
	NET_PATH_DOWN = 1, /* laid out, no server attached yet: nothing is sent on it */
	NET_PATH_UP   = 2, /* a live server is attached */
};

struct net_path {
	void    *mem;  /* the region, page aligned */
	size_t   size; /* page multiple, >= BH_NET_CHAN_MIN */
	struct chan ch;
	enum net_path_state state;
};

struct net_client_stats {
	uint64_t tx;          /* frames published on the active path */
	uint64_t tx_bytes;
	uint64_t tx_full;     /* refused: the active path's ring was full (-BH_ENOSPC) */
	uint64_t tx_nopath;   /* refused: no path up (-BH_EIO) */
	uint64_t rx;          /* frames handed out */
	uint64_t rx_bytes;
	uint64_t rx_standby;  /* uplink frames from the standby path, dropped (see above) */
	uint64_t rx_bad;      /* messages breaking net.h, dropped */
	uint64_t stranded;    /* our frames lost with a path, its server never took them */
	uint64_t failovers;   /* the active path changed after it had carried frames */
	uint64_t paths_lost;
};

struct net_client {
	const struct net_env *env;
	struct net_path path[2];
	unsigned active;   /* the path frames go out on */
	unsigned rx_next;  /* the path net_recv looks at first (alternates) */
	bool     used;     /* the active path has carried a frame since it became so */
	bool     started;
	struct net_client_stats stats;
};

/* Two regions (page aligned, page multiples, >= BH_NET_CHAN_MIN) and an environment with
 * signal and wait. Touches neither region. → 0, -BH_EINVAL. */
int net_client_init(struct net_client *cl, const struct net_env *env, void *mem[2],
		    const size_t size[2]);

/* Lays both channels out; servers attach when they see them. → 0, -BH_EBUSY (started). */
int net_client_start(struct net_client *cl);

/* Notices arrivals and deaths of both paths, fails over, lays lost paths out afresh.
 * net_send, net_recv and net_wait do it too. */
void net_poll(struct net_client *cl);

/* Publishes one frame (14..1514 bytes, the destination MAC first) on the active path and
 * signals its server if it sleeps. The source MAC is the caller's business: the server
 * drops frames whose source is not the one the configuration gives this client.
 * → 0, -BH_EINVAL (length), -BH_ENOSPC (ring full: dropped), -BH_EIO (no path up:
 *   dropped). */
int net_send(struct net_client *cl, const void *frame, size_t len);

/* Copies the next frame into buf, from either UP path in turn. *path (may be NULL) gets
 * the path it came on. Looks at no more than 2 * BH_NET_SLOTS_MAX messages per call.
 * → the frame's length, -BH_ENOENT (none now), -BH_E2BIG (len < BH_NET_FRAME_MAX). */
long net_recv(struct net_client *cl, void *buf, size_t len, unsigned *path);

/* Sleeps (env->wait), announcing it on every UP path so a server signals a frame, unless
 * one is already there. → 0 or env->wait's error. */
int net_wait(struct net_client *cl);

/* The path frames go out on, or -1 when none is UP. */
int net_active(const struct net_client *cl);

#endif
