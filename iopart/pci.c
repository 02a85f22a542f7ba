/* SPDX-License-Identifier: MIT */
/* pci.c - assigned PCI functions: probe (IDs, BARs, MSI-X), capability walk, enable, and
 * MSI-X for one vector. Config space only through plat_pci_*; no BAR is ever written. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <bulkhead/errno.h>
#include "pci.h"
#include "platform.h"

#define CAP_STEPS_MAX 48   /* (0x100 - 0x40) / 4: more steps means a loop */
#define CAP_FIRST     0x40 /* capabilities live after the type 0 header */
#define CFG_ERR       0xffffffffu

/* ---- Capability list (PCI Local Bus 3.0, 6.7 Capabilities List) ---- */

int pci_find_cap(uint16_t bdf, uint8_t cap_id)
{
	uint32_t status = plat_pci_read(bdf, PCI_STATUS, 2);
	uint64_t seen = 0; /* one bit per dword of config space 0x00..0xff */
	uint32_t ptr;

	if (status == CFG_ERR)
		return -BH_EIO;
	if (!(status & PCI_STATUS_CAPS))
		return -BH_ENOENT;
	ptr = plat_pci_read(bdf, PCI_CAP_PTR, 1);
	for (int step = 0; step < CAP_STEPS_MAX; step++) {
		uint32_t hdr;

		if (ptr == CFG_ERR)
			return -BH_EIO;
		ptr &= 0xfc; /* bits 1:0 reserved: the spec has software mask them */
		if (ptr == 0)
			return -BH_ENOENT;
		if (ptr < CAP_FIRST || (seen & (1ull << (ptr >> 2))))
			return -BH_EIO;
		seen |= 1ull << (ptr >> 2);
		hdr = plat_pci_read(bdf, ptr, 2);
		if (hdr == CFG_ERR)
			return -BH_EIO;
		if ((hdr & 0xff) == cap_id)
			return (int)ptr;
		ptr = hdr >> 8;
	}
	return -BH_EIO;
}

/* ---- Probe ---- */

/* Base Address Registers (PCI Local Bus 3.0, 6.2.5.1): bit 0 I/O; bits 2:1 type (00 32-bit,
 * 10 64-bit); bit 3 prefetchable; the base is the value with the low 4 bits cleared. */
static void probe_bars(struct pci_dev *d)
{
	for (unsigned i = 0; i < PCI_BARS; i++) {
		uint32_t lo = plat_pci_read(d->bdf, PCI_BAR0 + 4 * i, 4);
		uint32_t type = (lo >> 1) & 3;

		if (lo == CFG_ERR || lo == 0)
			continue;
		if (lo & 1) {
			d->bar_flags[i] = PCI_BAR_IO;
			continue;
		}
		d->bar[i] = lo & ~0xfull;
		d->bar_flags[i] = PCI_BAR_MEM | ((lo & 8) ? PCI_BAR_PREFETCH : 0);
		if (type != 2)
			continue;
		if (i + 1 == PCI_BARS) { /* a 64-bit BAR with no upper half: unusable */
			d->bar[i] = 0;
			d->bar_flags[i] = 0;
			continue;
		}
		i++;
		uint32_t hi = plat_pci_read(d->bdf, PCI_BAR0 + 4 * i, 4);
		d->bar_flags[i] = PCI_BAR_UPPER;
		if (hi == CFG_ERR) {
			d->bar[i - 1] = 0;
			d->bar_flags[i - 1] = 0;
			continue;
		}
		d->bar[i - 1] |= (uint64_t)hi << 32;
		d->bar_flags[i - 1] |= PCI_BAR_64;
	}
}

/* MSI-X capability structure (PCI Local Bus 3.0, 6.8.2 MSI-X Capability and Table
 * Structure): table size N-1 in message control bits 10:0, BIR in bits 2:0 of the table
 * and PBA dwords, the offset in the rest. */
static int probe_msix(struct pci_dev *d)
{
	int cap = pci_find_cap(d->bdf, PCI_CAP_MSIX);
	uint32_t ctrl, table, pba;

	if (cap == -BH_ENOENT)
		return 0;
	if (cap < 0)
		return cap;
	ctrl = plat_pci_read(d->bdf, (unsigned)cap + PCI_MSIX_CTRL, 2);
	table = plat_pci_read(d->bdf, (unsigned)cap + PCI_MSIX_TABLE, 4);
	pba = plat_pci_read(d->bdf, (unsigned)cap + PCI_MSIX_PBA, 4);
	if (ctrl == CFG_ERR || table == CFG_ERR || pba == CFG_ERR)
		return -BH_EIO;
	d->msix_cap = (uint8_t)cap;
	d->msix_size = (uint16_t)((ctrl & 0x7ff) + 1);
	d->msix_table_bir = table & 7;
	d->msix_table_off = table & ~7u;
	d->msix_pba_bir = pba & 7;
	d->msix_pba_off = pba & ~7u;
	return 0;
}

int pci_probe(struct pci_dev *d, uint16_t bdf)
{
	uint32_t vendor = plat_pci_read(bdf, PCI_VENDOR, 2);
	uint32_t device, rev_class, header;

	*d = (struct pci_dev){ .bdf = bdf };
	if (vendor == CFG_ERR || vendor == 0xffff)
		return -BH_ENOENT;
	device = plat_pci_read(bdf, PCI_DEVICE, 2);
	rev_class = plat_pci_read(bdf, PCI_REVISION, 4);
	header = plat_pci_read(bdf, PCI_HEADER, 1);
	if (device == CFG_ERR || rev_class == CFG_ERR || header == CFG_ERR)
		return -BH_ENOENT;
	d->vendor = (uint16_t)vendor;
	d->device = (uint16_t)device;
	d->revision = rev_class & 0xff;
	d->class = rev_class >> 8;
	d->header = header & 0x7f;
	if (d->header != 0)
		return -BH_ENOTSUP;
	probe_bars(d);
	return probe_msix(d);
}

/* ---- Command register and MSI-X ---- */

static int command_update(uint16_t bdf, uint32_t set, uint32_t clear)
{
	uint32_t cmd = plat_pci_read(bdf, PCI_COMMAND, 2);

	if (cmd == CFG_ERR)
		return -BH_EIO;
	return plat_pci_write(bdf, PCI_COMMAND, 2, (cmd & ~clear) | set);
}

int pci_enable_mmio(const struct pci_dev *d)
{
	return command_update(d->bdf, PCI_CMD_MEMORY, 0);
}

int pci_enable(const struct pci_dev *d)
{
	return command_update(d->bdf, PCI_CMD_MEMORY | PCI_CMD_MASTER | PCI_CMD_INTX_OFF, 0);
}

int pci_stop_dma(const struct pci_dev *d)
{
	return command_update(d->bdf, 0, PCI_CMD_MASTER);
}

static int msix_ctrl_write(const struct pci_dev *d, uint32_t set, uint32_t clear)
{
	unsigned off = d->msix_cap + PCI_MSIX_CTRL;
	uint32_t ctrl = plat_pci_read(d->bdf, off, 2);

	if (ctrl == CFG_ERR)
		return -BH_EIO;
	return plat_pci_write(d->bdf, off, 2, (ctrl & ~clear) | set);
}

/* Order (PCIe 6.0, 6.1.4 MSI and MSI-X Operation): enable with the function masked, so
 * nothing fires from a half-written table; have the monitor mask every other entry and
 * program ours (the table is read-only here: BH_HC_PCI_MSI writes it); then lift the
 * function mask. */
int pci_msix_enable(struct pci_dev *d, unsigned vector)
{
	int err;

	if (!d->msix_cap || vector >= d->msix_size)
		return -BH_ENOTSUP;
	err = msix_ctrl_write(d, PCI_MSIX_ENABLE | PCI_MSIX_MASKALL, 0);
	for (unsigned i = 0; i < d->msix_size && !err; i++)
		err = plat_pci_msix(d->bdf, i, i == vector ? PLAT_MSIX_PROGRAM : PLAT_MSIX_MASK);
	if (!err)
		err = msix_ctrl_write(d, 0, PCI_MSIX_MASKALL);
	if (err) {
		msix_ctrl_write(d, 0, PCI_MSIX_ENABLE);
		return err;
	}
	d->msix_on = true;
	return 0;
}
