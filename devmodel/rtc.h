/* SPDX-License-Identifier: MIT */
/* rtc.h - the PC's CMOS clock and RAM, a Motorola MC146818A: a pure state machine over a
 * clock the caller passes in (rtc_advance). MC146818A datasheet: "Address Map" (14 clock
 * and control registers, 50 bytes of RAM; the PC has 128 bytes in all), "Time, Calendar
 * and Alarm Locations" (BCD or binary, 12 or 24 hours), registers A-D, "Update Cycle",
 * "Interrupts" (periodic, alarm, update-ended, IRQF).
 *
 *   0x70  index (write; bit 7 is the PC's NMI mask, ignored)    0x71  data
 *   0x00 s  0x01 s alarm  0x02 min  0x03 min alarm  0x04 h  0x05 h alarm
 *   0x06 weekday (1 = Sunday)  0x07 day  0x08 month  0x09 year (00-99)
 *   0x0a A: UIP (always 0 here), divider (bits 6:4), rate (bits 3:0)
 *   0x0b B: SET PIE AIE UIE SQWE DM(1 = binary) 24/12(1 = 24 h) DSE
 *   0x0c C: IRQF PF AF UF, cleared by reading   0x0d D: VRT (0x80: valid)
 *   0x0e..0x7f RAM, plain storage; 0x32 the century (as the PC BIOS keeps it).
 *
 * The clock: RTC time = the caller's monotonic ns + an offset, seeded from the wall clock
 * and moved when the guest sets the time (B.SET, then the registers, then SET cleared).
 * The time registers are refreshed from it at every rtc_advance() while SET is clear, so
 * a read always sees one consistent second and UIP is never set. When the guest sets the
 * time, the century is register 0x32 if the guest has ever written it, else the year's own
 * window (00-69: 20xx), as Linux reads it without ACPI. Daylight saving (DSE) is
 * stored, not applied. IRQ 8 is IRQF: flags (set whether enabled or not) AND enables.
 */
#ifndef DEVMODEL_RTC_H
#define DEVMODEL_RTC_H

#include <stdbool.h>
#include <stdint.h>

#define RTC_PORT    0x70
#define RTC_IRQ     8
#define RTC_CENTURY 0x32
#define NS_PER_SEC  1000000000ll

struct rtc {
	uint8_t index;
	uint8_t reg[128];
	int64_t offset;       /* RTC time in ns since 1970 = now + offset */
	uint64_t now;         /* the caller's clock at the last rtc_advance() */
	int64_t shown;        /* the second the time registers were last refreshed to */
	uint64_t pf_start;    /* periodic: the clock when its rate was last set */
	uint64_t pf_seen;     /* periods elapsed since pf_start, as last looked at */
	uint64_t bad_sets;    /* SET cleared over registers that are no date */
	bool century_written; /* the guest keeps 0x32 itself (an ACPI-aware OS does) */
};

/* Power-on with the time wall_ns (ns since 1970-01-01 00:00:00 UTC) at clock `now`:
 * register A 0x26 (32.768 kHz, 1024 Hz), B 0x02 (24 h, BCD), D 0x80. */
void rtc_init(struct rtc *r, int64_t wall_ns, uint64_t now);

/* Moves the clock to now (never backwards): refreshes the time registers, latches the
 * update-ended, alarm and periodic flags that came due. */
void rtc_advance(struct rtc *r, uint64_t now);

/* port 0 (0x70) or 1 (0x71). */
uint32_t rtc_read(struct rtc *r, unsigned port);
void rtc_write(struct rtc *r, unsigned port, uint32_t val);

/* IRQ 8 (register C's IRQF). */
bool rtc_irq(const struct rtc *r);

/* When the next flag comes due that an enabled interrupt waits for (a deadline on the
 * caller's clock), 0 if none is enabled. */
uint64_t rtc_deadline(const struct rtc *r);

/* Proleptic Gregorian calendar, days since 1970-01-01 (negative before). */
struct rtc_date {
	int64_t year;
	unsigned month, day, hour, min, sec, wday; /* month 1-12, day 1-31, wday 0 = Sunday */
};
int64_t rtc_days_from_civil(int64_t y, unsigned m, unsigned d);
void rtc_date_of(int64_t unix_sec, struct rtc_date *t);

#endif
