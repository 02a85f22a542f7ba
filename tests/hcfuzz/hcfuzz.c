/* SPDX-License-Identifier: MIT */
/* hcfuzz.c - a partition that makes random hypercalls (tests/system/test_hcfuzz.py).
 *
 *   n=<N> seed=<S>   N calls: a number from 0 to 31 (every call there is, and some that are
 *                    not) or a random one, each argument drawn from values that are random,
 *                    small, or valid-but-hostile addresses: its read-only info page, the
 *                    bytes either side of the end of its memory, non-canonical and top-of-
 *                    address-space ones, GPA 0. Then prints "hcfuzz: N calls" and a count
 *                    per result, and exits 0.
 *
 * Calls that would end it (EXIT) are not made; WAIT is made with a timer 100 us ahead so it
 * returns. Whatever the monitor answers is fine; that it answers, and that this partition
 * and its neighbours run on, is the test. Pointers that could reach its own image, stack or
 * page tables are never drawn (a successful INFO would overwrite them): only a scratch
 * buffer, page 0 (unused) and memory that is not its own or not writable.
 */
#include <stdint.h>
#include <stdio.h>
#include <bulkhead/errno.h>
#include <bulkhead/hypercall.h>
#include "rt/guest-test.h"
#include "rt/hypercall.h"
#include "rt/rt.h"

#define CALLS_KNOWN 32

static uint8_t scratch[64 * 1024] __attribute__((aligned(4096)));
static uint64_t state;

static uint64_t rnd(void)
{
	state ^= state << 13, state ^= state >> 7, state ^= state << 17;
	return state;
}

static uint64_t mem_end(const struct bh_partition_info *info)
{
	uint64_t end = 0;

	for (uint32_t i = 0; i < info->mem_count && i < BH_INFO_MEM_MAX; i++)
		if (info->mem[i].gpa + info->mem[i].size > end)
			end = info->mem[i].gpa + info->mem[i].size;
	return end;
}

static uint64_t arg(uint64_t end)
{
	uint64_t r = rnd(), k = r % 11;

	r = rnd();
	switch (k) {
	case 0: return r;                                     /* anything */
	case 1: return r & 0xff;                              /* small: ids, widths, page 0 */
	case 2: return r & 0xffff;                            /* sizes */
	case 3: return bh_gpa(scratch) + r % (sizeof(scratch) - 8192); /* valid, writable */
	case 4: return 0x1000 + (r & 0xfff);                  /* the read-only info page */
	case 5: return end - (r & 0xfff);                     /* its last page */
	case 6: return end + (r & 0xffff);                    /* just past its memory */
	case 7: return (1ull << 47) - (r & 0xfff);            /* the canonical edge */
	case 8: return ~0ull - (r & 0xfff);                   /* the top, lengths that wrap */
	case 9: return 0x80000000ull << (r % 16);             /* 2 GiB .. far above RAM */
	default: return 0xfee00000ull + (r & 0xfff);          /* the interrupt window */
	}
}

int main(void)
{
	const struct bh_partition_info *info = bh_info_page();
	uint64_t n = 100000, end = mem_end(info);
	uint64_t count[5] = { 0 }; /* >= 0, -EPERM, -EFAULT, -EINVAL or -ENOSYS, other */

	bh_arg_u64("n", &n);
	uint64_t seed = 0;
	bh_arg_u64("seed", &seed);
	state = (seed + 1) * 0x9e3779b97f4a7c15ull | 1; /* distinct, never 0 */
	for (uint64_t i = 0; i < n; i++) {
		uint64_t nr = rnd() % 8 ? rnd() % CALLS_KNOWN : rnd();
		long r;

		if (nr == BH_HC_EXIT)
			continue;
		if (nr == BH_HC_WAIT)
			bh_hc1(BH_HC_TIMER_SET, (uint64_t)bh_hc0(BH_HC_TIME) + 100000);
		uint64_t a[6];
		for (int k = 0; k < 6; k++)
			a[k] = arg(end);
		if (nr == BH_HC_INFO && a[0] >= 0x2000 && a[0] < end &&
		    a[0] - bh_gpa(scratch) >= sizeof(scratch) - 8192)
			a[0] = end; /* never over its own image, stack or page tables */
		r = bh_hc6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
		count[r >= 0 ? 0 : r == -BH_EPERM ? 1 : r == -BH_EFAULT ? 2 :
		      r == -BH_EINVAL || r == -BH_ENOSYS ? 3 : 4]++;
	}
	/* Its random console writes used up its console lines (part.c rate limit): 100 ms
	 * refills 20. A newline first ends whatever partial line a random write left. */
	for (int64_t until = bh_hc0(BH_HC_TIME) + 100000000; bh_hc0(BH_HC_TIME) < until;) {
		bh_hc1(BH_HC_TIMER_SET, (uint64_t)until);
		bh_hc0(BH_HC_WAIT);
	}
	printf("\nhcfuzz: %llu calls: ok %llu, eperm %llu, efault %llu, einval/enosys %llu, "
	       "other %llu\n", (unsigned long long)n, (unsigned long long)count[0],
	       (unsigned long long)count[1], (unsigned long long)count[2],
	       (unsigned long long)count[3], (unsigned long long)count[4]);
	return 0;
}
