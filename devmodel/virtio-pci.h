/* SPDX-License-Identifier: MIT */
/* virtio-pci.h - the legacy (transitional) virtio PCI transport of one function. Virtio 1.1,
 * 4.1.4.8 "Legacy Interfaces: A Note on PCI Device Layout" and 4.1.5.1.3 "Virtqueue
 * Configuration"; PCI Local Bus 3.0, 6.8.2 "MSI-X Capability and Table Structure".
 *
 * Configuration space: vendor 0x1af4, device 0x1000 + type - 1 (transitional ids: a driver
 * may use the legacy interface), subsystem 0x1af4 / the virtio type, BAR0 the I/O registers,
 * BAR1 one 4 KiB memory page with the MSI-X table (offset 0) and PBA (offset 0x800),
 * capability list: MSI-X only. BAR1 is fixed where the ultravisor maps the guest's BAR page
 * (ioreq.h, BH_HVM_BAR_GPA + index * 4 KiB): writes to it only size it. BAR0 may be moved.
 *
 * I/O registers (BAR0), legacy layout:
 *   0x00 host features   32 RO      0x0e queue select     16
 *   0x04 guest features  32         0x10 queue notify     16 WO -> dev->notify
 *   0x08 queue PFN       32         0x12 device status     8 (0 resets the device)
 *   0x0c queue size      16 RO      0x13 ISR status        8 RO, read clears it
 *   with MSI-X enabled: 0x14 config vector 16, 0x16 queue vector 16, device config at 0x18;
 *   without: device config at 0x14.
 *
 * Interrupts. With MSI-X on, a queue's vector names a table entry in the BAR page: the
 * model reads address and data there (the guest writes them without an exit) and raises
 * the vector on the vCPU whose APIC id the address names; a masked entry (or function mask)
 * gets its pending bit instead, delivered by vpci_poll once unmasked. Without MSI-X, ISR
 * bit 0 is set and INTx (the function's 8259 line, level) is high until the guest reads ISR.
 * Nothing is raised, and no queue is touched, while the guest has bus mastering off.
 *
 * Hostile guest: every register value is range-checked, a queue the guest sets up badly is
 * broken (virtq.h), and the device then sets DEVICE_NEEDS_RESET (status bit 6) and raises
 * a configuration interrupt, as virtio 1.1 2.1.2 asks; nothing else is harmed.
 */
#ifndef DEVMODEL_VIRTIO_PCI_H
#define DEVMODEL_VIRTIO_PCI_H

#include <stdbool.h>
#include <stdint.h>
#include "virtq.h"

#define VPCI_QUEUES_MAX   2
#define VPCI_IO_SIZE      0x40 /* BAR0: legacy header, MSI-X vectors, device config */
#define VPCI_CFG_MAX      (VPCI_IO_SIZE - 0x18)
#define VPCI_NO_VECTOR    0xffff
#define VPCI_MSIX_PBA     0x800

/* device status (virtio 1.1, 2.1) */
#define VIRTIO_STATUS_ACK         1
#define VIRTIO_STATUS_DRIVER      2
#define VIRTIO_STATUS_DRIVER_OK   4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED      128

#define VIRTIO_ID_NET   1
#define VIRTIO_ID_BLOCK 2

/* The device behind the transport. */
struct vpci_dev {
	void *ctx;
	uint32_t features;                             /* host features */
	uint16_t queue_size[VPCI_QUEUES_MAX];          /* 0: no such queue */
	unsigned cfg_len;                              /* device config bytes, <= VPCI_CFG_MAX */
	uint8_t (*cfg_read)(void *ctx, unsigned off);  /* off < cfg_len */
	void (*cfg_write)(void *ctx, unsigned off, uint8_t val);
	void (*notify)(void *ctx, unsigned queue);     /* the guest kicked a set-up queue */
	void (*reset)(void *ctx);                      /* the guest reset the device */
};

/* What the transport needs of the platform. */
struct vpci_ops {
	void *ctx;
	/* A fixed MSI: vector (>= 16) to the vCPU with APIC id dest. */
	void (*msi)(void *ctx, uint32_t dest, uint8_t vector);
	/* INTx of this function: level high or low. */
	void (*intx)(void *ctx, unsigned irq, bool level);
	/* One diagnostic line, once per kind (the caller rate-limits). */
	void (*log)(void *ctx, const char *what);
};

struct vpci_stats {
	uint64_t msi, intx, pending, bad_entry, kicks;
};

struct vpci {
	uint16_t bdf;
	uint8_t type;                /* VIRTIO_ID_* */
	uint8_t irq;                 /* INTx line (8259) */
	uint16_t io_base;            /* BAR0 */
	uint32_t bar1;               /* guest-physical, fixed */
	volatile uint32_t *msix;     /* BAR1 in the device model's map of guest RAM */
	uint16_t command;
	bool bar0_sizing, bar1_sizing;
	uint16_t msix_ctrl;          /* enable (15), function mask (14) */
	uint32_t guest_features;
	uint16_t queue_sel;
	uint8_t status, isr;
	uint16_t config_vector;
	uint16_t queue_vector[VPCI_QUEUES_MAX];
	uint32_t queue_pfn[VPCI_QUEUES_MAX];
	uint32_t pending;            /* MSI-X entries masked when raised */
	struct vq vq[VPCI_QUEUES_MAX];
	const struct vq_mem *mem;
	const struct vpci_dev *dev;
	const struct vpci_ops *ops;
	struct vpci_stats stats;
};

/* A function at bdf of virtio type `type`, its BAR0 at io_base, its MSI-X page at bar1
 * (guest-physical) seen at msix, INTx on irq. */
void vpci_init(struct vpci *v, uint16_t bdf, uint8_t type, uint16_t io_base, uint32_t bar1,
	       void *msix, uint8_t irq, const struct vq_mem *mem, const struct vpci_dev *dev,
	       const struct vpci_ops *ops);

/* Configuration space (pci.h's callbacks): off 0..255, size 1, 2 or 4 within a dword. */
uint32_t vpci_cfg_read(void *ctx, unsigned off, unsigned size);
void vpci_cfg_write(void *ctx, unsigned off, unsigned size, uint32_t val);

/* Does port belong to BAR0 (and is I/O decoding on)? Then off = port - BAR0. */
bool vpci_claims(const struct vpci *v, uint16_t port);
uint32_t vpci_io_read(struct vpci *v, unsigned off, unsigned size);
void vpci_io_write(struct vpci *v, unsigned off, unsigned size, uint32_t val);

/* The device may touch its queues: DRIVER_OK, bus mastering on, not needing a reset. */
bool vpci_live(const struct vpci *v);

/* Queue q's interrupt (after pushes: vq_should_interrupt said so). */
void vpci_queue_irq(struct vpci *v, unsigned q);
/* The queue broke (the guest's fault): DEVICE_NEEDS_RESET and a configuration interrupt. */
void vpci_broken(struct vpci *v, unsigned q);
/* The device configuration changed: the configuration interrupt. */
void vpci_config_changed(struct vpci *v);
/* Delivers pending MSI-X entries that the guest unmasked. */
void vpci_poll(struct vpci *v);

#endif
