/* SPDX-License-Identifier: MIT */
/* testhook.h - behaviour system tests ask for with test=<word> on the command line.
 * Without test= these do nothing. See docs/testing.md for the words. */
#ifndef MONITOR_TESTHOOK_H
#define MONITOR_TESTHOOK_H

#include <bulkhead/bootinfo.h>

void testhook_early(const struct bh_bootinfo *bi); /* before memory and CPUs are set up */
void testhook_late(void);                          /* after bring-up */

/* test=run limit=<ms>: the TSC value at which CPU 0 stops the machine (0: none). */
extern uint64_t test_stop_at_tsc;
void testhook_check_limit(uint64_t now_tsc);

#endif
