/* SPDX-License-Identifier: MIT */
/* channel.h - shared-memory channel between two partitions (ABI v1). Append only; never reorder.
 *
 * A channel is one page-aligned region of ordinary memory, laid out by its creator (the
 * ultravisor, lib/chan chan_init()) and mapped read-write into exactly two partitions, the
 * server and the client. Offsets are from the start of the region:
 *
 *   0x0000 +---------------------------------------------+
 *          | bh_chan_hdr                                 |
 *          |  0x000 magic version state type size        |  creator: written once
 *          |  0x040 ring[0] ring[1]  (bh_chan_ring)      |  creator: written once
 *          |  0x100 ep[SERVER]  status generation wait   |  server only (one cache line)
 *          |  0x140 ep[CLIENT]  status generation wait   |  client only (one cache line)
 *          |  0x200 idx[0].prod  ring 0 producer index   |  server only
 *          |  0x240 idx[0].cons  ring 0 consumer index   |  client only
 *          |  0x280 idx[1].prod  ring 1 producer index   |  client only
 *          |  0x2c0 idx[1].cons  ring 1 consumer index   |  server only
 *          |  0x300 .. 0xfff  zero                       |
 *   0x1000 +---------------------------------------------+  ring[0].slots_off
 *          | ring 0 slots: server -> client              |  slot_count x slot_size
 *          +---------------------------------------------+  ring[1].slots_off (64-aligned)
 *          | ring 1 slots: client -> server              |
 *          +---------------------------------------------+  ring[0].data_off (page aligned)
 *          | ring 0 data: slot_count x buf_size          |  buffer i belongs to slot i
 *          +---------------------------------------------+  ring[1].data_off
 *          | ring 1 data: slot_count x buf_size          |
 *          +---------------------------------------------+  size
 *
 * Ring r is produced by side r (BH_CHAN_SERVER produces ring 0, BH_CHAN_CLIENT ring 1)
 * and consumed by the other side. Both indices are free-running 32-bit message counts;
 * slot i of a ring is (index & (slot_count - 1)). Messages [cons, prod) are published:
 * 0 <= prod - cons <= slot_count (unsigned arithmetic) always. A slot starts with
 * bh_chan_slot (len, flags); a message of at most slot_size - 8 bytes is carried inline
 * after it, a longer one (up to buf_size bytes) in the slot's data buffer, at
 * data_off + i * buf_size, with BH_CHAN_SLOT_BULK set. No offset or pointer is ever
 * carried in a slot: a buffer's place follows from the slot's index alone.
 *
 * Publication: the producer fills slot and buffer, then stores prod with release
 * semantics; the consumer loads prod with acquire semantics, copies the message out, then
 * stores cons with release semantics. Notification suppression: an endpoint about to
 * sleep sets BH_CHAN_WAIT_RX (waiting for a message) or BH_CHAN_WAIT_TX (waiting for ring
 * space) in its own ep[].wait together with a new sequence number, issues a full fence and
 * re-checks the ring; the other side, after publishing, issues a full fence and signals
 * (hypercall) only if the matching bit is set with a sequence it has not signalled yet.
 *
 * Trust: either endpoint may be hostile and may write any byte of the region at any time.
 * An endpoint copies the geometry (magic .. ring[]) once when it attaches and never reads
 * it again; reads each of the other side's words once per operation and bounds-checks it;
 * and never reads back the words it owns. docs/channels.md has the full protocol.
 */
#ifndef BULKHEAD_CHANNEL_H
#define BULKHEAD_CHANNEL_H

#include <bulkhead/abi.h>

#define BH_CHAN_MAGIC     0x4e414843u /* "CHAN" as bytes */
#define BH_CHAN_VERSION   1
#define BH_CHAN_PAGE      0x1000u     /* the region and its data area are page aligned */
#define BH_CHAN_HDR_SIZE  0x1000u     /* the header page; rings and data follow it */
#define BH_CHAN_ALIGN     64u         /* cache line: every ring and data buffer start */
#define BH_CHAN_SIZE_MIN  0x2000u     /* header page + one page of rings (= BH_CFG_CHAN_MIN) */

/* Geometry limits, checked by the creator and again by each endpoint. */
#define BH_CHAN_SLOT_MIN  16u         /* bytes: the 8-byte slot header + 8 inline bytes */
#define BH_CHAN_SLOT_MAX  0x10000u    /* bytes; slot_size is a power of two in between */
#define BH_CHAN_SLOTS_MAX 0x10000u    /* slot_count: a power of two, 1 .. this */
#define BH_CHAN_BUF_MAX   0x1000000u  /* buf_size: 0 or a multiple of 64 up to 16 MiB */

/* bh_chan_hdr.state, written by the creator (and by whoever reports a death). */
enum bh_chan_state {
	BH_CHAN_FREE  = 0, /* not laid out (zeroed memory) */
	BH_CHAN_READY = 1, /* laid out; endpoints may attach */
	BH_CHAN_DEAD  = 2, /* an endpoint died: the survivor drains and stops */
};

/* Sides, also the index of the ring each side produces and of its bh_chan_hdr.ep[]. */
enum bh_chan_side {
	BH_CHAN_SERVER = 0,
	BH_CHAN_CLIENT = 1,
};

/* bh_chan_endpoint.status */
enum bh_chan_ep_status {
	BH_CHAN_EP_NONE  = 0, /* not attached yet */
	BH_CHAN_EP_ALIVE = 1, /* attached */
	BH_CHAN_EP_DEAD  = 2, /* closed, or died (set by the ultravisor) */
};

/* bh_chan_endpoint.wait: bits 0-1 what the endpoint sleeps for, bits 2-31 a sequence
 * number it bumps every time it sets a bit, so a signal is sent once per sleep. */
#define BH_CHAN_WAIT_RX        (1u << 0) /* wake me when my receive ring is not empty */
#define BH_CHAN_WAIT_TX        (1u << 1) /* wake me when my send ring has room */
#define BH_CHAN_WAIT_SEQ_SHIFT 2

/* bh_chan_slot.flags */
#define BH_CHAN_SLOT_BULK (1u << 0) /* payload in this slot's data buffer, not inline */

/* One direction's geometry, written once by the creator. */
struct bh_chan_ring {
	uint64_t slots_off;     /* 0x00  64-aligned, >= BH_CHAN_HDR_SIZE */
	uint64_t data_off;      /* 0x08  64-aligned, >= BH_CHAN_HDR_SIZE; 0 if buf_size is 0 */
	uint32_t slot_size;     /* 0x10  bytes, power of two, BH_CHAN_SLOT_MIN..BH_CHAN_SLOT_MAX */
	uint32_t slot_count;    /* 0x14  power of two, 1..BH_CHAN_SLOTS_MAX */
	uint32_t buf_size;      /* 0x18  bytes per buffer, multiple of 64, <= BH_CHAN_BUF_MAX */
	uint32_t reserved_0x1c; /* zero */
};
BH_OFFSET(bh_chan_ring, slots_off, 0x00);
BH_OFFSET(bh_chan_ring, data_off, 0x08);
BH_OFFSET(bh_chan_ring, slot_size, 0x10);
BH_OFFSET(bh_chan_ring, slot_count, 0x14);
BH_OFFSET(bh_chan_ring, buf_size, 0x18);
BH_SIZE(bh_chan_ring, 0x20);

/* One endpoint's status: a cache line only that endpoint writes (the ultravisor too, to
 * report its death). */
struct bh_chan_endpoint {
	uint32_t status;            /* 0x00  BH_CHAN_EP_* */
	uint32_t generation;        /* 0x04  +1 at every attach */
	uint32_t wait;              /* 0x08  BH_CHAN_WAIT_* | seq << BH_CHAN_WAIT_SEQ_SHIFT */
	uint32_t reserved_0x0c;     /* zero */
	uint8_t  reserved_0x10[48]; /* zero */
};
BH_OFFSET(bh_chan_endpoint, status, 0x00);
BH_OFFSET(bh_chan_endpoint, generation, 0x04);
BH_OFFSET(bh_chan_endpoint, wait, 0x08);
BH_SIZE(bh_chan_endpoint, 0x40);

/* One index, alone in its cache line so producer and consumer never share a line. */
struct bh_chan_index {
	uint32_t value;             /* 0x00  free-running message count */
	uint8_t  reserved_0x04[60]; /* zero */
};
BH_OFFSET(bh_chan_index, value, 0x00);
BH_SIZE(bh_chan_index, 0x40);

struct bh_chan_ring_idx {
	struct bh_chan_index prod;  /* 0x00  written by the producer */
	struct bh_chan_index cons;  /* 0x40  written by the consumer */
};
BH_OFFSET(bh_chan_ring_idx, prod, 0x00);
BH_OFFSET(bh_chan_ring_idx, cons, 0x40);
BH_SIZE(bh_chan_ring_idx, 0x80);

struct bh_chan_hdr {
	uint32_t magic;                  /* 0x000  BH_CHAN_MAGIC */
	uint16_t version;                /* 0x004  BH_CHAN_VERSION */
	uint16_t state;                  /* 0x006  enum bh_chan_state */
	uint8_t  type[16];               /* 0x008  UUID naming the protocol spoken */
	uint64_t size;                   /* 0x018  bytes of the whole region, page multiple */
	uint8_t  reserved_0x020[32];     /* zero */
	struct bh_chan_ring ring[2];     /* 0x040  ring 0: server -> client, 1: client -> server */
	uint8_t  reserved_0x080[128];    /* zero */
	struct bh_chan_endpoint ep[2];   /* 0x100  [BH_CHAN_SERVER], [BH_CHAN_CLIENT] */
	uint8_t  reserved_0x180[128];    /* zero */
	struct bh_chan_ring_idx idx[2];  /* 0x200  indices of ring 0, ring 1 */
};
BH_OFFSET(bh_chan_hdr, magic, 0x000);
BH_OFFSET(bh_chan_hdr, version, 0x004);
BH_OFFSET(bh_chan_hdr, state, 0x006);
BH_OFFSET(bh_chan_hdr, type, 0x008);
BH_OFFSET(bh_chan_hdr, size, 0x018);
BH_OFFSET(bh_chan_hdr, reserved_0x020, 0x020);
BH_OFFSET(bh_chan_hdr, ring, 0x040);
BH_OFFSET(bh_chan_hdr, ring[1], 0x060);
BH_OFFSET(bh_chan_hdr, reserved_0x080, 0x080);
BH_OFFSET(bh_chan_hdr, ep, 0x100);
BH_OFFSET(bh_chan_hdr, ep[BH_CHAN_CLIENT], 0x140);
BH_OFFSET(bh_chan_hdr, reserved_0x180, 0x180);
BH_OFFSET(bh_chan_hdr, idx, 0x200);
BH_OFFSET(bh_chan_hdr, idx[0].cons, 0x240);
BH_OFFSET(bh_chan_hdr, idx[1].prod, 0x280);
BH_OFFSET(bh_chan_hdr, idx[1].cons, 0x2c0);
BH_SIZE(bh_chan_hdr, 0x300);
_Static_assert(sizeof(struct bh_chan_hdr) <= BH_CHAN_HDR_SIZE, "channel header fits its page");

/* How a death is written (by the monitor, on the ultravisor's word): that endpoint dead and
 * the channel dead, then a fence before the survivor's event. h must hold a whole header. */
static inline void bh_chan_mark_dead(struct bh_chan_hdr *h, unsigned side)
{
	__atomic_store_n(&h->ep[side & 1].status, (uint32_t)BH_CHAN_EP_DEAD, __ATOMIC_RELEASE);
	__atomic_store_n(&h->state, (uint16_t)BH_CHAN_DEAD, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* The 8 bytes opening every slot. The producer writes them as one little-endian 64-bit
 * store (len | flags << 32), the consumer reads them as one 64-bit load. */
struct bh_chan_slot {
	uint32_t len;   /* 0x00  payload bytes: <= slot_size - 8 inline, <= buf_size if BULK */
	uint32_t flags; /* 0x04  BH_CHAN_SLOT_*; other bits reserved, ignored by readers */
	/* 0x08  inline payload, slot_size - 8 bytes */
};
BH_OFFSET(bh_chan_slot, len, 0x00);
BH_OFFSET(bh_chan_slot, flags, 0x04);
BH_SIZE(bh_chan_slot, 0x08);

#endif
