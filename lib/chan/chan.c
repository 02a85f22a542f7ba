/* SPDX-License-Identifier: MIT */
/* chan.c - channel library: layout, attach, slow paths, notification, waits, peer death.
 *
 * Hostile-peer rules (docs/channels.md), and where they are kept (here and in the inline
 * data path of chan.h):
 *  - geometry is copied once (chan_attach) and checked on the copy; afterwards only
 *    struct chan's private fields locate slots and buffers;
 *  - each word the peer owns is loaded once per operation into a local (tx_room, rx_load,
 *    peer_gone, chan_need_notify; the slot header in chan_recv), bounds-checked, and only
 *    the checked local is used;
 *  - the words we own (our index, our endpoint) are stored, never loaded back;
 *  - a slot carries no offset: its buffer follows from our own index;
 *  - an impossible value sets c->err = -BH_EIO, which every later call returns.
 * No loop here depends on anything the peer wrote.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <bulkhead/errno.h>
#include "chan/chan.h"

#define SLOT_HDR sizeof(struct bh_chan_slot)

static inline uint32_t load(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline uint32_t load_acquire(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void store(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

static inline void store_release(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static inline bool is_pow2(uint32_t x)
{
	return x && !(x & (x - 1));
}

static inline uint64_t align_up(uint64_t x, uint64_t a)
{
	return (x + a - 1) & ~(a - 1);
}

static int fail(struct chan *c)
{
	c->err = -BH_EIO;
	return -BH_EIO;
}

/* ---- Layout (creator) ---------------------------------------------------------------- */

static bool slots_ok(uint32_t slot_size, uint32_t slots)
{
	return is_pow2(slot_size) && slot_size >= BH_CHAN_SLOT_MIN &&
	       slot_size <= BH_CHAN_SLOT_MAX && is_pow2(slots) && slots <= BH_CHAN_SLOTS_MAX;
}

/* Bytes per data buffer from what one ring's share of the data area gives each slot. */
static uint32_t buf_size_for(uint64_t per_slot)
{
	if (per_slot > BH_CHAN_BUF_MAX)
		per_slot = BH_CHAN_BUF_MAX;
	if (per_slot >= BH_CHAN_PAGE)
		return (uint32_t)(per_slot & ~(uint64_t)(BH_CHAN_PAGE - 1));
	return (uint32_t)(per_slot & ~(uint64_t)(BH_CHAN_ALIGN - 1));
}

int chan_init(void *mem, size_t size, const uint8_t type[16], uint32_t slot_size,
	      uint32_t slots)
{
	struct bh_chan_hdr *h = mem;
	uint64_t ring_bytes, data_off, buf;

	if (!mem || !type || (uintptr_t)mem % BH_CHAN_PAGE || size % BH_CHAN_PAGE ||
	    size < BH_CHAN_SIZE_MIN || !slots_ok(slot_size, slots))
		return -BH_EINVAL;
	ring_bytes = align_up((uint64_t)slot_size * slots, BH_CHAN_ALIGN);
	if (BH_CHAN_HDR_SIZE + 2 * ring_bytes > size)
		return -BH_ENOSPC;
	data_off = align_up(BH_CHAN_HDR_SIZE + 2 * ring_bytes, BH_CHAN_PAGE);
	buf = data_off < size ? buf_size_for((size - data_off) / 2 / slots) : 0;

	memset(mem, 0, size); /* nothing of the memory's previous owner leaks */
	for (int r = 0; r < 2; r++) {
		h->ring[r] = (struct bh_chan_ring){
			.slots_off  = BH_CHAN_HDR_SIZE + r * ring_bytes,
			.data_off   = buf ? data_off + r * buf * slots : 0,
			.slot_size  = slot_size,
			.slot_count = slots,
			.buf_size   = (uint32_t)buf,
		};
	}
	h->magic = BH_CHAN_MAGIC;
	h->version = BH_CHAN_VERSION;
	memcpy(h->type, type, sizeof(h->type));
	h->size = size;
	__atomic_store_n(&h->state, (uint16_t)BH_CHAN_READY, __ATOMIC_RELEASE);
	return 0;
}

/* ---- Attach: validate a private copy of the header once ------------------------------ */

/* [off, off + len) lies in [BH_CHAN_HDR_SIZE, size) and starts on a cache line. */
static bool range_ok(uint64_t off, uint64_t len, uint64_t size)
{
	return off >= BH_CHAN_HDR_SIZE && off % BH_CHAN_ALIGN == 0 && off <= size &&
	       len <= size - off;
}

static bool ring_ok(const struct bh_chan_ring *g, uint64_t size)
{
	if (!slots_ok(g->slot_size, g->slot_count))
		return false;
	if (!range_ok(g->slots_off, (uint64_t)g->slot_size * g->slot_count, size))
		return false;
	if (!g->buf_size)
		return true; /* data_off unused */
	return g->buf_size % BH_CHAN_ALIGN == 0 && g->buf_size <= BH_CHAN_BUF_MAX &&
	       range_ok(g->data_off, (uint64_t)g->buf_size * g->slot_count, size);
}

struct range {
	uint64_t off, len;
};

/* Both rings' slots and buffers, pairwise disjoint (each already inside the region). */
static bool rings_disjoint(const struct bh_chan_ring g[2])
{
	struct range r[4] = {
		{ g[0].slots_off, (uint64_t)g[0].slot_size * g[0].slot_count },
		{ g[1].slots_off, (uint64_t)g[1].slot_size * g[1].slot_count },
		{ g[0].data_off, (uint64_t)g[0].buf_size * g[0].slot_count },
		{ g[1].data_off, (uint64_t)g[1].buf_size * g[1].slot_count },
	};

	for (int i = 0; i < 4; i++)
		for (int j = i + 1; j < 4; j++)
			if (r[i].len && r[j].len && r[i].off < r[j].off + r[j].len &&
			    r[j].off < r[i].off + r[i].len)
				return false;
	return true;
}

static bool type_eq(const uint8_t a[16], const uint8_t b[16])
{
	uint8_t diff = 0;

	for (int i = 0; i < 16; i++)
		diff |= a[i] ^ b[i];
	return !diff;
}

static int hdr_check(const struct bh_chan_hdr *h, size_t size, const uint8_t *expect_type,
		     bool late)
{
	if (h->magic != BH_CHAN_MAGIC || h->version != BH_CHAN_VERSION || h->size != size)
		return -BH_EIO;
	if (h->state != BH_CHAN_READY && !(late && h->state == BH_CHAN_DEAD))
		return h->state == BH_CHAN_FREE ? -BH_ENOENT : -BH_EIO;
	if (expect_type && !type_eq(h->type, expect_type))
		return -BH_EPERM;
	if (!ring_ok(&h->ring[0], size) || !ring_ok(&h->ring[1], size) ||
	    !rings_disjoint(h->ring))
		return -BH_EIO;
	return 0;
}

static void ring_setup(struct chan_ring *r, uint8_t *base, const struct bh_chan_ring *g,
		       struct bh_chan_ring_idx *idx)
{
	r->slots = base + g->slots_off;
	r->data = g->buf_size ? base + g->data_off : NULL;
	r->prod = &idx->prod.value;
	r->cons = &idx->cons.value;
	r->slot_size = g->slot_size;
	r->mask = g->slot_count - 1;
	r->buf_size = g->buf_size;
	r->inline_max = g->slot_size - SLOT_HDR;
	r->msg_max = r->buf_size > r->inline_max ? r->buf_size : r->inline_max;
}

static int attach(struct chan *c, void *mem, size_t size, enum chan_side side,
		  const uint8_t expect_type[16], bool late)
{
	struct bh_chan_hdr h, *shared = mem;
	int tx = side, rx = !side, err;

	if (!c || !mem || (uintptr_t)mem % BH_CHAN_PAGE || size < BH_CHAN_SIZE_MIN ||
	    (side != CHAN_SERVER && side != CHAN_CLIENT))
		return -BH_EINVAL;
	memcpy(&h, mem, sizeof(h)); /* the one read of the geometry */
	err = hdr_check(&h, size, expect_type, late);
	if (err)
		return err;
	/* Positions: ours from the copy (0 on a fresh channel), checked against the peer's. */
	if (h.idx[tx].prod.value - h.idx[tx].cons.value > h.ring[tx].slot_count ||
	    h.idx[rx].prod.value - h.idx[rx].cons.value > h.ring[rx].slot_count)
		return -BH_EIO;

	*c = (struct chan){ .hdr = shared, .size = size };
	c->self = &shared->ep[side];
	c->peer = &shared->ep[!side];
	ring_setup(&c->tx, mem, &h.ring[tx], &shared->idx[tx]);
	ring_setup(&c->rx, mem, &h.ring[rx], &shared->idx[rx]);
	c->tx.pos = h.idx[tx].prod.value;
	c->tx.seen = h.idx[tx].cons.value;
	c->rx.pos = h.idx[rx].cons.value;
	c->rx.seen = h.idx[rx].prod.value;

	store(&c->self->wait, 0);
	store(&c->self->generation, h.ep[side].generation + 1);
	store_release(&c->self->status, BH_CHAN_EP_ALIVE);
	return 0;
}

int chan_attach(struct chan *c, void *mem, size_t size, enum chan_side side,
		const uint8_t expect_type[16])
{
	return attach(c, mem, size, side, expect_type, false);
}

int chan_attach_late(struct chan *c, void *mem, size_t size, enum chan_side side,
		     const uint8_t expect_type[16])
{
	return attach(c, mem, size, side, expect_type, true);
}

size_t chan_send_max(const struct chan *c)
{
	return c->tx.msg_max;
}

size_t chan_recv_max(const struct chan *c)
{
	return c->rx.msg_max;
}

int chan_error(const struct chan *c)
{
	return c->err;
}

/* ---- Peer state ---------------------------------------------------------------------- */

/* The peer's status, read once; death is remembered. */
static bool peer_gone(struct chan *c)
{
	if (!c->peer_dead && load(&c->peer->status) == BH_CHAN_EP_DEAD)
		c->peer_dead = true;
	return c->peer_dead;
}

bool chan_peer_alive(struct chan *c)
{
	uint32_t status = load_acquire(&c->peer->status);
	uint32_t gen = load(&c->peer->generation);
	uint16_t state = __atomic_load_n(&c->hdr->state, __ATOMIC_RELAXED);

	if (status == BH_CHAN_EP_DEAD || state == BH_CHAN_DEAD)
		c->peer_dead = true;
	if (c->err || c->peer_dead || status != BH_CHAN_EP_ALIVE || state != BH_CHAN_READY)
		return false;
	if (!c->peer_seen) {
		c->peer_seen = true;
		c->peer_gen = gen;
	}
	if (gen != c->peer_gen)
		c->peer_dead = true; /* re-attached: its positions are no longer ours to trust */
	return !c->peer_dead;
}

void chan_close(struct chan *c)
{
	store(&c->self->wait, 0);
	store_release(&c->self->status, BH_CHAN_EP_DEAD);
	c->err = -BH_EIO;
}

void chan_mark_dead(void *mem, size_t size, enum chan_side side)
{
	struct bh_chan_hdr *h = mem;

	if (!mem || size < sizeof(*h) || (side != CHAN_SERVER && side != CHAN_CLIENT))
		return;
	bh_chan_mark_dead(h, side);
}

/* ---- Indices ------------------------------------------------------------------------- */

/* Send ring: > 0 at least need slots are free, 0 fewer, < 0 corrupt. The consumer's
 * index is read only when the last one read does not answer yes, and must lie in
 * [last read, our prod]. */
static int tx_room(struct chan *c, uint32_t need)
{
	struct chan_ring *r = &c->tx;
	uint32_t cons;

	if (r->mask + 1 - (r->pos - r->seen) >= need)
		return 1;
	cons = load_acquire(r->cons);
	if (cons - r->seen > r->pos - r->seen)
		return fail(c);
	r->seen = cons;
	return r->mask + 1 - (r->pos - cons) >= need;
}

/* Free slots a producer sleeping for room waits for: half the ring, so a consumer that
 * is the bottleneck wakes it once per half ring, not once per message. */
static inline uint32_t tx_wake_room(const struct chan_ring *r)
{
	return (r->mask + 2) / 2;
}

/* The producer's index, read once and checked: it lies in [last read, our cons +
 * slot_count] (the last read lies in [our cons, our cons + slot_count]). */
static int rx_load(struct chan *c)
{
	struct chan_ring *r = &c->rx;
	uint32_t prod = load_acquire(r->prod);

	if (prod - r->seen > r->pos + r->mask + 1 - r->seen)
		return fail(c);
	r->seen = prod;
	return 0;
}

/* Receive ring: > 0 a message is published, 0 none, < 0 corrupt. The producer's index is
 * read only when every message read so far is consumed. */
static int rx_refresh(struct chan *c)
{
	struct chan_ring *r = &c->rx;

	if (r->pos != r->seen)
		return 1;
	if (rx_load(c))
		return -BH_EIO;
	return r->seen != r->pos;
}

/* ---- Slow halves of the data path (chan.h) ------------------------------------------ */

int chan_send_slow(struct chan *c, size_t len)
{
	int room;

	if (c->err || peer_gone(c))
		return -BH_EIO;
	if (len > c->tx.msg_max)
		return -BH_E2BIG;
	room = tx_room(c, 1);
	if (room <= 0)
		return room < 0 ? room : -BH_ENOSPC;
	return 0;
}

int chan_recv_slow(struct chan *c)
{
	int ready;

	if (c->err)
		return c->err;
	ready = rx_refresh(c);
	if (ready < 0)
		return ready;
	if (!ready)
		return peer_gone(c) ? -BH_EIO : -BH_ENOENT;
	return 0;
}

int chan_corrupt(struct chan *c)
{
	return fail(c);
}

/* ---- Notification -------------------------------------------------------------------- */

/* The peer sleeps for room (BH_CHAN_WAIT_TX) and has it now: at least tx_wake_room() of
 * the ring we consume is free, by a fresh read of its producer index. */
static bool peer_has_room(struct chan *c)
{
	struct chan_ring *r = &c->rx;
	uint32_t want = tx_wake_room(r);

	/* Our last read of prod is at most the real one, so the room it shows is at least
	 * the real room: when even that is short, a fresh read would be too. */
	if (r->mask + 1 - (r->seen - r->pos) < want || rx_load(c))
		return false;
	return r->mask + 1 - (r->seen - r->pos) >= want;
}

bool chan_notify_slow(struct chan *c, uint32_t w, uint32_t pending)
{
	if (c->err)
		return false;
	if (!(pending & w & BH_CHAN_WAIT_RX) &&
	    !((pending & w & BH_CHAN_WAIT_TX) && peer_has_room(c)))
		return false;
	c->signalled = w; /* once per sleep: the peer bumps the sequence each time */
	c->stats.notifies++;
	return true;
}

static void announce(struct chan *c, uint32_t bits)
{
	store(&c->self->wait, c->wait_seq << BH_CHAN_WAIT_SEQ_SHIFT | bits);
}

void chan_cancel_wait(struct chan *c)
{
	announce(c, 0);
}

static int tx_wake_ready(struct chan *c)
{
	return tx_room(c, tx_wake_room(&c->tx));
}

int chan_prepare_wait_for(struct chan *c, uint32_t what)
{
	int rx = 0, tx = 0;

	if (c->err)
		return c->err;
	if (!what || what & ~(BH_CHAN_WAIT_RX | BH_CHAN_WAIT_TX))
		return -BH_EINVAL;
	c->wait_seq++;
	announce(c, what);
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* pairs with chan_need_notify() */
	if (what & BH_CHAN_WAIT_RX)
		rx = rx_refresh(c);
	if ((what & BH_CHAN_WAIT_TX) && rx == 0)
		tx = tx_wake_ready(c);
	if (rx == 0 && tx == 0 && !peer_gone(c))
		return 0;
	chan_cancel_wait(c);
	return rx > 0 || tx > 0 ? 1 : -BH_EIO;
}

int chan_prepare_wait(struct chan *c)
{
	return chan_prepare_wait_for(c, BH_CHAN_WAIT_RX);
}

int chan_prepare_wait_space(struct chan *c)
{
	return chan_prepare_wait_for(c, BH_CHAN_WAIT_TX);
}
