/* SPDX-License-Identifier: MIT */
/* lapic.c - local APIC access: two register back ends, chosen once on the BSP. */
#define pr_fmt(fmt) "lapic: " fmt
#include <stdbool.h>
#include "clock.h"
#include "lapic.h"
#include "log.h"
#include "paging.h"
#include "timer.h"
#include "trap.h"
#include "x86.h"

enum {
	LAPIC_ID = 0x20, LAPIC_EOI = 0xb0, LAPIC_ISR = 0x100, LAPIC_SVR = 0xf0, LAPIC_ESR = 0x280,
	LAPIC_ICR = 0x300, LAPIC_ICR_HI = 0x310, LAPIC_LVT_TIMER = 0x320,
	LAPIC_TIMER_INIT = 0x380, LAPIC_TIMER_CUR = 0x390, LAPIC_TIMER_DIV = 0x3e0,
};
#define APIC_BASE_ENABLE (1ull << 11)
#define APIC_BASE_X2     (1ull << 10)
#define SVR_ENABLE       (1u << 8)
#define ICR_INIT         0x00000500u
#define ICR_STARTUP      0x00000600u
#define ICR_NMI          0x00000400u
#define ICR_ASSERT       0x00004000u
#define ICR_PENDING      0x00001000u
#define ICR_ALL_BUT_SELF 0x000c0000u
#define LVT_MASKED       (1u << 16)
#define TIMER_DIV_16     0x3

static bool x2;
static volatile uint32_t *mmio;

static uint32_t reg_read(uint32_t reg)
{
	return x2 ? (uint32_t)rdmsr(0x800 + (reg >> 4)) : mmio[reg / 4];
}

static void reg_write(uint32_t reg, uint32_t v)
{
	if (x2)
		wrmsr(0x800 + (reg >> 4), v);
	else
		mmio[reg / 4] = v;
}

/* x2APIC: one 64-bit ICR write (SDM vol 3, 11.12.9). xAPIC: high half first, then wait. */
static void send_ipi(uint32_t dest, uint32_t icr)
{
	if (x2) {
		wrmsr(0x830, ((uint64_t)dest << 32) | icr);
		return;
	}
	reg_write(LAPIC_ICR_HI, dest << 24);
	reg_write(LAPIC_ICR, icr);
	for (int i = 0; i < 1000000 && (reg_read(LAPIC_ICR) & ICR_PENDING); i++)
		cpu_relax();
}

static int choose_mode(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	x2 = base & APIC_BASE_X2;
	mmio = (volatile uint32_t *)(base & 0xffffffffff000ull);
	pr_info("%s mode, base %#lx", x2 ? "x2apic" : "xapic", (uint64_t)mmio);
	return x2 ? 0 : paging_map_mmio((uint64_t)mmio);
}

int lapic_init(void)
{
	uint64_t base;
	int r;

	if (!mmio && (r = choose_mode()))
		return r;
	base = rdmsr(MSR_APIC_BASE) | APIC_BASE_ENABLE;
	if (x2 && !(base & APIC_BASE_X2))
		wrmsr(MSR_APIC_BASE, base); /* xAPIC enable first, then x2APIC (11.12.1) */
	wrmsr(MSR_APIC_BASE, x2 ? base | APIC_BASE_X2 : base);
	reg_write(LAPIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
	reg_write(LAPIC_LVT_TIMER, LVT_MASKED);
	if (!x2)
		reg_write(LAPIC_ESR, 0);
	return 0;
}

uint32_t lapic_id(void)
{
	return x2 ? reg_read(LAPIC_ID) : reg_read(LAPIC_ID) >> 24;
}

void lapic_send_init_all_but_self(void)
{
	send_ipi(0, ICR_ALL_BUT_SELF | ICR_INIT | ICR_ASSERT);
}

void lapic_send_init(uint32_t apic_id)
{
	send_ipi(apic_id, ICR_INIT | ICR_ASSERT);
}

void lapic_send_sipi(uint32_t apic_id, uint64_t page)
{
	send_ipi(apic_id, ICR_STARTUP | (uint32_t)(page >> 12));
}

void lapic_timer_start(uint32_t count)
{
	reg_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
	reg_write(LAPIC_LVT_TIMER, LVT_MASKED);
	reg_write(LAPIC_TIMER_INIT, count);
}

uint32_t lapic_timer_current(void)
{
	return reg_read(LAPIC_TIMER_CUR);
}

void lapic_timer_setup(uint8_t vector)
{
	reg_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
	reg_write(LAPIC_LVT_TIMER, vector); /* one-shot, unmasked; a zero count never fires */
	reg_write(LAPIC_TIMER_INIT, 0);
}

/* Writing the initial count (re)starts the one-shot count down (SDM vol 3, 11.5.4). */
void lapic_timer_oneshot_tsc(uint64_t tsc_ticks)
{
	uint64_t ticks = muldiv64(tsc_ticks, lapic_timer_hz(), tsc_hz());

	reg_write(LAPIC_TIMER_INIT, ticks ? (ticks > 0xffffffffu ? 0xffffffffu : (uint32_t)ticks) : 1);
}

void lapic_timer_stop(void)
{
	reg_write(LAPIC_TIMER_INIT, 0);
}

void lapic_send_ipi(uint32_t apic_id, uint8_t vector)
{
	send_ipi(apic_id, vector); /* fixed delivery, physical destination */
}

void lapic_eoi(void)
{
	reg_write(LAPIC_EOI, 0);
}

bool lapic_in_service(uint8_t vector)
{
	return reg_read(LAPIC_ISR + (vector / 32u) * 0x10) & (1u << (vector % 32));
}

void lapic_send_nmi(uint32_t apic_id)
{
	send_ipi(apic_id, ICR_NMI | ICR_ASSERT);
}
