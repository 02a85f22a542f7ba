/* SPDX-License-Identifier: MIT */
/* trap.h - the monitor's IDT: exceptions dump state and stop the CPU that took them; NMIs
 * and unexpected interrupts are counted and reported. */
#ifndef MONITOR_TRAP_H
#define MONITOR_TRAP_H

#include <stdint.h>

#define VEC_SPURIOUS 0xff

/* Saved by trap-entry.asm, lowest address first. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

void idt_init(void); /* once, on the BSP */
void idt_load(void); /* on every CPU */
void trap_handler(struct trap_frame *f);
/* Interrupts (trap-entry.asm): acknowledged, a PCI function's MSI passed on. */
void irq_entry(uint64_t vector);
/* Log the NMIs and unexpected interrupts this CPU took since the last report (rate-limited). */
void trap_report(void);

#endif
