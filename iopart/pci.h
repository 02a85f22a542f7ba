/* SPDX-License-Identifier: MIT */
/* pci.h - the I/O partition's view of its assigned PCI functions: IDs, BARs as firmware
 * programmed them, the capability list, and MSI-X set up for one vector.
 *
 * Enumeration is the info page's pci_bdf[] list, never a bus scan. Configuration space is
 * reached through plat_pci_read/plat_pci_write only (BH_HC_PCI_CONFIG), so BARs are read,
 * never sized or moved: bar[] holds bases; sizes come from the monitor.
 *
 *   config space (type 0 header)          MSI-X capability (PCI Local Bus 3.0, 6.8.2)
 *   0x00 vendor | device                  +0 id 0x11 | next | message control
 *   0x04 command | status                 +4 table offset | BIR (bits 2:0)
 *   0x08 rev | prog-if | subclass | class +8 PBA offset | BIR
 *   0x0e header type                      table entry (16 B): addr lo, addr hi, data,
 *   0x10..0x24 BAR0..BAR5                                    vector control (bit 0 mask)
 *   0x34 capabilities pointer
 */
#ifndef IOPART_PCI_H
#define IOPART_PCI_H

#include <stdbool.h>
#include <stdint.h>

#define PCI_BDF(bus, dev, fn) ((uint16_t)((bus) << 8 | (dev) << 3 | (fn)))

/* Configuration registers (PCI Local Bus 3.0, 6.1 Configuration Space Organization) */
#define PCI_VENDOR     0x00
#define PCI_DEVICE     0x02
#define PCI_COMMAND    0x04
#define PCI_STATUS     0x06
#define PCI_REVISION   0x08
#define PCI_HEADER     0x0e
#define PCI_BAR0       0x10
#define PCI_CAP_PTR    0x34

#define PCI_CMD_MEMORY    (1u << 1)
#define PCI_CMD_MASTER    (1u << 2)
#define PCI_CMD_INTX_OFF  (1u << 10)
#define PCI_STATUS_CAPS   (1u << 4)

#define PCI_CAP_MSIX      0x11
#define PCI_MSIX_CTRL     2 /* from the capability */
#define PCI_MSIX_TABLE    4
#define PCI_MSIX_PBA      8
#define PCI_MSIX_ENABLE   (1u << 15)
#define PCI_MSIX_MASKALL  (1u << 14)
#define PCI_MSIX_ENTRY    16

#define PCI_BARS 6

/* bar_flags[] */
#define PCI_BAR_MEM      (1u << 0) /* a memory BAR (else I/O, or unused) */
#define PCI_BAR_64       (1u << 1) /* 64-bit: the next slot is its upper half */
#define PCI_BAR_PREFETCH (1u << 2)
#define PCI_BAR_UPPER    (1u << 3) /* upper half of the previous 64-bit BAR: no BAR here */
#define PCI_BAR_IO       (1u << 4)

struct pci_dev {
	uint16_t bdf;
	uint16_t vendor;
	uint16_t device;
	uint8_t  revision;
	uint8_t  header;          /* header type, bit 7 (multi-function) cleared */
	uint32_t class;           /* class << 16 | subclass << 8 | prog-if */
	uint64_t bar[PCI_BARS];   /* memory BAR bases, 0 when none */
	uint8_t  bar_flags[PCI_BARS];
	/* MSI-X; msix_cap == 0 when the function has none */
	uint8_t  msix_cap;        /* config offset of the capability */
	uint16_t msix_size;       /* table entries */
	uint8_t  msix_table_bir;
	uint8_t  msix_pba_bir;
	uint32_t msix_table_off;  /* within the BAR */
	uint32_t msix_pba_off;
	bool     msix_on;         /* pci_msix_enable() succeeded */
};

/* Reads IDs, class, BARs and the MSI-X capability of bdf into *d. → 0; -BH_ENOENT when no
 * function answers (vendor 0xffff / read error); -BH_ENOTSUP for a header type other than
 * 0 (bridges are not assigned); -BH_EIO for a malformed capability list. */
int pci_probe(struct pci_dev *d, uint16_t bdf);

/* Walks bdf's capability list for cap_id: at most 48 steps, each pointer dword aligned
 * within 0x40..0xfc, no offset twice. → the capability's offset; -BH_ENOENT when absent;
 * -BH_EIO when the list is malformed (bad pointer, loop, too long). */
int pci_find_cap(uint16_t bdf, uint8_t cap_id);

/* Command register: memory space on (BAR access, no DMA yet). */
int pci_enable_mmio(const struct pci_dev *d);

/* Command register: memory space + bus master on, INTx off (MSI-X or polling only). */
int pci_enable(const struct pci_dev *d);

/* Bus master off: the function can no longer DMA (a driver giving up on a device). */
int pci_stop_dma(const struct pci_dev *d);

/* Needs memory space on. Has the monitor program MSI-X table entry `vector` and mask every
 * other one (plat_pci_msix: the table is read-only to the partition), and enables MSI-X
 * with the function mask off. → 0; -BH_ENOTSUP (no MSI-X, or vector beyond its table); or
 * the plat_* error. */
int pci_msix_enable(struct pci_dev *d, unsigned vector);

#endif
