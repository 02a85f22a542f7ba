/* SPDX-License-Identifier: MIT */
/* test_msix.c - where MSI-X tables and PBAs lie and which pages of an MMIO region are cut
 * out read-only (monitor/msix.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <bulkhead/errno.h>
#include "monitor/msix.h"

/* QEMU's NVMe: BAR0 16 KiB, 65 vectors, table at 0x2000, PBA at 0x3000, both in BAR0. */
static const struct bh_uv_pci nvme = { .bdf = 0x20, .bar = { { 0xfebf0000, 0x4000 } } };
/* A function with its table in BAR 4 (a 64-bit BAR above 4 GiB) and PBA in BAR 2. */
static const struct bh_uv_pci split = {
	.bdf = 0x28, .bar = { [2] = { 0xfe000000, 0x1000 }, [4] = { 0x800000000, 0x10000 } } };

static void test_locate_in_bar(void **s)
{
	struct msix_table t;
	struct view_range r[2];

	assert_int_equal(msix_locate(&nvme, 64, 0x2000, 0x3000, &t), 0);
	assert_int_equal(t.entries, 65);
	assert_int_equal(t.table, 0xfebf2000);
	assert_int_equal(t.pba, 0xfebf3000);
	assert_int_equal(msix_pages(&t, r), 1); /* adjacent pages: one range */
	assert_int_equal(r[0].base, 0xfebf2000);
	assert_int_equal(r[0].end, 0xfebf4000);
}

static void test_locate_two_bars(void **s)
{
	struct msix_table t;
	struct view_range r[2];

	/* 300 entries (4800 bytes: two pages) at 0x8800 of BAR 4; PBA at 0x100 of BAR 2 */
	assert_int_equal(msix_locate(&split, 299, 0x8800 | 4, 0x100 | 2, &t), 0);
	assert_int_equal(t.table, 0x800008800);
	assert_int_equal(msix_pages(&t, r), 2);
	assert_int_equal(r[0].base, 0x800008000);
	assert_int_equal(r[0].end, 0x80000a000);
	assert_int_equal(r[1].base, 0xfe000000);
	assert_int_equal(r[1].end, 0xfe001000);
}

static void test_locate_refused(void **s)
{
	struct msix_table t;

	/* table past the end of its BAR; a BIR with no BAR; BIR 7 (reserved) */
	assert_int_equal(msix_locate(&nvme, 64, 0x3c00, 0x3000, &t), -BH_EINVAL);
	assert_int_equal(msix_locate(&nvme, 0, 0x0 | 1, 0x3000, &t), -BH_EINVAL);
	assert_int_equal(msix_locate(&nvme, 0, 0x2000, 0x3000 | 7, &t), -BH_EINVAL);
	/* an offset that would wrap */
	assert_int_equal(msix_locate(&nvme, 2047, 0xfffffff8, 0x3000, &t), -BH_EINVAL);
}

static void test_ro_next(void **s)
{
	const struct view_range ro[] = { { 0x9000, 0xb000 }, { 0x2000, 0x4000 }, { 0x20000, 0x21000 } };
	struct view_range hit;

	assert_true(msix_ro_next(ro, 3, 0x0, 0x10000, &hit)); /* the lowest first */
	assert_int_equal(hit.base, 0x2000);
	assert_int_equal(hit.end, 0x4000);
	assert_true(msix_ro_next(ro, 3, 0x4000, 0x10000, &hit));
	assert_int_equal(hit.base, 0x9000);
	assert_true(msix_ro_next(ro, 3, 0xa000, 0xa800, &hit)); /* clipped both sides */
	assert_int_equal(hit.base, 0xa000);
	assert_int_equal(hit.end, 0xa800);
	assert_false(msix_ro_next(ro, 3, 0xb000, 0x20000, &hit));
	assert_false(msix_ro_next(ro, 0, 0x0, ~0ull, &hit));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_locate_in_bar),
		cmocka_unit_test(test_locate_two_bars),
		cmocka_unit_test(test_locate_refused),
		cmocka_unit_test(test_ro_next),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
