/* SPDX-License-Identifier: MIT */
/* percpu.c - per-CPU descriptor tables: a flat 64-bit GDT with this CPU's TSS. */
#include <string.h>
#include "percpu.h"
#include "trap.h"
#include "x86.h"

struct percpu cpus[MAX_CPUS];
unsigned cpu_count = 1;

/* SDM vol 3, 3.4.5 "Segment Descriptors" and 8.2.3 "TSS Descriptor in 64-bit mode". */
static void gdt_fill(struct percpu *pc)
{
	uint64_t base = (uint64_t)&pc->tss, limit = sizeof(pc->tss) - 1;

	pc->gdt[GDT_NULL] = 0;
	pc->gdt[GDT_CODE] = 0x00af9a000000ffffull; /* present, DPL 0, code, L */
	pc->gdt[GDT_DATA] = 0x00cf92000000ffffull; /* present, DPL 0, data, writable */
	pc->gdt[GDT_TSS] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
			   ((limit >> 16) << 48) | (((base >> 24) & 0xff) << 56);
	pc->gdt[GDT_TSS_HI] = base >> 32;
}

void percpu_load(struct percpu *pc)
{
	struct __attribute__((packed)) { uint16_t limit; uint64_t base; } gdtr = {
		sizeof(pc->gdt) - 1, (uint64_t)pc->gdt
	};

	pc->self = pc;
	pc->tss.iomap_base = sizeof(pc->tss); /* no I/O bitmap */
	gdt_fill(pc);
	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movw %w2, %%ds\n\t"
			 "movw %w2, %%es\n\t"
			 "movw %w2, %%ss\n\t"
			 "ltr %w3"
			 :
			 : "m"(gdtr), "i"(SEL_CODE), "r"(SEL_DATA), "r"(SEL_TSS)
			 : "rax", "memory");
	wrmsr(MSR_GS_BASE, (uint64_t)pc);
	idt_load();
}
