/* SPDX-License-Identifier: MIT */
/* sched.c - each CPU runs the vCPUs pinned to it, round robin, one LAPIC-timer slice at a
 * time. HLT and BH_HC_WAIT block a vCPU until an event (its timer); yield ends the slice.
 * An idle CPU halts with the timer set to the earliest deadline among its vCPUs. */
#define pr_fmt(fmt) "sched: " fmt
#include <bulkhead/hypercall.h>
#include "clock.h"
#include "cmdline.h"
#include "exit.h"
#include "lapic.h"
#include "log.h"
#include "part.h"
#include "percpu.h"
#include "sched.h"
#include "stop.h"
#include "testhook.h"
#include "x86.h"

struct runq {
	struct vcpu *head;    /* ring through next_on_cpu */
	struct vcpu *current; /* last run */
	uint64_t slice_end;   /* ns */
	struct vcpu *fpu_owner;
};

static struct runq runqs[MAX_CPUS];

void sched_add(struct vcpu *v)
{
	struct runq *q = &runqs[v->cpu];

	if (!q->head) {
		q->head = v->next_on_cpu = v;
		return;
	}
	v->next_on_cpu = q->head->next_on_cpu;
	q->head->next_on_cpu = v;
}

void sched_kick(unsigned cpu)
{
	lapic_send_ipi(cpus[cpu].apic_id, VEC_KICK);
}

/* Deliver due timers and wake blocked vCPUs that have events. */
static void wake(struct vcpu *v, uint64_t now)
{
	if (v->timer_deadline && now >= v->timer_deadline) {
		v->timer_deadline = 0;
		__atomic_or_fetch(&v->events, BH_EVENT_TIMER, __ATOMIC_RELEASE);
	}
	if (v->state != VCPU_BLOCKED || !v->events)
		return;
	if (v->waiting) {
		v->regs.rax = __atomic_exchange_n(&v->events, 0, __ATOMIC_ACQ_REL);
		v->waiting = false;
	}
	v->state = VCPU_RUNNABLE;
}

/* The next runnable vCPU after 'from' (or 'from' itself last), or NULL. */
static struct vcpu *pick(struct runq *q, struct vcpu *from, uint64_t now)
{
	struct vcpu *v = from;

	do {
		v = v->next_on_cpu;
		wake(v, now);
		if (v->state == VCPU_RUNNABLE)
			return v;
	} while (v != from);
	return NULL;
}

static uint64_t earliest_deadline(struct runq *q)
{
	uint64_t min = 0;
	struct vcpu *v = q->head;

	do {
		if (v->state != VCPU_DEAD && v->timer_deadline &&
		    (!min || v->timer_deadline < min))
			min = v->timer_deadline;
		v = v->next_on_cpu;
	} while (v != q->head);
	return min;
}

static void arm_timer(uint64_t now, uint64_t deadline)
{
	lapic_timer_oneshot(deadline > now ? deadline - now : 1, VEC_TIMER);
}

/* Take pending interrupts (timer, kick): their handlers only acknowledge them. */
static void take_interrupts(void)
{
	__asm__ volatile("sti; nop; cli" ::: "memory");
}

static void idle(struct runq *q, uint64_t now)
{
	uint64_t d = q->head ? earliest_deadline(q) : 0;

	if (this_cpu()->id == 0 && test_stop_at_ns && (!d || test_stop_at_ns < d))
		d = test_stop_at_ns; /* wake up to check the test's time limit */
	if (this_cpu()->id == 0 && parts_all_ended()) {
		pr_notice("all partitions ended");
		if (cmdline_test()[0])
			machine_stop(STOP_OK);
	}
	if (d)
		arm_timer(now, d);
	__asm__ volatile("sti; hlt; cli" ::: "memory");
}

/* x87/SSE state belongs to a vCPU: switch it when another vCPU runs here (a partition
 * may enable SSE itself; its registers must never reach another partition). */
static void fpu_switch(struct runq *q, struct vcpu *v)
{
	if (q->fpu_owner == v)
		return;
	if (q->fpu_owner)
		__asm__ volatile("fxsave64 %0" : "=m"(q->fpu_owner->fpu));
	__asm__ volatile("fxrstor64 %0" : : "m"(v->fpu));
	q->fpu_owner = v;
}

static struct vcpu *next_vcpu(struct runq *q, uint64_t now)
{
	struct vcpu *cur = q->current;

	if (cur && cur->state == VCPU_RUNNABLE && !cur->yielded && now < q->slice_end)
		return cur;
	if (cur)
		cur->yielded = false;
	struct vcpu *v = pick(q, cur ? cur : q->head, now);
	if (v) {
		q->current = v;
		q->slice_end = now + SLICE_NS;
		uint64_t d = earliest_deadline(q);
		arm_timer(now, d && d < q->slice_end ? d : q->slice_end);
	}
	return v;
}

void sched_loop(void)
{
	struct runq *q = &runqs[this_cpu()->id];
	bool watch_limit = this_cpu()->id == 0 && test_stop_at_ns;
	struct exit_info e;

	for (;;) {
		uint64_t now = clock_ns();
		struct vcpu *v = q->head ? next_vcpu(q, now) : NULL;

		if (watch_limit)
			testhook_check_limit(now);
		if (!v) {
			idle(q, now);
			continue;
		}
		fpu_switch(q, v);
		vendor->vcpu_run(v, &e);
		v->exits++;
		if (v->state != VCPU_DEAD)
			exit_handle(v, &e);
		take_interrupts();
	}
}
