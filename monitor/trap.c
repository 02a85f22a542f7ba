/* SPDX-License-Identifier: MIT */
/* trap.c - IDT setup and the handlers behind it. Every vector has a gate: an exception in
 * the monitor is a bug (name it, dump the CPU state on both consoles, stop this CPU, or under
 * test= the machine with STOP_FAULT); an NMI or an interrupt nobody asked for (a forged MSI,
 * a stray IPI) is acknowledged, counted and reported, never fatal. */
#define pr_fmt(fmt) fmt
#include "lapic.h"
#include "log.h"
#include "pci.h"
#include "percpu.h"
#include "sched.h"
#include "stop.h"
#include "timer.h"
#include "trap.h"
#include "x86.h"

struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr; /* 0x8e: present, DPL 0, 64-bit interrupt gate */
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
};
_Static_assert(sizeof(struct idt_gate) == 16, "SDM vol 3, Figure 6-8 64-bit IDT gate");

extern const char trap_stubs[], trap_spurious[], trap_vectors[];
#define STUB_STRIDE 16

static struct idt_gate idt[256] __attribute__((aligned(16)));

static const char *const exception_names[32] = {
	[0] = "#DE", [1] = "#DB", [2] = "NMI", [3] = "#BP", [4] = "#OF", [5] = "#BR",
	[6] = "#UD", [7] = "#NM", [8] = "#DF", [10] = "#TS", [11] = "#NP", [12] = "#SS",
	[13] = "#GP", [14] = "#PF", [16] = "#MF", [17] = "#AC", [18] = "#MC", [19] = "#XM",
	[20] = "#VE", [21] = "#CP", [28] = "#HV", [29] = "#VC", [30] = "#SX",
};

/* Faults that must not run on a possibly broken stack get their own (SDM vol 3, 7.14.5). */
static const uint8_t vector_ist[32] = { [2] = IST_NMI, [8] = IST_DF, [18] = IST_MC };

static void set_gate(unsigned vec, const void *handler, unsigned ist)
{
	uint64_t a = (uint64_t)handler;

	idt[vec] = (struct idt_gate){
		.offset_lo = a & 0xffff, .selector = SEL_CODE, .ist = ist, .type_attr = 0x8e,
		.offset_mid = (a >> 16) & 0xffff, .offset_hi = a >> 32,
	};
}

void idt_init(void)
{
	for (unsigned v = 0; v < 32; v++)
		set_gate(v, trap_stubs + v * STUB_STRIDE, vector_ist[v]);
	for (unsigned v = 32; v < VEC_SPURIOUS; v++)
		set_gate(v, trap_vectors + (v - 32) * STUB_STRIDE, IST_NONE);
	set_gate(VEC_SPURIOUS, trap_spurious, IST_NONE);
}

static void stray(uint64_t vector)
{
	struct percpu *pc = this_cpu();

	pc->stray_vector = (uint8_t)vector;
	pc->stray_irqs++;
}

/* Every interrupt but the spurious one (trap-entry.asm): acknowledged; a PCI function's MSI
 * goes on to its partition; timer and kick need nothing more; any other vector is counted. */
void irq_entry(uint64_t vector)
{
	lapic_eoi();
	if (vector >= VEC_DEVICE && vector <= VEC_DEVICE_LAST)
		pci_irq(vector);
	else if (vector != VEC_TIMER && vector != VEC_KICK)
		stray(vector);
}

/* From the scheduler loop, with interrupts off: NMIs and unexpected interrupts since the
 * last report, at most once a second per CPU. */
void trap_report(void)
{
	struct percpu *pc = this_cpu();
	uint64_t nmis = pc->nmis, strays = pc->stray_irqs, now;

	if (nmis == pc->nmis_told && strays == pc->stray_told)
		return;
	now = rdtsc();
	if (now - pc->told_tsc < tsc_hz() && pc->told_tsc)
		return;
	pr_warn("cpu%u: %lu NMIs, %lu unexpected interrupts (last vector %#x) acknowledged",
		pc->id, nmis - pc->nmis_told, strays - pc->stray_told, pc->stray_vector);
	pc->nmis_told = nmis;
	pc->stray_told = strays;
	pc->told_tsc = now;
}

void idt_load(void)
{
	struct __attribute__((packed)) { uint16_t limit; uint64_t base; } idtr = {
		sizeof(idt) - 1, (uint64_t)idt
	};

	__asm__ volatile("lidt %0" : : "m"(idtr));
}

static void dump(const struct trap_frame *f, unsigned cpu)
{
	const char *name = f->vector < 32 && exception_names[f->vector] ?
				   exception_names[f->vector] : "vector";

	log_raw(LOG_ERR, "cpu%u: exception %s (%lu) error=%#lx rip=%#lx cr2=%#lx", cpu, name,
		f->vector, f->error, f->rip, read_cr2());
	log_raw(LOG_ERR, "  rax=0x%016lx rbx=0x%016lx rcx=0x%016lx rdx=0x%016lx", f->rax, f->rbx,
		f->rcx, f->rdx);
	log_raw(LOG_ERR, "  rsi=0x%016lx rdi=0x%016lx rbp=0x%016lx rsp=0x%016lx", f->rsi, f->rdi,
		f->rbp, f->rsp);
	log_raw(LOG_ERR, "  r8=0x%016lx r9=0x%016lx r10=0x%016lx r11=0x%016lx", f->r8, f->r9,
		f->r10, f->r11);
	log_raw(LOG_ERR, "  r12=0x%016lx r13=0x%016lx r14=0x%016lx r15=0x%016lx", f->r12, f->r13,
		f->r14, f->r15);
	log_raw(LOG_ERR, "  cs=%#lx ss=%#lx rflags=%#lx cr0=%#lx cr3=%#lx cr4=%#lx", f->cs,
		f->ss, f->rflags, read_cr0(), read_cr3(), read_cr4());
}

/* An NMI (IST stack) only counts: it may interrupt anything, a lock holder included. On SVM
 * an NMI that made a guest exit is taken here at STGI. A vector from 16 up that is in
 * service came from the APIC, not from an exception. Everything else is a monitor bug. */
void trap_handler(struct trap_frame *f)
{
	if (f->vector == 2) {
		this_cpu()->nmis++;
		return;
	}
	if (f->vector >= 16 && lapic_in_service((uint8_t)f->vector)) {
		lapic_eoi();
		stray(f->vector);
		return;
	}
	dump(f, this_cpu()->id);
	stop_on_fault();
}
