/* SPDX-License-Identifier: MIT */
/* hvm.c - full-virtualization vCPUs: interrupt delivery through each vCPU's local x2APIC,
 * INIT/SIPI, and port I/O forwarded to the partition's device model. The monitor emulates
 * no device here: every port the view does not grant is a request in the device model's
 * ring (include/bulkhead/ioreq.h), and the device model answers and raises interrupts with
 * its own calls, checked below. */
#define pr_fmt(fmt) "hvm: " fmt
#include <bulkhead/errno.h>
#include <bulkhead/hypercall.h>
#include <bulkhead/ioreq.h>
#include "hvm.h"
#include "hypercall.h"
#include "clock.h"
#include "cpu.h"
#include "exit.h"
#include "insn.h"
#include "log.h"
#include "part.h"
#include "percpu.h"
#include "sched.h"
#include "x86.h"

void hvm_vcpu_start(struct vcpu *v)
{
	struct hvm_vcpu *h = &v->hvm;

	vlapic_reset(&h->lapic, v->index);
	h->extint = 0;
	h->nmi = false;
	h->sipi = -1;
	h->io_wait = false;
	h->wait_sipi = v->index > 0;
	v->parked = h->wait_sipi;
	h->dr[0] = h->dr[1] = h->dr[2] = h->dr[3] = 0;
	h->dr6 = 0xffff0ff0;
	h->dr7 = 0x400;
}

/* Make w's CPU look at w (it is runnable or has something to deliver). */
static void look(struct vcpu *w)
{
	if (w->cpu == this_cpu()->id)
		sched_replan(w->cpu);
	else
		sched_kick(w->cpu);
}

/* A parked vCPU runs again: its IN is answered, or a SIPI starts it. */
static void unpark(struct vcpu *w)
{
	w->parked = false;
	if (vcpu_move(&w->state, VCPU_BLOCKED, VCPU_RUNNABLE))
		look(w);
}

/* The scheduler wakes v at its local APIC's deadline, but never sooner than TIMER_FLOOR_NS
 * from now: a guest arming its timer a tick ahead again and again (or in the past) costs
 * its own time, not the CPU's other vCPUs' (their slices end at its deadlines). */
#define TIMER_FLOOR_NS 50000
static void timer_follow(struct vcpu *v, uint64_t now)
{
	static uint64_t floor_tsc;
	uint64_t d = v->hvm.lapic.deadline;

	if (!floor_tsc)
		floor_tsc = clock_ns_to_tsc(TIMER_FLOOR_NS);
	v->timer_deadline = d && d < now + floor_tsc ? now + floor_tsc : d;
}

/* ---- interrupts ---- */

static void inject_pending(struct vcpu *v)
{
	struct hvm_vcpu *h = &v->hvm;
	uint8_t ext = h->extint;
	bool from_ext = ext && vlapic_lint0_extint(&h->lapic); /* the 8259 first (LINT0) */
	int vec = from_ext ? ext : vlapic_pending(&h->lapic);

	if (vendor->event_busy(v)) { /* delivering one already: ask again right after */
		vendor->irq_window(v, vec >= 0 || h->nmi);
		return;
	}
	if (h->nmi) { /* NMIs are not masked by IF (SDM 6.7.1) */
		h->nmi = false;
		vendor->inject(v, HVM_EV_NMI, 2, HVM_NO_ERROR);
		return;
	}
	if (vec < 0 || !vendor->irq_open(v)) {
		vendor->irq_window(v, vec >= 0);
		return;
	}
	if (from_ext && !__atomic_compare_exchange_n(&h->extint, &ext, 0, false,
						     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		vendor->irq_window(v, true); /* the device model changed its line: look again */
		return;
	}
	vendor->irq_window(v, false);
	if (!from_ext)
		vlapic_accept(&h->lapic, (uint8_t)vec);
	vendor->inject(v, HVM_EV_INTR, (uint8_t)vec, HVM_NO_ERROR);
}

void hvm_prepare(struct vcpu *v)
{
	struct hvm_vcpu *h = &v->hvm;
	uint64_t now = rdtsc();

	if (h->sipi >= 0) {
		vendor->sipi(v, (uint8_t)h->sipi);
		h->sipi = -1;
	}
	__atomic_and_fetch(&v->events, ~(BH_EVENT_TIMER | VCPU_EVENT_IRQ), __ATOMIC_ACQ_REL);
	if (h->lapic.deadline && now >= h->lapic.deadline)
		vlapic_timer_fire(&h->lapic, now); /* a periodic timer re-arms: end this run then */
	timer_follow(v, now);
	sched_rearm(v, v->timer_deadline, now);
	inject_pending(v);
}

/* SIPI: only a vCPU waiting for one starts (SDM 8.4.4.1: later SIPIs are ignored). */
static void deliver_sipi(struct vcpu *w, uint8_t vector)
{
	if (!__atomic_exchange_n(&w->hvm.wait_sipi, false, __ATOMIC_ACQ_REL))
		return;
	w->hvm.sipi = vector;
	unpark(w);
}

static void deliver(struct vcpu *w, const struct vlapic_ipi *ipi)
{
	switch (ipi->mode) {
	case ICR_FIXED: /* lowest priority arrives as fixed (vlapic.h) */
		vlapic_set_irr(&w->hvm.lapic, ipi->vector);
		post_event(w, VCPU_EVENT_IRQ);
		break;
	case ICR_NMI:
		w->hvm.nmi = true;
		post_event(w, VCPU_EVENT_IRQ);
		break;
	case ICR_SIPI:
		deliver_sipi(w, ipi->vector);
		break;
	case ICR_INIT: /* a started vCPU is not taken back to wait-for-SIPI: not supported */
		if (!w->hvm.wait_sipi)
			pr_warn_once("partition %s: INIT to a running vCPU ignored", w->part->name);
		break;
	default: /* SMI: there is no SMM in a partition */
		break;
	}
}

/* An IPI written to v's ICR (or SELF IPI) reaches the vCPUs of v's partition it names. */
static void send_ipi(struct vcpu *v, const struct vlapic_ipi *ipi)
{
	struct partition *p = v->part;

	for (unsigned i = 0; i < p->vcpu_count; i++) {
		struct vcpu *w = p->vcpus[i];
		if (!w)
			continue;
		if (ipi->shorthand == ICR_SELF   ? w == v :
		    ipi->shorthand == ICR_OTHERS ? w != v :
		    ipi->shorthand == ICR_ALL || vlapic_match(&w->hvm.lapic, ipi))
			deliver(w, ipi);
	}
}

/* ---- exits ---- */

static enum exit_action hvm_msr(struct vcpu *v, const struct exit_info *e)
{
	uint32_t msr = (uint32_t)v->regs.rcx;
	uint64_t val = v->regs.rdx << 32 | (uint32_t)v->regs.rax;
	int r = e->reason == EXIT_MSR_WRITE ? hvm_msr_write(v, msr, val) :
					      hvm_msr_read(v, msr, &val);

	if (r) { /* the kernel's rdmsr_safe/wrmsr_safe fixups expect exactly this */
		vendor->inject(v, HVM_EV_EXCEPTION, 13, 0);
		return EXIT_RESUME;
	}
	if (e->reason == EXIT_MSR_READ) {
		v->regs.rax = (uint32_t)val;
		v->regs.rdx = val >> 32;
	}
	return EXIT_ADVANCE;
}

/* The local APIC's part of hvm_msr_write: the register, then what the write asked. */
int hvm_lapic_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	struct vlapic_ipi ipi = { 0 };
	uint64_t was = v->hvm.lapic.deadline, now = rdtsc();

	if (vlapic_write(&v->hvm.lapic, msr, val, now, &ipi))
		return -1;
	if (ipi.send)
		send_ipi(v, &ipi);
	if (v->hvm.lapic.deadline != was) { /* the timer moved: the scheduler plans again */
		timer_follow(v, now);
		sched_replan(v->cpu);
	}
	return 0;
}

static enum exit_action hvm_hlt(struct vcpu *v, const struct exit_info *e)
{
	struct hvm_vcpu *h = &v->hvm;

	if (vlapic_pending(&h->lapic) < 0 && !h->nmi &&
	    !(h->extint && vlapic_lint0_extint(&h->lapic)))
		vcpu_move(&v->state, VCPU_RUNNABLE, VCPU_BLOCKED); /* until an event */
	return EXIT_ADVANCE;
}

/* The device model of HVM partition g, if it runs; its request ring. */
static struct partition *dm_of(const struct partition *g, struct bh_ioreq_ring **ring)
{
	struct partition *d = part_by_id(g->view.peer_id);

	if (!d || !(d->view.flags & BH_VIEW_DEVMODEL) || d->view.peer_id != g->id ||
	    d->state != PART_RUNNING || d->ending)
		return NULL;
	for (unsigned i = 0; i < d->view.region_count; i++)
		if (d->view.regions[i].flags & BH_VIEW_IOREQ) {
			*ring = (void *)d->view.regions[i].hpa;
			return d;
		}
	return NULL;
}

void hvm_devmodel_starts(struct partition *d)
{
	struct partition *g = part_by_id(d->view.peer_id);

	if (!g)
		return;
	spin_lock(&g->ioreq_lock);
	g->ioreq_prod = 0; /* its ring starts empty, zeroed by its loader */
	spin_unlock(&g->ioreq_lock);
}

/* RAX after an IN of `size` bytes that read `value`: into EAX it zero-extends into RAX, into
 * AL or AX it keeps the rest (SDM vol 1, 3.4.1.1). */
static uint64_t in_result(uint64_t rax, unsigned size, uint64_t value)
{
	uint64_t mask = (1ull << (8 * size)) - 1;

	return (size == 4 ? 0 : rax & ~mask) | (value & mask);
}

/* The device model d ends: under its guest's ring lock (so no request is being written to
 * its memory any more, ioreq_put), every guest vCPU waiting on an IN reads all ones and
 * runs on, as with no device model at all. */
void hvm_devmodel_ends(struct partition *d)
{
	struct partition *g = part_by_id(d->view.peer_id);

	if (!g || !g->hvm || g->view.peer_id != d->id)
		return;
	spin_lock(&g->ioreq_lock);
	for (unsigned i = 0; i < g->vcpu_count; i++) {
		struct vcpu *w = g->vcpus[i];
		if (w && __atomic_exchange_n(&w->hvm.io_wait, false, __ATOMIC_ACQ_REL)) {
			w->regs.rax = in_result(w->regs.rax, w->hvm.io_size, ~0ull);
			unpark(w);
		}
	}
	spin_unlock(&g->ioreq_lock);
}

enum put { PUT_OK, PUT_FULL, PUT_NO_DM };

/* Write one request into device model d's ring. The device model writes cons: it is read
 * once and bounded; prod is the monitor's own copy. An IN's vCPU is parked before the
 * request is visible: the answer may come at once. d is checked again under the lock that
 * hvm_devmodel_ends takes once d is ending: its memory is never written after that. */
static enum put ioreq_put(struct vcpu *v, struct partition *d, struct bh_ioreq_ring *ring,
			  const struct bh_ioreq *rq)
{
	struct partition *g = v->part;
	uint32_t slot;

	spin_lock(&g->ioreq_lock);
	if (__atomic_load_n(&d->ending, __ATOMIC_ACQUIRE)) {
		spin_unlock(&g->ioreq_lock);
		return PUT_NO_DM;
	}
	if (g->ioreq_prod - __atomic_load_n(&ring->cons, __ATOMIC_ACQUIRE) >= BH_IOREQ_SLOTS) {
		spin_unlock(&g->ioreq_lock);
		return PUT_FULL;
	}
	ring->magic = BH_IOREQ_MAGIC;
	ring->slots = BH_IOREQ_SLOTS;
	slot = g->ioreq_prod % BH_IOREQ_SLOTS;
	ring->req[slot] = *rq;
	ring->req[slot].seq = g->ioreq_prod;
	if (rq->flags & BH_IOREQ_IN) {
		v->hvm.io_size = rq->size;
		v->hvm.io_seq = g->ioreq_prod;
		v->parked = true;
		vcpu_move(&v->state, VCPU_RUNNABLE, VCPU_BLOCKED);
		__atomic_store_n(&v->hvm.io_wait, true, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&ring->prod, ++g->ioreq_prod, __ATOMIC_RELEASE);
	spin_unlock(&g->ioreq_lock);
	return PUT_OK;
}

static enum exit_action hvm_io(struct vcpu *v, const struct exit_info *e)
{
	struct bh_ioreq_ring *ring;
	struct partition *d = dm_of(v->part, &ring);
	unsigned size = e->qual & EXIT_IO_SIZE;
	uint64_t ones = (1ull << (8 * size)) - 1;
	bool in = e->qual & EXIT_IO_IN;
	struct bh_ioreq rq = { (uint16_t)e->addr, (uint8_t)size, in ? BH_IOREQ_IN : 0, v->index,
			       in ? 0 : (uint32_t)(v->regs.rax & ones), 0 };

	if (e->qual & EXIT_IO_STRING) { /* INS/OUTS: no device of the platform needs them */
		pr_warn_once("partition %s: string I/O on port %#lx: #GP", v->part->name, e->addr);
		vendor->inject(v, HVM_EV_EXCEPTION, 13, 0);
		return EXIT_RESUME;
	}
	enum put r = d ? ioreq_put(v, d, ring, &rq) : PUT_NO_DM;

	if (r == PUT_NO_DM) { /* no device model: nothing answers, as on an empty bus */
		if (in)
			v->regs.rax = in_result(v->regs.rax, size, ~0ull);
		return EXIT_ADVANCE;
	}
	if (r == PUT_FULL)
		v->yielded = true; /* the instruction runs again after the device model */
	struct vcpu *dv = d->vcpus[0];
	if (dv)
		post_event(dv, BH_EVENT_IOREQ);
	return r == PUT_FULL ? EXIT_RESUME : EXIT_ADVANCE;
}

/* MOV to/from DR0-7 (0f 21 /r, 0f 23 /r, SDM vol 2B): the guest keeps its own values, which
 * never reach the hardware (no hardware breakpoints in a partition). */
static enum exit_action hvm_dr(struct vcpu *v, const struct exit_info *e)
{
	uint8_t b[4];
	uint64_t *dr;
	unsigned rex = 0, n;

	if (guest_read_virt(v, vendor->get_rip(v), b, sizeof(b))) {
		vendor->inject(v, HVM_EV_EXCEPTION, 6, HVM_NO_ERROR);
		return EXIT_RESUME;
	}
	rex = (b[0] & 0xf0) == 0x40;
	if (b[rex] != 0x0f || (b[rex + 1] != 0x21 && b[rex + 1] != 0x23) ||
	    (b[rex + 2] & 0xc0) != 0xc0) {
		vendor->inject(v, HVM_EV_EXCEPTION, 6, HVM_NO_ERROR);
		return EXIT_RESUME;
	}
	n = (b[rex + 2] >> 3) & 7;
	dr = n < 4 ? &v->hvm.dr[n] : n & 1 ? &v->hvm.dr7 : &v->hvm.dr6;
	uint64_t *reg = gpr_by_number(&v->regs, (b[rex + 2] & 7) | (rex && (b[0] & 1) ? 8 : 0));
	if (b[rex + 1] == 0x21)
		*reg = *dr;
	else
		*dr = *reg;
	vendor->set_rip(v, vendor->get_rip(v) + 3 + rex);
	return EXIT_RESUME;
}

static enum exit_action hvm_exception(struct vcpu *v, const struct exit_info *e)
{
	if (e->qual == 1) /* single-step, the one #DB a partition can cause: DR6.BS */
		v->hvm.dr6 |= 1u << 14;
	if (e->qual == 1 || e->qual == 17)
		return exit_reflect(v, e);
	if (e->qual != 6) { /* #MC: the machine's, never the guest's to handle */
		part_contain(v, "machine check", e);
		return EXIT_RESUME;
	}
	vendor->inject(v, HVM_EV_EXCEPTION, 6, HVM_NO_ERROR); /* the kernel's own ud2 (BUG, WARN) */
	return EXIT_RESUME;
}

/* XSETBV (SDM vol 2C): XCR0 0 only, x87 always, AVX only with SSE, nothing the CPU cannot
 * switch (hvm-cpu.c reports the same in CPUID leaf 0xd); else #GP(0). The vCPU runs under
 * its XCR0 from now on (sched.c fpu_switch). CPL and CR4.OSXSAVE were checked by the CPU. */
static enum exit_action hvm_xsetbv(struct vcpu *v, const struct exit_info *e)
{
	uint64_t val = v->regs.rdx << 32 | (uint32_t)v->regs.rax;

	if ((uint32_t)v->regs.rcx || !(val & XCR0_X87) || (val & ~this_cpu()->feat.xcr0_max) ||
	    ((val & XCR0_AVX) && !(val & XCR0_SSE))) {
		vendor->inject(v, HVM_EV_EXCEPTION, 13, 0);
		return EXIT_RESUME;
	}
	v->xcr0 = val;
	cpu_xcr0_set(val);
	return EXIT_ADVANCE;
}

static enum exit_action hvm_undefined(struct vcpu *v, const struct exit_info *e)
{
	vendor->inject(v, HVM_EV_EXCEPTION, 6, HVM_NO_ERROR); /* as on a CPU without it */
	return EXIT_RESUME;
}

/* Any CPL may execute VMMCALL, and an unmodified OS has no use for our calls: only the two
 * diagnostics that read nothing but the caller's own vCPU are served (benchmarks count a
 * guest's exits from inside it); every other call is #UD, as on a machine without us. */
static enum exit_action hvm_hypercall(struct vcpu *v, const struct exit_info *e)
{
	if (v->regs.rax == BH_HC_NULL || v->regs.rax == BH_HC_VCPU_EXITS)
		return hypercall(v, e);
	return hvm_undefined(v, e);
}

static enum exit_action hvm_resume(struct vcpu *v, const struct exit_info *e)
{
	return EXIT_RESUME; /* hvm_prepare does the rest before the next entry */
}

const exit_fn hvm_exit_handlers[EXIT_REASONS] = {
	[EXIT_NONE] = hvm_resume,
	[EXIT_INTR] = hvm_resume,
	[EXIT_NMI] = hvm_resume,
	[EXIT_IRQ_WINDOW] = hvm_resume,
	[EXIT_CPUID] = hvm_cpuid,
	[EXIT_HLT] = hvm_hlt,
	[EXIT_HYPERCALL] = hvm_hypercall,
	[EXIT_IO] = hvm_io,
	[EXIT_MSR_READ] = hvm_msr,
	[EXIT_MSR_WRITE] = hvm_msr,
	[EXIT_DR_ACCESS] = hvm_dr,
	[EXIT_EXCEPTION] = hvm_exception,
	[EXIT_CACHE_FLUSH] = exit_cache_flush,
	[EXIT_XSETBV] = hvm_xsetbv,
	[EXIT_FORBIDDEN] = hvm_undefined,
};

/* ---- the device model's calls ---- */

/* The vCPU `index` of the guest whose device model v's partition is, or NULL. */
static struct vcpu *guest_vcpu(struct vcpu *v, uint64_t index)
{
	const struct partition *d = v->part;
	struct partition *g = (d->view.flags & BH_VIEW_DEVMODEL) ? part_by_id(d->view.peer_id) : NULL;

	if (!g || !g->hvm || g->view.peer_id != d->id || g->state != PART_RUNNING || g->ending ||
	    index >= g->vcpu_count)
		return NULL;
	return g->vcpus[index];
}

int64_t hc_dm_answer(struct vcpu *v, uint64_t vcpu, uint64_t value, uint64_t seq, uint64_t a3)
{
	struct vcpu *w = guest_vcpu(v, vcpu);

	if (!(v->part->view.flags & BH_VIEW_DEVMODEL))
		return -BH_EPERM;
	if (!w || !w->hvm.io_wait || w->hvm.io_seq != seq ||
	    !__atomic_exchange_n(&w->hvm.io_wait, false, __ATOMIC_ACQ_REL))
		return -BH_EINVAL;
	w->regs.rax = in_result(w->regs.rax, w->hvm.io_size, value);
	unpark(w);
	return 0;
}

int64_t hc_dm_irq(struct vcpu *v, uint64_t vcpu, uint64_t vector, uint64_t mode, uint64_t a3)
{
	struct vcpu *w = guest_vcpu(v, vcpu);

	if (!(v->part->view.flags & BH_VIEW_DEVMODEL))
		return -BH_EPERM;
	if (!w || vector > 255 || (mode == BH_DM_IRQ_FIXED && vector < 16))
		return -BH_EINVAL;
	if (mode == BH_DM_IRQ_EXTINT)
		__atomic_store_n(&w->hvm.extint, (uint8_t)vector, __ATOMIC_RELEASE);
	else if (mode == BH_DM_IRQ_FIXED)
		vlapic_set_irr(&w->hvm.lapic, (uint8_t)vector);
	else
		return -BH_EINVAL;
	if (vector)
		post_event(w, VCPU_EVENT_IRQ);
	return 0;
}
