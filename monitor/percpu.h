/* SPDX-License-Identifier: MIT */
/* percpu.h - one struct percpu per physical CPU, reached through GS base (gs:0 = self). */
#ifndef MONITOR_PERCPU_H
#define MONITOR_PERCPU_H

#include <stdbool.h>
#include <stdint.h>
#include "cpufeat.h"

#define MAX_CPUS   64
#define STACK_SIZE 16384
#define IST_SIZE   4096

enum { GDT_NULL, GDT_CODE, GDT_DATA, GDT_TSS, GDT_TSS_HI, GDT_ENTRIES };
#define SEL_CODE (GDT_CODE * 8)
#define SEL_DATA (GDT_DATA * 8)
#define SEL_TSS  (GDT_TSS * 8)

/* IST slots (SDM vol 3, 7.14.5 "Interrupt Stack Table"): faults that may hit a bad stack. */
enum { IST_NONE, IST_DF, IST_NMI, IST_MC, IST_COUNT };

struct tss64 {
	uint32_t reserved_0x00;
	uint64_t rsp[3];       /* 0x04 */
	uint64_t reserved_0x1c;
	uint64_t ist[7];       /* 0x24  ist[0] is IST1 */
	uint64_t reserved_0x5c;
	uint16_t reserved_0x64;
	uint16_t iomap_base;   /* 0x66 */
} __attribute__((packed));
_Static_assert(sizeof(struct tss64) == 0x68, "TSS size (SDM vol 3, Figure 8-11)");

struct percpu {
	struct percpu *self; /* gs:0 */
	uint32_t id;         /* dense index, 0 = BSP */
	uint32_t apic_id;
	uint64_t stack_top;
	volatile bool online;
	struct cpu_features feat;
	/* Events that need no handling but must be seen (trap.c): counted where they arrive
	 * (an NMI handler may not log), reported later from the scheduler loop. */
	volatile uint64_t nmis, stray_irqs;
	volatile uint8_t stray_vector; /* the last unexpected one */
	uint64_t nmis_told, stray_told, told_tsc;
	uint64_t xcr0; /* as loaded on this CPU (cpu_xcr0_set) */
	bool ibpb, l1d_flush; /* at a switch between partitions (mitigate.h) */
	uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(16)));
	struct tss64 tss __attribute__((aligned(16)));
};

extern struct percpu cpus[MAX_CPUS];
extern unsigned cpu_count; /* CPUs found in the MADT (or 1) */

/* Load this CPU's GDT, TSS, IDT and GS base. */
void percpu_load(struct percpu *pc);

static inline struct percpu *this_cpu(void)
{
	struct percpu *pc;

	__asm__ volatile("mov %%gs:0, %0" : "=r"(pc));
	return pc;
}

#endif
