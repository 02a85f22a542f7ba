/* SPDX-License-Identifier: MIT */
/* partition.h - how a partition starts and what it is told (ABI v1). Append only.
 *
 * Start state of every vCPU: 64-bit long mode, CPL 0, paging on with identity-mapped page
 * tables built by the loader (VA = GPA over the partition's memory, 2 MiB pages, the first
 * 2 MiB in 4 KiB pages with page 0 unmapped), interrupts off, CR0 = PG WP NE ET MP PE,
 * CR4 = PAE OSFXSR OSXMMEXCPT (SSE usable; x87/SSE state is kept per vCPU), RIP = the
 * image's ELF entry,
 * RSP = top of this vCPU's stack, RDI = guest-physical address of the read-only
 * struct bh_partition_info, RSI = vCPU index. Guest-physical layout (docs/abi.md):
 *
 *   0x000000  (unmapped in the guest page tables: NULL faults)
 *   0x001000  struct bh_partition_info, read-only
 *   0x002000  guest page tables (BH_PT_PAGES pages): the partition's own to keep or replace
 *   0x200000  image (PT_LOAD segments must lie in [BH_IMAGE_BASE, heap_start))
 *   ...       heap [heap_start, heap_end)
 *   ...       vCPU stacks, BH_STACK_SIZE each, vCPU 0 highest
 */
#ifndef BULKHEAD_PARTITION_H
#define BULKHEAD_PARTITION_H

#include <bulkhead/abi.h>

#define BH_INFO_GPA      0x1000ull
#define BH_PT_GPA        0x2000ull
#define BH_PT_PAGES      8 /* PML4, PDPT, up to 4 PDs (4 GiB), one PT for the first 2 MiB, spare */
#define BH_START_MAP_MAX 0x100000000ull /* the start state maps guest-physical [0, 4 GiB): a
					  * partition's RAM and channels lie below */
#define BH_IMAGE_BASE    0x200000ull
#define BH_STACK_SIZE    0x10000ull
#define BH_NAME_MAX      32
#define BH_INFO_MEM_MAX  16
#define BH_INFO_PCI_MAX  8
#define BH_INFO_MAGIC    0x4f464e49484bull /* "KHINFO" */

/* bh_mem_region.flags */
#define BH_MEM_R (1u << 0)
#define BH_MEM_W (1u << 1)
#define BH_MEM_X (1u << 2)
#define BH_MEM_IDENT (1u << 3) /* gpa is the host-physical address too: a device may DMA to it */

/* bh_mem_region.kind: private RAM, or a channel (chan id in bits 31:8) */
#define BH_MEM_KIND_RAM     0u
#define BH_MEM_KIND_CHANNEL 1u
#define BH_MEM_KIND_MODULE  2u /* a boot module, read-only; size = the module's bytes */
#define BH_MEM_KIND_IOREQ   3u /* device models: the ring of the guest's I/O requests
				* (one page, struct bh_ioreq_ring of ioreq.h) */
#define BH_MEM_KIND_GUEST   4u /* device models: RAM of its guest (ioreq.h, BH_DM_GUEST_GPA) */
#define BH_MEM_KIND_CHAN_ID(kind) ((kind) >> 8)

struct bh_mem_region {
	uint64_t gpa;    /* 0x00 */
	uint64_t size;   /* 0x08 */
	uint32_t flags;  /* 0x10  BH_MEM_* */
	uint32_t kind;   /* 0x14  BH_MEM_KIND_* */
};
BH_SIZE(bh_mem_region, 0x18);

/* bh_chan_client.disk_flags */
#define BH_DISK_RO (1u << 0) /* the client may read its window, never write it */

/* What a block or net channel's client was given by the configuration (docs/config.md,
 * partitions[].disk and .net). */
struct bh_chan_client {
	uint64_t disk_base;    /* 0x00  block: first sector of the client's window on the device */
	uint64_t disk_sectors; /* 0x08  block: the window's size in sectors; 0: the whole device */
	uint32_t disk_flags;   /* 0x10  block: BH_DISK_RO */
	uint8_t  mac[6];       /* 0x14  net: the client's MAC address; all zero: none given */
	uint16_t reserved_0x1a;
	uint32_t reserved_0x1c;
};
BH_OFFSET(bh_chan_client, disk_flags, 0x10);
BH_OFFSET(bh_chan_client, mac, 0x14);
BH_SIZE(bh_chan_client, 0x20);

/* bh_partition_info.dma_flags */
#define BH_INFO_DMA_GPA (1u << 0) /* an IOMMU translates device addresses as GPAs (IOVA =
				   * GPA) over the partition's RAM and channels; no identity
				   * alias (ident_base 0). Clear: DMA through ident_base. */

struct bh_partition_info {
	uint64_t magic;        /* 0x00  BH_INFO_MAGIC */
	uint32_t abi_version;  /* 0x08  BH_ABI_VERSION */
	uint32_t id;           /* 0x0c  partition id, unique while it exists */
	char     name[BH_NAME_MAX]; /* 0x10 NUL-terminated */
	uint32_t vcpu_count;   /* 0x30 */
	uint32_t mem_count;    /* 0x34 */
	uint64_t heap_start;   /* 0x38  GPA */
	uint64_t heap_end;     /* 0x40 */
	uint64_t tsc_hz;       /* 0x48  0 if unknown */
	struct bh_mem_region mem[BH_INFO_MEM_MAX]; /* 0x50 */
	char     cmdline[128]; /* 0x1d0 */
	/* 0x250  for each mem[i] that is a channel: the kind (enum bh_cfg_kind) of the partition
	 * at its other end, as the ultravisor knows it; 0 otherwise (and for partitions the
	 * monitor started itself). A peer cannot forge it, unlike a channel's type field. */
	uint8_t  peer_kind[BH_INFO_MEM_MAX];
	/* 0x260  for each mem[i] that is a channel: the name of the partition at its other end
	 * (NUL-terminated), as the ultravisor knows it; zero otherwise. */
	char     peer_name[BH_INFO_MEM_MAX][BH_NAME_MAX];
	/* 0x460  for each mem[i] that is a channel: its type (enum bh_cfg_chan_type) as the
	 * configuration declares it; 0 otherwise. Like peer_kind, no peer can forge it. */
	uint8_t  chan_type[BH_INFO_MEM_MAX];
	/* 0x470  I/O partitions: the guest-physical address at which the partition's RAM
	 * [0, ident_size) is mapped a second time, at guest-physical = host-physical, for device
	 * DMA: the byte at GPA x (x < ident_size) is also at GPA = HPA ident_base + x. 0: none. */
	uint64_t ident_base;
	uint64_t ident_size;   /* 0x478 */
	/* 0x480  I/O partitions: the PCI functions assigned to this partition (bus << 8 |
	 * device << 3 | function); only these answer BH_HC_PCI_CONFIG. */
	uint32_t pci_count;
	uint16_t pci_bdf[BH_INFO_PCI_MAX]; /* 0x484 */
	/* 0x494  BH_INFO_DMA_*: how the partition's devices address its memory */
	uint32_t dma_flags;
	/* 0x498  for each mem[i] that is a block or net channel: what the configuration gives
	 * the partition at its client end (for a device model, its guest): the server enforces
	 * it, the client presents it. Zero otherwise. No peer can forge it. */
	struct bh_chan_client chan_client[BH_INFO_MEM_MAX];
};
BH_OFFSET(bh_partition_info, vcpu_count, 0x30);
BH_OFFSET(bh_partition_info, heap_start, 0x38);
BH_OFFSET(bh_partition_info, mem, 0x50);
BH_OFFSET(bh_partition_info, cmdline, 0x1d0);
BH_OFFSET(bh_partition_info, peer_kind, 0x250);
BH_OFFSET(bh_partition_info, peer_name, 0x260);
BH_OFFSET(bh_partition_info, chan_type, 0x460);
BH_OFFSET(bh_partition_info, ident_base, 0x470);
BH_OFFSET(bh_partition_info, ident_size, 0x478);
BH_OFFSET(bh_partition_info, pci_count, 0x480);
BH_OFFSET(bh_partition_info, dma_flags, 0x494);
BH_OFFSET(bh_partition_info, pci_bdf, 0x484);
BH_OFFSET(bh_partition_info, chan_client, 0x498);
BH_SIZE(bh_partition_info, 0x698);

#endif
