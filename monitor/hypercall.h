/* SPDX-License-Identifier: MIT */
/* hypercall.h - the v1 calls of include/bulkhead/hypercall.h, served for the calling vCPU. */
#ifndef MONITOR_HYPERCALL_H
#define MONITOR_HYPERCALL_H

#include "vcpu.h"

/* Serve the call in v's registers; the result goes to RAX (unless the vCPU blocks, in
 * which case the scheduler writes it on wake-up). */
void hypercall(struct vcpu *v);

#endif
