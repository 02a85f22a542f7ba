/* SPDX-License-Identifier: MIT */
/* e1000.h - Intel 82540EM (8254x family) Gigabit Ethernet: the I/O partition's uplink.
 * Citations: PCI/PCI-X Family of Gigabit Ethernet Controllers Software Developer's Manual
 * (8254x SDM), rev. 4.0: 13 Register Descriptions, 3.2 Receive Descriptor Format,
 * 3.3 Transmit Descriptor Format, 14 General Initialization and Reset Operation.
 *
 * Legacy descriptors only, one receive and one transmit ring in DMA memory of the
 * partition (plat_dma_alloc: the identity alias, or IOVA = GPA under an IOMMU), 2 KiB
 * buffers, CRC stripped, short frames padded by the device. Polled: the 8254x has MSI at
 * most (QEMU's e1000 not even that), and the monitor programs MSI-X only; the I/O
 * partition's loop polls at its tick and after every round that moved frames.
 *
 *   DMA area:  page 0  RX descriptors (E1000_RX x 16 B) | TX descriptors (E1000_TX x 16 B)
 *              then    E1000_RX receive buffers, E1000_TX transmit buffers, 2 KiB each
 */
#ifndef IOPART_E1000_H
#define IOPART_E1000_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "pci.h"

#define E1000_VENDOR    0x8086
#define E1000_82540EM   0x100e
#define E1000_RX        32      /* descriptors (a multiple of 8: RDLEN is 128-byte units) */
#define E1000_TX        32
#define E1000_BUF       2048u   /* RCTL.BSIZE 00 */

/* Registers (13.4) */
#define E1000_CTRL    0x0000
#define E1000_STATUS  0x0008
#define E1000_EERD    0x0014
#define E1000_ICR     0x00c0
#define E1000_IMC     0x00d8
#define E1000_RCTL    0x0100
#define E1000_TCTL    0x0400
#define E1000_TIPG    0x0410
#define E1000_RDBAL   0x2800
#define E1000_RDBAH   0x2804
#define E1000_RDLEN   0x2808
#define E1000_RDH     0x2810
#define E1000_RDT     0x2818
#define E1000_TDBAL   0x3800
#define E1000_TDBAH   0x3804
#define E1000_TDLEN   0x3808
#define E1000_TDH     0x3810
#define E1000_TDT     0x3818
#define E1000_MTA     0x5200  /* 128 dwords */
#define E1000_RAL(n)  (0x5400 + 8 * (n))
#define E1000_RAH(n)  (0x5404 + 8 * (n))
#define E1000_RAR_N   16
#define E1000_REGS    0x20000 /* BAR0: 128 KiB */

#define E1000_CTRL_ASDE  (1u << 5)
#define E1000_CTRL_SLU   (1u << 6)
#define E1000_CTRL_RST   (1u << 26)
#define E1000_STATUS_LU  (1u << 1)
#define E1000_EERD_START (1u << 0)
#define E1000_EERD_DONE  (1u << 4)
#define E1000_RCTL_EN    (1u << 1)
#define E1000_RCTL_UPE   (1u << 3)
#define E1000_RCTL_MPE   (1u << 4)
#define E1000_RCTL_BAM   (1u << 15)
#define E1000_RCTL_SECRC (1u << 26)
#define E1000_TCTL_EN    (1u << 1)
#define E1000_TCTL_PSP   (1u << 3)
#define E1000_RAH_AV     (1u << 31)

/* Legacy receive descriptor (3.2.3) */
struct e1000_rx_desc {
	uint64_t addr;
	uint16_t length;
	uint16_t csum;
	uint8_t  status;  /* DD bit 0, EOP bit 1 */
	uint8_t  errors;
	uint16_t special;
};

/* Legacy transmit descriptor (3.3.3) */
struct e1000_tx_desc {
	uint64_t addr;
	uint16_t length;
	uint8_t  cso;
	uint8_t  cmd;     /* EOP bit 0, IFCS bit 1, RS bit 3 */
	uint8_t  status;  /* DD bit 0 */
	uint8_t  css;
	uint16_t special;
};
_Static_assert(sizeof(struct e1000_rx_desc) == 16 && sizeof(struct e1000_tx_desc) == 16,
	       "legacy descriptors are 16 bytes");

#define E1000_RXD_DD   (1u << 0)
#define E1000_RXD_EOP  (1u << 1)
#define E1000_TXD_EOP  (1u << 0)
#define E1000_TXD_IFCS (1u << 1)
#define E1000_TXD_RS   (1u << 3)
#define E1000_TXD_DD   (1u << 0)

struct e1000_stats {
	uint64_t rx, rx_bytes, rx_err; /* rx_err: errors, fragments, frames too long */
	uint64_t tx, tx_bytes, tx_full;
};

struct e1000 {
	struct pci_dev *pci;
	volatile uint8_t *regs;
	uint8_t  mac[6];
	uint8_t *mem;                 /* the DMA area above */
	uint64_t mem_dma;
	struct e1000_rx_desc *rx;
	struct e1000_tx_desc *tx;
	uint32_t rx_next;             /* the next descriptor the device fills */
	uint32_t tx_tail;             /* the next descriptor we fill */
	uint32_t tx_clean;            /* the oldest descriptor not yet seen done */
	bool     promisc;             /* more MACs than receive address registers */
	struct e1000_stats stats;
};

/* The 82540EM and its family members this driver knows (QEMU's e1000 is a 82540EM). */
bool e1000_supported(const struct pci_dev *pci);

/* Resets the controller of pci (probed; kept by pointer) and brings both rings up:
 * broadcast and multicast accepted, unicast for its own MAC (and what e1000_filter
 * adds). → 0; -BH_EIO (BAR0 not mapped, reset never ends, device gone), -BH_ENOMEM. */
int e1000_init(struct e1000 *e, struct pci_dev *pci);

/* Unicast addresses to accept besides its own: receive address registers 1..15, or
 * unicast promiscuous mode for more. */
void e1000_filter(struct e1000 *e, const uint8_t (*macs)[6], unsigned n);

bool e1000_link_up(const struct e1000 *e);

/* The next received frame into buf: its length (CRC stripped), -BH_ENOENT (none now).
 * Frames with errors or longer than len are dropped and counted. */
long e1000_recv(struct e1000 *e, void *buf, size_t len);

/* Queues one frame (14..E1000_BUF bytes). → 0, -BH_EINVAL, -BH_ENOSPC (ring full). */
int e1000_send(struct e1000 *e, const void *frame, size_t len);

#endif
