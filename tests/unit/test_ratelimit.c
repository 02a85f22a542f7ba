/* SPDX-License-Identifier: MIT */
/* test_ratelimit.c - monitor/ratelimit.h: the burst, the refill rate, the dropped count and
 * its once-a-second report, with a TSC of 1 MHz so that one tick is one microsecond. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "monitor/ratelimit.h"

#define HZ 1000000u

static unsigned takes(struct ratelimit *r, uint64_t now, unsigned n)
{
	unsigned ok = 0;

	for (unsigned i = 0; i < n; i++)
		ok += ratelimit_take(r, now, HZ, 512, 200);
	return ok;
}

static void test_burst_then_rate(void **s)
{
	struct ratelimit r = { 0 };

	assert_int_equal(takes(&r, 1000, 5000), 512); /* the burst, nothing more at once */
	assert_int_equal(r.dropped, 5000 - 512);
	assert_int_equal(takes(&r, 1000 + 4999, 10), 0);   /* 5 ms: not one 200th of a second */
	assert_int_equal(takes(&r, 1000 + 5000, 10), 1);   /* one token per 5 ms */
	assert_int_equal(takes(&r, 1000 + 1005000, 1000), 200); /* a second later: 200 more */
	assert_int_equal(takes(&r, 1000 + 100000000, 1000), 512); /* long idle: a full burst */
}

static void test_partial_periods_are_kept(void **s)
{
	struct ratelimit r = { 0 };

	takes(&r, 1, 512);
	/* refills at 3 ms and at 6 ms add up to one token, not none */
	assert_int_equal(takes(&r, 1 + 3000, 1), 0);
	assert_int_equal(takes(&r, 1 + 6000, 1), 1);
}

static void test_report_once_a_second(void **s)
{
	struct ratelimit r = { 0 };

	assert_int_equal(ratelimit_report_due(&r, 10, HZ), 0); /* nothing dropped */
	takes(&r, 10, 600);
	assert_int_equal(ratelimit_report_due(&r, 10, HZ), 88);
	assert_int_equal(r.dropped, 0);
	takes(&r, 20, 10);
	assert_int_equal(ratelimit_report_due(&r, 10 + HZ - 1, HZ), 0); /* too soon */
	assert_int_equal(ratelimit_report_due(&r, 10 + HZ, HZ), 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_rate),
		cmocka_unit_test(test_partial_periods_are_kept),
		cmocka_unit_test(test_report_once_a_second),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
