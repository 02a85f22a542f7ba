/* SPDX-License-Identifier: MIT */
/* net-server.c - the I/O partition's end of a net channel (net-server.h). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <bulkhead/errno.h>
#include "net/net-server.h"

#define HDR sizeof(struct bh_net_hdr)

int net_server_init(struct net_server *s, struct chan *c)
{
	if (!s || !c)
		return -BH_EINVAL;
	if (chan_send_max(c) < BH_NET_MSG_MAX || chan_recv_max(c) < BH_NET_MSG_MAX)
		return -BH_ENOSPC;
	*s = (struct net_server){ .c = c };
	return 0;
}

/* A message's header, copied once: what net.h allows a client to send. */
static bool valid(const struct bh_net_hdr *h, long n)
{
	return n >= (long)(HDR + BH_NET_FRAME_MIN) && n <= (long)BH_NET_MSG_MAX &&
	       h->type == BH_NET_FRAME && !h->flags && !h->reserved_0x04;
}

long net_server_recv(struct net_server *s, void *buf, size_t len)
{
	if (len < BH_NET_FRAME_MAX)
		return -BH_E2BIG;
	for (unsigned look = 0; look < BH_NET_SLOTS_MAX; look++) {
		const uint8_t *msg = NULL;
		struct bh_net_hdr h = { 0 };
		long n = chan_recv_begin(s->c, (const void **)&msg);

		if (n < 0)
			return n;
		if (n >= (long)HDR)
			memcpy(&h, msg, HDR);
		if (!valid(&h, n)) {
			s->stats.rx_bad++;
			chan_recv_end(s->c);
			continue;
		}
		n -= (long)HDR;
		memcpy(buf, msg + HDR, (size_t)n); /* once: the switch reads only this copy */
		chan_recv_end(s->c);
		s->stats.rx++;
		s->stats.rx_bytes += (uint64_t)n;
		return n;
	}
	return -BH_ENOENT;
}

int net_server_send(struct net_server *s, const void *frame, size_t len, unsigned flags)
{
	struct bh_net_hdr h = { .type = BH_NET_FRAME, .flags = (uint16_t)flags };
	uint8_t *buf;
	int r;

	if (len < BH_NET_FRAME_MIN || len > BH_NET_FRAME_MAX || (flags & ~BH_NET_F_UPLINK))
		return -BH_EINVAL;
	r = chan_send_begin(s->c, HDR + len, (void **)&buf);
	if (r == -BH_ENOSPC)
		s->stats.tx_full++;
	if (r)
		return r == -BH_ENOSPC ? r : -BH_EIO;
	memcpy(buf, &h, HDR);
	memcpy(buf + HDR, frame, len);
	chan_send_commit(s->c, HDR + len);
	s->stats.tx++;
	s->stats.tx_bytes += len;
	return 0;
}
