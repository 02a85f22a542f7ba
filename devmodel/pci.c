/* SPDX-License-Identifier: MIT */
/* pci.c - configuration mechanism #1 and the host bridge of pci.h. Intel 82441FX datasheet
 * (440FX PCIset, "PCI Configuration Space": VID 8086h, DID 1237h, RID 02h, CLASSC 060000h,
 * HEDT 00h; PCICMD bits 2:0 memory, I/O, bus master). */
#include <stddef.h>
#include <bulkhead/errno.h>
#include "pci.h"

#define ADDR_ENABLE 0x80000000u
#define ADDR_EXT    0x7f000000u /* reserved (AMD: register bits 11:8): beyond our 256 bytes */
#define CMD_MASK    0x0007u     /* I/O, memory, bus master */

static uint32_t ones(unsigned size)
{
	return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

static void put(uint8_t *cfg, unsigned off, unsigned size, uint32_t v)
{
	for (unsigned i = 0; i < size; i++)
		cfg[off + i] = (uint8_t)(v >> (8 * i));
}

static uint32_t host_read(void *ctx, unsigned off, unsigned size)
{
	const struct pci_host *h = ctx;
	uint32_t v = 0;

	for (unsigned i = 0; i < size; i++)
		if (off + i < sizeof(h->cfg))
			v |= (uint32_t)h->cfg[off + i] << (8 * i);
	return v;
}

/* Only the command register (0x04, two bytes) takes writes; BARs stay 0 (none). */
static void host_write(void *ctx, unsigned off, unsigned size, uint32_t val)
{
	struct pci_host *h = ctx;

	for (unsigned i = 0; i < size; i++) {
		unsigned o = off + i;
		uint8_t b = (uint8_t)(val >> (8 * i));

		if (o == 0x04)
			h->cfg[o] = b & CMD_MASK;
		else if (o == 0x05)
			h->cfg[o] = 0;
	}
}

void pci_init(struct pci_bus *b)
{
	*b = (struct pci_bus){ 0 };
	put(b->host.cfg, 0x00, 2, 0x8086);   /* vendor: Intel */
	put(b->host.cfg, 0x02, 2, 0x1237);   /* device: 82441FX */
	put(b->host.cfg, 0x04, 2, 0x0006);   /* command: memory, bus master */
	put(b->host.cfg, 0x08, 4, 0x06000002); /* class 06 00 00 (host bridge), revision 02 */
	b->fn[0] = (struct pci_fn){ PCI_BDF(0, 0, 0), host_read, host_write, &b->host };
	b->count = 1;
}

int pci_add(struct pci_bus *b, const struct pci_fn *fn)
{
	for (unsigned i = 0; i < b->count; i++)
		if (b->fn[i].bdf == fn->bdf)
			return -BH_EEXIST;
	if (b->count == PCI_FN_MAX)
		return -BH_ENOSPC;
	b->fn[b->count++] = *fn;
	return 0;
}

/* The function CONFIG_ADDRESS selects for an access of size bytes at data port offset
 * off, and the register offset; NULL when none answers. */
static struct pci_fn *target(struct pci_bus *b, unsigned off, unsigned size, unsigned *reg)
{
	uint16_t bdf = (uint16_t)(b->addr >> 8);

	*reg = (b->addr & 0xfc) | (off & 3);
	if (!(b->addr & ADDR_ENABLE) || (b->addr & ADDR_EXT) || (off & 3) + size > 4)
		return NULL;
	for (unsigned i = 0; i < b->count; i++)
		if (b->fn[i].bdf == bdf)
			return &b->fn[i];
	return NULL;
}

uint32_t pci_io_read(struct pci_bus *b, unsigned off, unsigned size)
{
	struct pci_fn *f;
	unsigned reg;

	if (off < 4)
		return off == 0 && size == 4 ? b->addr : ones(size);
	f = target(b, off, size, &reg);
	return f ? f->read(f->ctx, reg, size) & ones(size) : ones(size);
}

void pci_io_write(struct pci_bus *b, unsigned off, unsigned size, uint32_t val)
{
	struct pci_fn *f;
	unsigned reg;

	if (off < 4) {
		if (off == 0 && size == 4)
			b->addr = val & ~3u;
		return;
	}
	f = target(b, off, size, &reg);
	if (f)
		f->write(f->ctx, reg, size, val & ones(size));
}
