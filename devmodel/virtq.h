/* SPDX-License-Identifier: MIT */
/* virtq.h - the device side of a virtio split virtqueue, walked over guest memory that the
 * guest may change at any moment (virtio 1.x, "Split Virtqueues").
 *
 * Legacy layout ("Legacy Interfaces: A Note on Virtqueue Layout"; the legacy PCI register
 * Queue Address is its page frame, "Legacy Interfaces: A Note on PCI Device Layout"):
 *
 *   pfn << 12                               struct vq_desc desc[size]        16 * size
 *   + 16 * size                             avail: flags idx ring[size]       6 + 2 * size
 *                                                  used_event (= ring[size])
 *   ALIGN_UP(above end, 4096)               used:  flags idx ring[size]       6 + 8 * size
 *                                                  avail_event (= ring[size])
 *
 * Each part must lie inside one range of guest RAM (struct vq_mem), the used ring in a
 * writable one; the event words are always part of the ring, negotiated or not (Linux's
 * vring_size counts them). Fields are the guest's native endianness (legacy), which is
 * ours: x86-64, little-endian.
 *
 * The guest is hostile. vq_pop reads avail->idx once, each ring entry and each descriptor
 * once (into a local copy, with __atomic loads, so the compiler cannot fetch twice), and
 * checks the copy. The first thing found wrong breaks the queue (q->broken, q->fault, q->why):
 * from then on vq_pop answers -BH_EIO, vq_push and the notification calls do nothing, until
 * the guest sets the queue up again. Refused ("Driver Requirements" of the sections named):
 *
 *   avail->idx more than size ahead of last_avail       "The Virtqueue Available Ring"
 *     (or behind it: the driver MUST NOT decrement it)
 *   a head or a next index >= size (>= the table's entries, indirect)
 *   a chain longer than size descriptors (a loop)       "Indirect Descriptors"
 *   a buffer of length 0 (as QEMU refuses them), one not inside a single range of guest RAM
 *     (past its end, wrapping 2^64), or device-writable (WRITE) in a range without VQ_MEM_W
 *   a readable descriptor after a writable one          "Message Framing"
 *   INDIRECT not negotiated; with NEXT; inside a table; a table of 0 bytes, not a multiple
 *     of 16, of more than VQ_SEG_MAX entries, or not inside guest RAM; a loop in a table
 *   a chain of more than UINT32_MAX bytes in all        "The Virtqueue Descriptor Table"
 *   more than VQ_SEG_MAX segments (the device's "reasonable limit", "Message Framing")
 *
 * Descriptors chained from the queue may end with one INDIRECT descriptor ("The device MUST
 * handle the case of zero or more normal chained descriptors followed by a single descriptor
 * with flags&VIRTQ_DESC_F_INDIRECT"); its WRITE flag is ignored, as that section requires.
 * An indirect table need not be aligned.
 *
 * Ordering (x86 is TSO, the barriers are written all the same): avail->idx is read, then an
 * acquire fence, then the ring entry and the descriptors; the used element is written, then
 * used->idx with a release store (so the buffers' contents written before vq_push are seen
 * first); a full fence separates a store the guest must see (used->idx, avail_event,
 * used->flags) from a load that decides on it (used_event, avail->flags, avail->idx).
 *
 * Single-threaded per queue: one caller at a time. The ranges must not change while the
 * queue is set up (the ring pointers are resolved once, at setup).
 */
#ifndef DEVMODEL_VIRTQ_H
#define DEVMODEL_VIRTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <bulkhead/abi.h>

#define VQ_SIZE_MAX     32768 /* "The maximum Queue Size value is 32768" */
#define VQ_SEG_MAX      256   /* segments in one chain, direct and indirect together */
#define VQ_LEGACY_ALIGN 4096  /* legacy PCI Queue Align; Queue Address is in these pages */

/* Feature bits (the legacy 32-bit feature word), "Reserved Feature Bits". */
#define VIRTIO_RING_F_INDIRECT_DESC (1u << 28)
#define VIRTIO_RING_F_EVENT_IDX     (1u << 29)

#define VIRTQ_DESC_F_NEXT          1
#define VIRTQ_DESC_F_WRITE         2
#define VIRTQ_DESC_F_INDIRECT      4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define VIRTQ_USED_F_NO_NOTIFY     1

/* "The Virtqueue Descriptor Table", "The Virtqueue Available Ring", "... Used Ring". */
struct vq_desc {
	uint64_t addr;  /* 0x00  guest-physical */
	uint32_t len;   /* 0x08 */
	uint16_t flags; /* 0x0c  VIRTQ_DESC_F_* */
	uint16_t next;  /* 0x0e */
};
BH_OFFSET(vq_desc, len, 0x08);
BH_OFFSET(vq_desc, flags, 0x0c);
BH_OFFSET(vq_desc, next, 0x0e);
BH_SIZE(vq_desc, 16);

struct vq_avail {
	uint16_t flags;  /* 0x00  VIRTQ_AVAIL_F_NO_INTERRUPT */
	uint16_t idx;    /* 0x02 */
	uint16_t ring[]; /* 0x04  [size], then used_event */
};
BH_OFFSET(vq_avail, ring, 0x04);

struct vq_used_elem {
	uint32_t id;  /* 0x00  head of the chain */
	uint32_t len; /* 0x04  bytes written into it */
};
BH_SIZE(vq_used_elem, 8);

struct vq_used {
	uint16_t flags;             /* 0x00  VIRTQ_USED_F_NO_NOTIFY */
	uint16_t idx;               /* 0x02 */
	struct vq_used_elem ring[]; /* 0x04  [size], then avail_event */
};
BH_OFFSET(vq_used, ring, 0x04);

/* The guest's memory as the device model sees it: ranges of guest-physical addresses, each
 * mapped at host (which keeps the gpa's alignment up to 16 bytes), readable and, with
 * VQ_MEM_W, writable by the device. Ranges do not overlap. */
#define VQ_MEM_W 1u
struct vq_range {
	uint64_t gpa, size;
	uint8_t *host;
	unsigned flags; /* VQ_MEM_W */
};
struct vq_mem {
	const struct vq_range *r;
	unsigned n;
};

/* [gpa, gpa + len) entirely inside one range (writable if asked) -> its host address, else
 * NULL. len 0 names no memory: NULL. Never overflows, whatever gpa and len are. */
uint8_t *vq_mem_at(const struct vq_mem *m, uint64_t gpa, uint64_t len, bool write);

/* Why a queue is broken: the first thing found wrong. vq_fault_text[] says it in words. */
enum vq_fault {
	VQ_OK,
	VQ_BAD_SIZE,        /* setup: size not a power of two in 1..VQ_SIZE_MAX */
	VQ_BAD_RING,        /* setup: a ring part not inside guest RAM, used ring not writable */
	VQ_AVAIL_AHEAD,     /* avail->idx more than size ahead of last_avail (or behind) */
	VQ_HEAD_RANGE,      /* a head index >= size */
	VQ_NEXT_RANGE,      /* a next index >= size, or >= the indirect table's entries */
	VQ_LOOP,            /* a chain longer than size, or than its indirect table */
	VQ_BUF_EMPTY,       /* a buffer of length 0 */
	VQ_BUF_RANGE,       /* a buffer not inside one range of guest RAM */
	VQ_BUF_READONLY,    /* a device-writable buffer in memory the device may not write */
	VQ_READ_AFTER_WRITE,/* a device-readable descriptor after a device-writable one */
	VQ_INDIRECT_OFF,    /* INDIRECT without VIRTIO_RING_F_INDIRECT_DESC */
	VQ_INDIRECT_NEXT,   /* INDIRECT with NEXT */
	VQ_INDIRECT_NESTED, /* INDIRECT inside an indirect table */
	VQ_INDIRECT_LEN,    /* table length 0, not a multiple of 16, > VQ_SEG_MAX entries */
	VQ_INDIRECT_RANGE,  /* table not inside guest RAM */
	VQ_TOO_LONG,        /* more than UINT32_MAX bytes in the chain */
	VQ_TOO_MANY,        /* more than VQ_SEG_MAX segments */
	VQ_FAULT_NR
};
extern const char *const vq_fault_text[VQ_FAULT_NR];

struct vq_stats {
	uint64_t chains;     /* taken by vq_pop */
	uint64_t pushed;     /* given back by vq_push */
	uint64_t refused;    /* vq_pop calls answered -BH_EIO (the one that broke it included) */
	uint64_t irqs;       /* vq_should_interrupt said yes */
	uint64_t suppressed; /* ... said no after pushes, as the guest asked */
	uint64_t overpushed; /* vq_push with no chain outstanding: dropped (a device-model bug) */
};

struct vq {
	uint16_t size;        /* 0: not set up (reset), nothing to take */
	uint16_t last_avail;  /* the next avail ring entry to take */
	uint16_t used_idx;    /* what we published in used->idx (never read back) */
	uint16_t signalled;   /* used_idx at the last vq_should_interrupt decision */
	bool event_idx;       /* VIRTIO_RING_F_EVENT_IDX negotiated */
	bool indirect;        /* VIRTIO_RING_F_INDIRECT_DESC negotiated */
	bool notify;          /* kicks wanted (vq_notify_on), as after setup */
	bool broken;
	enum vq_fault fault;  /* VQ_OK unless broken */
	const char *why;      /* vq_fault_text[fault] */
	uint64_t gpa;         /* of the descriptor table */
	const struct vq_desc *desc;
	const struct vq_avail *avail;
	struct vq_used *used;
	const uint16_t *used_event; /* &avail->ring[size] */
	uint16_t *avail_event;      /* (uint16_t *)&used->ring[size] */
	struct vq_stats stats;
};

/* One buffer of a chain, resolved: host points at len bytes of guest RAM (writable by the
 * device when write). The bytes are the guest's and may change under the reader. */
struct vq_seg {
	uint8_t *host;
	uint64_t gpa;
	uint32_t len;
	bool write;
};

/* A chain: device-readable segments first, then device-writable ones (out_len, in_len
 * bytes; out_len + in_len <= UINT32_MAX). */
struct vq_chain {
	uint16_t head;
	unsigned nseg;
	uint32_t out_len, in_len;
	struct vq_seg seg[VQ_SEG_MAX];
};

/* The guest wrote the queue's page frame (legacy Queue Address). Starts the queue afresh
 * (indices 0, stats 0, notifications on; used->flags, used->idx and avail_event written 0).
 * features: the negotiated feature word (VIRTIO_RING_F_*). pfn 0 resets the queue (size 0:
 * vq_pop finds nothing) -> 0. A bad size -> -BH_EINVAL, a ring outside guest RAM or a used
 * ring that is not writable -> -BH_ERANGE; either leaves the queue broken. */
int vq_setup_legacy(struct vq *q, const struct vq_mem *m, uint32_t pfn, uint16_t size,
		    uint32_t features);

/* The next available chain into *c: 1 taken, 0 none (or not set up), -BH_EIO the queue is
 * broken (q->why; nothing of that chain is followed). *c is meaningful only after 1. */
int vq_pop(struct vq *q, const struct vq_mem *m, struct vq_chain *c);

/* Gives a chain back: used element {head, written}, then used->idx (release). head as vq_pop
 * gave it, written the bytes put into its writable segments. Chains may be given back in
 * any order. */
void vq_push(struct vq *q, uint16_t head, uint32_t written);

/* After a batch of pushes: must the guest be interrupted? With EVENT_IDX, when used->idx
 * passed used_event since the last decision ("Used Buffer Notification Suppression"),
 * without it unless avail->flags has NO_INTERRUPT; never when nothing was pushed since. */
bool vq_should_interrupt(struct vq *q);

/* While the device works through the queue, kicks are of no use: vq_notify_off asks the
 * guest for none (USED_F_NO_NOTIFY; with EVENT_IDX avail_event is put one behind last_avail
 * and pops stop moving it). vq_notify_on asks for them again (flags 0; avail_event =
 * last_avail, and kept there by each pop) and then looks at avail->idx once more: true when
 * chains came meanwhile, which no kick will announce. So a device sleeps only after
 * vq_notify_on returned false:
 *
 *	do {
 *		vq_notify_off(q);
 *		while (vq_pop(q, m, &c) > 0)
 *			... vq_push(q, c.head, written);
 *		if (vq_should_interrupt(q))
 *			raise the queue's interrupt;
 *	} while (vq_notify_on(q));
 */
void vq_notify_off(struct vq *q);
bool vq_notify_on(struct vq *q);

#endif
