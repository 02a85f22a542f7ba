/* SPDX-License-Identifier: MIT */
/* log.c - format a line once, then write it whole under a lock so CPUs never interleave. */
#include <stdarg.h>
#include "fmt.h"
#include "log.h"
#include "serial.h"
#include "spinlock.h"

#define LINE_MAX 256

static struct spinlock log_lock;
static bool com1_given;

void log_give_com1(const char *to)
{
	if (__atomic_load_n(&com1_given, __ATOMIC_ACQUIRE))
		return;
	log_printf(LOG_NOTICE, "log: COM1 is %s's now; the monitor log goes on on COM2\n", to);
	spin_lock(&log_lock); /* no line is half on COM1 when the flag turns */
	__atomic_store_n(&com1_given, true, __ATOMIC_RELEASE);
	spin_unlock(&log_lock);
}

bool log_com1_given(void)
{
	return __atomic_load_n(&com1_given, __ATOMIC_ACQUIRE);
}

void log_printf(enum log_level level, const char *fmt, ...)
{
	char line[LINE_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = bh_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(line)) { /* truncated: keep the line break */
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	spin_lock(&log_lock);
	serial_write(COM2, line, n);
	if (level <= LOG_NOTICE && !com1_given)
		serial_write(COM1, line, n);
	spin_unlock(&log_lock);
}

void log_console(const char *who, const char *s, size_t n)
{
	char prefix[48];
	int len = bh_snprintf(prefix, sizeof(prefix), "[%s] ", who);

	if (len >= (int)sizeof(prefix))
		len = sizeof(prefix) - 1;
	uint16_t port;

	spin_lock(&log_lock);
	port = com1_given ? COM2 : COM1;
	serial_write(port, prefix, len);
	serial_write(port, s, n);
	serial_write(port, "\n", 1);
	spin_unlock(&log_lock);
}
