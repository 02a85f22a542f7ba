/* SPDX-License-Identifier: MIT */
/* iopart.h - what the I/O partition's parts share (main.c, platform.c). */
#ifndef IOPART_IOPART_H
#define IOPART_IOPART_H

#include <stdint.h>

/* One line of the partition's own log: on COM1 with its prefix when it owns the console,
 * else on its console channel. No trailing newline in fmt. */
void iopart_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Events plat_wait_device() received while waiting for a device, owed to the main loop;
 * cleared by the call. */
uint32_t plat_take_events(void);

#endif
