/* SPDX-License-Identifier: MIT */
/* timer.c - calibrate the TSC and the LAPIC timer over a 10 ms PIT channel-2 one-shot
 * (8254 mode 0 with the speaker gate: OUT2 reads back in port 0x61 bit 5). */
#define pr_fmt(fmt) "timer: " fmt
#include <bulkhead/errno.h>
#include "lapic.h"
#include "log.h"
#include "timer.h"
#include "x86.h"

#define PIT_HZ        1193182u
#define CALIBRATE_MS  10u
#define PIT_CH2       0x42
#define PIT_CMD       0x43
#define PORT_B        0x61 /* bit 0 gate 2, bit 1 speaker, bit 5 OUT2 */
#define SPIN_LIMIT    100000000ull

static uint64_t tsc_rate, lapic_rate;

/* Start a CALIBRATE_MS one-shot on channel 2; OUT2 goes high when it expires. */
static void pit_oneshot(void)
{
	uint16_t latch = PIT_HZ * CALIBRATE_MS / 1000;

	outb(PORT_B, (inb(PORT_B) & ~0x02) | 0x01);
	outb(PIT_CMD, 0xb0); /* channel 2, lobyte/hibyte, mode 0, binary */
	outb(PIT_CH2, latch & 0xff);
	outb(PIT_CH2, latch >> 8);
}

int timer_calibrate(void)
{
	uint64_t spins = 0, t0, t1;
	uint32_t l1;

	pit_oneshot();
	lapic_timer_start(0xffffffffu);
	t0 = rdtsc();
	while (!(inb(PORT_B) & 0x20) && ++spins < SPIN_LIMIT)
		;
	t1 = rdtsc();
	l1 = lapic_timer_current();
	if (spins == SPIN_LIMIT) {
		pr_err("PIT channel 2 never expired: cannot measure the TSC");
		return -BH_ETIMEDOUT;
	}
	tsc_rate = (t1 - t0) * (1000 / CALIBRATE_MS);
	lapic_rate = (0xffffffffull - l1) * (1000 / CALIBRATE_MS);
	lapic_timer_start(0);
	pr_info("tsc %lu.%03lu MHz, lapic timer %lu.%03lu MHz (divide by 16)",
		tsc_rate / 1000000, tsc_rate / 1000 % 1000, lapic_rate / 1000000,
		lapic_rate / 1000 % 1000);
	return 0;
}

uint64_t tsc_hz(void)
{
	return tsc_rate;
}

uint64_t lapic_timer_hz(void)
{
	return lapic_rate;
}

void udelay(uint64_t us)
{
	uint64_t end = rdtsc() + tsc_rate / 1000000 * us;

	while (rdtsc() < end)
		cpu_relax();
}
