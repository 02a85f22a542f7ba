/* SPDX-License-Identifier: MIT */
/* exit.h - the vendor-neutral exit dispatcher. */
#ifndef MONITOR_EXIT_H
#define MONITOR_EXIT_H

#include "vcpu.h"

enum exit_action {
	EXIT_RESUME,  /* re-enter at the same RIP */
	EXIT_ADVANCE, /* the instruction is done: skip it */
};

/* Handle one exit of v (which runs on this CPU): emulate, block, or contain. */
void exit_handle(struct vcpu *v, const struct exit_info *e);

#endif
