/* SPDX-License-Identifier: MIT */
/* exit.h - the vendor-neutral exit dispatcher. */
#ifndef MONITOR_EXIT_H
#define MONITOR_EXIT_H

#include "vcpu.h"

enum exit_action {
	EXIT_RESUME,  /* re-enter at the same RIP */
	EXIT_ADVANCE, /* the instruction is done: skip it */
};

/* #DB and #AC (e->qual the vector, the error code in e->addr) go back to v's partition.
 * Intercepting them makes an exception whose delivery raises it again loop through exits,
 * which the scheduler preempts, instead of inside the CPU for ever (XSA-156: CVE-2015-5307,
 * CVE-2015-8104). Any other exception stops the partition. */
enum exit_action exit_reflect(struct vcpu *v, const struct exit_info *e);
/* WBINVD: caches are coherent with every device a partition may hold, and a write-back of
 * the whole cache takes long with interrupts unable to end it: done as a no-op. */
enum exit_action exit_cache_flush(struct vcpu *v, const struct exit_info *e);

/* Handle one exit of v (which runs on this CPU): emulate, block, or contain. */
void exit_handle(struct vcpu *v, const struct exit_info *e);

#endif
