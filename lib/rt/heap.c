/* SPDX-License-Identifier: MIT */
/* heap.c - sbrk() bounds: brk stays inside [start, end). Pure C, unit-tested on the host. */
#include <bulkhead/errno.h>
#include "rt/rt.h"

void bh_heap_init(struct bh_heap *h, uintptr_t start, uintptr_t end)
{
	h->start = start;
	h->end = end < start ? start : end;
	h->brk = start;
}

int bh_heap_sbrk(struct bh_heap *h, intptr_t incr, uintptr_t *old)
{
	/* Unsigned arithmetic: -INTPTR_MIN does not overflow. */
	uintptr_t mag = incr < 0 ? (uintptr_t)0 - (uintptr_t)incr : (uintptr_t)incr;

	if (incr >= 0 && mag > h->end - h->brk)
		return -BH_ENOMEM;
	if (incr < 0 && mag > h->brk - h->start)
		return -BH_EINVAL;
	*old = h->brk;
	h->brk = incr < 0 ? h->brk - mag : h->brk + mag;
	return 0;
}
