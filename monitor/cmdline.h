/* SPDX-License-Identifier: MIT */
/* cmdline.h - the monitor's boot command line: space-separated key=value words. */
#ifndef MONITOR_CMDLINE_H
#define MONITOR_CMDLINE_H

#include <stddef.h>

void cmdline_init(const char *cmdline);

/* Copy the value of 'key' into buf (NUL-terminated, truncated to size). Returns 1 if the key
 * is present (a bare "key" has the empty value), 0 otherwise. */
int cmdline_get(const char *key, char *buf, size_t size);

/* The test= hook ("" when absent): system tests ask for special behaviour with it. */
const char *cmdline_test(void);

#endif
