/* SPDX-License-Identifier: MIT */
/* log.h - leveled logging. Every line goes to the monitor log (COM2); NOTICE and above also
 * to the operator console (COM1) until a partition owns COM1 (log_give_com1()). Each .c file may define pr_fmt() for its prefix before
 * including this header. Levels below LOG_LEVEL (fixed at build time) compile away. */
#ifndef MONITOR_LOG_H
#define MONITOR_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum log_level { LOG_ERR, LOG_WARN, LOG_NOTICE, LOG_INFO, LOG_DEBUG };

#ifndef LOG_LEVEL
#define LOG_LEVEL LOG_INFO
#endif
#ifndef pr_fmt
#define pr_fmt(fmt) fmt
#endif

void log_printf(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define pr_level(lvl, fmt, ...)                                            \
	do {                                                               \
		if ((lvl) <= LOG_LEVEL)                                    \
			log_printf(lvl, pr_fmt(fmt) "\n", ##__VA_ARGS__);  \
	} while (0)
#define pr_err(fmt, ...)    pr_level(LOG_ERR, fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...)   pr_level(LOG_WARN, fmt, ##__VA_ARGS__)
#define pr_notice(fmt, ...) pr_level(LOG_NOTICE, fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...)   pr_level(LOG_INFO, fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...)  pr_level(LOG_DEBUG, fmt, ##__VA_ARGS__)
/* A warning a partition can cause again and again: printed the first time only. */
#define pr_warn_once(fmt, ...)                                                   \
	do {                                                                     \
		static bool warned_;                                             \
		if (!__atomic_exchange_n(&warned_, true, __ATOMIC_RELAXED))      \
			pr_warn(fmt, ##__VA_ARGS__);                             \
	} while (0)

/* One line of a partition's console on COM1 (COM2 once COM1 is given), prefixed "[who] ". */
void log_console(const char *who, const char *s, size_t n);

/* A view grants COM1 to partition `to` (its I/O partition serves the operator console from
 * now on): the monitor writes COM2 only, for good, and never reads COM1 again. */
void log_give_com1(const char *to);
bool log_com1_given(void);

/* A line without the file's prefix (register dumps, the summary line). */
#define log_raw(lvl, fmt, ...) log_printf(lvl, fmt "\n", ##__VA_ARGS__)

#endif
