/* SPDX-License-Identifier: MIT */
/* pci.c - PCI functions for the I/O partitions that drive them. The monitor
 *   - finds them once at boot through the legacy configuration mechanism (ports 0xcf8/0xcfc,
 *     PCI Local Bus 3.0, 3.2.2.3.2): bus 0 and the secondary bus of every bridge on the way,
 *     and sizes their memory BARs with decoding off (6.2.5.1);
 *   - gives the partition whose view holds a function its configuration space: reads of all
 *     256 bytes, writes only to the bits a driver must set (the command register's memory,
 *     bus-master and INTx-disable bits; MSI-X enable and function mask), each one
 *     read-modify-written under one lock. A BAR stays where firmware put it, so device MMIO
 *     never moves over memory the view does not grant;
 *   - writes MSI-X table entries itself (BH_HC_PCI_MSI): the table's pages are read-only in
 *     every partition (msix.h), so the only message a function can send is the one the
 *     monitor gave it: vector VEC_DEVICE + its index, fixed delivery, to the CPU of the
 *     owner's vCPU 0, through the IOMMU's interrupt remapping where it has one (so that not
 *     even a DMA write to the interrupt window raises anything else); it arrives as
 *     BH_EVENT_DEVICE.
 * Without an IOMMU a device's DMA reaches all memory: the I/O partitions are trusted with
 * the devices they drive (docs/iopart.md, docs/iommu.md). */
#define pr_fmt(fmt) "pci: " fmt
#include <bulkhead/errno.h>
#include <bulkhead/hypercall.h>
#include "iommu/iommu.h"
#include "log.h"
#include "msix.h"
#include "paging.h"
#include "part.h"
#include "pci.h"
#include "percpu.h"
#include "spinlock.h"
#include "timer.h"
#include "view.h"
#include "x86.h"

#define CFG_ADDR 0xcf8
#define CFG_DATA 0xcfc

#define REG_ID        0x00
#define REG_COMMAND   0x04
#define REG_STATUS    0x06
#define REG_CLASS     0x08 /* revision in bits 7:0 */
#define REG_HEADER    0x0e
#define REG_BAR0      0x10
#define REG_SECONDARY 0x19 /* type 1 header: the bus behind the bridge */
#define REG_CAP       0x34

#define CMD_MEMORY    (1u << 1)
#define CMD_MASTER    (1u << 2)
#define CMD_INTX_OFF  (1u << 10)
#define STATUS_CAPS   (1u << 4)
#define CAP_MSIX      0x11
#define MSIX_ENABLE   (1u << 15) /* Message Control (6.8.2.3) */
#define MSIX_MASK_ALL (1u << 14)
#define MSIX_WRITABLE (MSIX_ENABLE | MSIX_MASK_ALL)

#define REG_MSIX_TABLE 4 /* from the capability: table offset | BIR, then PBA */
#define REG_MSIX_PBA   8

/* Message address: physical destination mode, no redirection hint (SDM vol 3, 11.11.1);
 * data: the vector, fixed delivery, edge (11.11.2); upper address zero. */
#define MSI_ADDRESS   0xfee00000u

struct bh_uv_pci pci_fns[BH_UV_PCI_MAX];
unsigned pci_fn_count;
static uint8_t msix_cap[BH_UV_PCI_MAX]; /* offset of the MSI-X capability, 0: none */
static struct msix_table msix[BH_UV_PCI_MAX]; /* entries == 0: none usable */
struct view_range pci_msix_ro[2 * BH_UV_PCI_MAX];
unsigned pci_msix_ro_count;
/* One address/data pair for every CPU; held across a read-modify-write, a table entry's
 * update, and a release, so none interleaves with another. */
static struct spinlock cfg_lock;

/* The raw accesses: the caller holds cfg_lock (or runs alone, at boot). */
static uint32_t cfg_in(uint16_t bdf, unsigned off, unsigned width)
{
	outl(CFG_ADDR, 0x80000000u | (uint32_t)bdf << 8 | (off & 0xfc));
	return width == 1 ? inb(CFG_DATA + (off & 3)) :
	       width == 2 ? inw(CFG_DATA + (off & 2)) : inl(CFG_DATA);
}

static void cfg_out(uint16_t bdf, unsigned off, unsigned width, uint32_t v)
{
	outl(CFG_ADDR, 0x80000000u | (uint32_t)bdf << 8 | (off & 0xfc));
	if (width == 2)
		outw(CFG_DATA + (off & 2), (uint16_t)v);
	else
		outl(CFG_DATA, v);
}

/* The bits of mask in the 16-bit register at off become those of v, the others stay. */
static void cfg_update(uint16_t bdf, unsigned off, uint32_t mask, uint32_t v)
{
	cfg_out(bdf, off, 2, (cfg_in(bdf, off, 2) & ~mask) | (v & mask));
}

static uint32_t cfg_read(uint16_t bdf, unsigned off, unsigned width)
{
	spin_lock(&cfg_lock);
	uint32_t v = cfg_in(bdf, off, width);
	spin_unlock(&cfg_lock);
	return v;
}

static void cfg_write(uint16_t bdf, unsigned off, unsigned width, uint32_t v)
{
	spin_lock(&cfg_lock);
	cfg_out(bdf, off, width, v);
	spin_unlock(&cfg_lock);
}

/* Size BAR i of f, the 64-bit ones over two registers; → how many registers it took. */
static unsigned bar_size(struct bh_uv_pci *f, unsigned i)
{
	unsigned off = REG_BAR0 + 4 * i;
	uint32_t lo = cfg_read(f->bdf, off, 4), hi = 0, mlo, mhi = ~0u;
	bool wide = (lo & 7) == 4;

	if (lo & 1)
		return 1; /* an I/O BAR: ports come from the configuration, not from here */
	cfg_write(f->bdf, off, 4, ~0u);
	mlo = cfg_read(f->bdf, off, 4);
	cfg_write(f->bdf, off, 4, lo);
	if (wide && i < 5) {
		hi = cfg_read(f->bdf, off + 4, 4);
		cfg_write(f->bdf, off + 4, 4, ~0u);
		mhi = cfg_read(f->bdf, off + 4, 4);
		cfg_write(f->bdf, off + 4, 4, hi);
	}
	uint64_t mask = (uint64_t)(wide ? mhi : ~0u) << 32 | (mlo & ~0xfu);
	uint64_t base = (uint64_t)hi << 32 | (lo & ~0xfu);

	if (mlo & ~0xfu && base)
		f->bar[i] = (struct bh_uv_pci_bar){ base, ~mask + 1 };
	return wide ? 2 : 1;
}

/* The capability list, bounded against loops (a list visits at most 48 dword slots). */
static uint8_t find_cap(uint16_t bdf, uint8_t id)
{
	if (!(cfg_read(bdf, REG_STATUS, 2) & STATUS_CAPS))
		return 0;
	uint8_t off = cfg_read(bdf, REG_CAP, 1) & 0xfc;

	for (unsigned n = 0; off >= 0x40 && n < 48; n++) {
		if (cfg_read(bdf, off, 1) == id)
			return off;
		off = cfg_read(bdf, off + 1, 1) & 0xfc;
	}
	return 0;
}

static void add_function(uint16_t bdf, uint32_t id)
{
	struct bh_uv_pci *f = &pci_fns[pci_fn_count];
	uint16_t cmd = (uint16_t)cfg_read(bdf, REG_COMMAND, 2);

	*f = (struct bh_uv_pci){ .bdf = bdf, .vendor = (uint16_t)id, .device = (uint16_t)(id >> 16),
				 .class = cfg_read(bdf, REG_CLASS, 4) >> 8 };
	if ((cfg_read(bdf, REG_HEADER, 1) & 0x7f) == 0) {
		cfg_write(bdf, REG_COMMAND, 2, cmd & ~CMD_MEMORY); /* no decoding while sizing */
		for (unsigned i = 0; i < BH_UV_PCI_BARS; i += bar_size(f, i))
			;
		cfg_write(bdf, REG_COMMAND, 2, cmd);
	}
	msix_cap[pci_fn_count] = find_cap(bdf, CAP_MSIX);
	pr_info("%02x:%02x.%x %04x:%04x class %06x%s", bdf >> 8, bdf >> 3 & 31, bdf & 7, f->vendor,
		f->device, f->class, msix_cap[pci_fn_count] ? " msi-x" : "");
	pci_fn_count++;
}

static void scan_bus(unsigned bus, unsigned depth)
{
	for (unsigned dev = 0; dev < 32; dev++)
		for (unsigned fn = 0; fn < 8; fn++) {
			uint16_t bdf = (uint16_t)(bus << 8 | dev << 3 | fn);
			uint32_t id = cfg_read(bdf, REG_ID, 4);
			uint8_t header;

			if ((uint16_t)id == 0xffff) {
				if (fn == 0)
					break;
				continue;
			}
			header = (uint8_t)cfg_read(bdf, REG_HEADER, 1);
			if (pci_fn_count < BH_UV_PCI_MAX)
				add_function(bdf, id);
			if ((header & 0x7f) == 1 && depth < 8) /* a PCI-to-PCI bridge */
				scan_bus(cfg_read(bdf, REG_SECONDARY, 1), depth + 1);
			if (fn == 0 && !(header & 0x80))
				break; /* single-function device */
		}
}

/* Function k's MSI-X table and PBA: located, mapped into the monitor (it alone writes the
 * table), and their pages listed read-only for every partition. A table outside its BAR
 * leaves the function without MSI-X: BH_HC_PCI_MSI refuses it. */
static void msix_setup(unsigned k)
{
	const struct bh_uv_pci *f = &pci_fns[k];
	unsigned cap = msix_cap[k];
	struct view_range *ro = &pci_msix_ro[pci_msix_ro_count];

	if (msix_locate(f, (uint16_t)cfg_in(f->bdf, cap + 2, 2), cfg_in(f->bdf, cap + REG_MSIX_TABLE, 4),
			cfg_in(f->bdf, cap + REG_MSIX_PBA, 4), &msix[k])) {
		pr_warn("%02x:%02x.%x: MSI-X table or PBA outside its BAR: no MSI-X", f->bdf >> 8,
			f->bdf >> 3 & 31, f->bdf & 7);
		msix[k].entries = 0;
		return;
	}
	unsigned n = msix_pages(&msix[k], ro);

	pci_msix_ro_count += n;
	for (unsigned i = 0; i < n; i++)
		for (uint64_t pa = ro[i].base; pa < ro[i].end; pa += 0x1000)
			if (paging_map_mmio(pa)) {
				pr_err("%02x:%02x.%x: no memory to map MSI-X page %#lx: no MSI-X",
				       f->bdf >> 8, f->bdf >> 3 & 31, f->bdf & 7, pa);
				msix[k].entries = 0;
				return;
			}
	pr_info("%02x:%02x.%x: MSI-X table %#lx (%u entries), PBA %#lx: read-only for partitions",
		f->bdf >> 8, f->bdf >> 3 & 31, f->bdf & 7, msix[k].table, msix[k].entries,
		msix[k].pba);
}

void pci_init(void)
{
	scan_bus(0, 0);
	for (unsigned k = 0; k < pci_fn_count; k++)
		if (msix_cap[k])
			msix_setup(k);
	pr_info("%u functions", pci_fn_count);
}

int pci_fn_index(uint64_t bdf)
{
	for (unsigned k = 0; k < pci_fn_count; k++)
		if (pci_fns[k].bdf == bdf)
			return (int)k;
	return -1;
}

static int owned(const struct vcpu *v, uint64_t bdf)
{
	return bdf <= 0xffff && view_holds_pci(&v->part->view, (uint16_t)bdf) ? pci_fn_index(bdf) : -1;
}

/* The write mask of (off, width) on function k: the bits a driver may change there. */
static uint32_t writable(unsigned k, uint64_t off, uint64_t width)
{
	if (width != 2)
		return 0;
	if (off == REG_COMMAND)
		return CMD_MEMORY | CMD_MASTER | CMD_INTX_OFF;
	if (msix_cap[k] && off == msix_cap[k] + 2u)
		return MSIX_WRITABLE;
	return 0;
}

/* A refused configuration write is logged, at most PCI_LOG_BURST at once and one a second
 * after: a partition cannot flood the log; the lines not shown are counted. */
#define PCI_LOG_BURST 16

static void not_shown(const struct partition *p, uint32_t n)
{
	if (n)
		pr_warn("partition %s: %u more refused config writes not shown", p->name, n);
}

static void refused(struct partition *p, uint64_t bdf, uint64_t off)
{
	uint64_t now = rdtsc();
	uint32_t dropped = 0;
	bool say;

	spin_lock(&cfg_lock); /* serializes the bucket */
	say = ratelimit_take(&p->pci_log_rate, now, tsc_hz(), PCI_LOG_BURST, 1);
	if (say)
		dropped = ratelimit_report_due(&p->pci_log_rate, now, tsc_hz());
	spin_unlock(&cfg_lock);
	not_shown(p, dropped);
	if (say)
		pr_warn("partition %s: config write %02lx:%02lx.%lx+%#lx refused", p->name,
			bdf >> 8, bdf >> 3 & 31, bdf & 7, off);
}

void pci_refusals_report(struct partition *p)
{
	uint32_t dropped;

	spin_lock(&cfg_lock);
	dropped = p->pci_log_rate.dropped;
	p->pci_log_rate.dropped = 0;
	spin_unlock(&cfg_lock);
	not_shown(p, dropped);
}

int64_t hc_pci_config(struct vcpu *v, uint64_t bdf, uint64_t off, uint64_t width, uint64_t write)
{
	int k = owned(v, bdf);
	uint32_t mask = 0;
	int64_t r = -BH_EIO; /* released, or about to be: nothing re-enables it */

	if (k < 0)
		return -BH_EPERM;
	if ((width != 1 && width != 2 && width != 4) || off > 256 - width || off & (width - 1) ||
	    write > 1)
		return -BH_EINVAL;
	if (write && !(mask = writable((unsigned)k, off, width))) {
		refused(v->part, bdf, off);
		return -BH_EPERM;
	}
	spin_lock(&cfg_lock);
	bool ending = __atomic_load_n(&v->part->ending, __ATOMIC_ACQUIRE);
	if (!ending && write) {
		cfg_update((uint16_t)bdf, (unsigned)off, mask, (uint32_t)v->regs.r8);
		r = 0;
	} else if (!ending) {
		r = cfg_in((uint16_t)bdf, (unsigned)off, (unsigned)width);
	}
	spin_unlock(&cfg_lock);
	return r;
}

/* Entry e of function k: masked, written, then unmasked if asked (PCIe 6.0, 6.1.4.5: an
 * entry is changed only while masked). The caller holds cfg_lock. */
static void msix_write(unsigned k, unsigned e, const struct partition *p, uint64_t op)
{
	volatile uint32_t *t = (volatile uint32_t *)(msix[k].table + (uint64_t)e * MSIX_ENTRY);

	uint32_t apic = cpus[p->view.cpus[0]].apic_id, data;
	uint64_t addr;

	t[3] |= MSIX_CTRL_MASK;
	if (op == BH_PCI_MSI_PROGRAM) {
		if (iommu_msi(pci_fns[k].bdf, k, apic, (uint8_t)(VEC_DEVICE + k), &addr, &data)) {
			addr = MSI_ADDRESS | (uint64_t)(apic & 0xff) << 12; /* compatibility format */
			data = VEC_DEVICE + k;
		}
		t[0] = (uint32_t)addr;
		t[1] = (uint32_t)(addr >> 32);
		t[2] = data;
	}
	if (op != BH_PCI_MSI_MASK)
		t[3] &= ~MSIX_CTRL_MASK;
}

int64_t hc_pci_msi(struct vcpu *v, uint64_t bdf, uint64_t entry, uint64_t op, uint64_t a3)
{
	int k = owned(v, bdf);
	int64_t r = 0;

	if (k < 0)
		return -BH_EPERM;
	if (!msix[k].entries)
		return -BH_ENOTSUP;
	if (entry >= msix[k].entries || op > BH_PCI_MSI_UNMASK)
		return -BH_EINVAL;
	spin_lock(&cfg_lock);
	if (__atomic_load_n(&v->part->ending, __ATOMIC_ACQUIRE))
		r = -BH_EIO;
	else if (!(cfg_in((uint16_t)bdf, REG_COMMAND, 2) & CMD_MEMORY))
		r = -BH_EIO; /* the table does not answer: writes would be lost */
	else
		msix_write((unsigned)k, (unsigned)entry, v->part, op);
	spin_unlock(&cfg_lock);
	return r;
}

void pci_irq(uint64_t vector)
{
	uint16_t bdf;

	if (vector - VEC_DEVICE >= pci_fn_count)
		return; /* a vector no function was given: a forged MSI */
	bdf = pci_fns[vector - VEC_DEVICE].bdf;
	for (unsigned i = 0; i < partition_count; i++) {
		struct partition *p = __atomic_load_n(&partitions[i], __ATOMIC_ACQUIRE);
		if (p && view_holds_pci(&p->view, bdf)) {
			part_device_event(p);
			return;
		}
	}
	pr_warn_once("vector %#lx of %02x:%02x.%x, which no partition holds, arrived: a forged "
		     "MSI (dropped)", vector, bdf >> 8, bdf >> 3 & 31, bdf & 7);
}

/* Function k: every table entry masked while memory still decodes, then MSI-X disabled and
 * masked, memory decoding and bus mastering off. The caller holds cfg_lock. */
static void release_one(unsigned k)
{
	uint16_t bdf = pci_fns[k].bdf;

	if (msix[k].entries && cfg_in(bdf, REG_COMMAND, 2) & CMD_MEMORY)
		for (unsigned e = 0; e < msix[k].entries; e++)
			msix_write(k, e, NULL, BH_PCI_MSI_MASK);
	if (msix_cap[k])
		cfg_update(bdf, msix_cap[k] + 2u, MSIX_WRITABLE, MSIX_MASK_ALL);
	cfg_update(bdf, REG_COMMAND, CMD_MEMORY | CMD_MASTER, 0);
}

/* The functions of a view whose partition ended, or that a new view drops: no more DMA and
 * no more interrupts, before the memory they may still write is given to anyone else. */
void pci_release(const struct bh_view *v, const struct bh_view *keep)
{
	for (unsigned i = 0; i < v->pci_count && i < BH_VIEW_PCI_MAX; i++) {
		uint16_t bdf = v->pci[i];
		int k = pci_fn_index(bdf);

		if (k < 0 || (keep && view_holds_pci(keep, bdf)))
			continue;
		spin_lock(&cfg_lock);
		release_one((unsigned)k);
		spin_unlock(&cfg_lock);
		pr_info("%02x:%02x.%x released: MSI-X entries masked, bus mastering, memory and "
			"MSI-X off", bdf >> 8, bdf >> 3 & 31, bdf & 7);
	}
}
