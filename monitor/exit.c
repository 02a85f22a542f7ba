/* SPDX-License-Identifier: MIT */
/* exit.c - vendor-neutral exit handlers: one table from reason to handler. A reason with
 * no handler, or a handler that refuses, stops the partition; the host carries on. */
#define pr_fmt(fmt) "exit: " fmt
#include <bulkhead/hypercall.h>
#include "exit.h"
#include "hvm.h"
#include "hypercall.h"
#include "part.h"
#include "x86.h"

/* CPUID as partitions see it: no VMX/SVM, the hypervisor bit set, our leaves at 0x40000000. */
struct cpuid_mask {
	uint32_t leaf;
	uint8_t reg; /* 0 eax, 1 ebx, 2 ecx, 3 edx */
	uint32_t clear, set;
};

static const struct cpuid_mask cpuid_masks[] = {
	{ 0x00000001, 2, (1u << 5) | (1u << 21), 1u << 31 }, /* VMX, x2APIC off; hypervisor on */
	{ 0x00000001, 1, 0xff000000u, 0 },                  /* initial APIC ID: not the host's */
	{ 0x80000001, 2, 1u << 2, 0 },                      /* SVM off */
	{ 0x8000000a, 0, ~0u, 0 }, { 0x8000000a, 1, ~0u, 0 }, /* no SVM features */
	{ 0x8000000a, 2, ~0u, 0 }, { 0x8000000a, 3, ~0u, 0 },
};

static struct cpuid hypervisor_leaf(uint32_t leaf)
{
	struct cpuid r = { 0 };

	if (leaf == BH_CPUID_LEAF) {
		r.eax = BH_CPUID_LEAF + 1;
		__builtin_memcpy(&r.ebx, "BulkheadHV\0\0", 12);
	} else if (leaf == BH_CPUID_LEAF + 1) {
		r.eax = BH_ABI_VERSION;
	}
	return r;
}

static enum exit_action exit_cpuid(struct vcpu *v, const struct exit_info *e)
{
	uint32_t leaf = (uint32_t)v->regs.rax, sub = (uint32_t)v->regs.rcx;
	struct cpuid r = (leaf & 0xffffff00u) == BH_CPUID_LEAF ? hypervisor_leaf(leaf) :
								  cpuid(leaf, sub);
	uint32_t *regs[4] = { &r.eax, &r.ebx, &r.ecx, &r.edx };

	for (unsigned i = 0; i < sizeof(cpuid_masks) / sizeof(cpuid_masks[0]); i++) {
		const struct cpuid_mask *m = &cpuid_masks[i];
		if (m->leaf == leaf)
			*regs[m->reg] = (*regs[m->reg] & ~m->clear) | m->set;
	}
	v->regs.rax = r.eax;
	v->regs.rbx = r.ebx;
	v->regs.rcx = r.ecx;
	v->regs.rdx = r.edx;
	return EXIT_ADVANCE;
}

static enum exit_action exit_interrupt(struct vcpu *v, const struct exit_info *e)
{
	return EXIT_RESUME; /* the scheduler takes the interrupt once GIF is set again */
}

static enum exit_action exit_hlt(struct vcpu *v, const struct exit_info *e)
{
	vcpu_move(&v->state, VCPU_RUNNABLE, VCPU_BLOCKED); /* until an event; events stay pending */
	return EXIT_ADVANCE;
}

enum exit_action exit_reflect(struct vcpu *v, const struct exit_info *e)
{
	if (e->qual == 1)
		vendor->inject(v, HVM_EV_EXCEPTION, 1, HVM_NO_ERROR);
	else if (e->qual == 17)
		vendor->inject(v, HVM_EV_EXCEPTION, 17, 0); /* its error code is always 0 */
	else
		part_contain(v, "unhandled exception", e);
	return EXIT_RESUME;
}

enum exit_action exit_cache_flush(struct vcpu *v, const struct exit_info *e)
{
	return EXIT_ADVANCE;
}

static const exit_fn exit_handlers[EXIT_REASONS] = {
	[EXIT_NONE] = exit_interrupt,
	[EXIT_INTR] = exit_interrupt,
	[EXIT_NMI] = exit_interrupt,
	[EXIT_CPUID] = exit_cpuid,
	[EXIT_HLT] = exit_hlt,
	[EXIT_HYPERCALL] = hypercall,
	[EXIT_EXCEPTION] = exit_reflect,
	[EXIT_CACHE_FLUSH] = exit_cache_flush,
};

/* Why a partition is stopped, by reason (containment log). */
static const char *const exit_causes[EXIT_REASONS] = {
	[EXIT_IO] = "forbidden I/O port",
	[EXIT_MSR_READ] = "forbidden MSR read",
	[EXIT_MSR_WRITE] = "forbidden MSR write",
	[EXIT_NPF] = "access outside its memory (nested page fault)",
	[EXIT_SHUTDOWN] = "triple fault",
	[EXIT_EXCEPTION] = "unhandled exception",
	[EXIT_FORBIDDEN] = "forbidden instruction",
	[EXIT_INVALID] = "VM entry refused",
	[EXIT_UNKNOWN] = "unexpected exit",
	[EXIT_DR_ACCESS] = "forbidden instruction",
	[EXIT_XSETBV] = "forbidden instruction", /* XCR0 is the monitor's (cpu.c) */
};


void exit_handle(struct vcpu *v, const struct exit_info *e)
{
	const exit_fn *table = v->part->hvm ? hvm_exit_handlers : exit_handlers;
	exit_fn fn = e->reason < EXIT_REASONS ? table[e->reason] : NULL;

	if (!fn) {
		part_contain(v, e->reason < EXIT_REASONS && exit_causes[e->reason] ?
					exit_causes[e->reason] : "unexpected exit", e);
		return;
	}
	if (fn(v, e) == EXIT_ADVANCE && v->state != VCPU_DEAD)
		vendor->set_rip(v, e->next_rip);
}
