/* SPDX-License-Identifier: MIT */
/* part.h - partitions: creation from a boot module, console, containment, end. */
#ifndef MONITOR_PART_H
#define MONITOR_PART_H

#include <stddef.h>
#include <bulkhead/bootinfo.h>
#include "vcpu.h"

extern struct partition *partitions[MAX_PARTITIONS];
extern unsigned partition_count;

extern struct partition *ultravisor; /* the privileged partition, once started */

struct partition *part_by_id(uint32_t id);
/* A new, idle partition with no view in a free slot, or NULL (the table is full). */
struct partition *part_alloc(uint32_t id, const char *name);
/* Empty p's slot (p never started); its memory stays. */
void part_free(struct partition *p);

/* Fresh vCPUs per p's view (placement, count) in the start state of partition.h; those of
 * an earlier run are retired. An HVM partition's vCPU 0 gets boot_arg in RSI, its other
 * vCPUs wait for a SIPI. 0, -BH_EBUSY (running), -BH_EINVAL, -BH_ENOMEM. */
int part_start(struct partition *p, uint64_t entry, uint64_t stack_top, uint64_t boot_arg);
/* Not running any more, and every vCPU off its CPU when this returns. No event. */
int part_stop(struct partition *p); /* 0, or -BH_EBUSY: a vCPU did not leave its CPU */
/* Not running (-BH_EBUSY if it is), and when this returns no vCPU of it is in guest mode or
 * an exit handler any more: its memory and vCPUs may be changed. */
int part_quiesce(const struct partition *p);
/* Forget p (not running): vCPUs retired, slot freed. Its nested tables are the caller's. */
void part_destroy(struct partition *p);

/* Console output of p: sanitized, line-buffered, "[name] " prefixed on COM1. */
void part_console(struct partition *p, const char *s, size_t n);

/* Stop v's partition for a fault it caused; log partition, cause, RIP and address. */
void part_contain(struct vcpu *v, const char *cause, const struct exit_info *e);

/* BH_EVENT_CHANNEL to vCPU 0 of p's peer on channel chan_id, latched, with a kick when it
 * runs elsewhere. 0, -BH_ENOENT (no such channel in p's view), -BH_EIO (peer not running). */
int part_signal(struct partition *p, uint32_t chan_id);

/* Latch events for v and make its CPU look: an IPI unless v's CPU is this one, or the
 * events were latched already and v is not in guest mode (its CPU has been told). */
void post_event(struct vcpu *v, uint32_t events);

/* BH_EVENT_DEVICE to vCPU 0 of p, if it runs: an interrupt of one of its PCI functions. */
void part_device_event(struct partition *p);

/* The partition asked to end (BH_HC_EXIT). */
void part_exit(struct partition *p, int status);

bool parts_all_ended(void);

#endif
