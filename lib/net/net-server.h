/* SPDX-License-Identifier: MIT */
/* net-server.h - the I/O partition's end of a net channel (include/bulkhead/net.h).
 *
 * One struct net_server per channel, over a struct chan the caller attached as
 * CHAN_SERVER with BH_NET_CHAN_TYPE. It moves frames; what goes where (and whether a
 * frame's source MAC is the client's) is the switch's business (iopart/netswitch.c):
 *
 *   n = net_server_recv(s, buf, sizeof(buf))   the client's next frame, copied out once
 *   net_server_send(s, frame, len, flags)      a frame for the client; -BH_ENOSPC: dropped
 *   if (chan_need_notify(s->c)) signal the client
 *
 * The client is hostile: whatever it writes, these return in bounded time, touch only the
 * region and the caller's buffer, and never return more bytes than the buffer holds. A
 * message that breaks net.h is consumed, dropped and counted; a corrupt or dead channel
 * gives -BH_EIO (close it, attach again once the client lays it out afresh). Freestanding
 * apart from memcpy: builds in partitions (newlib) and on the host. Not reentrant.
 */
#ifndef BH_NET_SERVER_H
#define BH_NET_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <bulkhead/net.h>
#include "chan/chan.h"

struct net_server_stats {
	uint64_t rx;       /* frames taken from the client */
	uint64_t rx_bytes;
	uint64_t rx_bad;   /* messages breaking net.h, dropped */
	uint64_t tx;       /* frames published for the client */
	uint64_t tx_bytes;
	uint64_t tx_full;  /* frames dropped: the client's ring was full */
};

struct net_server {
	struct chan *c;
	struct net_server_stats stats;
};

/* Binds a server to an attached channel. → 0, -BH_EINVAL, -BH_ENOSPC (a ring cannot carry
 * a whole frame: the client laid the channel out wrong). */
int net_server_init(struct net_server *s, struct chan *c);

/* The client's next valid frame into buf (len >= BH_NET_FRAME_MAX), its header stripped.
 * Looks at no more than BH_NET_SLOTS_MAX messages. → the frame's length, -BH_ENOENT (none),
 * -BH_E2BIG (len too small), -BH_EIO (client dead, channel dead or corrupt). */
long net_server_recv(struct net_server *s, void *buf, size_t len);

/* Publishes one frame (BH_NET_FRAME_MIN..MAX bytes) for the client with flags
 * (BH_NET_F_UPLINK or 0). → 0, -BH_EINVAL, -BH_ENOSPC (ring full: dropped, counted),
 * -BH_EIO. */
int net_server_send(struct net_server *s, const void *frame, size_t len, unsigned flags);

#endif
