/* SPDX-License-Identifier: MIT */
/* sched.h - per-CPU round-robin scheduling of pinned vCPUs. */
#ifndef MONITOR_SCHED_H
#define MONITOR_SCHED_H

#include "vcpu.h"

#define VEC_TIMER 0xf0 /* LAPIC timer: end of a slice or a vCPU's timer deadline */
#define VEC_KICK  0xf1 /* IPI: look at your vCPUs again (one was killed or woken) */
#define SLICE_NS  10000000ull

void sched_add(struct vcpu *v);       /* from any CPU */
/* v is dead for good: its CPU unlinks it soon (v's memory must stay valid). */
void sched_retire(struct vcpu *v);
/* Return 0 once v (dead) is off its CPU: not in guest mode nor in an exit handler; or,
 * after WAIT_OFF_NS, -BH_ETIMEDOUT (logged): a CPU that does not come back (stuck in an
 * instruction that takes no interrupt) keeps the partition's resources from changing hands
 * instead of hanging the caller. */
#define WAIT_OFF_NS 100000000ull
int sched_wait_off(struct vcpu *v);
/* The same without the message, giving up when the TSC reaches until. → true if v is off
 * its CPU. */
bool sched_wait_off_until(struct vcpu *v, uint64_t until);
void sched_kick(unsigned cpu);        /* make cpu re-evaluate its vCPUs */
void sched_replan(unsigned cpu);      /* from cpu itself: a deadline changed */
/* v is about to enter on this CPU and has something due at deadline (TSC), before the plan
 * ends its run: the run ends then instead. */
void sched_rearm(struct vcpu *v, uint64_t deadline, uint64_t now);
__attribute__((noreturn)) void sched_loop(void); /* this CPU runs its vCPUs for ever */

#endif
