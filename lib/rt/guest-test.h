/* SPDX-License-Identifier: MIT */
/* guest-test.h - in-partition checks whose console lines the system tests grep.
 *
 *   GUEST_ASSERT(cond)       on failure: "GUEST_ASSERT failed: <file>:<line>: <cond>", exit 1
 *   GUEST_ASSERT_EQ(a, b)    the same, plus both values: "... a == b (5 != -14)"
 *   GUEST_DONE()             "GUEST_DONE", exit 0
 *   GUEST_DONE_EXIT(status)  "GUEST_DONE exit=<status>", exit status
 * Lines go straight to the console hypercall after flushing stdout, so they stay in order
 * with printf output and appear even if stdio is what broke. vCPU 0 only (stdio).
 */
#ifndef BH_RT_GUEST_TEST_H
#define BH_RT_GUEST_TEST_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "rt/hypercall.h"

#define GUEST_ASSERT(cond)                                                        \
	do {                                                                      \
		if (!(cond))                                                      \
			bh_guest_fail(__FILE__, __LINE__, #cond, 0, 0, 0);        \
	} while (0)

#define GUEST_ASSERT_EQ(a, b)                                                     \
	do {                                                                      \
		long long a_ = (long long)(a), b_ = (long long)(b);               \
		if (a_ != b_)                                                     \
			bh_guest_fail(__FILE__, __LINE__, #a " == " #b, 1, a_, b_); \
	} while (0)

#define GUEST_DONE()             bh_guest_done(0, 0)
#define GUEST_DONE_EXIT(status)  bh_guest_done(1, (status))

__attribute__((format(printf, 1, 2))) static inline void bh_guest_line(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	fflush(stdout);
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0)
		bh_console_write(line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

_Noreturn static inline void bh_guest_fail(const char *file, int line, const char *cond,
					   int values, long long a, long long b)
{
	if (values)
		bh_guest_line("GUEST_ASSERT failed: %s:%d: %s (%lld != %lld)\n", file, line,
			      cond, a, b);
	else
		bh_guest_line("GUEST_ASSERT failed: %s:%d: %s\n", file, line, cond);
	bh_exit(1);
}

_Noreturn static inline void bh_guest_done(int with_status, int status)
{
	if (with_status)
		bh_guest_line("GUEST_DONE exit=%d\n", status);
	else
		bh_guest_line("GUEST_DONE\n");
	exit(status);
}

#endif
