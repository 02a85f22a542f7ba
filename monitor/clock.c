/* SPDX-License-Identifier: MIT */
/* clock.c - TSC ↔ nanoseconds, and the wall clock: the CMOS RTC read once at boot. */
#include <stdbool.h>
#include "clock.h"
#include "portio.h"
#include "timer.h"
#include "x86.h"

static uint64_t tsc_zero, hz, epoch_ns;

/* MC146818 registers (the RTC behind ports 0x70/0x71 on every PC). */
enum { RTC_SEC = 0, RTC_MIN = 2, RTC_HOUR = 4, RTC_DAY = 7, RTC_MON = 8, RTC_YEAR = 9,
       RTC_A = 10, RTC_B = 11, RTC_CENTURY = 0x32 };

static unsigned rtc(unsigned reg)
{
	outb(0x70, (uint8_t)reg);
	return inb(0x71);
}

static unsigned rtc_value(unsigned reg, bool bcd)
{
	unsigned v = rtc(reg);

	return bcd ? (v & 0x0f) + (v >> 4) * 10 : v;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (the "days from civil" algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

/* Seconds since 1970 from the RTC, or 0 if it reads as nonsense (no RTC: all ones). */
static uint64_t rtc_epoch(void)
{
	for (unsigned i = 0; i < 1000000 && (rtc(RTC_A) & 0x80); i++)
		cpu_relax(); /* update in progress: at most ~2 ms */
	unsigned b = rtc(RTC_B);
	bool bcd = !(b & 0x04);
	unsigned hour = rtc(RTC_HOUR), pm = !(b & 0x02) && (hour & 0x80);
	unsigned sec = rtc_value(RTC_SEC, bcd), min = rtc_value(RTC_MIN, bcd);
	unsigned day = rtc_value(RTC_DAY, bcd), mon = rtc_value(RTC_MON, bcd);
	unsigned year = rtc_value(RTC_YEAR, bcd), century = rtc_value(RTC_CENTURY, bcd);

	hour = bcd ? ((hour & 0x70) >> 4) * 10 + (hour & 0x0f) : hour & 0x7f;
	hour = pm ? (hour % 12) + 12 : hour;
	year += century >= 19 && century <= 30 ? century * 100 : 2000;
	if (sec > 59 || min > 59 || hour > 23 || !day || day > 31 || !mon || mon > 12)
		return 0;
	return (uint64_t)days_from_civil(year, mon, day) * 86400 + hour * 3600 + min * 60 + sec;
}

void clock_init(void)
{
	tsc_zero = rdtsc();
	hz = tsc_hz() ? tsc_hz() : 1;
	epoch_ns = rtc_epoch() * 1000000000ull;
}

uint64_t clock_epoch_ns(void)
{
	return epoch_ns;
}

uint64_t clock_ns(void)
{
	return muldiv64(rdtsc() - tsc_zero, 1000000000u, hz);
}

uint64_t clock_ns_to_tsc(uint64_t ns)
{
	return muldiv64(ns, hz, 1000000000u);
}

uint64_t clock_ns_to_deadline(uint64_t ns)
{
	return tsc_zero + clock_ns_to_tsc(ns) + 1;
}
