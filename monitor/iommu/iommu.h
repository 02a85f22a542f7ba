/* SPDX-License-Identifier: MIT */
/* iommu.h - DMA containment: each partition's PCI functions reach its own RAM and channels
 * only (IOVA = GPA); every other function is blocked. One driver per vendor behind an ops
 * table chosen once at boot (vtd.c, amdvi.c); the tables come from the view (dmamap.c).
 *
 * Life of a function's DMA: blocked at boot; attached to its partition's domain when a view
 * that holds it is installed; blocked again, the IOTLB invalidated and the invalidation
 * waited for, when the partition ends or a view drops it, before its memory changes hands. */
#ifndef MONITOR_IOMMU_H
#define MONITOR_IOMMU_H

#include <stdbool.h>
#include <bulkhead/bootinfo.h>
#include <bulkhead/view.h>
#include "../pgtable.h"
#include "../view.h"
#include "dmamap.h"
#include "iommu-acpi.h"

struct partition;

/* One vendor's driver. Every call is made under iommu.c's lock. */
struct iommu_ops {
	const char *name;
	const struct pt_format *fmt;
	struct dma_leaf leaf;
	/* Program every unit: all functions blocked, translation on, faults recorded. 0 or a
	 * negative BH_E* after logging why (the machine then boots as without an IOMMU). */
	int (*init)(const struct iommu_acpi *a);
	uint64_t (*max_leaf)(void);
	uint64_t (*iova_limit)(void);
	/* Function bdf translates through root in domain dom (1..63); root 0: blocked. */
	void (*set)(uint16_t bdf, unsigned dom, uint64_t root);
	/* Invalidate what set() changed (context / device table entries, the IOTLB of dom) and
	 * wait until the units say it is done. */
	void (*flush)(const uint16_t *bdfs, unsigned n, unsigned dom);
	/* Report and clear recorded faults through iommu_fault(). */
	void (*poll)(void);
	/* Interrupt remapping: function bdf (index k among those found) may raise vector on
	 * apic_id and nothing else (vector 0: nothing at all); → the MSI address and data its
	 * driver programs. -BH_ENOTSUP without remapping. Flushed and waited for. */
	int (*msi)(uint16_t bdf, unsigned k, uint32_t apic_id, uint8_t vector, uint64_t *addr,
		   uint32_t *data);
};

extern const struct iommu_ops vtd_ops, amdvi_ops;

/* Find the units (DMAR, IVRS) and start one driver; without one, the loud warning. BSP,
 * after pci_init(), before any partition. */
void iommu_init(const struct bh_bootinfo *bi);
bool iommu_active(void);

/* Registers of the units: no view may map them (view_world.kept). */
extern struct view_range iommu_mmio[IOMMU_UNITS_MAX];
extern unsigned iommu_mmio_count;

/* Build the DMA tables of view v into *t (v holds no function: nothing built, 0). An error
 * refuses the view, logged with the partition and region. */
int iommu_build(const struct bh_view *v, struct pgtable *t);
void iommu_free(struct pgtable *t);

/* p's view becomes n with DMA tables *t: the functions of n translate through *t, those of
 * p->view that n drops are blocked; flushed and waited for; p's old tables freed, *t is p's. */
void iommu_switch(struct partition *p, const struct bh_view *n, struct pgtable *t);
/* p ended: its functions blocked, flushed and waited for. Its tables stay until iommu_free. */
void iommu_block(struct partition *p);
/* p starts (again) in the view it had: its functions translate through its tables again. */
void iommu_attach(struct partition *p);

/* ops->msi under the lock; -BH_ENOTSUP without an IOMMU or interrupt remapping. */
int iommu_msi(uint16_t bdf, unsigned k, uint32_t apic_id, uint8_t vector, uint64_t *addr,
	      uint32_t *data);

/* A driver saw a fault: log device, address, access and owner. */
void iommu_fault(uint16_t bdf, uint64_t addr, bool write, unsigned reason);
/* Poll the units for faults, at most every millisecond (the scheduler loop calls it). */
extern uint64_t iommu_poll_at; /* TSC of the next poll; never without an IOMMU */
void iommu_poll_due(uint64_t now_tsc);
/* On the scheduler loop's every turn: one compare unless a poll is due. */
static inline void iommu_poll(uint64_t now_tsc)
{
	if (now_tsc >= __atomic_load_n(&iommu_poll_at, __ATOMIC_RELAXED))
		iommu_poll_due(now_tsc);
}

#endif
