/* SPDX-License-Identifier: MIT */
/* hypercall.c - one function per call, one table from number to function. Every pointer
 * is a guest-physical address checked against the caller's memory before any access. */
#include <string.h>
#include <bulkhead/errno.h>
#include <bulkhead/hypercall.h>
#include "clock.h"
#include "hypercall.h"
#include "hvm.h"
#include "log.h"
#include "part.h"
#include "pci.h"
#include "sched.h"
#include "serial.h"
#include "uvcall.h"

typedef int64_t (*hc_fn)(struct vcpu *v, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3);

static int64_t hc_info(struct vcpu *v, uint64_t gpa, uint64_t len, uint64_t a2, uint64_t a3)
{
	uint64_t n = len < sizeof(*v->part->info) ? len : sizeof(*v->part->info);
	void *dst = gpa_to_host_rw(v->part, gpa, n);

	if (!dst || !v->part->info)
		return -BH_EFAULT;
	memcpy(dst, v->part->info, n);
	return (int64_t)n;
}

static int64_t hc_console_write(struct vcpu *v, uint64_t gpa, uint64_t len, uint64_t a2, uint64_t a3)
{
	const char *src;

	if (len > BH_CONSOLE_MAX)
		return -BH_E2BIG;
	if (!(src = gpa_to_host(v->part, gpa, len)))
		return -BH_EFAULT;
	part_console(v->part, src, len);
	return (int64_t)len;
}

static int64_t hc_yield(struct vcpu *v, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	v->yielded = true;
	sched_replan(v->cpu);
	return 0;
}

static int64_t hc_time(struct vcpu *v, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	return (int64_t)clock_ns();
}

static int64_t hc_timer_set(struct vcpu *v, uint64_t deadline, uint64_t a1, uint64_t a2, uint64_t a3)
{
	v->timer_deadline = deadline ? clock_ns_to_deadline(deadline) : 0;
	sched_replan(v->cpu);
	return 0;
}

static int64_t hc_wait(struct vcpu *v, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	uint32_t ev = __atomic_exchange_n(&v->events, 0, __ATOMIC_ACQ_REL);

	if (ev)
		return ev;
	v->waiting = true; /* the scheduler returns the events when it wakes us */
	vcpu_move(&v->state, VCPU_RUNNABLE, VCPU_BLOCKED);
	return 0;
}

static int64_t hc_exit(struct vcpu *v, uint64_t status, uint64_t a1, uint64_t a2, uint64_t a3)
{
	part_exit(v->part, (int)status);
	return 0;
}

static int64_t hc_null(struct vcpu *v, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	return 0;
}

static int64_t hc_vcpu_exits(struct vcpu *v, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	return (int64_t)v->exits;
}

static int64_t hc_signal(struct vcpu *v, uint64_t chan_id, uint64_t a1, uint64_t a2, uint64_t a3)
{
	return chan_id > 0xffffffffu ? -BH_ENOENT : part_signal(v->part, (uint32_t)chan_id);
}

static int64_t hc_wallclock(struct vcpu *v, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	uint64_t epoch = clock_epoch_ns();

	return epoch ? (int64_t)(epoch + clock_ns()) : -BH_ENOENT;
}

/* The operator's typing, for the one partition the ultravisor marks (the command partition),
 * until an I/O partition owns COM1 (docs/cli.md). */
static int64_t hc_console_read(struct vcpu *v, uint64_t gpa, uint64_t len, uint64_t a2,
			       uint64_t a3)
{
	char *dst;

	if (!(v->part->view.flags & BH_VIEW_CONSOLE_IN) || log_com1_given())
		return -BH_EPERM;
	len = len < BH_CONSOLE_MAX ? len : BH_CONSOLE_MAX;
	if (!(dst = gpa_to_host_rw(v->part, gpa, len)))
		return -BH_EFAULT;
	return (int64_t)serial_read(COM1, dst, len);
}

static const hc_fn hypercalls[BH_HC_COUNT] = {
	[BH_HC_INFO] = hc_info,
	[BH_HC_CONSOLE_WRITE] = hc_console_write,
	[BH_HC_YIELD] = hc_yield,
	[BH_HC_TIME] = hc_time,
	[BH_HC_TIMER_SET] = hc_timer_set,
	[BH_HC_WAIT] = hc_wait,
	[BH_HC_EXIT] = hc_exit,
	[BH_HC_NULL] = hc_null,
	[BH_HC_VCPU_EXITS] = hc_vcpu_exits,
	[BH_HC_SIGNAL] = hc_signal,
	[BH_HC_UV_BOOTINFO] = uv_bootinfo,
	[BH_HC_UV_POOL] = uv_pool,
	[BH_HC_VIEW_PUBLISH] = uv_view_publish,
	[BH_HC_PART_LOAD] = uv_load,
	[BH_HC_PART_START] = uv_start_part,
	[BH_HC_PART_STOP] = uv_stop,
	[BH_HC_PART_DESTROY] = uv_destroy,
	[BH_HC_PART_EVENTS] = uv_events,
	[BH_HC_CHAN_DEAD] = uv_chan_dead,
	[BH_HC_CONSOLE_READ] = hc_console_read,
	[BH_HC_PCI_CONFIG] = hc_pci_config,
	[BH_HC_PCI_MSI] = hc_pci_msi,
	[BH_HC_DM_ANSWER] = hc_dm_answer,
	[BH_HC_DM_IRQ] = hc_dm_irq,
	[BH_HC_WALLCLOCK] = hc_wallclock,
};

enum exit_action hypercall(struct vcpu *v, const struct exit_info *e)
{
	uint64_t nr = v->regs.rax;
	hc_fn fn = nr < BH_HC_COUNT ? hypercalls[nr] : NULL;

	if (!fn)
		v->regs.rax = (uint64_t)-BH_ENOSYS;
	else if (nr >= BH_HC_UV_BOOTINFO && nr <= BH_HC_CHAN_DEAD && !v->part->privileged)
		v->regs.rax = (uint64_t)-BH_EPERM; /* the ultravisor's calls */
	else if (__atomic_load_n(&v->part->ending, __ATOMIC_ACQUIRE))
		v->regs.rax = (uint64_t)-BH_EIO; /* its end is under way: nothing more it asks */
	else
		v->regs.rax = (uint64_t)fn(v, v->regs.rdi, v->regs.rsi, v->regs.rdx, v->regs.r10);
	return EXIT_ADVANCE;
}
