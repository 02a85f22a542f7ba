/* SPDX-License-Identifier: MIT */
/* vlapic.c - the x2APIC register model of a vCPU's virtual local APIC (SDM vol 3A, 10.12). */
#include <stddef.h>
#include "vlapic.h"

#define ESR_TX_ILLEGAL (1u << 5) /* 10.5.3 Error Handling: Send Illegal Vector */
#define ESR_RX_ILLEGAL (1u << 6) /* Receive Illegal Vector */
#define ICR_LOGICAL    (1ull << 11)
#define ICR_ASSERT     (1ull << 14)
#define ICR_LEVEL      (1ull << 15)
#define LVT_TIMER_RSVD (3u << 17)
#define LVT_READ_ONLY  ((1u << 12) | (1u << 14)) /* delivery status, remote IRR */
#define REG_LVT0       0x32u /* register number (MSR - 0x800) of the LVT timer */

/* One x2APIC register (10.12.1.2, Table 10-6). A read comes from rd() or, when rd is NULL
 * and off is not 0, from the uint32_t array at offset off, index n - first; a write is
 * checked against wmask (10.12.1.3 Reserved Bit Checking: any other bit set is a #GP) and
 * handed to wr(). Neither rd nor off: not readable; no wr: not writable. */
#define RD_ARGS const struct vlapic *l, unsigned n, uint64_t now
#define WR_ARGS struct vlapic *l, unsigned n, uint64_t val, uint64_t now, struct vlapic_ipi *ipi
struct reg {
	uint64_t (*rd)(RD_ARGS);
	int (*wr)(WR_ARGS);
	uint16_t off, first;
	uint64_t wmask;
};
#define FIELD(f, n0) .off = offsetof(struct vlapic, f), .first = (n0)
_Static_assert(offsetof(struct vlapic, id) == 0, "off 0 means no field; id is read by rd_id");

static int highest(const volatile uint32_t *v) /* the highest set bit of 256, or -1 */
{
	for (int i = 7; i >= 0; i--)
		if (v[i])
			return i * 32 + 31 - __builtin_clz(v[i]);
	return -1;
}

/* 10.8.3.1 Task and Processor Priorities */
static uint32_t ppr(const struct vlapic *l)
{
	int isrv = highest(l->isr);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;

	return (l->tpr & 0xf0) >= isr_class ? l->tpr : isr_class;
}

/* 10.5.3 Error Handling: latch the error, raise the LVT error interrupt. Any CPU may get
 * here (vlapic_set_irr). An illegal vector in the LVT error entry is a receive error too. */
static void lapic_error(struct vlapic *l, uint32_t bit)
{
	uint32_t lvt = __atomic_load_n(&l->lvt[LVT_ERROR], __ATOMIC_RELAXED);
	bool raise = !(lvt & LVT_MASKED), illegal = (lvt & 0xff) < 16;

	__atomic_fetch_or(&l->esr_pending, bit | (raise && illegal ? ESR_RX_ILLEGAL : 0),
			  __ATOMIC_SEQ_CST);
	if (raise && !illegal)
		vlapic_set_irr(l, lvt & 0xff);
}

/* 10.5.4 APIC Timer, 10.5.4.1 TSC-Deadline Mode */
static uint32_t timer_mode(const struct vlapic *l)
{
	return l->lvt[LVT_TIMER] & LVT_TIMER_MODE_MASK;
}

/* Divide configuration bits 0, 1, 3: 0000b /2, 0001b /4 ... 1010b /128, 1011b /1. */
static unsigned timer_shift(const struct vlapic *l)
{
	uint32_t d = (l->timer_divide & 3) | (l->timer_divide >> 1 & 4);

	return (d + 1) & 7;
}

/* (Re)start the count at TSC start; an initial count of 0 stops the timer. */
static void timer_load(struct vlapic *l, uint64_t start)
{
	l->timer_start = start;
	l->timer_period = (uint64_t)l->timer_initial << timer_shift(l);
	l->deadline = l->timer_period ? start + l->timer_period : 0;
}

static uint32_t timer_count(const struct vlapic *l, uint64_t now)
{
	uint64_t t = now > l->timer_start ? now - l->timer_start : 0;

	if (!l->timer_period)
		return 0;
	if (t >= l->timer_period) {
		if (timer_mode(l) != LVT_TIMER_PERIODIC)
			return 0; /* a one-shot count stays at 0 */
		t %= l->timer_period;
	}
	return l->timer_initial - (uint32_t)(t >> timer_shift(l));
}

void vlapic_timer_fire(struct vlapic *l, uint64_t now)
{
	uint32_t lvt = l->lvt[LVT_TIMER];
	uint64_t p = l->timer_period, next;

	if (!l->deadline || now < l->deadline)
		return;
	if (!(lvt & LVT_MASKED))
		vlapic_set_irr(l, lvt & 0xff);
	if ((lvt & LVT_TIMER_MODE_MASK) != LVT_TIMER_PERIODIC || !p) {
		l->deadline = l->tsc_deadline = 0;
		return;
	}
	next = l->deadline + p; /* a late fire skips the periods already past: one interrupt */
	if (next <= now)
		next += ((now - next) / p + 1) * p;
	l->timer_start = next - p;
	l->deadline = next;
}

/* Register reads and writes (a written value has passed its register's wmask) */
static uint64_t rd_id(RD_ARGS) { return l->id; }
static uint64_t rd_version(RD_ARGS) { return VLAPIC_VERSION; }
static uint64_t rd_ppr(RD_ARGS) { return ppr(l); }
static uint64_t rd_icr(RD_ARGS) { return l->icr; }
static uint64_t rd_count(RD_ARGS) { return timer_count(l, now); }
static uint64_t rd_tsc_deadline(RD_ARGS) { return l->tsc_deadline; }
/* 10.12.10.2 Deriving Logical x2APIC ID from the Local x2APIC ID */
static uint64_t rd_ldr(RD_ARGS) { return (l->id >> 4) << 16 | 1u << (l->id & 0xf); }
static int wr_tpr(WR_ARGS) { l->tpr = (uint32_t)val; return 0; }

/* 10.8.5 Signaling Interrupt Servicing Completion; wmask 0: only 0 may be written. */
static int wr_eoi(WR_ARGS)
{
	int v = highest(l->isr);

	if (v >= 0)
		l->isr[v / 32] &= ~(1u << (v % 32));
	return 0;
}

/* 10.4.7.2: a software-disabled APIC masks every LVT entry and keeps them masked. */
static int wr_svr(WR_ARGS)
{
	l->svr = (uint32_t)val;
	if (!(val & SVR_ENABLE))
		for (int i = 0; i < LVT_NR; i++)
			l->lvt[i] |= LVT_MASKED;
	return 0;
}

/* 10.5.3: a write (only of 0, by wmask) latches the errors seen since the last one. */
static int wr_esr(WR_ARGS)
{
	l->esr = __atomic_exchange_n(&l->esr_pending, 0, __ATOMIC_SEQ_CST);
	return 0;
}

/* 10.12.9 ICR Operation in x2APIC Mode; delivery modes of 10.6.1, Table 10-3. */
static int wr_icr(WR_ARGS)
{
	enum vlapic_dm dm = (val >> 8) & 7;
	uint8_t vector = val & 0xff;

	if (dm == 3 || dm == 7) /* reserved delivery modes */
		return -1;
	l->icr = val;
	if (dm == ICR_SMI || (dm == ICR_INIT && (val & (ICR_ASSERT | ICR_LEVEL)) == ICR_LEVEL))
		return 0; /* no SMM in a partition; an INIT level de-assert does nothing */
	if ((dm == ICR_FIXED || dm == ICR_LOWEST) && vector < 16) {
		lapic_error(l, ESR_TX_ILLEGAL);
		return 0;
	}
	*ipi = (struct vlapic_ipi){
		.send = true, .mode = dm == ICR_LOWEST ? ICR_FIXED : dm, .vector = vector,
		.shorthand = (val >> 18) & 3, .dest = val >> 32, .logical = val & ICR_LOGICAL,
	};
	if (ipi->shorthand == ICR_SELF)
		ipi->dest = l->id, ipi->logical = false;
	return 0;
}

/* 10.12.11 SELF IPI Register: a fixed, edge IPI to this APIC; an illegal vector is one
 * received (10.5.3). */
static int wr_self_ipi(WR_ARGS)
{
	if (val < 16)
		lapic_error(l, ESR_RX_ILLEGAL);
	else
		*ipi = (struct vlapic_ipi){ .send = true, .mode = ICR_FIXED,
					    .shorthand = ICR_SELF, .dest = l->id, .vector = val };
	return 0;
}

/* 10.5.1 Local Vector Table; 10.5.4.1: a change of timer mode disarms the timer. */
static int wr_lvt(WR_ARGS)
{
	unsigned i = n - REG_LVT0;

	val &= ~(uint64_t)LVT_READ_ONLY;
	if (i == LVT_TIMER && (val & LVT_TIMER_MODE_MASK) == LVT_TIMER_RSVD)
		return -1;
	if (i == LVT_TIMER && ((val ^ l->lvt[i]) & LVT_TIMER_MODE_MASK)) {
		l->timer_initial = 0;
		l->tsc_deadline = 0;
		timer_load(l, 0);
	}
	l->lvt[i] = (uint32_t)val | (l->svr & SVR_ENABLE ? 0 : LVT_MASKED);
	return 0;
}

static int wr_initial(WR_ARGS)
{
	if (timer_mode(l) == LVT_TIMER_DEADLINE)
		return 0; /* 10.5.4.1: ignored in TSC-deadline mode */
	l->timer_initial = (uint32_t)val;
	timer_load(l, now);
	return 0;
}

/* The divider feeds the running count: it goes on from its current value at the new rate. */
static int wr_divide(WR_ARGS)
{
	uint32_t count = timer_count(l, now);

	l->timer_divide = (uint32_t)val;
	if (count)
		timer_load(l, now - ((uint64_t)(l->timer_initial - count) << timer_shift(l)));
	return 0;
}

static int wr_tsc_deadline(WR_ARGS)
{
	if (timer_mode(l) == LVT_TIMER_DEADLINE) /* ignored in the other modes */
		l->tsc_deadline = l->deadline = val;
	return 0;
}

/* x2APIC register n = MSR 0x800 + n (10.12.1.2, Table 10-6); the rest are reserved. */
static const struct reg regs[VLAPIC_MSR_END - VLAPIC_MSR_BASE] = {
	[0x02] = { .rd = rd_id },
	[0x03] = { .rd = rd_version },
	[0x08] = { FIELD(tpr, 0x08), .wr = wr_tpr, .wmask = 0xff },
	[0x0a] = { .rd = rd_ppr },
	[0x0b] = { .wr = wr_eoi },
	[0x0d] = { .rd = rd_ldr },
	[0x0f] = { FIELD(svr, 0x0f), .wr = wr_svr, .wmask = 0x3ff }, /* 9: focus, kept */
	[0x10 ... 0x17] = { FIELD(isr, 0x10) },
	[0x18 ... 0x1f] = { FIELD(tmr, 0x18) },
	[0x20 ... 0x27] = { FIELD(irr, 0x20) },
	[0x28] = { FIELD(esr, 0x28), .wr = wr_esr },
	[0x30] = { .rd = rd_icr, .wr = wr_icr, .wmask = 0xffffffff000ccfffull },
	/* LVT writable bits, Figure 10-8: vector, delivery mode, polarity, trigger, mask,
	 * timer mode; delivery status (12) and remote IRR (14) are read-only, read 0, and a
	 * write of them is ignored (Linux's disconnect_bsp_APIC sets both in LINT0). */
	[0x32] = { FIELD(lvt, REG_LVT0), .wr = wr_lvt, .wmask = 0x710ff },
	[0x33 ... 0x34] = { FIELD(lvt, REG_LVT0), .wr = wr_lvt, .wmask = 0x117ff },
	[0x35 ... 0x36] = { FIELD(lvt, REG_LVT0), .wr = wr_lvt, .wmask = 0x1f7ff },
	[0x37] = { FIELD(lvt, REG_LVT0), .wr = wr_lvt, .wmask = 0x110ff },
	[0x38] = { FIELD(timer_initial, 0x38), .wr = wr_initial, .wmask = 0xffffffff },
	[0x39] = { .rd = rd_count },
	[0x3e] = { FIELD(timer_divide, 0x3e), .wr = wr_divide, .wmask = 0xb },
	[0x3f] = { .wr = wr_self_ipi, .wmask = 0xff },
};
static const struct reg tsc_deadline = { .rd = rd_tsc_deadline, .wr = wr_tsc_deadline,
					 .wmask = ~0ull };

static const struct reg *reg_of(uint32_t msr)
{
	if (msr == MSR_TSC_DEADLINE)
		return &tsc_deadline;
	return msr >= VLAPIC_MSR_BASE && msr < VLAPIC_MSR_END ? &regs[msr - VLAPIC_MSR_BASE] : NULL;
}

int vlapic_read(struct vlapic *l, uint32_t msr, uint64_t now, uint64_t *val)
{
	const struct reg *r = reg_of(msr);
	unsigned n = msr - VLAPIC_MSR_BASE;
	const uint32_t *field = r ? (const uint32_t *)((const char *)l + r->off) : NULL;

	if (!r || (!r->rd && !r->off))
		return -1;
	*val = r->rd ? r->rd(l, n, now) : field[n - r->first];
	return 0;
}

int vlapic_write(struct vlapic *l, uint32_t msr, uint64_t val, uint64_t now,
		 struct vlapic_ipi *ipi)
{
	const struct reg *r = reg_of(msr);

	*ipi = (struct vlapic_ipi){ .send = false };
	if (!r || !r->wr || (val & ~r->wmask))
		return -1;
	return r->wr(l, msr - VLAPIC_MSR_BASE, val, now, ipi);
}

void vlapic_reset(struct vlapic *l, uint32_t id)
{
	*l = (struct vlapic){ .id = id, .svr = 0xff };
	for (int i = 0; i < LVT_NR; i++)
		l->lvt[i] = LVT_MASKED;
}

void vlapic_set_irr(struct vlapic *l, uint8_t vector)
{
	if (vector < 16)
		lapic_error(l, ESR_RX_ILLEGAL);
	else if (__atomic_load_n(&l->svr, __ATOMIC_RELAXED) & SVR_ENABLE)
		__atomic_fetch_or(&l->irr[vector / 32], 1u << (vector % 32), __ATOMIC_SEQ_CST);
}

int vlapic_pending(const struct vlapic *l)
{
	int v = highest(l->irr);

	if (!(l->svr & SVR_ENABLE) || v < 0 || ((uint32_t)v & 0xf0) <= (ppr(l) & 0xf0))
		return -1;
	return v;
}

void vlapic_accept(struct vlapic *l, uint8_t vector)
{
	__atomic_fetch_and(&l->irr[vector / 32], ~(1u << (vector % 32)), __ATOMIC_SEQ_CST);
	l->isr[vector / 32] |= 1u << (vector % 32);
}

bool vlapic_lint0_extint(const struct vlapic *l)
{
	uint32_t lvt = l->lvt[LVT_LINT0];

	return (l->svr & SVR_ENABLE) && !(lvt & LVT_MASKED) &&
	       (lvt & LVT_DM_MASK) == LVT_DM_EXTINT;
}

/* 10.12.9 (broadcast), 10.12.10.2 Logical Destination Mode in x2APIC Mode (cluster model) */
bool vlapic_match(const struct vlapic *l, const struct vlapic_ipi *ipi)
{
	if (ipi->shorthand == ICR_ALL || ipi->shorthand == ICR_OTHERS || ipi->dest == 0xffffffff)
		return true;
	if (!ipi->logical)
		return ipi->dest == l->id;
	return ipi->dest >> 16 == l->id >> 4 && (ipi->dest & (1u << (l->id & 0xf)));
}
