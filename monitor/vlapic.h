/* SPDX-License-Identifier: MIT */
/* vlapic.h - a virtual local APIC per vCPU of a full-virtualization (BH_VIEW_HVM) partition,
 * in x2APIC mode only: the guest reaches it through the x2APIC MSRs 0x800-0x8ff and
 * IA32_TSC_DEADLINE (SDM vol 3A, 10.12 "Extended XAPIC (x2APIC)"), so no instruction is ever
 * decoded. This file is the register model: pure state, no locks, no hardware, testable on
 * the host. The monitor (hvm.c) owns delivery: it injects what vlapic_pending() names, calls
 * vlapic_accept() when it does, arms its scheduler at vlapic_deadline() and carries out the
 * IPIs, INITs and SIPIs a write of the ICR asks for.
 *
 * Concurrency: only the vCPU's own CPU calls these, except vlapic_set_irr(), which any CPU
 * may call at any time (an IPI or an MSI of the device model): it sets the bit atomically.
 *
 * Timer: the timer's input clock is the TSC (the "bus clock" = TSC frequency, before the
 * divider): a one-shot or periodic count of N with divide D lasts N * D TSC ticks. In
 * TSC-deadline mode, IA32_TSC_DEADLINE is compared with the guest's TSC, which is the host's
 * (no offset). Times are TSC values throughout.
 */
#ifndef MONITOR_VLAPIC_H
#define MONITOR_VLAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define VLAPIC_MSR_BASE     0x800u /* x2APIC register n (xAPIC offset n << 4) is MSR 0x800 + n */
#define VLAPIC_MSR_END      0x900u
#define MSR_TSC_DEADLINE    0x6e0u
#define VLAPIC_VERSION      0x50014u /* version 0x14, max LVT entry 5 (timer..error), no EOI
				      * broadcast suppression */

/* LVT entries, in the order of their registers' MSRs 0x832-0x837. */
enum vlapic_lvt { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_NR };

#define LVT_MASKED          (1u << 16)
#define LVT_DM_MASK         (7u << 8)  /* delivery mode */
#define LVT_DM_FIXED        (0u << 8)
#define LVT_DM_NMI          (4u << 8)
#define LVT_DM_EXTINT       (7u << 8)
#define LVT_TIMER_MODE_MASK (3u << 17)
#define LVT_TIMER_ONESHOT   (0u << 17)
#define LVT_TIMER_PERIODIC  (1u << 17)
#define LVT_TIMER_DEADLINE  (2u << 17)
#define SVR_ENABLE          (1u << 8)

/* ICR delivery modes (bits 10:8) and shorthands (bits 19:18), SDM 10.6.1 */
enum vlapic_dm { ICR_FIXED = 0, ICR_LOWEST = 1, ICR_SMI = 2, ICR_NMI = 4, ICR_INIT = 5,
		 ICR_SIPI = 6 };
enum vlapic_shorthand { ICR_DEST = 0, ICR_SELF = 1, ICR_ALL = 2, ICR_OTHERS = 3 };

struct vlapic {
	uint32_t id;                 /* x2APIC ID = the vCPU's index */
	uint32_t tpr, svr, esr;
	uint32_t esr_pending;        /* errors since the last ESR write; any CPU (atomic or) */
	uint64_t icr;                /* the last ICR write (x2APIC: one 64-bit register) */
	uint32_t lvt[LVT_NR];
	uint32_t timer_initial;      /* initial count */
	uint32_t timer_divide;       /* the divide configuration register */
	uint64_t timer_start;        /* TSC when the count was loaded (one-shot, periodic) */
	uint64_t timer_period;       /* TSC ticks of one count down: initial * divide */
	uint64_t tsc_deadline;       /* IA32_TSC_DEADLINE, 0 = disarmed */
	uint64_t deadline;           /* TSC of the next timer interrupt, 0 = none */
	volatile uint32_t irr[8];    /* 256 bits; set by any CPU */
	uint32_t isr[8], tmr[8];
};

/* What a write asked the monitor to do beyond the register change. */
struct vlapic_ipi {
	bool send;                   /* an IPI: deliver it */
	enum vlapic_dm mode;         /* never ICR_LOWEST (reported as ICR_FIXED) nor ICR_SMI
				      * (dropped), nor an INIT level de-assert (dropped) */
	enum vlapic_shorthand shorthand;
	uint32_t dest;               /* physical x2APIC ID when shorthand == ICR_DEST; logical
				      * destination (cluster << 16 | mask) if logical; the
				      * sender's own ID for ICR_SELF */
	bool logical;
	uint8_t vector;
};

/* The power-on / INIT state (SDM 10.4.7.1): LVTs masked, SVR 0xff (software disabled). */
void vlapic_reset(struct vlapic *l, uint32_t id);

/* Read MSR msr (0x800-0x8ff or MSR_TSC_DEADLINE) at TSC now into *val: 0, or -1 when the
 * access must raise #GP (a write-only or reserved register). */
int vlapic_read(struct vlapic *l, uint32_t msr, uint64_t now, uint64_t *val);

/* Write: 0, or -1 for #GP (read-only or reserved register, reserved bits set, EOI or
 * self-IPI with bad values). *ipi says whether an IPI (ICR or SELF IPI: send = true,
 * self-IPI as ICR_SELF) must be delivered; the timer is re-armed in l->deadline. */
int vlapic_write(struct vlapic *l, uint32_t msr, uint64_t val, uint64_t now,
		 struct vlapic_ipi *ipi);

/* Mark vector pending (an IPI, an MSI, the timer). Any CPU; vectors below 16 are an
 * illegal vector: the receive-illegal-vector error is recorded instead. A software-disabled
 * APIC accepts no fixed interrupt: the vector is dropped (SDM 10.4.7.2). */
void vlapic_set_irr(struct vlapic *l, uint8_t vector);

/* The vector to deliver now: the highest in IRR whose priority class is above the PPR,
 * with the APIC software enabled; -1 if none. */
int vlapic_pending(const struct vlapic *l);

/* The CPU took vector (injected): IRR -> ISR. */
void vlapic_accept(struct vlapic *l, uint8_t vector);

/* The timer is due at now >= l->deadline: set its vector pending (unless masked), re-arm a
 * periodic timer, disarm a one-shot or deadline timer. */
void vlapic_timer_fire(struct vlapic *l, uint64_t now);

/* LINT0 takes the 8259's INTR: unmasked, delivery mode ExtINT (or the APIC software
 * disabled, in which case the LVTs are masked and ExtINT does not pass: false). */
bool vlapic_lint0_extint(const struct vlapic *l);

/* Does the x2APIC ID or logical destination in ipi address this vlapic? 0xffffffff is a
 * broadcast in both modes (10.12.9); ICR_ALL and ICR_OTHERS match every vlapic (the caller
 * skips the sender for ICR_OTHERS). */
bool vlapic_match(const struct vlapic *l, const struct vlapic_ipi *ipi);

#endif
