/* SPDX-License-Identifier: MIT */
/* ratelimit.h - a token bucket for what a partition can make the monitor do without bound
 * (console lines, log lines about refused requests): `burst` at once, then `per_s` a second;
 * the rest is dropped and counted, and the count reported at most once a second. Times are
 * TSC values and `hz` the TSC's frequency, from the caller (pure: tests/unit/test_ratelimit.c). */
#ifndef MONITOR_RATELIMIT_H
#define MONITOR_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct ratelimit {
	uint64_t refill_tsc; /* when tokens were last added */
	uint64_t told_tsc;   /* when dropped events were last reported */
	uint32_t tokens;
	uint32_t dropped;    /* since the last report */
};

/* true: go ahead; false: counted in r->dropped. The caller serializes calls on one bucket. */
static inline bool ratelimit_take(struct ratelimit *r, uint64_t now, uint64_t hz, uint32_t burst,
				  uint32_t per_s)
{
	uint64_t period = hz / per_s, add;

	if (!r->refill_tsc) {
		r->refill_tsc = now;
		r->tokens = burst;
	}
	add = period ? (now - r->refill_tsc) / period : burst;
	if (add) {
		r->tokens = add >= burst - r->tokens ? burst : r->tokens + (uint32_t)add;
		r->refill_tsc += add * period;
	}
	if (r->tokens) {
		r->tokens--;
		return true;
	}
	r->dropped++;
	return false;
}

/* Dropped events to report now (at most once a second): the count, then cleared; or 0. */
static inline uint32_t ratelimit_report_due(struct ratelimit *r, uint64_t now, uint64_t hz)
{
	uint32_t n = r->dropped;

	if (!n || (r->told_tsc && now - r->told_tsc < hz))
		return 0;
	r->told_tsc = now;
	r->dropped = 0;
	return n;
}

#endif
