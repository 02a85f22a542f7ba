/* SPDX-License-Identifier: MIT */
/* rtc.c - the MC146818A of rtc.h. Datasheet sections: "Time, Calendar and Alarm Data
 * Modes" (table 3: BCD or binary, bit 7 of the hours = PM in 12-hour mode), "Register A"
 * (UIP, DV2-DV0, RS3-RS0; table 5 "Periodic Interrupt Rate": 32.768 kHz time base), "Register
 * B" (SET inhibits updates and clears UIE), "Register C" (IRQF = PF.PIE + AF.AIE + UF.UIE,
 * cleared by reading), "Register D" (VRT). The calendar arithmetic is the days-from-civil
 * algorithm (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms"). */
#include "rtc.h"

enum { SEC = 0, SEC_ALARM = 1, MIN = 2, MIN_ALARM = 3, HOUR = 4, HOUR_ALARM = 5, WDAY = 6,
       DAY = 7, MONTH = 8, YEAR = 9, REG_A = 10, REG_B = 11, REG_C = 12, REG_D = 13 };

#define A_DIV_MASK 0x70
#define A_DIV_32K  0x20 /* DV2-DV0 = 010: the 32.768 kHz time base, running */
#define A_RATE     0x0f
#define B_SET      0x80
#define B_PIE      0x40
#define B_AIE      0x20
#define B_UIE      0x10
#define B_DM       0x04 /* binary */
#define B_24H      0x02
#define C_IRQF     0x80
#define C_PF       0x40
#define C_AF       0x20
#define C_UF       0x10
#define C_FLAGS    0x70 /* PF AF UF: the same bits as B's PIE AIE UIE */
#define D_VRT      0x80
#define SEC_PER_DAY 86400

int64_t rtc_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);                       /* [0, 399] */
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* [0, 146096] */

	return era * 146097 + (int64_t)doe - 719468;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b < 0);
}

void rtc_date_of(int64_t unix_sec, struct rtc_date *t)
{
	int64_t days = floor_div(unix_sec, SEC_PER_DAY), z = days + 719468;
	unsigned rem = (unsigned)(unix_sec - days * SEC_PER_DAY);
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;

	t->day = doy - (153 * mp + 2) / 5 + 1;
	t->month = mp < 10 ? mp + 3 : mp - 9;
	t->year = (int64_t)yoe + era * 400 + (t->month <= 2);
	t->hour = rem / 3600;
	t->min = rem / 60 % 60;
	t->sec = rem % 60;
	t->wday = (unsigned)(days - floor_div(days + 4, 7) * 7 + 4); /* 1970-01-01: Thursday */
}

static uint8_t enc(const struct rtc *r, unsigned v)
{
	return (uint8_t)(r->reg[REG_B] & B_DM ? v : (v / 10) << 4 | v % 10);
}

/* A register's value, or -1 if it is no BCD number. */
static int dec(const struct rtc *r, uint8_t v)
{
	if (r->reg[REG_B] & B_DM)
		return v;
	return (v & 0x0f) > 9 || v >> 4 > 9 ? -1 : (v >> 4) * 10 + (v & 0x0f);
}

static uint8_t enc_hour(const struct rtc *r, unsigned h)
{
	if (r->reg[REG_B] & B_24H)
		return enc(r, h);
	return enc(r, h % 12 ? h % 12 : 12) | (h >= 12 ? 0x80 : 0);
}

static int dec_hour(const struct rtc *r, uint8_t v)
{
	int h;

	if (r->reg[REG_B] & B_24H)
		return dec(r, v);
	h = dec(r, v & 0x7f);
	if (h < 1 || h > 12)
		return -1;
	return h % 12 + (v & 0x80 ? 12 : 0);
}

static int64_t rtc_sec(const struct rtc *r)
{
	return floor_div((int64_t)r->now + r->offset, NS_PER_SEC);
}

/* The time registers show the current second, in the current format. */
static void refresh(struct rtc *r)
{
	struct rtc_date t;

	rtc_date_of(rtc_sec(r), &t);
	r->reg[SEC] = enc(r, t.sec);
	r->reg[MIN] = enc(r, t.min);
	r->reg[HOUR] = enc_hour(r, t.hour);
	r->reg[WDAY] = (uint8_t)(t.wday + 1);
	r->reg[DAY] = enc(r, t.day);
	r->reg[MONTH] = enc(r, t.month);
	r->reg[YEAR] = enc(r, (unsigned)(t.year % 100 + 100) % 100);
	r->reg[RTC_CENTURY] = enc(r, (unsigned)(t.year / 100 % 100 + 100) % 100);
}

static void update_irqf(struct rtc *r)
{
	uint8_t c = r->reg[REG_C] & C_FLAGS;

	r->reg[REG_C] = c | (c & r->reg[REG_B] ? C_IRQF : 0);
}

/* The guest's registers become the time: the offset moves, the second starts now. */
static void set_time(struct rtc *r)
{
	int s = dec(r, r->reg[SEC]), mi = dec(r, r->reg[MIN]), h = dec_hour(r, r->reg[HOUR]);
	int d = dec(r, r->reg[DAY]), mo = dec(r, r->reg[MONTH]), y = dec(r, r->reg[YEAR]);
	int c = dec(r, r->reg[RTC_CENTURY]);
	int64_t sec;

	if (s < 0 || s > 59 || mi < 0 || mi > 59 || h < 0 || h > 23 || d < 1 || d > 31 ||
	    mo < 1 || mo > 12 || y < 0 || y > 99) {
		r->bad_sets++;
		refresh(r);
		return;
	}
	if (!r->century_written || c < 0 || c > 99)
		c = y < 70 ? 20 : 19;
	sec = rtc_days_from_civil(c * 100 + y, (unsigned)mo, (unsigned)d) * SEC_PER_DAY +
	      h * 3600 + mi * 60 + s;
	r->offset = sec * NS_PER_SEC - (int64_t)r->now;
	r->shown = sec;
	refresh(r);
}

static uint64_t period_ns(const struct rtc *r)
{
	unsigned rate = r->reg[REG_A] & A_RATE;

	if (!rate || (r->reg[REG_A] & A_DIV_MASK) != A_DIV_32K)
		return 0;
	if (rate < 3)
		rate += 7; /* rates 1 and 2 repeat 8 and 9 with a 32.768 kHz time base */
	return (1000000000ull << (rate - 1)) / 32768;
}

void rtc_init(struct rtc *r, int64_t wall_ns, uint64_t now)
{
	*r = (struct rtc){ .now = now, .offset = wall_ns - (int64_t)now, .pf_start = now };
	r->reg[REG_A] = A_DIV_32K | 0x06;
	r->reg[REG_B] = B_24H;
	r->reg[REG_D] = D_VRT;
	r->shown = rtc_sec(r);
	refresh(r);
}

static bool alarm_due(const struct rtc *r)
{
	static const uint8_t pairs[3][2] = { { SEC_ALARM, SEC }, { MIN_ALARM, MIN },
					     { HOUR_ALARM, HOUR } };

	for (unsigned i = 0; i < 3; i++) {
		uint8_t a = r->reg[pairs[i][0]];

		if ((a & 0xc0) != 0xc0 && a != r->reg[pairs[i][1]]) /* 11xxxxxx: don't care */
			return false;
	}
	return true;
}

void rtc_advance(struct rtc *r, uint64_t now)
{
	uint64_t p = period_ns(r);

	if (now > r->now)
		r->now = now;
	if (p && (r->now - r->pf_start) / p != r->pf_seen) {
		r->pf_seen = (r->now - r->pf_start) / p;
		r->reg[REG_C] |= C_PF;
	}
	if (!(r->reg[REG_B] & B_SET) && rtc_sec(r) != r->shown) {
		r->shown = rtc_sec(r);
		refresh(r);
		r->reg[REG_C] |= C_UF;
		if (alarm_due(r))
			r->reg[REG_C] |= C_AF;
	}
	update_irqf(r);
}

uint32_t rtc_read(struct rtc *r, unsigned port)
{
	uint8_t v;

	if (!(port & 1))
		return 0xff; /* the index register is write-only */
	switch (r->index) {
	case REG_A:
		return r->reg[REG_A] & 0x7f; /* UIP: the registers never change under a reader */
	case REG_C:
		v = r->reg[REG_C];
		r->reg[REG_C] = 0;
		return v;
	case REG_D:
		return D_VRT;
	default:
		return r->reg[r->index];
	}
}

static void write_b(struct rtc *r, uint8_t v)
{
	uint8_t old = r->reg[REG_B];

	if (v & B_SET)
		v &= ~B_UIE;
	r->reg[REG_B] = v;
	if ((old & B_SET) && !(v & B_SET))
		set_time(r);
	else if (!(v & B_SET))
		refresh(r); /* the format (DM, 24/12) may have changed */
	update_irqf(r);
}

void rtc_write(struct rtc *r, unsigned port, uint32_t val)
{
	uint8_t v = (uint8_t)val;

	if (!(port & 1)) {
		r->index = v & 0x7f;
		return;
	}
	switch (r->index) {
	case SEC: case MIN: case HOUR: case DAY: case MONTH: case YEAR: case RTC_CENTURY:
		r->reg[r->index] = v;
		r->century_written |= r->index == RTC_CENTURY;
		if (!(r->reg[REG_B] & B_SET))
			set_time(r);
		break;
	case REG_A:
		r->reg[REG_A] = v & 0x7f;
		r->pf_start = r->now;
		r->pf_seen = 0;
		break;
	case REG_B:
		write_b(r, v);
		break;
	case REG_C:
	case REG_D:
		break; /* read-only */
	default:     /* alarms, weekday, RAM */
		r->reg[r->index] = v;
		break;
	}
}

bool rtc_irq(const struct rtc *r)
{
	return r->reg[REG_C] & C_IRQF;
}

uint64_t rtc_deadline(const struct rtc *r)
{
	uint8_t b = r->reg[REG_B];
	uint64_t p = period_ns(r), d = 0;

	if (r->reg[REG_C] & C_IRQF)
		return 0; /* the line is up until C is read: nothing new would show */
	if ((b & B_PIE) && p)
		d = r->pf_start + (r->pf_seen + 1) * p;
	if ((b & (B_UIE | B_AIE)) && !(b & B_SET)) {
		int64_t t = (int64_t)r->now + r->offset;
		uint64_t next = r->now + (uint64_t)(NS_PER_SEC - (t - floor_div(t, NS_PER_SEC) *
									NS_PER_SEC));

		d = d && d < next ? d : next;
	}
	return d;
}
