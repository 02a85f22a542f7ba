/* SPDX-License-Identifier: MIT */
/* virtio-blk.h - a virtio block device (virtio 1.1, 5.2) whose disk is the guest's block
 * channels to two I/O partitions (lib/blk/blk-client.h): failover and replay come from
 * there, unseen by the guest.
 *
 * One request queue of VBLK_QUEUE entries. A request is a chain: the 16-byte header
 * (type, sector) readable, data segments (each a multiple of 512 bytes; readable for OUT,
 * writable for IN), the status byte writable and last. Each data segment becomes one or
 * more block requests of at most max_sectors, submitted in the order the guest queued them;
 * a request the client refuses for now (-BH_EBUSY: overlaps a write in flight; -BH_ENOSPC:
 * its table is full) waits at the head of the line, so no later request overtakes it.
 * READ data go from the channel straight into the guest's buffer, WRITE data from it.
 * A chain is answered (status, used element) once all its pieces are.
 *
 *   type      what                        answer
 *   IN  0     read sectors                OK, or IOERR (past the disk, a device error)
 *   OUT 1     write sectors               OK, or IOERR (also on a read-only disk)
 *   FLUSH 4   blk_submit_flush            OK or IOERR
 *   GET_ID 8  "bulkhead:<guest name>"     OK
 *   other                                 UNSUPP
 *
 * Hostile guest: a chain that breaks the ring rules breaks the queue (virtq.h: the device
 * needs a reset, the guest is told); a chain that is well formed but not a request (no
 * header, a status byte that is not writable, data not in whole sectors, in the wrong
 * direction) is answered IOERR when it has a status byte, else given back with nothing
 * written. A guest that resets the device with requests in flight gets none of their
 * answers: they finish into its memory and are dropped.
 */
#ifndef DEVMODEL_VIRTIO_BLK_H
#define DEVMODEL_VIRTIO_BLK_H

#include <stdbool.h>
#include <stdint.h>
#include "blk/blk-client.h"
#include "virtio-pci.h"

#define VBLK_QUEUE  128  /* queue size, and chains in flight */
#define VBLK_PIECES 512  /* block requests queued or in flight */
/* What the driver may put in one request (size_max, seg_max): a page per segment, so that a
 * segment is one piece (max_sectors >= 8) and a chain at most VBLK_SEGS pieces; segments
 * adjacent in the guest's RAM are joined into one piece again (add_pieces). Without seg_max
 * Linux sends one segment per request. */
#define VBLK_SEG_BYTES 4096u
#define VBLK_SEGS      254u
#define VBLK_ID_LEN 20   /* VIRTIO_BLK_ID_BYTES */

struct vblk_chain {
	uint16_t head;
	uint8_t *status;       /* the guest's status byte */
	uint32_t written;      /* bytes written into writable segments, the status included */
	uint16_t left;         /* pieces not answered yet */
	bool failed;
	bool busy;
};

struct vblk_piece {
	uint64_t lba;
	uint8_t *buf;
	int64_t id;            /* the client's request id once submitted, else 0 */
	uint32_t sectors;
	uint32_t gen;          /* the device's generation when it was queued */
	uint16_t chain;        /* index into chains[] */
	uint8_t op;            /* BH_BLK_READ, WRITE, FLUSH */
	bool done;
};

struct vblk_stats {
	uint64_t reads, writes, flushes, other, errors, pieces, irqs, bad_chains;
};

struct vblk {
	struct vpci pci;
	struct vpci_dev dev;
	struct blk_client *cl;     /* connected, or NULL: no disk (capacity 0, every request fails) */
	bool ro;
	char id[VBLK_ID_LEN];
	uint8_t cfg[24];           /* virtio_blk_config: capacity, size_max, seg_max, geometry, blk_size */
	uint32_t gen;              /* bumped by each reset */
	struct vblk_chain chains[VBLK_QUEUE];
	struct vblk_piece pieces[VBLK_PIECES]; /* a ring: [tail, sub) sent or done, [sub, head) queued */
	uint32_t tail, sub, head;
	struct vblk_stats stats;
};

/* The device at bdf with BAR0 at io_base, its MSI-X page at bar1 (seen at msix), INTx on
 * irq; the disk is cl (NULL: none yet), read-only when ro; id names it (GET_ID). */
void vblk_init(struct vblk *b, uint16_t bdf, uint16_t io_base, uint32_t bar1, void *msix,
	       uint8_t irq, const struct vq_mem *mem, const struct vpci_ops *ops,
	       struct blk_client *cl, bool ro, const char *id);

/* The disk is there now (connected): its capacity appears in the config, and the guest is
 * told (a configuration interrupt) if it already drives the device. */
void vblk_attach(struct vblk *b, struct blk_client *cl);

/* Everything due: answers collected, chains answered, pieces submitted, new chains taken.
 * Call after each pass that may have kicked the queue and whenever the client may have
 * answers. */
void vblk_work(struct vblk *b);

/* Requests in flight or waiting (the caller then waits on the client, blk_wait). */
bool vblk_busy(const struct vblk *b);

#endif
