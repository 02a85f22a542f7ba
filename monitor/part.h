/* SPDX-License-Identifier: MIT */
/* part.h - partitions: creation from a boot module, console, containment, end. */
#ifndef MONITOR_PART_H
#define MONITOR_PART_H

#include <stddef.h>
#include <bulkhead/bootinfo.h>
#include "vcpu.h"

extern struct partition *partitions[MAX_PARTITIONS];
extern unsigned partition_count;

/* Until config blobs exist, a boot module whose command line starts with "partition" is a
 * partition image to start (docs/abi.md):
 *   module2 /boot/guest-pv.elf partition name=g1 cpus=0,1 mem=16 chan=7 -- exit=3
 * mem in MiB; vCPU i runs on physical CPU cpus[i]; chan=<id> (up to 4) shares a 2 MiB
 * channel with the other partition naming the same id (a third is refused by the view
 * checks); words after "--" are the partition's command line. Returns 0 or a negative BH_E* (logged, naming the module and field). */
int part_create_from_module(const struct bh_module *m);

/* Console output of p: sanitized, line-buffered, "[name] " prefixed on COM1. */
void part_console(struct partition *p, const char *s, size_t n);

/* Stop v's partition for a fault it caused; log partition, cause, RIP and address. */
void part_contain(struct vcpu *v, const char *cause, const struct exit_info *e);

/* BH_EVENT_CHANNEL to vCPU 0 of p's peer on channel chan_id, latched, with a kick when it
 * runs elsewhere. 0, -BH_ENOENT (no such channel in p's view), -BH_EIO (peer not running). */
int part_signal(struct partition *p, uint32_t chan_id);

/* The partition asked to end (BH_HC_EXIT). */
void part_exit(struct partition *p, int status);

bool parts_all_ended(void);

#endif
