/* SPDX-License-Identifier: MIT */
/* netswitch.h - the I/O partition's Ethernet switch (docs/net.md): ports are the NIC (the
 * uplink, port 0) and one per net channel the partition serves (client ports).
 *
 *                 +---------------------- netswitch -----------------------+
 *   NIC  <------> | port 0 uplink: learns source MACs                      |
 *                 | port 1 client, MAC from the info page  <--> net channel | <--> guest
 *                 | port 2 client ...                      <--> net channel | <--> guest
 *                 +--------------------------------------------------------+
 *
 * Forwarding (one frame, nsw_forward):
 *   from a client: source MAC not the port's own      -> dropped, counted (forged)
 *                  broadcast / multicast destination  -> every other client port + uplink
 *                  another client port's MAC          -> that port only
 *                  the port's own MAC                 -> dropped (looped)
 *                  any other unicast                  -> the uplink only (never flooded
 *                                                        to clients; counted unknown when
 *                                                        not learned on the uplink)
 *   from the uplink: source MAC of a local client     -> dropped (looped: our own frame
 *                                                        back from the LAN, or a spoof)
 *                  broadcast / multicast              -> every client port
 *                  a client port's MAC                -> that port only
 *                  any other unicast                  -> dropped (filtered: not ours)
 * Frames leaving through a client port carry BH_NET_F_UPLINK when they came from the NIC.
 * A full egress queue drops the frame (counted on that port: drop_full).
 *
 * Fairness: nsw_round takes at most `budget` frames from each port in turn, starting one
 * port later each round, so a flooding guest gets its budget like every other port.
 *
 * Pure: no hypercall, no global; ports are reached through their ops, time is the
 * caller's, log lines go through the caller's function, rate-limited per port (burst 4,
 * then one a second, the rest counted and reported). Unit-tested in tests/unit/test_netswitch.c.
 */
#ifndef IOPART_NETSWITCH_H
#define IOPART_NETSWITCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <bulkhead/net.h>
#include <bulkhead/partition.h>
#include "monitor/ratelimit.h"

#define NSW_UPLINK    0
#define NSW_PORTS     (1 + BH_INFO_MEM_MAX) /* the uplink and one per info-page channel */
#define NSW_FDB       64                    /* MACs learned on the uplink */
#define NSW_AGE_NS    300000000000ull       /* a learned MAC is forgotten after 300 s */
#define NSW_NAME      32

struct nsw_port_ops {
	/* The port's next frame, copied into buf (len >= BH_NET_FRAME_MAX): its length,
	 * -BH_ENOENT (none now) or -BH_EIO (the port broke: it goes down). */
	long (*recv)(void *ctx, void *buf, size_t len);
	/* Queue one frame out of the port (flags: BH_NET_F_UPLINK or 0, client ports only).
	 * → 0, -BH_ENOSPC (full: the frame is dropped), -BH_EIO (broke: the port goes down). */
	int (*send)(void *ctx, const void *frame, size_t len, unsigned flags);
};

struct nsw_port_stats {
	uint64_t rx, rx_bytes;   /* frames taken in */
	uint64_t tx, tx_bytes;   /* frames queued out */
	uint64_t forged;         /* in: a client's frame with another source MAC */
	uint64_t bad;            /* in: shorter than an Ethernet header */
	uint64_t looped;         /* in: to its own MAC, or (uplink) from a local client's MAC */
	uint64_t filtered;       /* in (uplink): unicast for no client of ours */
	uint64_t unknown;        /* in (client): unicast to a MAC not learned, sent up */
	uint64_t nodest;         /* in: nowhere to go (no uplink, port down) */
	uint64_t drop_full;      /* out: the port's queue was full */
};

struct nsw_port {
	const struct nsw_port_ops *ops; /* NULL: the slot is unused */
	void    *ctx;
	bool     up;                    /* frames go out and come in */
	bool     client;
	uint8_t  mac[BH_NET_MAC_LEN];   /* client ports: the configuration's, trusted */
	char     name[NSW_NAME];
	struct nsw_port_stats stats;
	struct ratelimit rl;            /* this port's log lines */
};

struct nsw_fdb_entry {
	uint8_t  mac[BH_NET_MAC_LEN];
	bool     used;
	uint64_t seen_ns;
};

struct netswitch {
	struct nsw_port port[NSW_PORTS];
	unsigned next;                  /* where the next round starts */
	uint64_t now_ns;                /* as of the current round */
	struct nsw_fdb_entry fdb[NSW_FDB];
	void (*log)(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
	uint8_t frame[BH_NET_FRAME_MAX]; /* the frame being forwarded: a private copy */
};

/* log may be NULL. */
void nsw_init(struct netswitch *sw, void (*log)(const char *fmt, ...));

/* Port 0, down until nsw_port_up. → 0, -BH_EINVAL, -BH_EEXIST (there is one). */
int nsw_add_uplink(struct netswitch *sw, const struct nsw_port_ops *ops, void *ctx,
		   const char *name);

/* A client port with its MAC (unicast, not zero, not another port's), down until
 * nsw_port_up. → the port's index (1..NSW_PORTS-1), -BH_EINVAL (MAC), -BH_EEXIST (MAC
 * taken), -BH_ENOSPC. */
int nsw_add_client(struct netswitch *sw, const uint8_t mac[BH_NET_MAC_LEN],
		   const struct nsw_port_ops *ops, void *ctx, const char *name);

void nsw_port_up(struct netswitch *sw, unsigned port, bool up);

/* Takes at most budget frames from each up port in turn and forwards them.
 * → frames taken. Ports whose ops return -BH_EIO are down afterwards. */
unsigned nsw_round(struct netswitch *sw, unsigned budget, uint64_t now_ns);

/* One frame of len bytes that came in on port `in` (copied in sw->frame or elsewhere:
 * frame must be private memory), forwarded by the rules above. */
void nsw_forward(struct netswitch *sw, unsigned in, const uint8_t *frame, size_t len);

/* Is mac learned on the uplink (and not aged out)? */
bool nsw_learned(const struct netswitch *sw, const uint8_t mac[BH_NET_MAC_LEN]);

/* "<name>: rx N tx N forged N ..." for port i into buf. */
void nsw_port_line(const struct netswitch *sw, unsigned i, char *buf, size_t len);

#endif
