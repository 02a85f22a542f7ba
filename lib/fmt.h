/* SPDX-License-Identifier: MIT */
/* fmt.h - printf-style formatting without libc, shared by the monitor, tools and tests. */
#ifndef BH_FMT_H
#define BH_FMT_H

#include <stdarg.h>
#include <stddef.h>

/* Supports %d %i %u %x %X %o %c %s %p %%, flags '-' '0' '#' ' ' '+', width, precision for
 * %s, and the length modifiers hh h l ll z t j. Always NUL-terminates when size > 0 and
 * returns the length the full output would have had, like C11 vsnprintf. */
int bh_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int bh_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
