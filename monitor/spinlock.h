/* SPDX-License-Identifier: MIT */
/* spinlock.h - a test-and-test-and-set lock for the monitor's few shared structures. */
#ifndef MONITOR_SPINLOCK_H
#define MONITOR_SPINLOCK_H

#include "x86.h"

struct spinlock {
	volatile int held;
};

static inline void spin_lock(struct spinlock *l)
{
	while (__atomic_exchange_n(&l->held, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&l->held, __ATOMIC_RELAXED))
			cpu_relax();
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->held, 0, __ATOMIC_RELEASE);
}

#endif
