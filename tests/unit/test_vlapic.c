/* SPDX-License-Identifier: MIT */
/* test_vlapic.c - the virtual x2APIC register model (monitor/vlapic.c) through its MSRs, as
 * a guest's RDMSR/WRMSR would see it, and the monitor's delivery calls. Times are TSC values. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "monitor/vlapic.h"

/* x2APIC MSRs (SDM vol 3A, 10.12.1.2, Table 10-6) */
enum {
	ID = 0x802, VER = 0x803, TPR = 0x808, PPR = 0x80a, EOI = 0x80b, LDR = 0x80d, SVR = 0x80f,
	ISR0 = 0x810, TMR0 = 0x818, IRR0 = 0x820, ESR = 0x828, CMCI = 0x82f, ICR = 0x830,
	LVT0 = 0x832, INITIAL = 0x838, COUNT = 0x839, DIVIDE = 0x83e, SELF_IPI = 0x83f,
};
#define LVT(i)   (LVT0 + (i))
#define T0       1000000000ull /* a TSC long after boot */
#define ESR_SEND (1u << 5)
#define ESR_RECV (1u << 6)

static struct vlapic l;

static uint64_t rd(uint32_t msr, uint64_t now)
{
	uint64_t v = 0xdeadbeef;

	assert_int_equal(vlapic_read(&l, msr, now, &v), 0);
	return v;
}

/* A write that must succeed; returns what it asks the monitor to send. */
static struct vlapic_ipi wr_at(uint32_t msr, uint64_t val, uint64_t now)
{
	struct vlapic_ipi ipi;

	memset(&ipi, 0xa5, sizeof(ipi)); /* the write must fill it in */
	assert_int_equal(vlapic_write(&l, msr, val, now, &ipi), 0);
	return ipi;
}

static void wr(uint32_t msr, uint64_t val)
{
	assert_false(wr_at(msr, val, T0).send);
}

static int gp_write(uint32_t msr, uint64_t val)
{
	struct vlapic_ipi ipi;
	int rc = vlapic_write(&l, msr, val, T0, &ipi);

	assert_false(ipi.send);
	return rc;
}

static bool irr_has(uint8_t v) { return rd(IRR0 + v / 32, T0) & (1u << (v % 32)); }
static bool isr_has(uint8_t v) { return rd(ISR0 + v / 32, T0) & (1u << (v % 32)); }

static uint32_t esr_latch(void)
{
	wr(ESR, 0);
	return (uint32_t)rd(ESR, T0);
}

static int setup_enabled(void **state)
{
	vlapic_reset(&l, 0x23);
	wr(SVR, SVR_ENABLE | 0xff);
	return 0;
}

static void test_reset_state(void **state)
{
	memset(&l, 0x5a, sizeof(l)); /* reset must not depend on what was there */
	vlapic_reset(&l, 0x23);
	assert_int_equal(rd(ID, T0), 0x23);
	assert_int_equal(rd(VER, T0), VLAPIC_VERSION);
	assert_int_equal(rd(VER, T0) >> 16 & 0xff, 5); /* max LVT entry: timer..error */
	assert_int_equal(rd(TPR, T0), 0);
	assert_int_equal(rd(PPR, T0), 0);
	assert_int_equal(rd(LDR, T0), 2u << 16 | 1u << 3);
	assert_int_equal(rd(SVR, T0), 0xff);
	for (int i = 0; i < 8; i++) {
		assert_int_equal(rd(ISR0 + i, T0), 0);
		assert_int_equal(rd(TMR0 + i, T0), 0);
		assert_int_equal(rd(IRR0 + i, T0), 0);
	}
	assert_int_equal(rd(ESR, T0), 0);
	assert_int_equal(rd(ICR, T0), 0);
	for (int i = 0; i < LVT_NR; i++)
		assert_int_equal(rd(LVT(i), T0), LVT_MASKED);
	assert_int_equal(rd(INITIAL, T0), 0);
	assert_int_equal(rd(COUNT, T0), 0);
	assert_int_equal(rd(DIVIDE, T0), 0);
	assert_int_equal(rd(MSR_TSC_DEADLINE, T0), 0);
	assert_int_equal(l.deadline, 0);
	assert_int_equal(l.esr_pending, 0);
	assert_int_equal(vlapic_pending(&l), -1);
	assert_false(vlapic_lint0_extint(&l));
}

/* INIT keeps the ID and clears everything else, a running timer and pending vectors too. */
static void test_reset_after_use(void **state)
{
	wr(TPR, 0x20);
	wr(LVT(LVT_TIMER), LVT_TIMER_PERIODIC | 0x40);
	wr(INITIAL, 1000);
	vlapic_set_irr(&l, 0x50);
	vlapic_accept(&l, 0x50);
	vlapic_set_irr(&l, 0x60);
	vlapic_reset(&l, 0x23);
	assert_int_equal(rd(ID, T0), 0x23);
	assert_int_equal(rd(TPR, T0), 0);
	assert_false(isr_has(0x50));
	assert_false(irr_has(0x60));
	assert_int_equal(l.deadline, 0);
	assert_int_equal(rd(COUNT, T0 + 10), 0);
	assert_int_equal(rd(LVT(LVT_TIMER), T0), LVT_MASKED);
}

static bool readable(uint32_t msr)
{
	return msr == ID || msr == VER || msr == TPR || msr == PPR || msr == LDR || msr == SVR ||
	       (msr >= ISR0 && msr <= ESR) || msr == ICR || (msr >= LVT0 && msr <= COUNT) ||
	       msr == DIVIDE || msr == MSR_TSC_DEADLINE;
}

static bool writable(uint32_t msr)
{
	return msr == TPR || msr == EOI || msr == SVR || msr == ESR || msr == ICR ||
	       (msr >= LVT0 && msr <= INITIAL) || msr == DIVIDE || msr == SELF_IPI ||
	       msr == MSR_TSC_DEADLINE;
}

/* Every MSR of the x2APIC range: reserved, read-only and write-only ones are a #GP. */
static void test_access_map(void **state)
{
	static const uint32_t outside[] = { 0x7ff, 0x900, 0x6df, 0x6e1, 0x1b, 0x80000000 };
	uint64_t v;

	for (uint32_t msr = VLAPIC_MSR_BASE; msr < VLAPIC_MSR_END; msr++) {
		setup_enabled(state);
		assert_int_equal(vlapic_read(&l, msr, T0, &v), readable(msr) ? 0 : -1);
		assert_int_equal(gp_write(msr, 0), writable(msr) ? 0 : -1);
	}
	for (unsigned i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
		assert_int_equal(vlapic_read(&l, outside[i], T0, &v), -1);
		assert_int_equal(gp_write(outside[i], 0), -1);
	}
	/* the ones the model names explicitly */
	assert_int_equal(vlapic_read(&l, EOI, T0, &v), -1);
	assert_int_equal(vlapic_read(&l, SELF_IPI, T0, &v), -1);
	assert_int_equal(vlapic_read(&l, CMCI, T0, &v), -1);
	assert_int_equal(gp_write(CMCI, 0x10000), -1);
	assert_int_equal(gp_write(ID, 0x23), -1);
	assert_int_equal(gp_write(VER, VLAPIC_VERSION), -1);
	assert_int_equal(gp_write(PPR, 0), -1);
	assert_int_equal(gp_write(LDR, 0), -1);
	assert_int_equal(gp_write(COUNT, 0), -1);
	assert_int_equal(gp_write(IRR0, 0), -1);
	assert_int_equal(gp_write(0x809, 0), -1); /* APR, DFR: xAPIC only */
	assert_int_equal(gp_write(0x80e, 0), -1);
}

/* 10.12.1.3 Reserved Bit Checking: a write with a reserved bit set is a #GP and changes
 * nothing. */
static void test_reserved_bits(void **state)
{
	static const struct { uint32_t msr; uint64_t val; } bad[] = {
		{ TPR, 0x100 }, { TPR, 1ull << 32 },
		{ EOI, 1 }, { EOI, 1ull << 32 },
		{ SVR, SVR_ENABLE | 1u << 12 | 0xff }, /* EOI broadcast suppression */
		{ SVR, 1u << 10 | 0xff }, { SVR, 1ull << 32 | 0x1ff },
		{ ESR, 1 }, { ESR, 0x40 },
		{ ICR, 1u << 12 | 0x40 }, { ICR, 1u << 13 | 0x40 }, { ICR, 1u << 16 | 0x40 },
		{ ICR, 1u << 20 | 0x40 }, { ICR, 1u << 31 | 0x40 },
		{ ICR, 3u << 8 }, { ICR, 7u << 8 },    /* reserved delivery modes */
		{ LVT(LVT_TIMER), 3u << 17 | 0x40 },   /* timer mode 3 */
		{ LVT(LVT_TIMER), LVT_DM_NMI | 0x40 }, /* the timer has no delivery mode */
		{ LVT(LVT_THERMAL), 1u << 13 }, { LVT(LVT_PERF), 1u << 17 },
		{ LVT(LVT_LINT1), 1u << 17 }, { LVT(LVT_ERROR), LVT_DM_NMI },
		{ LVT(LVT_ERROR), 1ull << 32 },
		{ INITIAL, 1ull << 32 },
		{ DIVIDE, 4 }, { DIVIDE, 0x10 },
		{ SELF_IPI, 0x100 | 0x40 }, { SELF_IPI, 1ull << 32 },
	};

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t before = 0;

		if (bad[i].msr != EOI && bad[i].msr != SELF_IPI)
			before = rd(bad[i].msr, T0);
		assert_int_equal(gp_write(bad[i].msr, bad[i].val), -1);
		if (bad[i].msr != EOI && bad[i].msr != SELF_IPI)
			assert_int_equal(rd(bad[i].msr, T0), before);
	}
	/* delivery status and remote IRR are read-only: written, ignored (Linux's
	 * disconnect_bsp_APIC writes both into LINT0) */
	assert_int_equal(gp_write(LVT(LVT_LINT0), 1u << 14 | 1u << 12 | LVT_DM_EXTINT), 0);
	assert_int_equal(rd(LVT(LVT_LINT0), T0), LVT_DM_EXTINT);
	/* the widest legal values */
	wr(TPR, 0xff);
	wr(SVR, 0x3ff);
	wr(DIVIDE, 0xb);
	wr(LVT(LVT_LINT0), 0x1a7ff & ~LVT_DM_MASK); /* level, active low, masked */
	assert_int_equal(rd(LVT(LVT_LINT0), T0), 0x1a0ff);
}

/* 10.8.3.1: PPR = TPR if TPR[7:4] >= ISRV[7:4], else ISRV[7:4] << 4; a vector is delivered
 * only if its class is above PPR's. */
static void test_priority(void **state)
{
	vlapic_set_irr(&l, 0x31);
	assert_int_equal(vlapic_pending(&l), 0x31);
	vlapic_accept(&l, 0x31);
	assert_false(irr_has(0x31));
	assert_true(isr_has(0x31));
	assert_int_equal(rd(PPR, T0), 0x30);

	vlapic_set_irr(&l, 0x35); /* same class as in service: held */
	assert_int_equal(vlapic_pending(&l), -1);
	vlapic_set_irr(&l, 0x45);
	assert_int_equal(vlapic_pending(&l), 0x45);

	wr(TPR, 0x50); /* the TPR holds 0x45 too */
	assert_int_equal(rd(PPR, T0), 0x50);
	assert_int_equal(vlapic_pending(&l), -1);
	wr(TPR, 0x4f); /* same class as 0x45: still held */
	assert_int_equal(rd(PPR, T0), 0x4f);
	assert_int_equal(vlapic_pending(&l), -1);
	wr(TPR, 0x32); /* TPR class 3 >= ISRV class 3: PPR = TPR */
	assert_int_equal(rd(PPR, T0), 0x32);
	assert_int_equal(vlapic_pending(&l), 0x45);
	wr(TPR, 0x10); /* below the ISR class: PPR = ISRV & 0xf0 */
	assert_int_equal(rd(PPR, T0), 0x30);

	vlapic_accept(&l, 0x45);
	assert_int_equal(rd(PPR, T0), 0x40);
	assert_int_equal(vlapic_pending(&l), -1);
	wr(EOI, 0); /* ends 0x45 */
	assert_int_equal(rd(PPR, T0), 0x30);
	assert_int_equal(vlapic_pending(&l), -1); /* 0x35 still held by 0x31 */
	wr(EOI, 0); /* ends 0x31 */
	assert_int_equal(rd(PPR, T0), 0x10);
	assert_int_equal(vlapic_pending(&l), 0x35);
	wr(TPR, 0x3f); /* a TPR in the pending vector's class holds it too */
	assert_int_equal(vlapic_pending(&l), -1);
}

/* Nested vectors end highest first, whatever order they were taken in; EOI of nothing is
 * harmless. */
static void test_eoi_order(void **state)
{
	static const uint8_t taken[] = { 0x40, 0x80, 0xa0 };

	for (unsigned i = 0; i < 3; i++) {
		vlapic_set_irr(&l, taken[i]);
		assert_int_equal(vlapic_pending(&l), taken[i]);
		vlapic_accept(&l, taken[i]);
	}
	assert_int_equal(rd(ISR0 + 2, T0), 1u << 0);
	assert_int_equal(rd(ISR0 + 4, T0), 1u << 0);
	assert_int_equal(rd(ISR0 + 5, T0), 1u << 0);
	assert_int_equal(rd(PPR, T0), 0xa0);
	wr(EOI, 0);
	assert_false(isr_has(0xa0));
	assert_true(isr_has(0x80) && isr_has(0x40));
	assert_int_equal(rd(PPR, T0), 0x80);
	wr(EOI, 0);
	assert_false(isr_has(0x80));
	assert_int_equal(rd(PPR, T0), 0x40);
	wr(EOI, 0);
	assert_false(isr_has(0x40));
	assert_int_equal(rd(PPR, T0), 0);
	wr(EOI, 0);
	for (int i = 0; i < 8; i++)
		assert_int_equal(rd(ISR0 + i, T0), 0);
	/* the highest of several pending goes first */
	vlapic_set_irr(&l, 0x21);
	vlapic_set_irr(&l, 0xfe);
	assert_int_equal(vlapic_pending(&l), 0xfe);
}

static void assert_ipi(struct vlapic_ipi ipi, enum vlapic_dm mode, enum vlapic_shorthand sh,
		       uint32_t dest, bool logical, uint8_t vector)
{
	assert_true(ipi.send);
	assert_int_equal(ipi.mode, mode);
	assert_int_equal(ipi.shorthand, sh);
	assert_int_equal(ipi.dest, dest);
	assert_int_equal(ipi.logical, logical);
	assert_int_equal(ipi.vector, vector);
}

/* 10.12.9 ICR Operation in x2APIC Mode: dest in 63:32, one write sends. */
static void test_icr(void **state)
{
	const uint64_t assert_ = 1u << 14, level = 1u << 15, logical = 1u << 11;
	uint64_t fixed = 7ull << 32 | assert_ | 0x41;

	assert_ipi(wr_at(ICR, fixed, T0), ICR_FIXED, ICR_DEST, 7, false, 0x41);
	assert_int_equal(rd(ICR, T0), fixed);
	assert_ipi(wr_at(ICR, 9ull << 32 | ICR_LOWEST << 8 | 0x42, T0), ICR_FIXED, ICR_DEST, 9,
		   false, 0x42);
	assert_ipi(wr_at(ICR, 1ull << 32 | 0x400, T0), ICR_NMI, ICR_DEST, 1, false, 0);
	assert_ipi(wr_at(ICR, 2ull << 32 | level | assert_ | ICR_INIT << 8, T0), ICR_INIT,
		   ICR_DEST, 2, false, 0);
	assert_false(wr_at(ICR, 2ull << 32 | level | ICR_INIT << 8, T0).send); /* de-assert */
	assert_ipi(wr_at(ICR, 2ull << 32 | assert_ | ICR_SIPI << 8 | 0x9a, T0), ICR_SIPI, ICR_DEST,
		   2, false, 0x9a);
	assert_false(wr_at(ICR, 2ull << 32 | ICR_SMI << 8, T0).send);
	assert_int_equal(rd(ICR, T0), 2ull << 32 | ICR_SMI << 8);

	/* shorthands: self names this APIC; all and others are left to the monitor */
	assert_ipi(wr_at(ICR, 5ull << 32 | logical | 1u << 18 | 0x33, T0), ICR_FIXED, ICR_SELF,
		   0x23, false, 0x33);
	assert_ipi(wr_at(ICR, 2u << 18 | 0x44, T0), ICR_FIXED, ICR_ALL, 0, false, 0x44);
	assert_ipi(wr_at(ICR, 3u << 18 | assert_ | ICR_INIT << 8, T0), ICR_INIT, ICR_OTHERS, 0,
		   false, 0);
	assert_ipi(wr_at(ICR, 3u << 18 | ICR_SIPI << 8 | 0x10, T0), ICR_SIPI, ICR_OTHERS, 0, false,
		   0x10); /* a SIPI vector is a page number, not an illegal vector */

	/* logical: cluster 1, members 0 and 2 */
	assert_ipi(wr_at(ICR, (1ull << 16 | 5) << 32 | logical | 0x51, T0), ICR_FIXED, ICR_DEST,
		   0x10005, true, 0x51);

	/* 10.12.11 SELF IPI: a fixed IPI to this APIC; the ICR is untouched */
	assert_ipi(wr_at(SELF_IPI, 0x66, T0), ICR_FIXED, ICR_SELF, 0x23, false, 0x66);
	assert_int_equal(rd(ICR, T0), (1ull << 16 | 5) << 32 | logical | 0x51);
	assert_int_equal(esr_latch(), 0);
}

/* 10.12.10.2: logical x2APIC ID = cluster (ID[31:4]) << 16 | 1 << ID[3:0]. */
static void test_match(void **state)
{
	struct vlapic_ipi p = { .send = true, .shorthand = ICR_DEST };

	assert_int_equal(rd(LDR, T0), 0x20008);
	p.dest = 0x23, assert_true(vlapic_match(&l, &p));
	p.dest = 0x24, assert_false(vlapic_match(&l, &p));
	p.dest = 0x0123, assert_false(vlapic_match(&l, &p));
	p.dest = 0xffffffff, assert_true(vlapic_match(&l, &p));
	p.logical = true;
	p.dest = 0x20008, assert_true(vlapic_match(&l, &p));
	p.dest = 0x2ffff, assert_true(vlapic_match(&l, &p));
	p.dest = 0x20007, assert_false(vlapic_match(&l, &p));
	p.dest = 0x30008, assert_false(vlapic_match(&l, &p));
	p.dest = 0x23, assert_false(vlapic_match(&l, &p));
	p.dest = 0xffffffff, assert_true(vlapic_match(&l, &p));
	p.logical = false, p.dest = 0;
	p.shorthand = ICR_ALL, assert_true(vlapic_match(&l, &p));
	p.shorthand = ICR_OTHERS, assert_true(vlapic_match(&l, &p));

	vlapic_reset(&l, 0x10); /* cluster 1, bit 0 */
	assert_int_equal(rd(LDR, T0), 0x10001);
	p = wr_at(SELF_IPI, 0x40, T0);
	assert_true(vlapic_match(&l, &p));
}

static const struct { uint32_t dcr, div; } divides[] = {
	{ 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 },
	{ 0x8, 32 }, { 0x9, 64 }, { 0xa, 128 }, { 0xb, 1 },
};

/* 10.5.4: a count of N with divide D lasts N * D TSC ticks and fires once. */
static void test_one_shot(void **state)
{
	for (unsigned i = 0; i < sizeof(divides) / sizeof(divides[0]); i++) {
		uint64_t d = divides[i].div;

		setup_enabled(state);
		wr(LVT(LVT_TIMER), LVT_TIMER_ONESHOT | 0x40);
		wr(DIVIDE, divides[i].dcr);
		assert_int_equal(rd(DIVIDE, T0), divides[i].dcr);
		wr(INITIAL, 100);
		assert_int_equal(rd(INITIAL, T0), 100);
		assert_int_equal(l.deadline, T0 + 100 * d);
		assert_int_equal(rd(COUNT, T0), 100);
		assert_int_equal(rd(COUNT, T0 + 10 * d), 90);
		assert_int_equal(rd(COUNT, T0 + 11 * d - 1), 90);
		assert_int_equal(rd(COUNT, T0 + 11 * d), 89);
		assert_int_equal(rd(COUNT, T0 + 100 * d - 1), 1);
		vlapic_timer_fire(&l, T0 + 100 * d - 1); /* early: nothing */
		assert_false(irr_has(0x40));
		vlapic_timer_fire(&l, T0 + 100 * d);
		assert_true(irr_has(0x40));
		assert_int_equal(vlapic_pending(&l), 0x40);
		assert_int_equal(l.deadline, 0);
		assert_int_equal(rd(COUNT, T0 + 100 * d), 0);
		assert_int_equal(rd(COUNT, T0 + 1000 * d), 0);
		assert_int_equal(rd(INITIAL, T0), 100); /* the initial count stays */
	}
	/* an initial count of 0 stops a running count */
	wr_at(INITIAL, 50, T0);
	assert_int_not_equal(l.deadline, 0);
	wr_at(INITIAL, 0, T0 + 5);
	assert_int_equal(l.deadline, 0);
	assert_int_equal(rd(COUNT, T0 + 6), 0);
	/* a count reloaded before it ran out restarts */
	wr_at(INITIAL, 50, T0);
	wr_at(INITIAL, 50, T0 + 30);
	assert_int_equal(l.deadline, T0 + 80);
}

/* A periodic count reloads itself; a fire long after its deadline raises one interrupt and
 * re-arms at the next period boundary after now (no burst of missed periods). */
static void test_periodic(void **state)
{
	const uint64_t p = 250 * 4; /* count 250, divide by 4 */
	uint64_t d0, late;

	wr(DIVIDE, 0x1);
	wr(LVT(LVT_TIMER), LVT_TIMER_PERIODIC | 0x41);
	wr(INITIAL, 250);
	d0 = l.deadline;
	assert_int_equal(d0, T0 + p);
	vlapic_timer_fire(&l, d0 + 3);
	assert_true(irr_has(0x41));
	assert_int_equal(l.deadline, d0 + p);
	assert_int_equal(rd(COUNT, d0 + 4), 250 - 1); /* counting in the second period */
	assert_int_equal(rd(COUNT, d0 + 8), 248);
	vlapic_accept(&l, 0x41);
	wr(EOI, 0);

	late = d0 + 10 * p + 5; /* the vCPU did not run for ten periods */
	vlapic_timer_fire(&l, late);
	assert_int_equal(vlapic_pending(&l), 0x41);
	assert_int_equal(l.deadline, d0 + 11 * p);
	assert_true(l.deadline > late && l.deadline - late <= p);
	vlapic_timer_fire(&l, late); /* not due again yet */
	vlapic_accept(&l, 0x41);
	assert_int_equal(vlapic_pending(&l), -1);
	assert_int_equal(rd(COUNT, late), 250 - 5 / 4);

	/* a fire exactly a period late is still one interrupt, the next boundary after now */
	wr(EOI, 0);
	late = l.deadline + p;
	vlapic_timer_fire(&l, late);
	assert_int_equal(l.deadline, late + p);

	/* the count is read modulo the period even if the fire is overdue */
	assert_int_equal(rd(COUNT, l.deadline + 2 * p + 8), 248);

	/* masked: no interrupt, but it keeps counting */
	wr_at(LVT(LVT_TIMER), LVT_MASKED | LVT_TIMER_PERIODIC | 0x41, T0);
	vlapic_accept(&l, 0x41);
	wr(EOI, 0);
	late = l.deadline;
	vlapic_timer_fire(&l, late);
	assert_false(irr_has(0x41));
	assert_int_equal(l.deadline, late + p);
}

/* The divider feeds the running count: a new divide changes its rate from now on. */
static void test_divide_while_counting(void **state)
{
	wr(LVT(LVT_TIMER), LVT_TIMER_ONESHOT | 0x40);
	wr(DIVIDE, 0x0); /* /2 */
	wr_at(INITIAL, 1000, T0);
	assert_int_equal(rd(COUNT, T0 + 1000), 500);
	wr_at(DIVIDE, 0xb, T0 + 1000); /* /1 */
	assert_int_equal(rd(COUNT, T0 + 1000), 500);
	assert_int_equal(rd(COUNT, T0 + 1100), 400);
	assert_int_equal(l.deadline, T0 + 1500);
	vlapic_timer_fire(&l, T0 + 1500);
	assert_true(irr_has(0x40));
	wr_at(DIVIDE, 0x3, T0 + 2000); /* a count that ran out stays out */
	assert_int_equal(l.deadline, 0);
	assert_int_equal(rd(COUNT, T0 + 2000), 0);
}

/* 10.5.4.1 TSC-Deadline Mode */
static void test_tsc_deadline(void **state)
{
	wr(MSR_TSC_DEADLINE, T0 + 500); /* one-shot mode: ignored */
	assert_int_equal(rd(MSR_TSC_DEADLINE, T0), 0);
	assert_int_equal(l.deadline, 0);

	wr(LVT(LVT_TIMER), LVT_TIMER_DEADLINE | 0x50);
	wr(DIVIDE, 0x3);
	wr(INITIAL, 100); /* ignored in TSC-deadline mode */
	assert_int_equal(rd(INITIAL, T0), 0);
	assert_int_equal(l.deadline, 0);
	wr(MSR_TSC_DEADLINE, T0 + 500);
	assert_int_equal(rd(MSR_TSC_DEADLINE, T0), T0 + 500);
	assert_int_equal(l.deadline, T0 + 500);
	assert_int_equal(rd(COUNT, T0 + 10), 0);
	vlapic_timer_fire(&l, T0 + 499);
	assert_false(irr_has(0x50));
	vlapic_timer_fire(&l, T0 + 600);
	assert_true(irr_has(0x50));
	assert_int_equal(rd(MSR_TSC_DEADLINE, T0), 0);
	assert_int_equal(l.deadline, 0);

	wr(MSR_TSC_DEADLINE, T0 + 700); /* 0 disarms */
	wr(MSR_TSC_DEADLINE, 0);
	assert_int_equal(l.deadline, 0);
	wr(MSR_TSC_DEADLINE, 5); /* a deadline in the past is due at once */
	assert_int_equal(l.deadline, 5);

	/* a change of timer mode disarms it, either way */
	wr(LVT(LVT_TIMER), LVT_TIMER_ONESHOT | 0x50);
	assert_int_equal(l.deadline, 0);
	assert_int_equal(rd(MSR_TSC_DEADLINE, T0), 0);
	wr(INITIAL, 100);
	wr(LVT(LVT_TIMER), LVT_TIMER_ONESHOT | LVT_MASKED | 0x51); /* same mode: keeps going */
	assert_int_not_equal(l.deadline, 0);
	wr(LVT(LVT_TIMER), LVT_TIMER_PERIODIC | 0x51);
	assert_int_equal(l.deadline, 0);
	assert_int_equal(rd(INITIAL, T0), 0);
}

/* 10.4.7.2: clearing SVR bit 8 masks every LVT entry and keeps them masked; re-enabling
 * unmasks nothing. IRR and ISR are held, but nothing is delivered or accepted. */
static void test_svr_disable(void **state)
{
	for (int i = 0; i < LVT_NR; i++)
		wr(LVT(i), 0x30 + i);
	vlapic_set_irr(&l, 0x70);
	wr(SVR, 0xff);
	for (int i = 0; i < LVT_NR; i++)
		assert_int_equal(rd(LVT(i), T0), LVT_MASKED | (0x30 + i));
	wr(LVT(LVT_LINT1), 0x40);
	assert_int_equal(rd(LVT(LVT_LINT1), T0), LVT_MASKED | 0x40);
	assert_true(irr_has(0x70));
	assert_int_equal(vlapic_pending(&l), -1);
	vlapic_set_irr(&l, 0x80); /* a fixed interrupt is not accepted */
	assert_false(irr_has(0x80));

	wr(SVR, SVR_ENABLE | 0xff);
	assert_int_equal(rd(LVT(LVT_LINT1), T0), LVT_MASKED | 0x40);
	assert_int_equal(vlapic_pending(&l), 0x70);
	wr(LVT(LVT_LINT1), 0x40);
	assert_int_equal(rd(LVT(LVT_LINT1), T0), 0x40);
}

static void test_lint0_extint(void **state)
{
	assert_false(vlapic_lint0_extint(&l)); /* masked after reset */
	wr(LVT(LVT_LINT0), LVT_DM_EXTINT);
	assert_true(vlapic_lint0_extint(&l));
	wr(LVT(LVT_LINT0), LVT_MASKED | LVT_DM_EXTINT);
	assert_false(vlapic_lint0_extint(&l));
	wr(LVT(LVT_LINT0), LVT_DM_FIXED | 0x30);
	assert_false(vlapic_lint0_extint(&l));
	wr(LVT(LVT_LINT0), LVT_DM_NMI);
	assert_false(vlapic_lint0_extint(&l));
	wr(LVT(LVT_LINT0), LVT_DM_EXTINT);
	wr(SVR, 0xff);
	assert_false(vlapic_lint0_extint(&l));
	assert_int_equal(rd(LVT(LVT_LINT0), T0), LVT_MASKED | LVT_DM_EXTINT);
}

/* 10.5.3 Error Handling: illegal vectors (0-15) set ESR bits, latched by a write of 0, and
 * raise the LVT error vector when it is unmasked. */
static void test_illegal_vectors(void **state)
{
	vlapic_set_irr(&l, 5);
	for (int i = 0; i < 8; i++)
		assert_int_equal(rd(IRR0 + i, T0), 0);
	assert_int_equal(rd(ESR, T0), 0); /* not latched yet */
	assert_int_equal(esr_latch(), ESR_RECV);
	assert_int_equal(esr_latch(), 0);

	assert_false(wr_at(ICR, 3ull << 32 | 0x0f, T0).send); /* fixed, vector 15 */
	assert_false(wr_at(ICR, 3ull << 32 | ICR_LOWEST << 8 | 0x02, T0).send);
	assert_int_equal(esr_latch(), ESR_SEND);
	assert_false(wr_at(SELF_IPI, 0x01, T0).send);
	assert_int_equal(esr_latch(), ESR_RECV);

	wr(LVT(LVT_ERROR), 0xe0); /* unmasked: an error interrupt */
	vlapic_set_irr(&l, 0);
	assert_int_equal(vlapic_pending(&l), 0xe0);
	vlapic_accept(&l, 0xe0);
	wr(EOI, 0);
	wr_at(ICR, 0x07, T0);
	assert_int_equal(vlapic_pending(&l), 0xe0);
	assert_int_equal(esr_latch(), ESR_SEND | ESR_RECV);

	wr(LVT(LVT_ERROR), 0x03); /* an illegal error vector: a receive error, no interrupt */
	vlapic_accept(&l, 0xe0);
	wr(EOI, 0);
	wr_at(ICR, 0x07, T0);
	assert_int_equal(vlapic_pending(&l), -1);
	assert_int_equal(esr_latch(), ESR_SEND | ESR_RECV);

	wr(LVT(LVT_TIMER), 0x04); /* a timer with an illegal vector */
	wr(LVT(LVT_ERROR), LVT_MASKED | 0xe0);
	wr_at(INITIAL, 1, T0);
	vlapic_timer_fire(&l, T0 + 2);
	assert_int_equal(vlapic_pending(&l), -1);
	assert_int_equal(esr_latch(), ESR_RECV);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_state),
		cmocka_unit_test_setup(test_reset_after_use, setup_enabled),
		cmocka_unit_test(test_access_map),
		cmocka_unit_test_setup(test_reserved_bits, setup_enabled),
		cmocka_unit_test_setup(test_priority, setup_enabled),
		cmocka_unit_test_setup(test_eoi_order, setup_enabled),
		cmocka_unit_test_setup(test_icr, setup_enabled),
		cmocka_unit_test_setup(test_match, setup_enabled),
		cmocka_unit_test_setup(test_one_shot, setup_enabled),
		cmocka_unit_test_setup(test_periodic, setup_enabled),
		cmocka_unit_test_setup(test_divide_while_counting, setup_enabled),
		cmocka_unit_test_setup(test_tsc_deadline, setup_enabled),
		cmocka_unit_test_setup(test_svr_disable, setup_enabled),
		cmocka_unit_test_setup(test_lint0_extint, setup_enabled),
		cmocka_unit_test_setup(test_illegal_vectors, setup_enabled),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
