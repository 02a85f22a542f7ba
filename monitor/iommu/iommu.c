/* SPDX-License-Identifier: MIT */
/* iommu.c - what both vendors share: discovery, domains, the view hooks, fault reports. */
#define pr_fmt(fmt) "iommu: " fmt
#include <string.h>
#include <bulkhead/errno.h>
#include "../acpi.h"
#include "../clock.h"
#include "../log.h"
#include "../palloc.h"
#include "../part.h"
#include "../pci.h"
#include "../spinlock.h"
#include "iommu.h"

struct view_range iommu_mmio[IOMMU_UNITS_MAX];
unsigned iommu_mmio_count;
static const struct iommu_ops *ops;
static struct iommu_acpi units;
static struct spinlock lock;

bool iommu_active(void)
{
	return ops != NULL;
}

/* The table, its parser and driver of each vendor, in the order they are looked for. */
static const struct {
	const char *sig;
	int (*parse)(const void *, uint32_t, struct iommu_acpi *);
	const struct iommu_ops *ops;
} vendors[] = {
	{ "DMAR", iommu_parse_dmar, &vtd_ops },
	{ "IVRS", iommu_parse_ivrs, &amdvi_ops },
};

static void unconfined(const char *why)
{
	pr_warn("WARNING: %s: no DMA containment; I/O partitions are trusted with all memory "
		"(their devices reach every byte)", why);
}

void iommu_init(const struct bh_bootinfo *bi)
{
	for (unsigned i = 0; i < sizeof(vendors) / sizeof(vendors[0]); i++) {
		const uint8_t *t = acpi_find(bi, vendors[i].sig);
		uint32_t len;

		if (!t)
			continue;
		memcpy(&len, t + 4, 4);
		if (vendors[i].parse(t, len, &units)) {
			pr_err("ACPI %s refused: %s", vendors[i].sig, units.err);
			continue;
		}
		for (unsigned u = 0; u < units.count; u++) /* kept even if the driver fails */
			iommu_mmio[iommu_mmio_count++] = (struct view_range){
				units.units[u].base, units.units[u].base + units.units[u].size };
		if (vendors[i].ops->init(&units))
			continue;
		ops = vendors[i].ops;
		iommu_poll_at = 0; /* from now on */
		pr_notice("%s: %u unit(s) at %#lx..., every PCI function blocked until a view "
			  "grants it", ops->name, units.count, units.units[0].base);
		return;
	}
	unconfined("no usable IOMMU (ACPI DMAR/IVRS)");
}

/* A function the firmware keeps DMA for (RMRR, IVMD) in v? */
static int reserved_in(const struct bh_view *v)
{
	for (unsigned i = 0; i < units.reserved_count; i++)
		for (unsigned k = 0; k < v->pci_count && k < BH_VIEW_PCI_MAX; k++)
			if (units.reserved[i].all || units.reserved[i].bdf == v->pci[k])
				return v->pci[k];
	return -1;
}

int iommu_build(const struct bh_view *v, struct pgtable *t)
{
	char err[128];
	int r, bad;

	*t = (struct pgtable){ .alloc_table = palloc_table,
			       .phys_to_virt = phys_to_virt_identity };
	if (!ops || !v->pci_count)
		return 0;
	if ((bad = reserved_in(v)) >= 0) {
		pr_err("view refused: partition %u (%.32s): PCI %02x:%02x.%x has firmware-reserved "
		       "DMA memory (RMRR/IVMD): it cannot be assigned", v->partition_id, v->name,
		       bad >> 8, bad >> 3 & 31, bad & 7);
		return -BH_EPERM;
	}
	t->fmt = ops->fmt;
	t->max_leaf = ops->max_leaf();
	if ((r = dma_build(v, t, &ops->leaf, ops->iova_limit(), err, sizeof(err)))) {
		pr_err("view refused: DMA tables: %s", err);
		iommu_free(t);
	}
	return r;
}

void iommu_free(struct pgtable *t)
{
	if (t->root)
		pt_free(t, pfree_table);
}

static unsigned domain_of(const struct partition *p)
{
	return p->slot + 1; /* 1..MAX_PARTITIONS: 0 is no domain */
}

void iommu_switch(struct partition *p, const struct bh_view *n, struct pgtable *t)
{
	uint16_t bdfs[2 * BH_VIEW_PCI_MAX];
	unsigned count = 0;

	if (!ops)
		return;
	spin_lock(&lock);
	for (unsigned i = 0; i < n->pci_count && i < BH_VIEW_PCI_MAX; i++)
		ops->set(bdfs[count++] = n->pci[i], domain_of(p), t->root);
	for (unsigned i = 0; i < p->view.pci_count && i < BH_VIEW_PCI_MAX; i++)
		if (!view_holds_pci(n, p->view.pci[i]))
			ops->set(bdfs[count++] = p->view.pci[i], 0, 0);
	if (count)
		ops->flush(bdfs, count, domain_of(p));
	spin_unlock(&lock);
	iommu_free(&p->dma);
	p->dma = *t;
	for (unsigned i = 0; i < count; i++)
		pr_info("%02x:%02x.%x %s", bdfs[i] >> 8, bdfs[i] >> 3 & 31, bdfs[i] & 7,
			view_holds_pci(n, bdfs[i]) ? "translates through its partition's view" :
			"blocked");
}

/* Every function of p's view set to (domain, root), or blocked with root 0; the caches of
 * p's domain flushed and the flush waited for. → how many functions. */
static unsigned set_all(struct partition *p, unsigned domain, uint64_t root)
{
	uint16_t bdfs[BH_VIEW_PCI_MAX];
	unsigned count = 0;

	spin_lock(&lock);
	for (unsigned i = 0; i < p->view.pci_count && i < BH_VIEW_PCI_MAX; i++)
		ops->set(bdfs[count++] = p->view.pci[i], domain, root);
	ops->flush(bdfs, count, domain_of(p));
	spin_unlock(&lock);
	return count;
}

void iommu_attach(struct partition *p)
{
	if (ops && p->dma.root)
		pr_notice("partition %s starts: its %u PCI function(s) attached to its DMA tables",
			  p->name, set_all(p, domain_of(p), p->dma.root));
}

void iommu_block(struct partition *p)
{
	if (ops && p->view.pci_count)
		pr_notice("partition %s: its %u PCI function(s) blocked, IOTLB invalidated",
			  p->name, set_all(p, 0, 0));
}

int iommu_msi(uint16_t bdf, unsigned k, uint32_t apic_id, uint8_t vector, uint64_t *addr,
	      uint32_t *data)
{
	int r;

	if (!ops)
		return -BH_ENOTSUP;
	spin_lock(&lock);
	r = ops->msi(bdf, k, apic_id, vector, addr, data);
	spin_unlock(&lock);
	return r;
}

static const char *owner_of(uint16_t bdf)
{
	for (unsigned i = 0; i < partition_count; i++) {
		const struct partition *q = __atomic_load_n(&partitions[i], __ATOMIC_ACQUIRE);
		if (q && view_holds_pci(&q->view, bdf))
			return q->name;
	}
	return "(none)";
}

/* The first 32 faults, then one in 1024: a device cannot flood the log (or CPU 0). */
void iommu_fault(uint16_t bdf, uint64_t addr, bool write, unsigned reason)
{
	static uint64_t n;

	if (n++ < 32 || n % 1024 == 0)
		pr_warn("DMA fault: device %02x:%02x.%x %s address %#lx reason %#x partition %s: "
			"blocked (%lu so far)", bdf >> 8, bdf >> 3 & 31, bdf & 7,
			write ? "write" : "read", addr, reason, owner_of(bdf), n);
}

uint64_t iommu_poll_at = ~0ull;

void iommu_poll_due(uint64_t now_tsc)
{
	if (lock.held)
		return; /* another CPU polls, or changes tables: next time */
	spin_lock(&lock);
	__atomic_store_n(&iommu_poll_at, now_tsc + clock_ns_to_tsc(1000000), __ATOMIC_RELAXED);
	ops->poll();
	spin_unlock(&lock);
}
