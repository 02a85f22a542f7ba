/* SPDX-License-Identifier: MIT */
/* net-client.c - a guest's network interface over two paths: path states, failover, the
 * standby path's filter (net-client.h).
 *
 * Invariants: nothing is ever sent on a path that is not UP (so a channel laid out afresh
 * holds no frame of ours for a returning server); the active path changes only in
 * select_active(). Hostile-server rules: a message's header is copied out of the channel
 * once, into a local, and checked before its frame is copied, once, to the caller's
 * buffer; every loop is bounded by constants, never by what the server wrote.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <bulkhead/errno.h>
#include "net/net-client.h"

#define HDR sizeof(struct bh_net_hdr)

static const uint8_t *net_type(void)
{
	return (const uint8_t *)BH_NET_CHAN_TYPE;
}

static void log_ev(struct net_client *cl, enum net_event ev, unsigned path, uint64_t value)
{
	if (cl->env->log)
		cl->env->log(cl->env->ctx, ev, path, value);
}

/* ---- Paths ----------------------------------------------------------------------------- */

/* net.h: the client lays the channel out, at its start and after each death, with the
 * most slots whose buffers hold a whole message (chan_init's geometry decides). */
static void path_layout(struct net_client *cl, unsigned i)
{
	struct net_path *p = &cl->path[i];

	p->state = NET_PATH_DEAD; /* until both steps succeed; retried by net_poll() */
	for (uint32_t n = BH_NET_SLOTS_MAX; n >= BH_NET_SLOTS_MIN; n /= 2) {
		if (chan_init(p->mem, p->size, net_type(), BH_NET_SLOT_SIZE, n) ||
		    chan_attach(&p->ch, p->mem, p->size, CHAN_CLIENT, net_type()))
			continue;
		if (chan_send_max(&p->ch) >= BH_NET_MSG_MAX && chan_recv_max(&p->ch) >= BH_NET_MSG_MAX) {
			p->state = NET_PATH_DOWN;
			return;
		}
	}
}

/* Our frames the server had not taken when the path was lost: its consumer index, loaded
 * once, must lie between the last one we saw and our own position; else we count all
 * that may have been left (the server scribbled it: the difference is its loss). */
static uint32_t stranded(const struct chan *c)
{
	const struct chan_ring *r = &c->tx;
	uint32_t cons = __atomic_load_n(r->cons, __ATOMIC_ACQUIRE);

	if (cons - r->seen > r->pos - r->seen)
		cons = r->seen;
	return r->pos - cons;
}

/* The active path changes when it is not UP and the other is; and, as long as it has
 * carried nothing, to path 0 (the preferred one) when that is UP. */
static void select_active(struct net_client *cl)
{
	unsigned other = !cl->active;

	if (!cl->used && cl->active && cl->path[0].state == NET_PATH_UP) {
		cl->active = 0;
		return;
	}
	if (cl->path[cl->active].state == NET_PATH_UP || cl->path[other].state != NET_PATH_UP)
		return;
	cl->active = other;
	if (cl->used) {
		cl->stats.failovers++;
		log_ev(cl, NET_EV_FAILOVER, other, cl->stats.failovers);
	}
	cl->used = false;
}

static void path_lost(struct net_client *cl, unsigned i)
{
	uint32_t n = cl->path[i].state == NET_PATH_UP ? stranded(&cl->path[i].ch) : 0;

	cl->stats.stranded += n;
	cl->stats.paths_lost++;
	log_ev(cl, NET_EV_PATH_LOST, i, n);
	path_layout(cl, i);
	select_active(cl);
}

static void refresh_path(struct net_client *cl, unsigned i)
{
	struct net_path *p = &cl->path[i];

	switch (p->state) {
	case NET_PATH_DEAD:
		path_layout(cl, i);
		break;
	case NET_PATH_DOWN:
		if (chan_peer_alive(&p->ch)) {
			p->state = NET_PATH_UP;
			log_ev(cl, NET_EV_PATH_UP, i, 0);
		} else if (p->ch.peer_dead || chan_error(&p->ch)) {
			path_lost(cl, i);
		}
		break;
	case NET_PATH_UP:
		if (!chan_peer_alive(&p->ch))
			path_lost(cl, i);
		break;
	}
}

void net_poll(struct net_client *cl)
{
	if (!cl->started)
		return;
	refresh_path(cl, 0);
	refresh_path(cl, 1);
	select_active(cl);
}

int net_active(const struct net_client *cl)
{
	return cl->path[cl->active].state == NET_PATH_UP ? (int)cl->active : -1;
}

/* ---- Set-up ---------------------------------------------------------------------------- */

static bool region_ok(const void *mem, size_t size)
{
	return mem && !((uintptr_t)mem % BH_CHAN_PAGE) && !(size % BH_CHAN_PAGE) &&
	       size >= BH_NET_CHAN_MIN;
}

int net_client_init(struct net_client *cl, const struct net_env *env, void *mem[2],
		    const size_t size[2])
{
	if (!cl || !env || !env->signal || !env->wait || !mem || !size ||
	    !region_ok(mem[0], size[0]) || !region_ok(mem[1], size[1]) || mem[0] == mem[1])
		return -BH_EINVAL;
	*cl = (struct net_client){ .env = env };
	for (unsigned i = 0; i < 2; i++)
		cl->path[i] = (struct net_path){ .mem = mem[i], .size = size[i] };
	return 0;
}

int net_client_start(struct net_client *cl)
{
	if (cl->started)
		return -BH_EBUSY;
	cl->started = true;
	path_layout(cl, 0);
	path_layout(cl, 1);
	return 0;
}

/* ---- Frames ---------------------------------------------------------------------------- */

int net_send(struct net_client *cl, const void *frame, size_t len)
{
	struct bh_net_hdr h = { .type = BH_NET_FRAME };
	struct net_path *p;
	uint8_t *buf;
	int r;

	if (len < BH_NET_FRAME_MIN || len > BH_NET_FRAME_MAX || !frame)
		return -BH_EINVAL;
	net_poll(cl);
	p = &cl->path[cl->active];
	if (p->state != NET_PATH_UP) {
		cl->stats.tx_nopath++;
		return -BH_EIO;
	}
	r = chan_send_begin(&p->ch, HDR + len, (void **)&buf);
	if (r == -BH_ENOSPC) {
		cl->stats.tx_full++;
		return r;
	}
	if (r) { /* dead or corrupt since net_poll: the next poll loses the path */
		cl->stats.tx_nopath++;
		return -BH_EIO;
	}
	memcpy(buf, &h, HDR); /* write only: never read back from the region */
	memcpy(buf + HDR, frame, len);
	chan_send_commit(&p->ch, HDR + len);
	cl->used = true;
	cl->stats.tx++;
	cl->stats.tx_bytes += len;
	if (chan_need_notify(&p->ch))
		cl->env->signal(cl->env->ctx, cl->active);
	return 0;
}

/* One message of path i, taken off the ring whatever it holds. → the frame's length in
 * buf, 0 (dropped: bad or filtered), -BH_ENOENT (none), -BH_EIO (the path broke). */
static long take(struct net_client *cl, unsigned i, uint8_t *buf)
{
	struct chan *c = &cl->path[i].ch;
	const uint8_t *msg = NULL;
	struct bh_net_hdr h;
	long n = chan_recv_begin(c, (const void **)&msg), len;

	if (n < 0)
		return n;
	len = n - (long)HDR;
	if (n < (long)HDR)
		goto bad;
	memcpy(&h, msg, HDR); /* once: the checks and the filter use the copy */
	if (h.type != BH_NET_FRAME || (h.flags & ~BH_NET_F_UPLINK) || h.reserved_0x04 ||
	    len < (long)BH_NET_FRAME_MIN || len > (long)BH_NET_FRAME_MAX)
		goto bad;
	if (i != cl->active && (h.flags & BH_NET_F_UPLINK)) {
		cl->stats.rx_standby++;
		chan_recv_end(c);
		return 0;
	}
	memcpy(buf, msg + HDR, (size_t)len);
	chan_recv_end(c);
	return len;
bad:
	cl->stats.rx_bad++;
	chan_recv_end(c);
	return 0;
}

long net_recv(struct net_client *cl, void *buf, size_t len, unsigned *path)
{
	bool empty[2] = { false, false };

	if (len < BH_NET_FRAME_MAX)
		return -BH_E2BIG;
	net_poll(cl);
	for (unsigned look = 0; look < 2 * BH_NET_SLOTS_MAX && !(empty[0] && empty[1]); look++) {
		unsigned i = cl->rx_next;
		long n = -BH_ENOENT;

		cl->rx_next = !i; /* alternate, so neither path starves the other */
		if (empty[i])
			continue;
		if (cl->path[i].state == NET_PATH_UP)
			n = take(cl, i, buf);
		if (cl->path[i].state == NET_PATH_UP && chan_need_notify(&cl->path[i].ch))
			cl->env->signal(cl->env->ctx, i);
		if (n > 0) {
			cl->stats.rx++;
			cl->stats.rx_bytes += (uint64_t)n;
			if (path)
				*path = i;
			return n;
		}
		if (n == -BH_EIO) /* dead or corrupt: lost, laid out afresh */
			refresh_path(cl, i);
		empty[i] = n < 0;
	}
	select_active(cl);
	return -BH_ENOENT;
}

int net_wait(struct net_client *cl)
{
	bool sleep = true;
	int e;

	net_poll(cl);
	for (unsigned i = 0; i < 2; i++)
		if (cl->path[i].state == NET_PATH_UP && sleep && chan_prepare_wait(&cl->path[i].ch))
			sleep = false;
	e = sleep ? cl->env->wait(cl->env->ctx) : 0;
	for (unsigned i = 0; i < 2; i++)
		if (cl->path[i].state == NET_PATH_UP)
			chan_cancel_wait(&cl->path[i].ch);
	return e;
}
