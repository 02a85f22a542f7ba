/* SPDX-License-Identifier: MIT */
/* test_db_map.c - the database refuses a layout the start state cannot map: a partition's RAM
 * and channels must lie below BH_START_MAP_MAX (partition.h), which the loader's page tables
 * cover. Blobs built with config_build.h: a pool far larger than any example's. */
#include <bulkhead/partition.h>
#include "config_build.h"
#include "ultravisor/db.h"

#define GIB (1024 * MIB)

static struct db db;

/* good() with a 6 GiB pool and a guests zone that could hold guest_mib. */
static int boot_with_guest(uint64_t guest_mib, char *err, size_t errlen)
{
	good();
	T.pool[0] = (struct bh_cfg_pool){ 64 * MIB, 6 * GIB };
	T.zone[1].memory = 5 * GIB;
	T.part[5].memory = guest_mib * MIB;
	pack();
	assert_int_equal(run_blob(), 0); /* the blob itself is valid */
	return db_init_from_blob(&db, blob, blob_len, err, errlen);
}

static void test_below_the_start_map(void **state)
{
	char err[256] = "";

	assert_int_equal(boot_with_guest(3 * 1024, err, sizeof(err)), 0);
}

static void test_past_the_start_map(void **state)
{
	char err[256] = "";

	assert_int_equal(boot_with_guest(4 * 1024, err, sizeof(err)), -BH_E2BIG);
	assert_non_null(strstr(err, "the RAM and channels of guest-1 would reach guest-physical "
			      "0x100"));
	assert_non_null(strstr(err, "a partition starts with [0, 4 GiB) mapped"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_below_the_start_map),
		cmocka_unit_test(test_past_the_start_map),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
