/* SPDX-License-Identifier: MIT */
/* loader.h - preparing a partition's memory before it starts (loader.c). */
#ifndef ULTRAVISOR_LOADER_H
#define ULTRAVISOR_LOADER_H

#include <stddef.h>
#include <stdint.h>
#include <bulkhead/partition.h>
#include <bulkhead/view.h>

struct load_result {
	uint64_t entry;     /* the image's entry point */
	uint64_t stack_top; /* top of vCPU 0's stack: the top of its RAM */
};

/* What the info page tells a partition about the other end of view region i (a channel). */
struct load_peer {
	uint8_t kind;           /* enum bh_cfg_kind; 0: region i is not a channel */
	uint8_t chan_type;      /* enum bh_cfg_chan_type */
	char    name[BH_NAME_MAX];
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

#endif
