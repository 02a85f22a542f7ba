/* SPDX-License-Identifier: MIT */
/* bootcfg.h - the config blob on the boot media, validated before anything starts. */
#ifndef MONITOR_BOOTCFG_H
#define MONITOR_BOOTCFG_H

#include <stdbool.h>
#include <bulkhead/bootinfo.h>

/* Find the module whose command line is "config" and run the shared validator on it
 * (lib/config), printing every error on both consoles. Returns true when there is no blob
 * or it is valid; false means nothing may be started. (The ultravisor partition takes this
 * over with the resource database; then it leaves the monitor.) */
bool bootcfg_check(const struct bh_bootinfo *bi);

#endif
