/* SPDX-License-Identifier: MIT */
/* net.h - the network protocol spoken over a channel (ABI v1). Append only; never reorder.
 *
 * An I/O partition (the channel's server) connects a guest (the client) to its switch:
 * the other clients of that I/O partition and its NIC (the uplink). Every message is one
 * Ethernet frame behind an 8-byte header, little-endian, no pointers:
 *
 *   ring 1, client -> server   0x00 bh_net_hdr   type = FRAME, flags = 0, reserved = 0
 *                              0x08 frame        14..1514 bytes: destination MAC, source
 *                                                MAC (the client's own), EtherType, payload;
 *                                                no preamble, no FCS, no padding needed
 *   ring 0, server -> client   0x00 bh_net_hdr   type = FRAME, flags = BH_NET_F_UPLINK or 0
 *                              0x08 frame        14..1514 bytes, addressed to the client's
 *                                                MAC, broadcast or multicast
 *
 * Frames are datagrams: either side may drop any (a full ring, a dead path, a frame that
 * breaks these rules), nothing is answered or acknowledged. The server takes a frame from
 * its client only when its source MAC is the one the configuration gives that client
 * (bh_partition_info.chan_client[i].mac, which no peer can forge); the rest is dropped
 * and counted. BH_NET_F_UPLINK marks a frame that came in from the server's NIC; a client
 * with two paths keeps such frames only from its active path (the LAN reaches it through
 * both I/O partitions), and frames from other clients of the switch from either path.
 *
 * Layout: the CLIENT lays the channel out (chan_init with BH_NET_CHAN_TYPE,
 * BH_NET_SLOT_SIZE and the most slots, a power of two from BH_NET_SLOTS_MIN to
 * BH_NET_SLOTS_MAX, whose buffers each hold a whole message) when it starts and again each
 * time it has seen the channel dead, so that a restarted server finds a fresh READY
 * channel and attaches as a standby. Regions are at least BH_NET_CHAN_MIN bytes; a server
 * refuses a layout whose rings cannot carry BH_NET_MSG_MAX bytes each way. docs/net.md has the switch, failover and the rules against a hostile peer.
 */
#ifndef BULKHEAD_NET_H
#define BULKHEAD_NET_H

#include <bulkhead/abi.h>

#define BH_NET_CHAN_TYPE  "bh-net-v1\0\0\0\0\0\0" /* the channel's type: 16 bytes */
#define BH_NET_SLOT_SIZE  64u       /* an ARP frame (42 bytes) rides inline; bigger ones
				     * go to BULK buffers */
#define BH_NET_SLOTS_MIN  16u       /* per ring: frames queued each way at most */
#define BH_NET_SLOTS_MAX  64u       /* (64 KiB: 16 slots; 128 KiB: 32; 256 KiB: 64) */
#define BH_NET_CHAN_MIN   0xe000u   /* header page, both rings' slots (one page), and
				     * 2 x 16 buffers of 1536 bytes */
#define BH_NET_MAC_LEN    6u
#define BH_NET_FRAME_MIN  14u       /* an Ethernet header */
#define BH_NET_FRAME_MAX  1514u     /* header + 1500 bytes of payload (no VLAN tag, no FCS) */
#define BH_NET_MSG_MAX    (sizeof(struct bh_net_hdr) + BH_NET_FRAME_MAX)

enum bh_net_type {
	BH_NET_FRAME = 1, /* an Ethernet frame follows */
};

/* bh_net_hdr.flags, server -> client only (a client sends 0) */
#define BH_NET_F_UPLINK (1u << 0) /* from the server's NIC, not from another client */

struct bh_net_hdr {
	uint16_t type;          /* 0x00  enum bh_net_type */
	uint16_t flags;         /* 0x02  BH_NET_F_* */
	uint32_t reserved_0x04; /* 0x04  0 */
};
BH_OFFSET(bh_net_hdr, type, 0x00);
BH_OFFSET(bh_net_hdr, flags, 0x02);
BH_OFFSET(bh_net_hdr, reserved_0x04, 0x04);
BH_SIZE(bh_net_hdr, 0x08);

_Static_assert(BH_NET_CHAN_MIN == 0x2000u + 2 * BH_NET_SLOTS_MIN * 1536u, "min: whole buffers");
_Static_assert(BH_NET_MSG_MAX <= 1536u, "a message fits a buffer of a minimal channel");
_Static_assert(2 * BH_NET_SLOTS_MIN * BH_NET_SLOT_SIZE <= 0x1000u, "both slot arrays: a page");

#endif
