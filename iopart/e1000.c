/* SPDX-License-Identifier: MIT */
/* e1000.c - Intel 82540EM: reset, receive and transmit rings, address filter (e1000.h).
 * Citations: 8254x SDM rev. 4.0. The device is trusted as far as its DMA goes (docs/iommu.md);
 * what it writes into descriptors is still bounded before use. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <bulkhead/errno.h>
#include "e1000.h"
#include "platform.h"

#define RESET_NS  10000000ull /* 14.9: CTRL.RST self-clears within microseconds */
#define EERD_NS   10000000ull
#define PAGE      4096u

#define E1000_LOG(e, fmt, ...)                                                              \
	plat_log("e1000 %02x:%02x.%u: " fmt, (e)->pci->bdf >> 8, ((e)->pci->bdf >> 3) & 0x1f, \
		 (e)->pci->bdf & 7u, ##__VA_ARGS__)

/* Device IDs of 8254x parts with the 82540EM's legacy register set and descriptors. */
static const uint16_t known[] = { 0x100e /* 82540EM */, 0x100f /* 82545EM copper */,
				  0x1015 /* 82540EM LOM */, 0x1016 /* 82540EP LOM */,
				  0x1017 /* 82540EP */, 0x101e /* 82540EP LP */,
				  0x1026 /* 82545GM */ };

bool e1000_supported(const struct pci_dev *pci)
{
	if (pci->vendor != E1000_VENDOR)
		return false;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (pci->device == known[i])
			return true;
	return false;
}

static uint32_t rd32(const struct e1000 *e, unsigned off)
{
	return *(volatile uint32_t *)(e->regs + off);
}

static void wr32(struct e1000 *e, unsigned off, uint32_t v)
{
	*(volatile uint32_t *)(e->regs + off) = v;
}

/* Descriptors written before the device hears of them (a tail write). */
static void tail(struct e1000 *e, unsigned off, uint32_t v)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	wr32(e, off, v);
}

/* 14.9 Reset: CTRL.RST self-clears; interrupts masked and acknowledged after it. */
static int reset(struct e1000 *e)
{
	uint64_t deadline = plat_time_ns() + RESET_NS;

	wr32(e, E1000_IMC, ~0u);
	wr32(e, E1000_CTRL, rd32(e, E1000_CTRL) | E1000_CTRL_RST);
	while (rd32(e, E1000_CTRL) & E1000_CTRL_RST) {
		if (rd32(e, E1000_STATUS) == ~0u || plat_time_ns() >= deadline) {
			E1000_LOG(e, "reset does not complete (CTRL %#x)", rd32(e, E1000_CTRL));
			return -BH_EIO;
		}
	}
	wr32(e, E1000_IMC, ~0u);
	(void)rd32(e, E1000_ICR);
	return 0;
}

/* 5.6.x EEPROM Read Register (EERD, 82540EM layout: address 15:8, data 31:16). */
static int eeprom_word(struct e1000 *e, unsigned addr, uint16_t *w)
{
	uint64_t deadline = plat_time_ns() + EERD_NS;
	uint32_t v;

	wr32(e, E1000_EERD, addr << 8 | E1000_EERD_START);
	while (!((v = rd32(e, E1000_EERD)) & E1000_EERD_DONE))
		if (plat_time_ns() >= deadline)
			return -BH_ETIMEDOUT;
	*w = (uint16_t)(v >> 16);
	return 0;
}

/* The MAC: receive address 0 as the EEPROM loaded it at reset, else EEPROM words 0-2. */
static int read_mac(struct e1000 *e)
{
	uint32_t lo = rd32(e, E1000_RAL(0)), hi = rd32(e, E1000_RAH(0));
	uint16_t w[3];

	if (hi & E1000_RAH_AV) {
		for (int i = 0; i < 4; i++)
			e->mac[i] = (uint8_t)(lo >> (8 * i));
		e->mac[4] = (uint8_t)hi;
		e->mac[5] = (uint8_t)(hi >> 8);
		return 0;
	}
	for (unsigned i = 0; i < 3; i++)
		if (eeprom_word(e, i, &w[i])) {
			E1000_LOG(e, "no MAC: receive address 0 empty, EEPROM does not answer");
			return -BH_EIO;
		}
	for (unsigned i = 0; i < 3; i++) {
		e->mac[2 * i] = (uint8_t)w[i];
		e->mac[2 * i + 1] = (uint8_t)(w[i] >> 8);
	}
	wr32(e, E1000_RAL(0), w[0] | (uint32_t)w[1] << 16);
	wr32(e, E1000_RAH(0), w[2] | E1000_RAH_AV);
	return 0;
}

/* 14.4 Receive Initialization: every descriptor but one owned by the device (RDT one
 * behind RDH), 2 KiB buffers, broadcast accepted, multicast promiscuous, CRC stripped. */
static void rx_init(struct e1000 *e)
{
	uint64_t ring = e->mem_dma, bufs = e->mem_dma + PAGE;

	for (unsigned i = 0; i < E1000_RX; i++)
		e->rx[i] = (struct e1000_rx_desc){ .addr = bufs + (uint64_t)i * E1000_BUF };
	for (unsigned i = 0; i < 128; i++)
		wr32(e, E1000_MTA + 4 * i, 0);
	wr32(e, E1000_RDBAL, (uint32_t)ring);
	wr32(e, E1000_RDBAH, (uint32_t)(ring >> 32));
	wr32(e, E1000_RDLEN, E1000_RX * sizeof(struct e1000_rx_desc));
	wr32(e, E1000_RDH, 0);
	tail(e, E1000_RDT, E1000_RX - 1);
	e->rx_next = 0;
	wr32(e, E1000_RCTL, E1000_RCTL_EN | E1000_RCTL_MPE | E1000_RCTL_BAM | E1000_RCTL_SECRC);
}

/* 14.5 Transmit Initialization: full duplex collision distance, short frames padded;
 * TIPG as 13.4.34 recommends for copper (IPGT 10, IPGR1 8, IPGR2 6). */
static void tx_init(struct e1000 *e)
{
	uint64_t ring = e->mem_dma + E1000_RX * sizeof(struct e1000_rx_desc);

	memset(e->tx, 0, E1000_TX * sizeof(*e->tx));
	wr32(e, E1000_TDBAL, (uint32_t)ring);
	wr32(e, E1000_TDBAH, (uint32_t)(ring >> 32));
	wr32(e, E1000_TDLEN, E1000_TX * sizeof(struct e1000_tx_desc));
	wr32(e, E1000_TDH, 0);
	wr32(e, E1000_TDT, 0);
	e->tx_tail = e->tx_clean = 0;
	wr32(e, E1000_TIPG, 10 | 8u << 10 | 6u << 20);
	wr32(e, E1000_TCTL, E1000_TCTL_EN | E1000_TCTL_PSP | 0x10u << 4 | 0x40u << 12);
}

static int map(struct e1000 *e)
{
	const struct pci_dev *d = e->pci;

	if (!(d->bar_flags[0] & PCI_BAR_MEM) || !d->bar[0] ||
	    !(e->regs = plat_mmio(d->bar[0], E1000_REGS))) {
		E1000_LOG(e, "BAR0 %#llx: not a mapped memory BAR", (unsigned long long)d->bar[0]);
		return -BH_EIO;
	}
	if (rd32(e, E1000_STATUS) == ~0u) {
		E1000_LOG(e, "STATUS reads all ones: device gone");
		return -BH_EIO;
	}
	return 0;
}

int e1000_init(struct e1000 *e, struct pci_dev *pci)
{
	size_t bytes = PAGE + (size_t)(E1000_RX + E1000_TX) * E1000_BUF;
	int err;

	_Static_assert((E1000_RX + E1000_TX) * 16 <= PAGE, "both rings in one page");
	*e = (struct e1000){ .pci = pci };
	err = pci_enable_mmio(pci);
	if (!err)
		err = map(e);
	if (!err)
		err = reset(e); /* quiet before bus mastering: firmware may have left it running */
	if (!err && !(e->mem = plat_dma_alloc(bytes, &e->mem_dma))) {
		E1000_LOG(e, "out of DMA memory (%zu bytes)", bytes);
		err = -BH_ENOMEM;
	}
	if (!err)
		err = pci_enable(pci);
	if (!err)
		err = read_mac(e);
	if (err)
		return err;
	e->rx = (struct e1000_rx_desc *)e->mem;
	e->tx = (struct e1000_tx_desc *)(e->mem + E1000_RX * sizeof(struct e1000_rx_desc));
	wr32(e, E1000_CTRL, (rd32(e, E1000_CTRL) | E1000_CTRL_SLU | E1000_CTRL_ASDE));
	rx_init(e);
	tx_init(e);
	E1000_LOG(e, "%04x:%04x, MAC %02x:%02x:%02x:%02x:%02x:%02x, link %s, polled", pci->vendor,
		  pci->device, e->mac[0], e->mac[1], e->mac[2], e->mac[3], e->mac[4], e->mac[5],
		  e1000_link_up(e) ? "up" : "down");
	return 0;
}

void e1000_filter(struct e1000 *e, const uint8_t (*macs)[6], unsigned n)
{
	uint32_t rctl = rd32(e, E1000_RCTL);

	for (unsigned i = 1; i < E1000_RAR_N; i++) {
		const uint8_t *m;

		if (i > n) {
			wr32(e, E1000_RAH(i), 0);
			continue;
		}
		m = macs[i - 1];
		wr32(e, E1000_RAL(i), m[0] | m[1] << 8 | m[2] << 16 | (uint32_t)m[3] << 24);
		wr32(e, E1000_RAH(i), m[4] | m[5] << 8 | E1000_RAH_AV);
	}
	e->promisc = n > E1000_RAR_N - 1;
	wr32(e, E1000_RCTL, e->promisc ? rctl | E1000_RCTL_UPE : rctl & ~E1000_RCTL_UPE);
}

bool e1000_link_up(const struct e1000 *e)
{
	return rd32(e, E1000_STATUS) & E1000_STATUS_LU;
}

long e1000_recv(struct e1000 *e, void *buf, size_t len)
{
	for (unsigned look = 0; look < E1000_RX; look++) {
		volatile struct e1000_rx_desc *d = &e->rx[e->rx_next];
		uint8_t status = d->status;
		uint16_t n;
		long r = -1;

		if (!(status & E1000_RXD_DD))
			return -BH_ENOENT;
		__atomic_thread_fence(__ATOMIC_ACQUIRE); /* the rest of it, after DD */
		n = d->length;
		if ((status & E1000_RXD_EOP) && !d->errors && n >= 14 && n <= len && n <= E1000_BUF) {
			memcpy(buf, e->mem + PAGE + (size_t)e->rx_next * E1000_BUF, n);
			r = n;
			e->stats.rx++;
			e->stats.rx_bytes += n;
		} else {
			e->stats.rx_err++;
		}
		d->status = 0;
		tail(e, E1000_RDT, e->rx_next); /* hand it back: one behind the next to fill */
		e->rx_next = (e->rx_next + 1) % E1000_RX;
		if (r >= 0)
			return r;
	}
	return -BH_ENOENT;
}

int e1000_send(struct e1000 *e, const void *frame, size_t len)
{
	uint32_t next = (e->tx_tail + 1) % E1000_TX;
	volatile struct e1000_tx_desc *d;

	if (len < 14 || len > E1000_BUF)
		return -BH_EINVAL;
	while (e->tx_clean != e->tx_tail && (e->tx[e->tx_clean].status & E1000_TXD_DD))
		e->tx_clean = (e->tx_clean + 1) % E1000_TX;
	if (next == e->tx_clean) {
		e->stats.tx_full++;
		return -BH_ENOSPC;
	}
	memcpy(e->mem + PAGE + (size_t)(E1000_RX + e->tx_tail) * E1000_BUF, frame, len);
	d = &e->tx[e->tx_tail];
	d->addr = e->mem_dma + PAGE + (uint64_t)(E1000_RX + e->tx_tail) * E1000_BUF;
	d->length = (uint16_t)len;
	d->cso = d->css = 0;
	d->special = 0;
	d->status = 0;
	d->cmd = E1000_TXD_EOP | E1000_TXD_IFCS | E1000_TXD_RS;
	e->tx_tail = next;
	tail(e, E1000_TDT, next);
	e->stats.tx++;
	e->stats.tx_bytes += len;
	return 0;
}
