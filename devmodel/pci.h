/* SPDX-License-Identifier: MIT */
/* pci.h - PCI configuration mechanism #1 and bus 0's functions. PCI Local Bus Specification
 * 3.0, 3.2.2.3.2 "Software Generation of Configuration Transactions" (CONFIG_ADDRESS at
 * 0xcf8, 32-bit only: bit 31 enable, 23:16 bus, 15:11 device, 10:8 function, 7:2 register;
 * CONFIG_DATA at 0xcfc-0xcff, 1, 2 or 4 bytes at the register's byte offset) and 6.1
 * "Configuration Space Organization" (a missing function reads all ones).
 *
 * Bus 0 device 0 function 0 is the host bridge, an Intel 82441FX (i440FX PMC: vendor 0x8086,
 * device 0x1237, class 06 00 00, header type 0, no BARs), whose command register takes
 * writes. Other functions are added to the table with pci_add() (virtio-pci, later), each
 * with its own configuration-space callbacks.
 */
#ifndef DEVMODEL_PCI_H
#define DEVMODEL_PCI_H

#include <stdbool.h>
#include <stdint.h>

#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA    0xcfc
#define PCI_FN_MAX         8
#define PCI_BDF(b, d, f)   ((uint16_t)((b) << 8 | (d) << 3 | (f)))

/* One function: off 0..255, size 1, 2 or 4, never crossing a dword. */
struct pci_fn {
	uint16_t bdf;
	uint32_t (*read)(void *ctx, unsigned off, unsigned size);
	void (*write)(void *ctx, unsigned off, unsigned size, uint32_t val);
	void *ctx;
};

struct pci_host {
	uint8_t cfg[64]; /* the type 0 header; the rest of its space reads 0 */
};

struct pci_bus {
	uint32_t addr; /* CONFIG_ADDRESS */
	struct pci_fn fn[PCI_FN_MAX];
	unsigned count;
	struct pci_host host;
};

/* An empty bus but for the host bridge at 00:00.0. */
void pci_init(struct pci_bus *b);

/* → 0, -BH_EEXIST (that bdf is there), -BH_ENOSPC (table full). */
int pci_add(struct pci_bus *b, const struct pci_fn *fn);

/* off 0..7 from 0xcf8; size 1, 2 or 4. CONFIG_ADDRESS answers 32-bit accesses only; other
 * accesses to 0xcf8-0xcfb read all ones and are ignored. */
uint32_t pci_io_read(struct pci_bus *b, unsigned off, unsigned size);
void pci_io_write(struct pci_bus *b, unsigned off, unsigned size, uint32_t val);

#endif
