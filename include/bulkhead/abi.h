/* SPDX-License-Identifier: MIT */
/* abi.h - helpers every ABI header uses to pin its layout at build time. */
#ifndef BULKHEAD_ABI_H
#define BULKHEAD_ABI_H

#include <stddef.h>
#include <stdint.h>

#define BH_OFFSET(s, f, off) _Static_assert(offsetof(struct s, f) == (off), #s "." #f " offset")
#define BH_SIZE(s, sz)       _Static_assert(sizeof(struct s) == (sz), #s " size")

#endif
