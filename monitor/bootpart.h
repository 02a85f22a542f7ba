/* SPDX-License-Identifier: MIT */
/* bootpart.h - partitions the monitor builds itself from an ELF image (bootpart.c). */
#ifndef MONITOR_BOOTPART_H
#define MONITOR_BOOTPART_H

#include <bulkhead/bootinfo.h>
#include "modspec.h"

/* Build and start the partition s describes from image: RAM from the frame pool, the view of
 * modspec_view(), checked and enforced; guest page tables, image, info page, vCPUs. The
 * running partition, or NULL (logged, naming the partition and what failed). */
struct partition *part_build(const struct part_spec *s, const struct bh_module *image);

/* With no config blob, a boot module whose command line starts with "partition" is a
 * partition image to start (docs/abi.md):
 *   module2 /boot/guest-pv.elf partition name=g1 cpus=0,1 mem=16 chan=7 -- exit=3
 * mem in MiB; vCPU i runs on physical CPU cpus[i]; chan=<id> (up to 4) shares a 2 MiB
 * channel with the other partition naming the same id (a third is refused by the view
 * checks); words after "--" are the partition's command line. 0 or -BH_EINVAL (logged). */
int part_create_from_module(const struct bh_module *m);

#endif
