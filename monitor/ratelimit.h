/* SPDX-License-Identifier: MIT */
/* ratelimit.h - a token bucket for what a partition can make the monitor do without bound
 * (console lines, log lines about refused requests): `burst` at once, then `per_s` a second;
 * the rest is dropped and counted, and the count reported with the next event let through. */
#ifndef MONITOR_RATELIMIT_H
#define MONITOR_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>
#include "timer.h"
#include "x86.h"

struct ratelimit {
	uint64_t refill_tsc; /* when the last token was added */
	uint64_t told_tsc;   /* when dropped events were last reported */
	uint32_t tokens;
	uint32_t dropped;    /* since the last report */
};

/* true: go ahead; false: counted in r->dropped. The caller serializes calls on one bucket,
 * and reports r->dropped when ratelimit_report_due() says so. */
static inline bool ratelimit_take(struct ratelimit *r, uint32_t burst, uint32_t per_s)
{
	uint64_t now = rdtsc(), period = tsc_hz() / per_s, add;

	if (!r->refill_tsc) {
		r->refill_tsc = now;
		r->tokens = burst;
	}
	add = period ? (now - r->refill_tsc) / period : burst;
	if (add) {
		r->tokens = add >= burst - r->tokens ? burst : r->tokens + (uint32_t)add;
		r->refill_tsc = now;
	}
	if (r->tokens) {
		r->tokens--;
		return true;
	}
	r->dropped++;
	return false;
}

/* Dropped events to report (at most once a second): the count, then cleared; or 0. */
static inline uint32_t ratelimit_report_due(struct ratelimit *r)
{
	uint64_t now = rdtsc();
	uint32_t n = r->dropped;

	if (!n || (r->told_tsc && now - r->told_tsc < tsc_hz()))
		return 0;
	r->told_tsc = now;
	r->dropped = 0;
	return n;
}

#endif
