/* SPDX-License-Identifier: MIT */
/* part.c - partitions in the monitor: the table, their vCPUs from start to stop, console,
 * signals, and the end of a partition, by its own wish or by containment. */
#define pr_fmt(fmt) "part: " fmt
#include <string.h>
#include <bulkhead/errno.h>
#include <bulkhead/hypercall.h>
#include "clock.h"
#include "enforce.h"
#include "hvm.h"
#include "log.h"
#include "palloc.h"
#include "part.h"
#include "pci.h"
#include "iommu/iommu.h"
#include "percpu.h"
#include "sched.h"
#include "timer.h"

struct partition *partitions[MAX_PARTITIONS];
unsigned partition_count;
struct partition *ultravisor;
static struct spinlock table_lock;

struct partition *part_by_id(uint32_t id)
{
	for (unsigned i = 0; i < partition_count; i++) {
		struct partition *p = __atomic_load_n(&partitions[i], __ATOMIC_ACQUIRE);
		if (p && p->id == id)
			return p;
	}
	return NULL;
}

/* A new partition in a free slot, not running, with no view yet. Its memory is never freed
 * (a CPU may still hold a pointer to it): destroy empties the slot only. */
struct partition *part_alloc(uint32_t id, const char *name)
{
	struct partition *p = (void *)palloc((sizeof(*p) + PAGE_4K - 1) / PAGE_4K, 0, 0);
	unsigned slot;

	if (!p)
		return NULL;
	spin_lock(&table_lock);
	for (slot = 0; slot < partition_count && partitions[slot]; slot++)
		;
	if (slot == MAX_PARTITIONS) {
		spin_unlock(&table_lock);
		pfree((uint64_t)p, (sizeof(*p) + PAGE_4K - 1) / PAGE_4K);
		return NULL;
	}
	*p = (struct partition){ .id = id, .slot = slot, .state = PART_IDLE, .ending = true };
	for (unsigned i = 0; i < BH_NAME_MAX - 1 && name[i]; i++)
		p->name[i] = name[i];
	__atomic_store_n(&partitions[slot], p, __ATOMIC_RELEASE);
	if (slot == partition_count)
		partition_count++;
	spin_unlock(&table_lock);
	return p;
}

void part_free(struct partition *p)
{
	spin_lock(&table_lock);
	__atomic_store_n(&partitions[p->slot], NULL, __ATOMIC_RELEASE);
	spin_unlock(&table_lock);
}

/* The memory region of p's view that holds all of [gpa, gpa + len), or NULL. Device MMIO
 * is never touched on a partition's behalf. */
static const struct bh_view_region *view_region(const struct partition *p, uint64_t gpa,
						uint64_t len)
{
	for (unsigned i = 0; i < p->view.region_count; i++) {
		const struct bh_view_region *r = &p->view.regions[i];
		if (gpa - r->gpa < r->size && len <= r->size - (gpa - r->gpa))
			return r->kind == BH_VIEW_MMIO ? NULL : r;
	}
	return NULL;
}

void *gpa_to_host(const struct partition *p, uint64_t gpa, uint64_t len)
{
	const struct bh_view_region *r = view_region(p, gpa, len);

	return r ? (void *)(r->hpa + (gpa - r->gpa)) : NULL;
}

void *gpa_to_host_rw(const struct partition *p, uint64_t gpa, uint64_t len)
{
	const struct bh_view_region *r = view_region(p, gpa, len);

	return r && r->flags & BH_VIEW_W ? (void *)(r->hpa + (gpa - r->gpa)) : NULL;
}

/* ---- console and the end of a partition ---- */

/* A partition's console lines reach the log at CONSOLE_LINES_PER_S (bursts of
 * CONSOLE_BURST): a flood must not hold the serial port that every CPU logs to. */
#define CONSOLE_BURST       512
#define CONSOLE_LINES_PER_S 200

static void console_dropped(struct partition *p, uint32_t n)
{
	if (n)
		pr_warn("partition %s: %u console lines dropped (over %u a second)", p->name, n,
			CONSOLE_LINES_PER_S);
}

static void console_line(struct partition *p)
{
	uint64_t now = rdtsc();

	if (!ratelimit_take(&p->console_rate, now, tsc_hz(), CONSOLE_BURST, CONSOLE_LINES_PER_S))
		return;
	console_dropped(p, ratelimit_report_due(&p->console_rate, now, tsc_hz()));
	log_console(p->name, p->line, p->line_len);
}

void part_console(struct partition *p, const char *s, size_t n)
{
	spin_lock(&p->console_lock);
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c != '\n' && p->line_len < sizeof(p->line))
			p->line[p->line_len++] = (c >= 0x20 && c < 0x7f) || c == '\t' ? c : '?';
		if (c == '\n' || p->line_len == sizeof(p->line)) {
			console_line(p);
			p->line_len = 0;
		}
	}
	spin_unlock(&p->console_lock);
}

static const char *const state_names[] = {
	[PART_RUNNING] = "running", [PART_EXITED] = "exited", [PART_CRASHED] = "crashed",
	[PART_IDLE] = "stopped",
};

void post_event(struct vcpu *v, uint32_t events)
{
	uint32_t had = __atomic_fetch_or(&v->events, events, __ATOMIC_ACQ_REL);

	if (v->cpu == this_cpu()->id)
		sched_replan(v->cpu);
	else if ((had & events) != events || v->in_guest)
		sched_kick(v->cpu); /* latched before and not running: its CPU will look anyway */
}

/* A vCPU that moves to another CPU (or is no longer wanted) is retired, never freed: its
 * old CPU may still look at it. One that stays on its CPU is reused in place. */
static void vcpus_retire(struct partition *p, unsigned from)
{
	for (unsigned i = from; i < p->vcpu_count; i++)
		if (p->vcpus[i]) {
			sched_retire(p->vcpus[i]);
			p->vcpus[i] = NULL;
		}
	if (p->vcpu_count > from)
		p->vcpu_count = from;
}

/* The start state of partition.h in v's registers (the backend does the rest). */
static void vcpu_fresh(struct vcpu *v, struct partition *p, unsigned i, uint64_t stack,
		       uint64_t boot_arg)
{
	v->part = p;
	v->index = i;
	v->cpu = p->view.cpus[i];
	v->first_run = true;
	v->regs = (struct gpr){ .rdi = BH_INFO_GPA, .rsi = p->hvm ? boot_arg : i, .rsp = stack };
	v->parked = false;
	if (p->hvm)
		hvm_vcpu_start(v); /* vCPUs > 0 parked until a SIPI */
	v->events = 0;
	v->timer_deadline = 0;
	v->exits = 0;
	v->run_until = 0;
	v->yielded = v->waiting = false;
	v->fpu_fresh = true; /* its CPU may still save its last run's registers into v->fpu */
	vcpu_fpu_init(v);
}

/* vCPU i for this run: the one already on that CPU, reset; or a new one. */
static struct vcpu *vcpu_for(struct partition *p, unsigned i, uint64_t entry, uint64_t stack,
			     uint64_t boot_arg, int *err)
{
	struct vcpu *v = i < p->vcpu_count ? p->vcpus[i] : NULL;

	if (v && v->cpu == p->view.cpus[i]) {
		vcpu_fresh(v, p, i, stack, boot_arg);
		*err = vendor->vcpu_reset(v, entry, stack, BH_PT_GPA);
		return v;
	}
	if (v)
		sched_retire(v);
	if (!(v = (void *)palloc((sizeof(*v) + PAGE_4K - 1) / PAGE_4K, 0, 0))) {
		*err = -BH_ENOMEM;
		return NULL;
	}
	*v = (struct vcpu){ .state = VCPU_DEAD };
	vcpu_fresh(v, p, i, stack, boot_arg);
	*err = vendor->vcpu_init(v, entry, stack, BH_PT_GPA);
	sched_add(v); /* dead until started: on its CPU's run queue whatever happens next */
	return v;
}

int part_start(struct partition *p, uint64_t entry, uint64_t stack_top, uint64_t boot_arg)
{
	unsigned n = p->view.vcpu_count;

	if (p->state == PART_RUNNING)
		return -BH_EBUSY;
	p->hvm = p->view.flags & BH_VIEW_HVM; /* its kernel sets up its own stacks */
	if (!n || n > MAX_VCPUS || (!p->hvm && stack_top < n * BH_STACK_SIZE))
		return -BH_EINVAL;
	if (p->view.flags & BH_VIEW_DEVMODEL)
		hvm_devmodel_starts(p);
	vcpus_retire(p, n);
	for (unsigned i = 0; i < n; i++) {
		int r = 0;
		struct vcpu *v = vcpu_for(p, i, entry, stack_top - i * BH_STACK_SIZE, boot_arg, &r);

		if (v && r && v != p->vcpus[i]) { /* a new one half built: never to be reused */
			sched_retire(v);
			v = NULL;
		}
		p->vcpus[i] = v;
		if (!v) { /* the vCPUs so far stay, dead, for the next try */
			p->vcpu_count = i < p->vcpu_count ? i : p->vcpu_count;
			return r;
		}
		if (i >= p->vcpu_count)
			p->vcpu_count = i + 1;
		if (r)
			return r;
	}
	p->exit_status = 0;
	p->event_pending = false;
	p->line_len = 0;
	iommu_attach(p); /* blocked when it last ended; its memory is reloaded by now */
	p->ending = false;
	__atomic_store_n(&p->state, PART_RUNNING, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < n; i++) {
		struct vcpu *v = p->vcpus[i];
		/* Re-plan before it turns runnable: its CPU then takes the slow path to it, which
		 * loads the start state's FPU image (sched.c). */
		sched_replan(v->cpu);
		__atomic_store_n(&v->state, v->parked ? VCPU_BLOCKED : VCPU_RUNNABLE,
				 __ATOMIC_RELEASE);
		if (v->cpu != this_cpu()->id)
			sched_kick(v->cpu);
	}
	pr_notice("partition %s: id %u running, %u vCPU(s), entry %#lx; monitor frames free %lu KiB",
		  p->name, p->id, n, entry, palloc_free_bytes() >> 10);
	return 0;
}

int part_signal(struct partition *p, uint32_t chan_id)
{
	struct partition *peer = NULL;
	struct vcpu *target;

	for (unsigned i = 0; i < p->view.region_count && !peer; i++)
		if (p->view.regions[i].kind == BH_VIEW_CHANNEL && p->view.regions[i].chan_id == chan_id)
			if (!(peer = part_by_id(p->view.regions[i].peer_id)))
				return -BH_EIO;
	if (!peer)
		return -BH_ENOENT;
	if (peer->state != PART_RUNNING || peer->ending)
		return -BH_EIO;
	if (!(target = peer->vcpus[0]))
		return -BH_EIO;
	post_event(target, BH_EVENT_CHANNEL);
	return 0;
}

void part_device_event(struct partition *p)
{
	struct vcpu *v = p->vcpus[0];

	if (v && p->state == PART_RUNNING && !p->ending)
		post_event(v, BH_EVENT_DEVICE);
}


/* p's devices stop (pci_release) once none of its vCPUs is on another CPU, so that none is
 * half-way through a PCI hypercall. Bounded: a CPU that does not answer its kick in time is
 * logged and the release goes ahead; p->ending, checked under the PCI lock, already
 * refuses every configuration or MSI-X write of p's from then on. */
static void release_devices(struct partition *p)
{
	uint64_t until = rdtsc() + clock_ns_to_tsc(WAIT_OFF_NS); /* kicked: gone in microseconds */

	for (unsigned i = 0; i < p->vcpu_count && p->view.pci_count; i++) {
		struct vcpu *v = p->vcpus[i];
		if (v && v->cpu != this_cpu()->id && !sched_wait_off_until(v, until))
			pr_warn("partition %s: vCPU %u still on CPU %u after 100 ms: its PCI "
				"functions are released anyway", p->name, i, v->cpu);
	}
	pci_release(&p->view, NULL); /* its devices stop writing memory that may change hands */
	pci_refusals_report(p);
}

/* Mark p ended and its vCPUs dead; CPUs running one of them are kicked out of it. */
static void part_end(struct partition *p, enum part_state state, int status)
{
	if (__atomic_exchange_n(&p->ending, true, __ATOMIC_ACQ_REL))
		return; /* another vCPU, or the ultravisor, ended it first */
	p->exit_status = status;
	spin_lock(&p->console_lock);
	if (p->line_len)
		console_line(p);
	p->line_len = 0;
	console_dropped(p, p->console_rate.dropped);
	p->console_rate = (struct ratelimit){ 0 }; /* a restart starts with a full bucket */
	spin_unlock(&p->console_lock);
	for (unsigned i = 0; i < p->vcpu_count; i++) {
		struct vcpu *v = p->vcpus[i];
		v->state = VCPU_DEAD;
		if (v->cpu != this_cpu()->id)
			sched_kick(v->cpu);
	}
	pr_notice("partition %s: %s, status %d", p->name, state_names[state], status);
	if (p->view.flags & BH_VIEW_DEVMODEL)
		hvm_devmodel_ends(p); /* its guest's vCPUs never wait for it again */
	release_devices(p);
	iommu_block(p); /* and cannot, whatever they do: the invalidation is waited for */
	for (unsigned i = 0; i < p->view.region_count; i++) /* survivors hear of it */
		if (p->view.regions[i].kind == BH_VIEW_CHANNEL)
			part_signal(p, p->view.regions[i].chan_id);
	/* Published last: CPU 0 may stop the machine once every partition has ended, and the
	 * line above must be out by then. */
	__atomic_store_n(&p->state, state, __ATOMIC_RELEASE);
	if (state != PART_IDLE && ultravisor && p != ultravisor && ultravisor->vcpus[0]) {
		p->event_pending = true; /* the ultravisor decides what happens next */
		post_event(ultravisor->vcpus[0], BH_EVENT_PARTITION);
	}
	if (p == ultravisor)
		pr_err("the ultravisor ended: no partition can change from now on; the others run on");
	if (this_cpu()->id != 0)
		sched_kick(0); /* CPU 0 notices when the last partition has ended */
}

/* Every vCPU of p (ended: its CPUs were kicked out of it) off its CPU, or -BH_EBUSY. */
static int vcpus_off(const struct partition *p)
{
	int r = 0;

	for (unsigned i = 0; i < p->vcpu_count; i++)
		if (p->vcpus[i] && p->vcpus[i]->cpu != this_cpu()->id && sched_wait_off(p->vcpus[i]))
			r = -BH_EBUSY;
	return r;
}

int part_stop(struct partition *p)
{
	part_end(p, PART_IDLE, 0);
	return vcpus_off(p);
}

int part_quiesce(const struct partition *p)
{
	return p->state == PART_RUNNING ? -BH_EBUSY : vcpus_off(p);
}

void part_destroy(struct partition *p)
{
	vcpus_retire(p, 0);
	enforce_free_ports(p);
	iommu_block(p); /* a partition destroyed before it ever ran never ended */
	iommu_free(&p->dma);
	part_free(p);
	pr_notice("partition %s: id %u destroyed", p->name, p->id);
}

void part_contain(struct vcpu *v, const char *cause, const struct exit_info *e)
{
	pr_warn("partition %s: vcpu %u: %s: rip=%#lx addr=%#lx (exit %#lx, info %#lx)",
		v->part->name, v->index, cause, vendor->get_rip(v), e->addr, e->code, e->qual);
	part_end(v->part, PART_CRASHED, -1);
}

void part_exit(struct partition *p, int status)
{
	part_end(p, PART_EXITED, status);
}

bool parts_all_ended(void)
{
	for (unsigned i = 0; i < partition_count; i++)
		if (partitions[i] && partitions[i]->state == PART_RUNNING)
			return false;
	return true;
}
