/* SPDX-License-Identifier: MIT */
/* loader.h - preparing a partition's memory before it starts (loader.c). */
#ifndef ULTRAVISOR_LOADER_H
#define ULTRAVISOR_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <bulkhead/partition.h>
#include <bulkhead/view.h>

struct load_result {
	uint64_t entry;     /* the image's entry point */
	uint64_t stack_top; /* top of vCPU 0's stack: the top of its RAM (linux: unused by the
			     * kernel, which sets its own; the free RAM below the zero page) */
	uint64_t boot_arg;  /* RSI of vCPU 0 at start: 0 (its vCPU index), or for linux the
			     * zero page's GPA (LINUX_ZERO_PAGE_GPA, linux-boot.h) */
};

/* What the info page tells a partition about the other end of view region i (a channel). */
struct load_peer {
	uint8_t kind;           /* enum bh_cfg_kind; 0: region i is not a channel */
	uint8_t chan_type;      /* enum bh_cfg_chan_type */
	char    name[BH_NAME_MAX];
	struct bh_chan_client client; /* block and net channels: what the client was given */
};

/* Through the monitor's load window (BH_HC_PART_LOAD) into partition v->partition_id, which
 * is not running and whose view v is installed: zero its RAM, load the ELF image (checked by
 * lib/elf, within [BH_IMAGE_BASE, RAM top - stacks)), write the guest page tables and the
 * info page (channels listed with the kind and name of the partition at the other end and
 * the channel's type: peers[i] for view region i; the identity alias and PCI functions of
 * an I/O partition; cmdline). Device MMIO is mapped uncached (PCD | PWT). 0, or a negative BH_E* with the reason in err. */
int load_partition(const struct bh_view *v, const void *image, size_t image_len,
		   const char *cmdline, const struct load_peer peers[BH_VIEW_REGIONS_MAX],
		   struct load_result *out,
		   char *err, size_t errlen);

/* A linux partition (loader-linux.c, layout in linux-boot.h): through the load window into
 * partition v->partition_id (not running, view v installed): zero its private RAM, load the
 * ELF vmlinux kernel by p_paddr, write the zero page (e820 map, initramfs, command line),
 * the command line (the platform's options, then cmdline; tsc_hz from the ultravisor's
 * info page, 0: unknown), the BIOS data area words, the ACPI tables (a MADT local APIC per
 * vCPU) and the initramfs (initrd, initrd_len; NULL, 0: none) at the top of RAM below
 * 2 GiB, and the start-state page tables. out: the physical entry, and boot_arg = the zero
 * page. 0, or a negative BH_E* with the reason in err (what does not fit, by how much). */
int load_linux(const struct bh_view *v, const void *kernel, size_t kernel_len,
	       const void *initrd, size_t initrd_len, const char *cmdline, uint64_t tsc_hz,
	       struct load_result *out, char *err, size_t errlen);

/* For both loaders (loader.c): the private RAM of v from GPA 0 up (contiguous PRIVATE
 * regions, the identity alias excepted); *top = the end of everything v maps but MMIO. */
/* The monitor confines DMA with an IOMMU: I/O partitions address their memory by GPA
 * (bh_partition_info.dma_flags). */
extern bool loader_dma_by_gpa;

uint64_t loader_view_extent(const struct bh_view *v, uint64_t *top);

/* The start-state page tables of partition.h for view v, whose memory ends at top, written
 * to BH_PT_GPA of partition v->partition_id: 0, or a negative BH_E* with the reason in err
 * (memory past 4 GiB, or the load window's refusal). */
int loader_put_tables(const struct bh_view *v, uint64_t top, char *err, size_t errlen);

#endif
