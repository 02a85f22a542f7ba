/* SPDX-License-Identifier: MIT */
/* vtd.c - Intel VT-d in legacy mode (Intel VT-d spec 3.x): a root table with one context
 * table per bus that has a function; a context entry only for a function a view holds
 * (absent = blocked, and its DMA is a recorded fault); second-level tables from dmamap.c.
 * Invalidation through the queue when the unit has one (vtd-ir.c, which also remaps
 * interrupts), else through registers: complete when the unit clears the bit (6.5). */
#define pr_fmt(fmt) "vt-d: " fmt
#include <bulkhead/errno.h>
#include "../log.h"
#include "../palloc.h"
#include "../paging.h"
#include "../pci.h"
#include "../percpu.h"
#include "../sched.h"
#include "iommu.h"
#include "vtd.h"

/* Register offsets (11.4 "Register Descriptions") */
#define REG_CAP    0x08
#define REG_ECAP   0x10
#define REG_RTADDR 0x20
#define REG_CCMD   0x28
#define REG_FSTS   0x34
#define REG_FECTL  0x38
#define REG_FEDATA 0x3c
#define REG_FEADDR 0x40

#define GCMD_TE    (1u << 31) /* GSTS: TES */
#define GCMD_SRTP  (1u << 30) /* GSTS: RTPS */
#define GCMD_ONCE  0x96ffffffu /* one-shot bits, never written back (11.4.4.2) */
#define CCMD_ICC   (1ull << 63)
#define CCMD_GLOBAL (1ull << 61)
#define IOTLB_IVT  (1ull << 63)
#define IOTLB_GLOBAL (1ull << 60)
#define IOTLB_DRAIN (3ull << 48) /* DR, DW */
#define FSTS_PFO   (1u << 0)
#define FSTS_PPF   (1u << 1)
#define FRCD_F     (1ull << 63) /* high qword of a fault record (11.4.14) */
#define FRCD_T     (1ull << 62) /* 1: read */

#define CAP_SAGAW_4L(c) ((c) >> 10 & 1)  /* 48-bit, 4-level */
#define CAP_SLLPS_2M(c) ((c) >> 34 & 1)
#define CAP_FRO(c)      (((c) >> 24 & 0x3ff) * 16)
#define CAP_NFR(c)      (((c) >> 40 & 0xff) + 1)
#define ECAP_IRO(e)     (((e) >> 8 & 0x3ff) * 16)
#define ECAP_C(e)       ((e) & 1) /* page walks snoop: no cache flush needed */

#define CTX_AW_48  2 /* context entry high qword: AW 48 bits, 4 levels (9.3) */

static struct unit vtd[IOMMU_UNITS_MAX];
static unsigned count;
static uint64_t *root; /* 256 x 16 bytes (9.1 "Root Entry") */
static bool coherent = true;

int vtd_command(struct unit *u, uint32_t bit)
{
	wr32(u, REG_GCMD, (rd32(u, REG_GSTS) & GCMD_ONCE) | bit);
	for (unsigned n = 0; n < 10000000; n++)
		if (rd32(u, REG_GSTS) & bit)
			return 0;
	return -BH_EIO;
}

static void wait_clear(struct unit *u, unsigned off, uint64_t bit)
{
	while (rd64(u, off) & bit)
		cpu_relax();
}

/* Global context-cache, then global IOTLB invalidation, each waited for (6.5.1): through
 * the queue once it is on (registers are refused then). */
static void invalidate(struct unit *u)
{
	if (!coherent)
		__asm__ volatile("wbinvd" ::: "memory");
	if (u->queue) {
		vtd_qi_flush(u);
		return;
	}
	wr64(u, REG_CCMD, CCMD_ICC | CCMD_GLOBAL);
	wait_clear(u, REG_CCMD, CCMD_ICC);
	wr64(u, ECAP_IRO(u->ecap) + 8, IOTLB_IVT | IOTLB_GLOBAL | IOTLB_DRAIN);
	wait_clear(u, ECAP_IRO(u->ecap) + 8, IOTLB_IVT);
}

static uint64_t *context_table(unsigned bus)
{
	return root[2 * bus] & 1 ? (uint64_t *)(root[2 * bus] & ~0xfffull) : NULL;
}

/* A context table for every bus that has a function, so set() never allocates. */
static int tables_init(void)
{
	if (!(root = (uint64_t *)palloc(1, 0, 0)))
		return -BH_ENOMEM;
	for (unsigned k = 0; k < pci_fn_count; k++) {
		unsigned bus = pci_fns[k].bdf >> 8;
		uint64_t ctx;

		if (context_table(bus))
			continue;
		if (!(ctx = palloc(1, 0, 0)))
			return -BH_ENOMEM;
		root[2 * bus] = ctx | 1; /* present */
	}
	return 0;
}

static int unit_init(struct unit *u, const struct iommu_unit *a)
{
	if (paging_map_mmio(a->base) || paging_map_mmio(a->base + 0x1000))
		return -BH_ENOMEM;
	u->regs = (volatile uint8_t *)a->base; /* mapped */
	u->cap = rd64(u, REG_CAP);
	u->ecap = rd64(u, REG_ECAP);
	coherent &= ECAP_C(u->ecap);
	if (!CAP_SAGAW_4L(u->cap)) {
		pr_err("unit at %#lx: no 4-level (48-bit) second-level tables (CAP %#lx); QEMU: "
		       "-device intel-iommu,aw-bits=48", a->base, u->cap);
		return -BH_ENOTSUP;
	}
	/* Fault events interrupt CPU 0 with a kick: its scheduler loop then polls (iommu.c). */
	wr32(u, REG_FEDATA, VEC_KICK);
	wr32(u, REG_FEADDR, 0xfee00000u | (cpus[0].apic_id & 0xff) << 12);
	wr32(u, REG_FECTL, 0);
	wr64(u, REG_RTADDR, (uint64_t)root);
	if (vtd_command(u, GCMD_SRTP))
		return -BH_EIO;
	if (ECAP_QI(u->ecap) && vtd_qi_init(u))
		return -BH_EIO;
	invalidate(u);
	if (vtd_command(u, GCMD_TE))
		return -BH_EIO;
	if (u->queue && ECAP_IR(u->ecap) && vtd_ir_init(u))
		return -BH_EIO;
	pr_info("unit at %#lx: CAP %#lx ECAP %#lx, translation on, every function blocked; "
		"interrupt remapping %s", a->base, u->cap, u->ecap, vtd_ir_on() ? "on" : "off");
	return 0;
}

/* A unit that failed, or that came before one that did: remapping, translation and the
 * queue off again, one bit per write (11.4.4), so the machine runs as without an IOMMU. */
static void unit_off(struct unit *u)
{
	static const uint32_t bits[] = { GCMD_IRE, GCMD_TE, GCMD_QIE };

	for (unsigned i = 0; u->regs && i < sizeof(bits) / sizeof(bits[0]); i++) {
		wr32(u, REG_GCMD, rd32(u, REG_GSTS) & GCMD_ONCE & ~bits[i]);
		for (unsigned n = 0; n < 10000000 && rd32(u, REG_GSTS) & bits[i]; n++)
			cpu_relax();
	}
}

static int vtd_init(const struct iommu_acpi *a)
{
	int r;

	if ((r = tables_init()))
		return r;
	for (unsigned i = 0; i < a->count; i++)
		if ((r = unit_init(&vtd[count++], &a->units[i]))) {
			while (count)
				unit_off(&vtd[--count]);
			return r;
		}
	return 0;
}

static uint64_t vtd_max_leaf(void)
{
	for (unsigned i = 0; i < count; i++)
		if (!CAP_SLLPS_2M(vtd[i].cap))
			return PAGE_4K;
	return PAGE_2M;
}

static uint64_t vtd_iova_limit(void)
{
	return 1ull << 48;
}

/* Context entry (9.3): low = present | TT 0 (untranslated requests only) | SLPTPTR; high =
 * AW | domain id. Absent: the function's DMA faults. */
static void vtd_set(uint16_t bdf, unsigned dom, uint64_t pt)
{
	uint64_t *ctx = context_table(bdf >> 8);

	int k = pci_fn_index(bdf);
	uint64_t addr;
	uint32_t data;

	if (pt && dom >= 1u << (4 + 2 * (vtd[0].cap & 7))) { /* CAP.ND */
		pr_err("%02x:%02x.%x: domain %u beyond the unit's count: blocked", bdf >> 8,
		       bdf >> 3 & 31, bdf & 7, dom);
		pt = 0;
	}
	if (!pt && k >= 0 && k < 256 && vtd_ir_on())
		vtd_ir_set((unsigned)k, bdf, 0, 0, &addr, &data); /* no interrupt either */
	if (!ctx)
		return; /* no function on that bus at boot: blocked for good */
	ctx += 2 * (bdf & 0xff);
	ctx[0] = 0; /* not present before it changes */
	ctx[1] = pt ? CTX_AW_48 | (uint64_t)dom << 8 : 0;
	ctx[0] = pt ? pt | 1 : 0;
}

/* Remapping table entry k for bdf; its MSI in remappable format. */
static int vtd_msi(uint16_t bdf, unsigned k, uint32_t apic_id, uint8_t vector, uint64_t *addr,
		   uint32_t *data)
{
	if (!vtd_ir_on() || k >= 256 || (apic_id > 0xff && !ECAP_EIM(vtd[0].ecap)))
		return -BH_ENOTSUP;
	vtd_ir_set(k, bdf, apic_id, vector, addr, data);
	for (unsigned i = 0; i < count; i++)
		invalidate(&vtd[i]);
	return 0;
}

static void vtd_flush(const uint16_t *bdfs, unsigned n, unsigned dom)
{
	for (unsigned i = 0; i < count; i++)
		invalidate(&vtd[i]);
}

/* Primary fault records (7.2.1, 11.4.14): 16 bytes each from FRO; F set = valid. */
static void unit_poll(struct unit *u)
{
	uint32_t fsts = rd32(u, REG_FSTS);

	if (!(fsts & (FSTS_PPF | FSTS_PFO)))
		return;
	for (unsigned i = 0; i < CAP_NFR(u->cap); i++) {
		unsigned off = CAP_FRO(u->cap) + 16 * i;
		uint64_t hi = rd64(u, off + 8), lo;

		if (!(hi & FRCD_F))
			continue;
		lo = rd64(u, off);
		iommu_fault((uint16_t)hi, lo & ~0xfffull, !(hi & FRCD_T), (unsigned)(hi >> 32 & 0xff));
		wr64(u, off + 8, FRCD_F); /* write 1 to clear */
	}
	if (fsts & FSTS_PFO)
		pr_warn("fault records overflowed: some faults were not recorded");
	wr32(u, REG_FSTS, FSTS_PFO | FSTS_PPF);
}

static void vtd_poll(void)
{
	for (unsigned i = 0; i < count; i++)
		unit_poll(&vtd[i]);
}

const struct iommu_ops vtd_ops = {
	.name = "VT-d",
	.fmt = &pt_format_vtd,
	.leaf = { .rw = 0x3, .ro = 0x1 }, /* W without R is reserved: read-only is R (9.8) */
	.init = vtd_init,
	.max_leaf = vtd_max_leaf,
	.iova_limit = vtd_iova_limit,
	.set = vtd_set,
	.flush = vtd_flush,
	.poll = vtd_poll,
	.msi = vtd_msi,
};
