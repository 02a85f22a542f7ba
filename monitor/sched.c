/* SPDX-License-Identifier: MIT */
/* sched.c - each CPU runs the vCPUs pinned to it, round robin, one LAPIC-timer slice at a
 * time. HLT and BH_HC_WAIT block a vCPU until an event (its timer); yield ends the slice.
 * All times here are TSC values, so the exit path does no division. The timer is armed only
 * when something is due: a vCPU alone on its CPU with no deadline runs without ticks, and
 * an idle CPU halts until the earliest deadline among its vCPUs. */
#define pr_fmt(fmt) "sched: " fmt
#include <bulkhead/errno.h>
#include <bulkhead/hypercall.h>
#include "iommu/iommu.h"
#include "clock.h"
#include "cmdline.h"
#include "cpu.h"
#include "exit.h"
#include "lapic.h"
#include "log.h"
#include "mitigate.h"
#include "part.h"
#include "percpu.h"
#include "sched.h"
#include "stop.h"
#include "testhook.h"
#include "trap.h"
#include "x86.h"

#define NEVER UINT64_MAX

struct runq {
	struct spinlock lock; /* ring changes: sched_add from any CPU, reaping by the owner */
	volatile bool reap;   /* a vCPU here was retired: unlink it */
	struct vcpu *head;    /* ring through next_on_cpu */
	struct vcpu *current; /* last run */
	volatile uint64_t next_event; /* TSC: re-plan at or after this (slice end, deadline) */
	struct vcpu *fpu_owner;
};

static struct runq runqs[MAX_CPUS];
static uint64_t slice_tsc; /* SLICE_NS in TSC ticks, computed once */

/* The owner walks its ring without the lock: an insertion publishes a complete node with
 * one pointer store. */
void sched_add(struct vcpu *v)
{
	struct runq *q = &runqs[v->cpu];

	spin_lock(&q->lock);
	if (!q->head) {
		v->next_on_cpu = v;
		__atomic_store_n(&q->head, v, __ATOMIC_RELEASE);
	} else {
		v->next_on_cpu = q->head->next_on_cpu;
		__atomic_store_n(&q->head->next_on_cpu, v, __ATOMIC_RELEASE);
	}
	spin_unlock(&q->lock);
}

void sched_retire(struct vcpu *v)
{
	v->retired = true;
	__atomic_store_n(&runqs[v->cpu].reap, true, __ATOMIC_RELEASE);
	sched_kick(v->cpu);
}

bool sched_wait_off_until(struct vcpu *v, uint64_t until)
{
	uint64_t kick = 0;

	while (__atomic_load_n(&v->in_guest, __ATOMIC_SEQ_CST)) {
		uint64_t now = rdtsc();
		if (now >= until)
			return false;
		if (now >= kick) { /* again, in case the CPU missed the first */
			sched_kick(v->cpu);
			kick = now + clock_ns_to_tsc(WAIT_OFF_NS / 10);
		}
		cpu_relax();
	}
	return true;
}

int sched_wait_off(struct vcpu *v)
{
	if (sched_wait_off_until(v, rdtsc() + clock_ns_to_tsc(WAIT_OFF_NS)))
		return 0;
	pr_err("partition %s: vCPU %u still on cpu%u after %llu ms: its memory and devices stay "
	       "where they are", v->part->name, v->index, v->cpu, WAIT_OFF_NS / 1000000);
	return -BH_ETIMEDOUT;
}

/* Owner only: unlink retired vCPUs (their memory stays: nothing is freed under a reader). */
static void reap(struct runq *q)
{
	spin_lock(&q->lock);
	q->reap = false;
	for (struct vcpu *prev = q->head, *v; prev;) {
		v = prev->next_on_cpu;
		if (!v->retired) {
			prev = v;
			if (v == q->head)
				break; /* went round once */
			continue;
		}
		if (v == prev) { /* the last one */
			q->head = NULL;
			break;
		}
		prev->next_on_cpu = v->next_on_cpu;
		if (v == q->head)
			q->head = prev;
	}
	if (q->current && q->current->retired)
		q->current = NULL;
	if (q->fpu_owner && q->fpu_owner->retired)
		q->fpu_owner = NULL;
	spin_unlock(&q->lock);
}

void sched_rearm(struct vcpu *v, uint64_t deadline, uint64_t now)
{
	if (!deadline || deadline >= v->run_until)
		return;
	v->run_until = deadline;
	runqs[v->cpu].next_event = deadline;
	lapic_timer_oneshot_tsc(deadline > now ? deadline - now : 1);
}

void sched_replan(unsigned cpu)
{
	runqs[cpu].next_event = 0;
}

void sched_kick(unsigned cpu)
{
	sched_replan(cpu);
	lapic_send_ipi(cpus[cpu].apic_id, VEC_KICK);
}

/* Deliver a due timer; wake a blocked vCPU that has events. */
static void wake(struct vcpu *v, uint64_t now)
{
	if (v->state == VCPU_DEAD)
		return; /* not ours to touch: part_start may be resetting it */
	if (v->timer_deadline && now >= v->timer_deadline) {
		v->timer_deadline = 0;
		__atomic_or_fetch(&v->events, BH_EVENT_TIMER, __ATOMIC_RELEASE);
	}
	if (v->state != VCPU_BLOCKED || !v->events || v->parked ||
	    !vcpu_move(&v->state, VCPU_BLOCKED, VCPU_RUNNABLE))
		return;
	if (v->waiting) {
		v->regs.rax = __atomic_exchange_n(&v->events, 0, __ATOMIC_ACQ_REL);
		v->waiting = false;
	}
}

/* The next runnable vCPU after 'from' (or 'from' itself last), or NULL. */
static struct vcpu *pick(struct vcpu *from, uint64_t now)
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

/* Earliest timer deadline on this CPU, NEVER if none; and whether any vCPU but 'v' lives. */
static uint64_t scan(struct runq *q, const struct vcpu *v, bool *others)
{
	uint64_t min = NEVER;
	struct vcpu *w = q->head;

	*others = false;
	if (!w)
		return NEVER; /* no vCPU here: only CPU 0's test limit may be due */
	do {
		if (w->state != VCPU_DEAD) {
			if (w->timer_deadline && w->timer_deadline < min)
				min = w->timer_deadline;
			*others |= w != v;
		}
		w = w->next_on_cpu;
	} while (w != q->head);
	return min;
}

/* Program the LAPIC timer (and, through v->run_until, a backend's own timer) for the next
 * thing due after 'now', or stop it. */
static void plan(struct runq *q, struct vcpu *v, uint64_t now)
{
	bool others;
	uint64_t next = scan(q, v, &others);
	uint64_t slice_end = now + slice_tsc;

	if (v && others && slice_end < next)
		next = slice_end; /* v runs and someone else may want the CPU: time-slice */
	if (this_cpu()->id == 0 && test_deadline_tsc && test_deadline_tsc < next)
		next = test_deadline_tsc;
	if (v)
		v->run_until = next; /* the backend's own timer (VMX preemption) ends the run then */
	q->next_event = next;
	if (next == NEVER)
		lapic_timer_stop();
	else
		lapic_timer_oneshot_tsc(next > now ? next - now : 1);
}

/* Take pending interrupts (timer, kick): their handlers only acknowledge them. */
static void take_interrupts(void)
{
	__asm__ volatile("sti; nop; cli" ::: "memory");
}

static void idle(struct runq *q, uint64_t now)
{
	if (this_cpu()->id == 0 && parts_all_ended()) {
		pr_notice("all partitions ended");
		if (cmdline_test()[0])
			machine_stop(STOP_OK);
	}
	plan(q, NULL, now);
	__asm__ volatile("sti; hlt; cli" ::: "memory");
	trap_report();
}

/* x87/SSE/AVX state belongs to a vCPU: switch it when another vCPU runs here (a partition's
 * registers must never reach another partition). XSAVE saves what XCR0 enables, so state is
 * moved under the CPU's full XCR0 and each vCPU then runs under its own. The XCR0 the last
 * vCPU leaves is read back: QEMU 7.2's SVM lacks the XSETBV intercept, so a guest's XSETBV
 * goes straight to the CPU there (no leak follows: every component is switched). */
static void fpu_switch(struct runq *q, struct vcpu *v)
{
	const struct cpu_features *f = &this_cpu()->feat;
	uint32_t lo = (uint32_t)f->xcr0_max, hi = (uint32_t)(f->xcr0_max >> 32);

	if (q->fpu_owner != v && !f->xsave) {
		if (q->fpu_owner)
			__asm__ volatile("fxsave64 %0" : "=m"(q->fpu_owner->fpu));
		__asm__ volatile("fxrstor64 %0" : : "m"(v->fpu));
	} else if (q->fpu_owner != v) {
		this_cpu()->xcr0 = xgetbv();
		if (q->fpu_owner)
			q->fpu_owner->xcr0 = this_cpu()->xcr0;
		cpu_xcr0_set(f->xcr0_max);
		if (q->fpu_owner)
			__asm__ volatile("xsave64 %0" : "=m"(q->fpu_owner->fpu) : "a"(lo), "d"(hi));
		__asm__ volatile("xrstor64 %0" : : "m"(v->fpu), "a"(lo), "d"(hi));
	}
	q->fpu_owner = v;
	if (f->xsave)
		cpu_xcr0_set(v->xcr0);
}

static struct vcpu *next_vcpu(struct runq *q, uint64_t now)
{
	struct vcpu *cur = q->current, *v;

	if (cur && cur->state == VCPU_RUNNABLE && !cur->yielded && now < q->next_event)
		return cur; /* the common case: re-enter at once */
	if (q->reap) {
		reap(q);
		if (!(cur = q->current) && !q->head)
			return NULL;
	}
	/* At every slice end or event, whatever the exits were: a guest that exits at every
	 * instruction (single-stepping) may never let an interrupt exit through (Bochs' SVM) */
	take_interrupts();
	trap_report();
	if (cur)
		cur->yielded = false;
	v = pick(cur ? cur : q->head, now);
	q->current = v;
	if (v && v->fpu_fresh) { /* started (again): the start state's x87/SSE, not the last */
		if (q->fpu_owner == v)
			q->fpu_owner = NULL;
		vcpu_fpu_init(v);
		v->fpu_fresh = false;
	}
	if (v)
		plan(q, v, now);
	return v;
}

void sched_loop(void)
{
	struct runq *q = &runqs[this_cpu()->id];
	struct exit_info e;

	slice_tsc = clock_ns_to_tsc(SLICE_NS); /* the same on every CPU */
	lapic_timer_setup(VEC_TIMER);
	for (;;) {
		uint64_t now = rdtsc();
		struct vcpu *v = q->head ? next_vcpu(q, now) : NULL;

		if (test_deadline_tsc && q == runqs && now >= test_deadline_tsc)
			testhook_tick(now);
		iommu_poll(now); /* fault records, at most every millisecond */
		if (!v) {
			idle(q, now);
			continue;
		}
		/* A full barrier between announcing the run and checking the state, so that who
		 * kills v and then waits for in_guest to clear (sched_wait_off) cannot miss us. */
		__atomic_store_n(&v->in_guest, true, __ATOMIC_SEQ_CST);
		if (v->state == VCPU_DEAD) {
			__atomic_store_n(&v->in_guest, false, __ATOMIC_RELEASE);
			continue;
		}
		if (!q->fpu_owner || q->fpu_owner->part != v->part)
			mitigate_switch(this_cpu());
		fpu_switch(q, v);
		vendor->vcpu_run(v, &e);
		v->exits++;
		if (v->state != VCPU_DEAD)
			exit_handle(v, &e);
		__atomic_store_n(&v->in_guest, false, __ATOMIC_RELEASE);
		if (e.reason == EXIT_INTR || e.reason == EXIT_NMI)
			take_interrupts(); /* otherwise none is pending: it would have exited */
	}
}
