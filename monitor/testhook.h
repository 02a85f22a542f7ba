/* SPDX-License-Identifier: MIT */
/* testhook.h - behaviour system tests ask for with test=<word> on the command line.
 * Without test= these do nothing. See docs/testing.md for the words. */
#ifndef MONITOR_TESTHOOK_H
#define MONITOR_TESTHOOK_H

#include <bulkhead/bootinfo.h>

void testhook_early(const struct bh_bootinfo *bi); /* before memory and CPUs are set up */
void testhook_late(void);                          /* after bring-up */

/* The TSC value at which CPU 0 has test work to do (0: none): stop the machine at
 * test=run limit=<ms>, or send the next burst of storm=<ms>. */
extern uint64_t test_deadline_tsc;
void testhook_tick(uint64_t now_tsc); /* CPU 0, at or after test_deadline_tsc */

#endif
