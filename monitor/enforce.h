/* SPDX-License-Identifier: MIT */
/* enforce.h - from a partition's view to its nested page tables, through the containment
 * checks of view.c: the one way a partition's memory map comes to exist. */
#ifndef MONITOR_ENFORCE_H
#define MONITOR_ENFORCE_H

#include <bulkhead/bootinfo.h>
#include "vcpu.h"

/* Record what views are checked against: usable RAM may be given to partitions; the image,
 * the boot information and the modules never. */
void enforce_init(const struct bh_bootinfo *bi);

/* Check p->view against every other partition's view (monitor/view.c) and build p->npt
 * from it. Returns 0, or a negative BH_E* after logging which region broke which rule. */
int enforce_view(struct partition *p);

#endif
