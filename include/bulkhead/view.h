/* SPDX-License-Identifier: MIT */
/* view.h - a partition's view: what the ultravisor publishes and the monitor enforces (v1).
 *
 * The ultravisor owns the resource database; for each partition it writes a view into its
 * own memory and hands it to the monitor with BH_HC_VIEW_PUBLISH. The monitor copies the
 * view into its own memory (so no partition can change it afterwards), re-checks every
 * containment invariant on the copy, and only then builds nested page tables from it:
 *
 *   - every region lies in the memory pool the monitor was told about at boot, never in
 *     monitor memory;
 *   - a PRIVATE region overlaps no region of any other partition;
 *   - a CHANNEL region is mapped into exactly its two endpoints (server, client) and
 *     overlaps nothing else;
 *   - guest-physical ranges do not overlap within the view; sizes and addresses are 4 KiB
 *     multiples; counts are within limits.
 *
 * A refused view changes nothing and returns the index of the offending region.
 * Append only; never reorder.
 */
#ifndef BULKHEAD_VIEW_H
#define BULKHEAD_VIEW_H

#include <bulkhead/abi.h>

#define BH_VIEW_MAGIC       0x57454956u /* "VIEW" */
#define BH_VIEW_VERSION     1
#define BH_VIEW_REGIONS_MAX 32
#define BH_VIEW_VCPUS_MAX   16
#define BH_VIEW_PORTS_MAX   8
#define BH_VIEW_PCI_MAX     8

enum bh_view_region_kind {
	BH_VIEW_PRIVATE = 1, /* RAM of this partition only */
	BH_VIEW_CHANNEL = 2, /* shared with exactly one peer (peer_id) */
	BH_VIEW_MODULE  = 3, /* boot module, read-only (ultravisor only) */
	BH_VIEW_MMIO    = 4, /* device BAR, uncached (I/O partitions) */
};

/* bh_view.flags */
#define BH_VIEW_CONSOLE_IN (1u << 0) /* may read the operator's typing (BH_HC_CONSOLE_READ) */
#define BH_VIEW_HVM        (1u << 1) /* full virtualization (an unmodified OS): a local x2APIC
				      * per vCPU, the HVM CPUID/MSR table, ports it is not
				      * granted forwarded to its device model (peer_id); only
				      * vCPU 0 starts (RSI = the start call's boot argument), the
				      * others wait for INIT/SIPI (docs/linux.md) */
#define BH_VIEW_DEVMODEL   (1u << 2) /* the device model of partition peer_id: may answer its
				      * I/O requests and raise its interrupts (ioreq.h) */

/* bh_view_region.flags */
#define BH_VIEW_R (1u << 0)
#define BH_VIEW_W (1u << 1)
#define BH_VIEW_X (1u << 2)
#define BH_VIEW_IDENT (1u << 3) /* PRIVATE: a second mapping of the partition's own RAM at
				 * gpa == hpa (I/O partitions: device DMA) */
#define BH_VIEW_IOREQ (1u << 4) /* PRIVATE, one page, device models only: the ring of its
				 * guest's I/O requests (struct bh_ioreq_ring) */
#define BH_VIEW_GUEST (1u << 5) /* PRIVATE, device models only, never X: RAM of its guest
				 * (peer_id), which it reads and writes as the guest's devices
				 * do (virtqueues, buffers); overlaps only the guest's own RAM */
#define BH_VIEW_BAR   (1u << 6) /* PRIVATE, full-virtualization partitions only, never X: a
				 * second mapping of its own RAM at a device's memory BAR (the
				 * virtio MSI-X tables, read by its device model) */

struct bh_view_region {
	uint64_t gpa;      /* 0x00 */
	uint64_t hpa;      /* 0x08 */
	uint64_t size;     /* 0x10 */
	uint32_t kind;     /* 0x18  enum bh_view_region_kind */
	uint32_t flags;    /* 0x1c  BH_VIEW_R/W/X */
	uint32_t peer_id;  /* 0x20  CHANNEL: the other endpoint's partition id */
	uint32_t chan_id;  /* 0x24  CHANNEL: the ultravisor's channel number */
};
BH_OFFSET(bh_view_region, kind, 0x18);
BH_OFFSET(bh_view_region, peer_id, 0x20);
BH_SIZE(bh_view_region, 0x28);

struct bh_view_ports {
	uint16_t base;     /* 0x00  first I/O port the partition may use */
	uint16_t count;    /* 0x02 */
};
BH_SIZE(bh_view_ports, 0x04);

struct bh_view {
	uint32_t magic;        /* 0x00  BH_VIEW_MAGIC */
	uint16_t version;      /* 0x04  BH_VIEW_VERSION */
	uint16_t region_count; /* 0x06 */
	uint32_t partition_id; /* 0x08  1.., unique while the partition exists */
	uint32_t vcpu_count;   /* 0x0c */
	uint64_t generation;   /* 0x10  the database generation this view reflects */
	char     name[32];     /* 0x18 */
	uint8_t  cpus[BH_VIEW_VCPUS_MAX];   /* 0x38  physical CPU of vCPU i */
	uint32_t port_count;   /* 0x48 */
	uint32_t flags;        /* 0x4c  BH_VIEW_CONSOLE_IN or zero */
	struct bh_view_ports ports[BH_VIEW_PORTS_MAX];      /* 0x50 */
	struct bh_view_region regions[BH_VIEW_REGIONS_MAX]; /* 0x70 */
	/* 0x570  PCI functions assigned to the partition (bus << 8 | device << 3 | function):
	 * each one the monitor found at boot, in no other partition's view. Device MMIO over a
	 * memory BAR of a function the view does not hold is refused; their configuration space
	 * is reached through BH_HC_PCI_CONFIG, their MSIs arrive as BH_EVENT_DEVICE. */
	uint32_t pci_count;
	uint16_t pci[BH_VIEW_PCI_MAX]; /* 0x574 */
	/* 0x584  BH_VIEW_HVM: the partition id of its device model; BH_VIEW_DEVMODEL: of its
	 * guest; zero otherwise */
	uint32_t peer_id;
};
BH_OFFSET(bh_view, generation, 0x10);
BH_OFFSET(bh_view, name, 0x18);
BH_OFFSET(bh_view, cpus, 0x38);
BH_OFFSET(bh_view, port_count, 0x48);
BH_OFFSET(bh_view, ports, 0x50);
BH_OFFSET(bh_view, regions, 0x70);
BH_OFFSET(bh_view, pci_count, 0x570);
BH_OFFSET(bh_view, pci, 0x574);
BH_OFFSET(bh_view, peer_id, 0x584);
BH_SIZE(bh_view, 0x588);

#endif
