/* SPDX-License-Identifier: MIT */
/* enforce.h - from a partition's view to its nested page tables, through the containment
 * checks of view.c: the one way a partition's memory map comes to exist. */
#ifndef MONITOR_ENFORCE_H
#define MONITOR_ENFORCE_H

#include <bulkhead/bootinfo.h>
#include <bulkhead/uvcall.h>
#include "vcpu.h"

/* Record what views are checked against: usable RAM may be given to partitions; the image,
 * the boot information and the modules never. */
void enforce_init(const struct bh_bootinfo *bi);

/* BH_HC_UV_POOL: from now on partition memory comes from these ranges only, taken out of
 * the monitor's frame pool. 0, -BH_EINVAL (not 2 MiB aligned usable RAM), -BH_EBUSY (the
 * monitor uses some of it, or claimed already); nothing changes on error. Logged. */
int enforce_claim_pool(const struct bh_uv_range *r, unsigned n);
/* Until the pool is claimed, "the pool" is all usable RAM, the monitor's own pages among it:
 * the ultravisor may publish no view before it claims one. */
bool enforce_pool_claimed(void);

/* v against every containment rule and every other partition's view but self's. 0, or a
 * negative BH_E* after logging which region broke which rule. */
int enforce_check(const struct bh_view *v, const struct partition *self);
/* Nested page tables for a checked view: 0, or -BH_ENOMEM / -BH_EEXIST with nothing kept. */
int enforce_build(const struct bh_view *v, struct pgtable *t);
void enforce_free(struct pgtable *t);

/* p->ioperm from p->view's I/O port ranges (checked by enforce_check): the ports it may use
 * without an exit; none when it has none. 0 or -BH_ENOMEM. */
int enforce_ports(struct partition *p);
/* Its bitmap back to the frame pool (p destroyed: no vCPU of it will run again). */
void enforce_free_ports(struct partition *p);

/* enforce_check() then enforce_build() into p->npt. */
int enforce_view(struct partition *p);

#endif
