/* SPDX-License-Identifier: MIT */
/* virtio-net.c - the virtio network device of virtio-net.h. */
#include <string.h>
#include <bulkhead/errno.h>
#include "virtio-net.h"

#define NET_F_MAC    (1u << 5)
#define NET_F_STATUS (1u << 16)
#define S_LINK_UP    1
#define RXQ          0
#define TXQ          1
#define FRAME_MIN    14
#define FRAME_MAX    1514
#define BATCH        64 /* chains per queue per call: the other queue and the guest wait less */

static uint8_t cfg_read(void *ctx, unsigned off)
{
	const struct vnet *n = ctx;

	return off < sizeof(n->cfg) ? n->cfg[off] : 0;
}

static void reset(void *ctx)
{
}

static void kick(void *ctx, unsigned q)
{
	vnet_work(ctx);
}

/* Copies the chain's readable bytes (header and frame) into n->frame; → their length, or
 * 0 when the chain is no transmit request. */
static uint32_t gather(struct vnet *n, const struct vq_chain *c)
{
	uint32_t len = 0;

	if (c->in_len || c->out_len < VNET_HDR_LEN + FRAME_MIN ||
	    c->out_len > VNET_HDR_LEN + FRAME_MAX)
		return 0;
	for (unsigned i = 0; i < c->nseg; i++) {
		memcpy(n->frame + len, c->seg[i].host, c->seg[i].len); /* read once */
		len += c->seg[i].len;
	}
	return len;
}

/* Writes header and frame (n->frame, len bytes with the header) across the chain's
 * writable buffers. → false if they do not hold it all. */
static bool scatter(const struct vnet *n, const struct vq_chain *c, uint32_t len)
{
	uint32_t at = 0;

	if (c->out_len || c->in_len < len)
		return false;
	for (unsigned i = 0; i < c->nseg && at < len; i++) {
		uint32_t k = c->seg[i].len < len - at ? c->seg[i].len : len - at;
		memcpy(c->seg[i].host, n->frame + at, k);
		at += k;
	}
	return true;
}

static bool usable(struct vnet *n, unsigned q)
{
	return vpci_live(&n->pci) && n->pci.vq[q].size && !n->pci.vq[q].broken;
}

static void transmit(struct vnet *n)
{
	static struct vq_chain c;
	struct vq *q = &n->pci.vq[TXQ];
	unsigned k = 0;
	int r = 0;

	vq_notify_off(q);
	do {
		while (k++ < BATCH && (r = vq_pop(q, n->pci.mem, &c)) > 0) {
			uint32_t len = gather(n, &c);
			if (!len)
				n->stats.tx_bad++;
			else if (!n->cl || net_send(n->cl, n->frame + VNET_HDR_LEN, len - VNET_HDR_LEN))
				n->stats.tx_dropped++;
			else
				n->stats.tx++;
			vq_push(q, c.head, 0);
		}
		if (r < 0) {
			vpci_broken(&n->pci, TXQ);
			return;
		}
		if (vq_should_interrupt(q)) {
			n->stats.irqs++;
			vpci_queue_irq(&n->pci, TXQ);
		}
	} while (k <= BATCH && vq_notify_on(q));
}

/* Frames from the wire into receive buffers, as many as there are of both. */
static void receive(struct vnet *n)
{
	static struct vq_chain c;
	struct vq *q = &n->pci.vq[RXQ];
	bool ready = usable(n, RXQ);
	unsigned k = 0;

	while (n->cl && k++ < BATCH) {
		int r = ready ? vq_pop(q, n->pci.mem, &c) : 0;
		if (r < 0) {
			vpci_broken(&n->pci, RXQ);
			return;
		}
		if (ready && !r)
			break; /* no buffer now: frames wait in the channel (or its server drops) */
		long len = net_recv(n->cl, n->frame + VNET_HDR_LEN, FRAME_MAX, NULL);
		if (len < 0) {
			if (r > 0) /* no frame after all: the buffer goes back unused */
				vq_push(q, c.head, 0);
			break;
		}
		memset(n->frame, 0, VNET_HDR_LEN);
		if (r > 0 && scatter(n, &c, VNET_HDR_LEN + (uint32_t)len)) {
			vq_push(q, c.head, VNET_HDR_LEN + (uint32_t)len);
			n->stats.rx++;
		} else {
			if (r > 0)
				vq_push(q, c.head, 0);
			n->stats.rx_dropped++; /* no (big enough) buffer: the datagram is lost */
		}
	}
	if (ready && vq_should_interrupt(q)) {
		n->stats.irqs++;
		vpci_queue_irq(&n->pci, RXQ);
	}
}

void vnet_work(struct vnet *n)
{
	if (n->cl)
		net_poll(n->cl);
	if (usable(n, TXQ))
		transmit(n);
	receive(n);
}

void vnet_init(struct vnet *n, uint16_t bdf, uint16_t io_base, uint32_t bar1, void *msix,
	       uint8_t irq, const struct vq_mem *mem, const struct vpci_ops *ops,
	       struct net_client *cl, const uint8_t mac[6])
{
	memset(n, 0, sizeof(*n));
	n->cl = cl;
	memcpy(n->cfg, mac, 6);
	n->cfg[6] = S_LINK_UP;
	n->dev = (struct vpci_dev){ .ctx = n, .features = NET_F_MAC | NET_F_STATUS,
				    .queue_size = { VNET_QUEUE, VNET_QUEUE },
				    .cfg_len = sizeof(n->cfg), .cfg_read = cfg_read,
				    .notify = kick, .reset = reset };
	vpci_init(&n->pci, bdf, VIRTIO_ID_NET, io_base, bar1, msix, irq, mem, &n->dev, ops);
}
