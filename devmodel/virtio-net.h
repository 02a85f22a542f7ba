/* SPDX-License-Identifier: MIT */
/* virtio-net.h - a virtio network device (virtio 1.1, 5.1; legacy interface) whose wire is
 * the guest's net channels to two I/O partitions (lib/net/net-client.h): when the active
 * path dies, frames go out through the standby, unseen by the guest.
 *
 * Features: MAC (the configuration's, from the info page: the switch accepts no other
 * source address) and STATUS (link always up: a path comes back by itself). No checksum
 * offload, no segmentation offload, no mergeable buffers: every frame is at most 1514
 * bytes behind the 10-byte legacy header (struct virtio_net_hdr, all zero here).
 *
 *   queue 0 receiveq   chains of writable buffers; a frame from the wire is written as
 *                      header + frame across them, used length = 10 + frame
 *   queue 1 transmitq  chains of readable buffers: header (ignored, it asks for nothing we
 *                      offered) + frame, copied out once, checked (14..1514 bytes), sent
 *
 * Hostile guest: a chain too short for a header and a minimal frame, one with buffers of
 * the wrong direction, or a frame longer than 1514 bytes is given back unused and counted;
 * ring violations break the queue (the device needs a reset, the guest is told). A frame
 * from the wire with no receive buffer free is dropped (counted), never queued without
 * bound: the wire is a datagram service.
 */
#ifndef DEVMODEL_VIRTIO_NET_H
#define DEVMODEL_VIRTIO_NET_H

#include <stdbool.h>
#include <stdint.h>
#include "net/net-client.h"
#include "virtio-pci.h"

#define VNET_QUEUE   256 /* per queue */
#define VNET_HDR_LEN 10  /* the legacy struct virtio_net_hdr without num_buffers */

struct vnet_stats {
	uint64_t rx, tx, rx_dropped, tx_dropped, tx_bad, irqs;
};

struct vnet {
	struct vpci pci;
	struct vpci_dev dev;
	struct net_client *cl;      /* started, or NULL: no wire (frames dropped) */
	uint8_t cfg[8];             /* virtio_net_config: mac, status */
	uint8_t frame[VNET_HDR_LEN + 1514];
	struct vnet_stats stats;
};

/* The device at bdf with BAR0 at io_base, its MSI-X page at bar1 (seen at msix), INTx on
 * irq; its MAC mac, its wire cl (NULL: none). */
void vnet_init(struct vnet *n, uint16_t bdf, uint16_t io_base, uint32_t bar1, void *msix,
	       uint8_t irq, const struct vq_mem *mem, const struct vpci_ops *ops,
	       struct net_client *cl, const uint8_t mac[6]);

/* Everything due: frames to send taken from the transmit queue, frames from the wire into
 * receive buffers. Call after each pass and whenever the wire may have frames. */
void vnet_work(struct vnet *n);

#endif
