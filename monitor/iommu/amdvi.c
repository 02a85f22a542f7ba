/* SPDX-License-Identifier: MIT */
/* amdvi.c - AMD-Vi (AMD I/O Virtualization Technology spec 48882): one device table for
 * all 64 Ki device ids, each entry blocking (V=1, TV=1, Mode=0, no IR/IW; interrupts: IV=1,
 * IntCtl abort) until a view holds the function; then Mode=4 over the partition's I/O page
 * tables (dmamap.c), and its interrupts remapped through a table of its own whose entry 0
 * is the vector and CPU the monitor chose (2.2.5 "Interrupt Remapping Tables"). Changes are
 * invalidated through the command buffer and waited for with COMPLETION_WAIT's store. */
#define pr_fmt(fmt) "amd-vi: " fmt
#include <bulkhead/errno.h>
#include "../log.h"
#include "../palloc.h"
#include "../paging.h"
#include "../pci.h"
#include "../x86.h"
#include "iommu.h"

/* MMIO registers (3.4 "IOMMU MMIO Registers") */
#define REG_DEVTAB  0x0000 /* base | size in 4 KiB pages - 1 */
#define REG_CMDBUF  0x0008 /* base | ComLen << 56 */
#define REG_EVTLOG  0x0010 /* base | EventLen << 56 */
#define REG_CONTROL 0x0018
#define REG_CMD_HEAD 0x2000
#define REG_CMD_TAIL 0x2008
#define REG_EVT_HEAD 0x2010
#define REG_EVT_TAIL 0x2018
#define REG_STATUS  0x2020

#define CTL_IOMMU_EN  (1ull << 0)
#define CTL_EVTLOG_EN (1ull << 2)
#define CTL_CMDBUF_EN (1ull << 12)

#define RING_LEN8     8ull   /* 2^8 entries of 16 bytes: one page */
#define RING_BYTES    4096u
#define DEVTAB_PAGES  512    /* 65536 x 32 bytes */

/* Device table entry, first qword (2.2.2.1): V, TV, Mode (11:9), root, IR (61), IW (62);
 * second qword: domain id (15:0). */
#define DTE_V      (1ull << 0)
#define DTE_TV     (1ull << 1)
#define DTE_MODE4  (4ull << 9)
#define DTE_IR     (1ull << 61)
#define DTE_IW     (1ull << 62)
/* Third qword (2.2.2.2): IV, IntTabLen (4:1), IntTableRootPtr (51:6), IntCtl (61:60); the
 * NMI/INIT/ExtInt/LINT pass bits stay clear. */
#define DTE_IV       1ull
#define DTE_INTLEN11 (11ull << 1) /* 2048 entries: every index an MSI's data can name */
#define DTE_REMAP    (2ull << 60)
#define IRTE_EN      1u           /* RemapEn; IntType fixed, physical destination */
#define IRT_PAGES    2            /* 2048 x 4 bytes */

/* Commands (2.4): opcode in bits 63:60 of the first qword. */
#define CMD_COMPLETION_WAIT 0x1ull
#define CMD_INV_DEVTAB      0x2ull
#define CMD_INV_PAGES       0x3ull
#define CMD_INV_INTTAB      0x5ull
#define INV_ALL_PAGES       0x7ffffffffffff000ull /* S=1 with every address bit: all sizes */

#define EVT_IO_PAGE_FAULT   0x2 /* event code (2.5.3), bits 63:60 of the first qword */

struct unit {
	volatile uint8_t *regs;
	uint64_t *cmd, *evt;
	uint32_t cmd_tail, evt_head;
};

static struct unit amd[IOMMU_UNITS_MAX];
static unsigned count;
static uint64_t *devtab;
static volatile uint64_t done; /* COMPLETION_WAIT stores here */
static uint32_t *irt[BH_UV_PCI_MAX]; /* per function found: its interrupt remapping table */

static uint64_t rd64(const struct unit *u, unsigned off)
{
	return *(volatile uint64_t *)(u->regs + off);
}
static void wr64(struct unit *u, unsigned off, uint64_t v)
{
	*(volatile uint64_t *)(u->regs + off) = v;
}

/* One 16-byte command at the tail; waits while the ring is full. */
static void submit(struct unit *u, uint64_t lo, uint64_t hi)
{
	while ((u->cmd_tail + 16) % RING_BYTES == (uint32_t)rd64(u, REG_CMD_HEAD))
		cpu_relax();
	u->cmd[u->cmd_tail / 8] = lo;
	u->cmd[u->cmd_tail / 8 + 1] = hi;
	u->cmd_tail = (u->cmd_tail + 16) % RING_BYTES;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	wr64(u, REG_CMD_TAIL, u->cmd_tail);
}

/* COMPLETION_WAIT with store (2.4.1): the unit writes 'token' to &done once every earlier
 * command has completed. */
static void wait_done(struct unit *u)
{
	static uint64_t token;

	token++;
	submit(u, (uint64_t)&done | 1 | CMD_COMPLETION_WAIT << 60, token);
	while (done != token)
		cpu_relax();
}

static int unit_init(struct unit *u, const struct iommu_unit *a)
{
	for (uint64_t off = 0; off < 0x3000; off += 0x1000)
		if (paging_map_mmio(a->base + off))
			return -BH_ENOMEM;
	u->regs = (volatile uint8_t *)a->base; /* mapped */
	if (!(u->cmd = (uint64_t *)palloc(1, 0, 0)) || !(u->evt = (uint64_t *)palloc(1, 0, 0)))
		return -BH_ENOMEM;
	wr64(u, REG_CONTROL, 0);
	wr64(u, REG_DEVTAB, (uint64_t)devtab | (DEVTAB_PAGES - 1));
	wr64(u, REG_CMDBUF, (uint64_t)u->cmd | RING_LEN8 << 56);
	wr64(u, REG_EVTLOG, (uint64_t)u->evt | RING_LEN8 << 56);
	wr64(u, REG_CMD_HEAD, 0);
	wr64(u, REG_CMD_TAIL, 0);
	wr64(u, REG_EVT_HEAD, 0);
	wr64(u, REG_EVT_TAIL, 0);
	wr64(u, REG_CONTROL, CTL_IOMMU_EN | CTL_EVTLOG_EN | CTL_CMDBUF_EN);
	wait_done(u); /* it was off: nothing of the table is cached yet */
	pr_info("unit at %#lx (PCI %02x:%02x.%x): translation on, every function blocked, "
		"every interrupt aborted until remapped",
		a->base, a->devid >> 8, a->devid >> 3 & 31, a->devid & 7);
	return 0;
}

static int amdvi_init(const struct iommu_acpi *a)
{
	int r;

	if (!(devtab = (uint64_t *)palloc(DEVTAB_PAGES, 0, 0)))
		return -BH_ENOMEM;
	for (uint32_t id = 0; id < 0x10000; id++) {
		devtab[4 * id] = DTE_V | DTE_TV; /* Mode 0, no IR/IW: blocked */
		devtab[4 * id + 2] = DTE_IV;     /* IntCtl 0: every interrupt aborted */
	}
	for (unsigned k = 0; k < pci_fn_count; k++)
		if (!(irt[k] = (uint32_t *)palloc(IRT_PAGES, 0, 0)))
			return -BH_ENOMEM;
	for (unsigned i = 0; i < a->count; i++)
		if ((r = unit_init(&amd[count++], &a->units[i]))) {
			while (count) /* as without an IOMMU: every unit off again */
				if (amd[--count].regs)
					wr64(&amd[count], REG_CONTROL, 0);
			return r;
		}
	return 0;
}

static uint64_t amdvi_max_leaf(void)
{
	return PAGE_4K; /* leaves at level 1 only: NextLevel 0 in every leaf */
}

static uint64_t amdvi_iova_limit(void)
{
	return 1ull << 48; /* Mode 4 */
}

static void amdvi_set(uint16_t bdf, unsigned dom, uint64_t pt)
{
	uint64_t *e = &devtab[4 * bdf];

	if (!pt)
		e[2] = DTE_IV; /* no interrupt either */
	e[1] = dom;
	e[0] = pt ? pt | DTE_V | DTE_TV | DTE_MODE4 | DTE_IR | DTE_IW : DTE_V | DTE_TV;
}

static void amdvi_flush(const uint16_t *bdfs, unsigned n, unsigned dom)
{
	for (unsigned i = 0; i < count; i++) {
		for (unsigned k = 0; k < n; k++) {
			submit(&amd[i], bdfs[k] | CMD_INV_DEVTAB << 60, 0);
			submit(&amd[i], bdfs[k] | CMD_INV_INTTAB << 60, 0);
		}
		submit(&amd[i], (uint64_t)dom << 32 | CMD_INV_PAGES << 60, INV_ALL_PAGES | 3); /* S, PDE */
		wait_done(&amd[i]);
	}
}

/* Entry 0 of bdf's own table; its MSI names index 0 (data bits 10:0), fixed delivery. */
static int amdvi_msi(uint16_t bdf, unsigned k, uint32_t apic_id, uint8_t vector, uint64_t *addr,
		     uint32_t *data)
{
	if (k >= pci_fn_count || !irt[k] || apic_id > 0xff)
		return -BH_ENOTSUP; /* 32-bit entries name 8-bit destinations */
	irt[k][0] = vector ? IRTE_EN | (uint32_t)vector << 16 | apic_id << 8 : 0;
	devtab[4 * bdf + 2] = vector ? DTE_IV | DTE_INTLEN11 | (uint64_t)irt[k] | DTE_REMAP : DTE_IV;
	for (unsigned i = 0; i < count; i++) {
		submit(&amd[i], bdf | CMD_INV_DEVTAB << 60, 0);
		submit(&amd[i], bdf | CMD_INV_INTTAB << 60, 0);
		wait_done(&amd[i]);
	}
	*addr = 0xfee00000u | apic_id << 12;
	*data = 0;
	return 0;
}

/* Event log (2.5): 16-byte entries from head to tail. QEMU 7.2 never logs one (IOMMU.md). */
static void unit_poll(struct unit *u)
{
	uint32_t tail = (uint32_t)rd64(u, REG_EVT_TAIL) % RING_BYTES;

	while (u->evt_head != tail) {
		uint64_t lo = u->evt[u->evt_head / 8], addr = u->evt[u->evt_head / 8 + 1];

		if (lo >> 60 == EVT_IO_PAGE_FAULT)
			iommu_fault((uint16_t)lo, addr, lo >> (32 + 21) & 1, (unsigned)(lo >> 32 & 0xfff));
		else
			pr_warn("event %#lx %#lx", lo, addr);
		u->evt_head = (u->evt_head + 16) % RING_BYTES;
	}
	wr64(u, REG_EVT_HEAD, u->evt_head);
}

static void amdvi_poll(void)
{
	for (unsigned i = 0; i < count; i++)
		unit_poll(&amd[i]);
}

const struct iommu_ops amdvi_ops = {
	.name = "AMD-Vi",
	.fmt = &pt_format_amdvi,
	.leaf = { .rw = 1 | DTE_IR | DTE_IW, .ro = 1 | DTE_IR }, /* PR, IR, IW (2.2.3) */
	.init = amdvi_init,
	.max_leaf = amdvi_max_leaf,
	.iova_limit = amdvi_iova_limit,
	.set = amdvi_set,
	.flush = amdvi_flush,
	.poll = amdvi_poll,
	.msi = amdvi_msi,
};
