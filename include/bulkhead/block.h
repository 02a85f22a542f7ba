/* SPDX-License-Identifier: MIT */
/* block.h - the block protocol spoken over a channel (ABI v1). Append only; never reorder.
 *
 * An I/O partition (the channel's server) exports one disk to a guest (the client). Every
 * message is one request or one answer, little-endian, no pointers:
 *
 *   ring 1, client -> server    0x00 bh_blk_req     id op sectors lba flags
 *                               0x20 data           WRITE only: sectors * BH_BLK_SECTOR bytes
 *   ring 0, server -> client    0x00 bh_blk_resp    id status sectors value max_sectors
 *                                                   sector_size
 *                               0x20 data           successful READ only: sectors * 512 bytes
 *
 * The server answers every request it consumed, in the order it consumed them, with the
 * request's id whatever it is (ids are the client's business). A request is valid when the
 * message holds at least the header, flags and reserved are 0, and by op:
 *   READ   1 <= sectors <= max_sectors, no data      -> data of the sectors read
 *   WRITE  1 <= sectors <= max_sectors, exactly sectors * 512 bytes of data
 *   FLUSH  sectors 0, lba 0, no data                 -> every write answered before this
 *                                                       answer is durable
 *   INFO   sectors 0, lba 0, no data                 -> value = capacity in sectors,
 *                                                       max_sectors, sector_size (512)
 * otherwise status -BH_EINVAL; lba + sectors > capacity (computed without overflow):
 * -BH_ERANGE; a WRITE to a read-only disk (the client's window, bh_chan_client.disk_flags
 * BH_DISK_RO): -BH_EPERM; the device failed: -BH_EIO. A successful answer echoes sectors (READ, WRITE)
 * and is followed by data only for READ; an error answer is the bare header, sectors 0.
 * max_sectors is the server's limit for this channel: its device's, and what one message
 * carries each way (BH_BLK_SECTORS_FOR(chan_send_max / chan_recv_max)).
 *
 * Layout: the CLIENT lays the channel out (chan_init with BH_BLK_CHAN_TYPE, BH_BLK_SLOT_SIZE,
 * BH_BLK_SLOTS) when it starts and again each time it has seen the channel dead, so that a
 * restarted server finds a fresh READY channel and attaches to it as a standby. Regions
 * are at least BH_BLK_CHAN_MIN bytes. docs/block.md has failover, replay and the rules
 * against a hostile peer.
 */
#ifndef BULKHEAD_BLOCK_H
#define BULKHEAD_BLOCK_H

#include <bulkhead/abi.h>

#define BH_BLK_CHAN_TYPE  "bh-block-v1\0\0\0\0" /* the channel's type: 16 bytes */
#define BH_BLK_SECTOR     512u
#define BH_BLK_SLOT_SIZE  64u      /* both headers ride inline; data go to BULK buffers */
#define BH_BLK_SLOTS      16u      /* per ring: at most this many requests in flight */
#define BH_BLK_CHAN_MIN   0x10000u /* 64 KiB: buffers of 1792 bytes, 3 sectors a request */

/* Sectors one message of at most msg_max bytes carries after its header. */
#define BH_BLK_SECTORS_FOR(msg_max)                                                        \
	((msg_max) < sizeof(struct bh_blk_req) ? 0u :                                          \
	 (uint32_t)(((msg_max) - sizeof(struct bh_blk_req)) / BH_BLK_SECTOR))

enum bh_blk_op {
	BH_BLK_READ  = 1,
	BH_BLK_WRITE = 2,
	BH_BLK_FLUSH = 3,
	BH_BLK_INFO  = 4,
};

/* Client -> server. */
struct bh_blk_req {
	uint64_t id;            /* 0x00  echoed in the answer */
	uint32_t op;            /* 0x08  enum bh_blk_op */
	uint32_t sectors;       /* 0x0c  READ, WRITE: 1..max_sectors; else 0 */
	uint64_t lba;           /* 0x10  first sector; FLUSH, INFO: 0 */
	uint32_t flags;         /* 0x18  0 */
	uint32_t reserved_0x1c; /* 0x1c  0 */
};
BH_OFFSET(bh_blk_req, id, 0x00);
BH_OFFSET(bh_blk_req, op, 0x08);
BH_OFFSET(bh_blk_req, sectors, 0x0c);
BH_OFFSET(bh_blk_req, lba, 0x10);
BH_OFFSET(bh_blk_req, flags, 0x18);
BH_OFFSET(bh_blk_req, reserved_0x1c, 0x1c);
BH_SIZE(bh_blk_req, 0x20);

/* Server -> client. */
struct bh_blk_resp {
	uint64_t id;          /* 0x00  the request's */
	int32_t  status;      /* 0x08  0 or -BH_EINVAL, -BH_ERANGE, -BH_EIO, -BH_EPERM */
	uint32_t sectors;     /* 0x0c  READ, WRITE done: the request's; else 0 */
	uint64_t value;       /* 0x10  INFO: capacity in sectors; else 0 */
	uint32_t max_sectors; /* 0x18  INFO: most sectors per READ or WRITE; else 0 */
	uint32_t sector_size; /* 0x1c  INFO: BH_BLK_SECTOR; else 0 */
};
BH_OFFSET(bh_blk_resp, id, 0x00);
BH_OFFSET(bh_blk_resp, status, 0x08);
BH_OFFSET(bh_blk_resp, sectors, 0x0c);
BH_OFFSET(bh_blk_resp, value, 0x10);
BH_OFFSET(bh_blk_resp, max_sectors, 0x18);
BH_OFFSET(bh_blk_resp, sector_size, 0x1c);
BH_SIZE(bh_blk_resp, 0x20);

_Static_assert(sizeof(struct bh_blk_req) + 8 <= BH_BLK_SLOT_SIZE, "a request header is inline");
_Static_assert(sizeof(struct bh_blk_resp) == sizeof(struct bh_blk_req), "one header size");

#endif
