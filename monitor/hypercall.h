/* SPDX-License-Identifier: MIT */
/* hypercall.h - the v1 calls of include/bulkhead/hypercall.h, served for the calling vCPU. */
#ifndef MONITOR_HYPERCALL_H
#define MONITOR_HYPERCALL_H

#include "exit.h"

/* The EXIT_HYPERCALL handler: serve the call in v's registers; the result goes to RAX
 * (unless the vCPU blocks, in which case the scheduler writes it on wake-up). */
enum exit_action hypercall(struct vcpu *v, const struct exit_info *e);

#endif
