/* SPDX-License-Identifier: MIT */
/* pci.h - the machine's PCI functions, found at boot, and the I/O partitions' access to them. */
#ifndef MONITOR_PCI_H
#define MONITOR_PCI_H

#include <stdint.h>
#include <bulkhead/uvcall.h>
#include <bulkhead/view.h>
#include "view.h"

struct vcpu;

#define VEC_DEVICE      0x40 /* MSI vectors: VEC_DEVICE + index of the function found */
#define VEC_DEVICE_LAST (VEC_DEVICE + BH_UV_PCI_MAX - 1)

/* Find every function on bus 0 and behind its bridges; size their memory BARs. BSP, once,
 * before any partition runs. */
void pci_init(void);

/* The index of bdf among the functions found, or -1. */
int pci_fn_index(uint64_t bdf);

/* The functions found, as the ultravisor and view checks see them. */
extern struct bh_uv_pci pci_fns[BH_UV_PCI_MAX];
extern unsigned pci_fn_count;

/* The pages of every MSI-X table and PBA found (msix.h): read-only in every nested table
 * (enforce_build), whoever holds the function. */
extern struct view_range pci_msix_ro[2 * BH_UV_PCI_MAX];
extern unsigned pci_msix_ro_count;

/* The functions of view v that keep (NULL: none) does not hold: MSI-X entries masked, bus
 * mastering, memory decoding and MSI-X off. When a partition ends (part_end, once no vCPU
 * of it is on a CPU), and when a view replaces v. */
void pci_release(const struct bh_view *v, const struct bh_view *keep);
struct partition;
/* p ended: the refused configuration writes of its not yet reported are. */
void pci_refusals_report(struct partition *p);

/* BH_HC_PCI_CONFIG and BH_HC_PCI_MSI (hypercall.h). */
int64_t hc_pci_config(struct vcpu *v, uint64_t bdf, uint64_t off, uint64_t width, uint64_t write);
int64_t hc_pci_msi(struct vcpu *v, uint64_t bdf, uint64_t entry, uint64_t op, uint64_t a3);

/* The interrupt of vector VEC_DEVICE..VEC_DEVICE_LAST arrived, acknowledged (trap.c
 * irq_entry): tell the partition whose view holds the function. */
void pci_irq(uint64_t vector);

#endif
