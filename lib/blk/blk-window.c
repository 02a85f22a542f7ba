/* SPDX-License-Identifier: MIT */
/* blk-window.c - a client's window on a device (blk-window.h). */
#include <bulkhead/errno.h>
#include "blk/blk-window.h"

static bool inside(const struct blk_window *w, uint64_t lba, uint32_t sectors)
{
	return lba <= w->be.capacity && sectors <= w->be.capacity - lba;
}

static int win_read(void *ctx, uint64_t lba, uint32_t sectors, void *buf)
{
	struct blk_window *w = ctx;

	if (!inside(w, lba, sectors))
		return -BH_ERANGE;
	return w->dev->read(w->dev->ctx, w->base + lba, sectors, buf);
}

static int win_write(void *ctx, uint64_t lba, uint32_t sectors, const void *buf)
{
	struct blk_window *w = ctx;

	if (w->ro)
		return -BH_EPERM;
	if (!inside(w, lba, sectors))
		return -BH_ERANGE;
	return w->dev->write(w->dev->ctx, w->base + lba, sectors, buf);
}

static int win_flush(void *ctx)
{
	struct blk_window *w = ctx;

	return w->ro ? 0 : w->dev->flush(w->dev->ctx);
}

uint64_t blk_window_init(struct blk_window *w, const struct blk_backend *dev, uint64_t base,
			 uint64_t sectors, bool ro)
{
	uint64_t room = base < dev->capacity ? dev->capacity - base : 0;

	w->dev = dev;
	w->base = base;
	w->ro = ro;
	w->be = (struct blk_backend){ w, !sectors || sectors > room ? room : sectors,
				      dev->max_sectors, win_read, win_write, win_flush, ro };
	return w->be.capacity;
}
