/* SPDX-License-Identifier: MIT */
/* chan.h - the channel library: both ends of a shared-memory channel (include/bulkhead/channel.h).
 *
 * Freestanding: compiles in the monitor's environment, in partitions (newlib) and on the
 * host. It never signals or sleeps itself; the caller does, as told:
 *
 *   producer                                 consumer
 *   chan_send(c, msg, len)                   for (;;) {
 *   if (chan_need_notify(c))                         n = chan_recv(c, buf, sizeof(buf));
 *           signal the peer (hypercall)              if (n >= 0) { use(buf, n); continue; }
 *                                                    if (n != -BH_ENOENT) break; (dead)
 *   on -BH_ENOSPC: the same dance as the             if (chan_need_notify(c))
 *   consumer, with chan_prepare_wait_space()                 signal the peer (it waits for room)
 *                                                    if (chan_prepare_wait(c) == 0)
 *                                                            sleep until an event (BH_HC_WAIT)
 *                                                    chan_cancel_wait(c);
 *                                            }
 *
 * The peer is hostile: it may write any byte of the region at any time. Whatever it
 * writes, these functions return in bounded time, touch only the region and the caller's
 * buffers, never return more bytes than the caller's buffer holds, and either deliver a
 * message that was published or fail with -BH_EIO, for good ("sticky").
 *
 * One struct chan per endpoint; its functions are not reentrant: one thread at a time.
 */
#ifndef BH_CHAN_CHAN_H
#define BH_CHAN_CHAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <bulkhead/channel.h>
#include <bulkhead/errno.h>

enum chan_side {
	CHAN_SERVER = BH_CHAN_SERVER,
	CHAN_CLIENT = BH_CHAN_CLIENT,
};

/* One direction, as this endpoint sees it: geometry from its private copy of the header,
 * its own index (never read back from shared memory) and the peer's last valid index. */
struct chan_ring {
	uint8_t  *slots;      /* slot 0 */
	uint8_t  *data;       /* buffer 0, NULL when buf_size is 0 */
	uint32_t *prod;       /* shared index words */
	uint32_t *cons;
	uint32_t  slot_size;
	uint32_t  mask;       /* slot_count - 1 */
	uint32_t  buf_size;
	uint32_t  inline_max; /* slot_size - 8 */
	uint32_t  msg_max;    /* max(inline_max, buf_size) */
	uint32_t  pos;        /* ours: prod if we send on this ring, cons if we receive */
	uint32_t  seen;       /* the peer's index as last read and checked */
};

struct chan_stats {
	uint64_t sent;     /* messages published */
	uint64_t received; /* messages delivered */
	uint64_t notifies; /* chan_need_notify() answers "true" */
};

struct chan {
	struct bh_chan_hdr      *hdr;
	struct bh_chan_endpoint *self;
	struct bh_chan_endpoint *peer;
	struct chan_ring tx;        /* the ring we produce */
	struct chan_ring rx;        /* the ring we consume */
	size_t   size;
	int      err;               /* 0, or -BH_EIO for good */
	bool     peer_dead;         /* seen BH_CHAN_EP_DEAD / BH_CHAN_DEAD: no more sends */
	bool     peer_seen;         /* peer_gen is valid */
	uint8_t  pending;           /* since the last chan_need_notify(): BH_CHAN_WAIT_RX, we
				     * published; BH_CHAN_WAIT_TX, we freed slots */
	uint32_t peer_gen;
	uint32_t wait_seq;          /* our sequence in ep[].wait */
	uint32_t signalled;         /* the peer's wait word we last answered "notify" to */
	uint32_t resv;              /* chan_send_begin() length + 1, 0 if none */
	struct chan_stats stats;
};

/* Creator: lays out a channel over [mem, mem + size) and marks it BH_CHAN_READY. mem page
 * aligned, size a page multiple >= BH_CHAN_SIZE_MIN; slot_size and slots powers of two
 * within the limits of channel.h. The whole region is zeroed. Both rings get the same
 * geometry; the pages after the rings become the data area, split evenly: buf_size is
 * the largest multiple of 4 KiB (or, below that, of 64 bytes) that fits, possibly 0.
 * → 0, -BH_EINVAL (arguments), -BH_ENOSPC (rings do not fit). */
int chan_init(void *mem, size_t size, const uint8_t type[16], uint32_t slot_size,
	      uint32_t slots);

/* Endpoint: validates the header once into *c (magic, version, state, type, size, every
 * ring and buffer inside the region, no two overlapping, indices consistent), then marks
 * this side alive. expect_type may be NULL to accept any type. size is what the caller
 * knows the mapping to be, never what the header says.
 * → 0, -BH_EINVAL (arguments), -BH_ENOENT (not BH_CHAN_READY), -BH_EPERM (other type),
 *   -BH_EIO (malformed header). */
int chan_attach(struct chan *c, void *mem, size_t size, enum chan_side side,
		const uint8_t expect_type[16]);

/* The same for a peer that arrives late: a channel already BH_CHAN_DEAD is accepted too, so
 * that what the dead peer published before it died can still be received (chan_recv()
 * delivers it, then fails with -BH_EIO); sends fail. A console server uses it for a client
 * that wrote and ended before the server first looked. */
int chan_attach_late(struct chan *c, void *mem, size_t size, enum chan_side side,
		     const uint8_t expect_type[16]);

/* The largest message chan_send() takes / chan_recv() can return (the rings' geometry may
 * differ: the creator sets each). */
size_t chan_send_max(const struct chan *c);
size_t chan_recv_max(const struct chan *c);

/* Before sleeping for a message / for room / for either (what: BH_CHAN_WAIT_RX and/or
 * BH_CHAN_WAIT_TX): announce it, then re-check. → 0: sleep (the peer will signal), 1: do
 * not sleep (it is already there), -BH_EIO: do not sleep (dead or corrupt), -BH_EINVAL
 * (what). On 1 and -BH_EIO the announcement is already withdrawn. "Room" means half the
 * send ring free: a producer sleeping on a full ring is woken once per half ring. */
int chan_prepare_wait(struct chan *c);
int chan_prepare_wait_space(struct chan *c);
int chan_prepare_wait_for(struct chan *c, uint32_t what);
/* After waking: withdraw the announcement. */
void chan_cancel_wait(struct chan *c);

/* Peer attached, not dead, not re-attached since we first saw it, channel READY. */
bool chan_peer_alive(struct chan *c);

/* 0 or the sticky error. */
int chan_error(const struct chan *c);

/* This endpoint leaves: its status becomes BH_CHAN_EP_DEAD, every later call -BH_EIO. */
void chan_close(struct chan *c);

/* For whoever reports a death (the ultravisor): marks side dead and the channel
 * BH_CHAN_DEAD, then the caller sends the survivor an event. Touches only those two words;
 * does nothing if size cannot hold the header. */
void chan_mark_dead(void *mem, size_t size, enum chan_side side);

/* ---- Data path ------------------------------------------------------------------------
 * Inline, so that a message costs a few dozen instructions beyond its copy: the common
 * case reads only our private fields and the one slot header, and everything else (an
 * error, a look at the peer's index when the ring seems full or empty) goes to chan.c. */

/* Copies msg into the next slot (inline, or into the slot's buffer) and publishes it.
 * → 0, -BH_ENOSPC (ring full), -BH_E2BIG (len > chan_send_max), -BH_EIO (peer dead,
 *   channel corrupt). */
static inline int chan_send(struct chan *c, const void *msg, size_t len);

/* The same in two steps, to build a message in place: *buf gets len writable bytes in
 * the shared region. Write them, never read them back (the peer may change them), then
 * publish len' <= len bytes with chan_send_commit(). A begin without commit is dropped
 * by the next begin. Same errors as chan_send(); commit: 0, -BH_EINVAL (no begin, or
 * len' > len), -BH_EIO. */
static inline int chan_send_begin(struct chan *c, size_t len, void **buf);
static inline int chan_send_commit(struct chan *c, size_t len);

/* Copies the next message into buf. → its length, -BH_ENOENT (none; peer alive or not
 * attached yet), -BH_E2BIG (longer than len: it stays, retry with chan_recv_max() bytes),
 * -BH_EIO (channel corrupt, or empty and the peer is dead). Messages already published
 * are delivered after the peer died. */
static inline long chan_recv(struct chan *c, void *buf, size_t len);
static inline long chan_recv_begin(struct chan *c, const void **msg);
static inline void chan_recv_end(struct chan *c);

/* After sends or receives: true when the peer sleeps waiting for what we did (a message,
 * or room) and has not been signalled for this sleep yet. The caller then signals it.
 * One full fence and one shared load; false without either when nothing happened. */
static inline bool chan_need_notify(struct chan *c);

/* Out-of-line halves (chan.c), not for direct use: → 0 (false) when the fast path may go
 * on. */
int chan_send_slow(struct chan *c, size_t len);
int chan_recv_slow(struct chan *c);
int chan_corrupt(struct chan *c); /* → -BH_EIO, for good */
bool chan_notify_slow(struct chan *c, uint32_t wait, uint32_t pending);

static inline uint8_t *chan_slot(const struct chan_ring *r, uint32_t i)
{
	return r->slots + (size_t)i * r->slot_size;
}

static inline int chan_send_begin(struct chan *c, size_t len, void **buf)
{
	struct chan_ring *r = &c->tx;
	uint32_t i;

	/* Fast when healthy, the message fits and the last consumer index read leaves a
	 * slot free; the peer's status is one load. */
	if (c->err || c->peer_dead || len > r->msg_max || r->pos - r->seen > r->mask ||
	    __atomic_load_n(&c->peer->status, __ATOMIC_RELAXED) == BH_CHAN_EP_DEAD) {
		int err = chan_send_slow(c, len);

		if (err)
			return err;
	}
	i = r->pos & r->mask;
	*buf = len <= r->inline_max ? chan_slot(r, i) + sizeof(struct bh_chan_slot)
				    : r->data + (size_t)i * r->buf_size;
	c->resv = (uint32_t)len + 1;
	return 0;
}

static inline int chan_send_commit(struct chan *c, size_t len)
{
	struct chan_ring *r = &c->tx;
	uint32_t resv = c->resv;
	uint64_t head = len;

	if (c->err)
		return c->err;
	if (len >= resv) /* also when resv is 0: no begin */
		return -BH_EINVAL;
	c->resv = 0;
	if (resv > r->inline_max + 1) /* begin handed out the data buffer */
		head |= (uint64_t)BH_CHAN_SLOT_BULK << 32;
	__atomic_store_n((uint64_t *)chan_slot(r, r->pos & r->mask), head, __ATOMIC_RELAXED);
	__atomic_store_n(r->prod, ++r->pos, __ATOMIC_RELEASE); /* slot, buffer, then index */
	c->pending |= BH_CHAN_WAIT_RX;
	c->stats.sent++;
	return 0;
}

static inline int chan_send(struct chan *c, const void *msg, size_t len)
{
	void *buf;
	int err = chan_send_begin(c, len, &buf);

	if (err)
		return err;
	if (len)
		memcpy(buf, msg, len);
	return chan_send_commit(c, len);
}

/* Zero-copy receive: *msg points at the next message in the shared region, its length
 * checked against the slot or buffer it lies in (loaded once; the buffer's place follows
 * from our own index, never from the slot). The peer may still change those bytes: read each at
 * most once and copy what is kept; then chan_recv_end() hands the slot back (until then,
 * chan_recv_begin() returns the same message). → its length, -BH_ENOENT, -BH_EIO. */
static inline long chan_recv_begin(struct chan *c, const void **msg)
{
	struct chan_ring *r = &c->rx;
	uint32_t i, n;
	uint64_t head;
	uint8_t *s;
	int bulk;

	if (c->err || r->pos == r->seen) {
		int err = chan_recv_slow(c);

		if (err)
			return err;
	}
	i = r->pos & r->mask;
	s = chan_slot(r, i);
	head = __atomic_load_n((uint64_t *)s, __ATOMIC_RELAXED);
	n = (uint32_t)head;
	bulk = (head >> 32) & BH_CHAN_SLOT_BULK;
	if (n > (bulk ? r->buf_size : r->inline_max))
		return chan_corrupt(c);
	*msg = bulk ? r->data + (size_t)i * r->buf_size : s + sizeof(struct bh_chan_slot);
	return n;
}

static inline void chan_recv_end(struct chan *c)
{
	struct chan_ring *r = &c->rx;

	__atomic_store_n(r->cons, ++r->pos, __ATOMIC_RELEASE); /* our reads, then the index */
	c->pending |= BH_CHAN_WAIT_TX;
	c->stats.received++;
}

/* The payload is copied out before the slot is handed back. */
static inline long chan_recv(struct chan *c, void *buf, size_t len)
{
	const void *msg = NULL;
	long n = chan_recv_begin(c, &msg);

	if (n < 0)
		return n;
	if ((size_t)n > len)
		return -BH_E2BIG;
	if (n)
		memcpy(buf, msg, (size_t)n);
	chan_recv_end(c);
	return n;
}

static inline bool chan_need_notify(struct chan *c)
{
	uint32_t pending = c->pending, w;

	if (!pending)
		return false;
	c->pending = 0;
	/* Pairs with the fence in chan_prepare_wait_for(): our index store, then its wait
	 * word, or its wait word, then our index: at least one side sees the other's store. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	w = __atomic_load_n(&c->peer->wait, __ATOMIC_RELAXED);
	if (!(w & (BH_CHAN_WAIT_RX | BH_CHAN_WAIT_TX))) {
		c->signalled = 0; /* awake: whatever it announces next is a new sleep */
		return false;
	}
	if (w == c->signalled)
		return false; /* this sleep was signalled already */
	return chan_notify_slow(c, w, pending);
}

#endif
