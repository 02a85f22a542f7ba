/* SPDX-License-Identifier: MIT */
/* blk-window.h - one client's window on a device: the backend a block channel serves.
 *
 * The configuration gives each guest a window of the disk (partitions[].disk-base,
 * disk-size, disk-read-only; docs/config.md); the ultravisor hands it to the serving I/O
 * partition with each block channel (bh_chan_client of the info page), and the server
 * exports only that: sector 0 of the channel is sector `base` of the device, the capacity
 * is the window's (cut at the device's end), and a read-only window is a read-only backend:
 * the server answers every WRITE -BH_EPERM. The client cannot widen it: blk_serve() checks each request against this
 * capacity before the device sees it, and this wrapper checks again.
 */
#ifndef BH_BLK_WINDOW_H
#define BH_BLK_WINDOW_H

#include <stdbool.h>
#include <stdint.h>
#include "blk/blk-server.h"

struct blk_window {
	const struct blk_backend *dev; /* the whole device */
	uint64_t base;                 /* first sector of the window on the device */
	bool ro;
	struct blk_backend be;         /* what blk_server_init() is given */
};

/* The window [base, base + sectors) of dev (sectors 0: from base to the device's end).
 * → the window's capacity in sectors: 0 when it lies wholly beyond the device's end (every
 *   request is then answered -BH_ERANGE), less than asked when it is cut at the end. */
uint64_t blk_window_init(struct blk_window *w, const struct blk_backend *dev, uint64_t base,
			 uint64_t sectors, bool ro);

#endif
