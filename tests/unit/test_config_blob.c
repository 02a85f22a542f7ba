/* SPDX-License-Identifier: MIT */
/* test_config_blob.c - config blob structure: header, checksum, table directory, truncation,
 * hostile counts and offsets; and every compiled example in examples/ validates. */
#include <dirent.h>
#include "config_build.h"

#define HDR(f) offsetof(struct bh_cfg_header, f)
#define TBL(t, f) (HDR(tables) + (t) * sizeof(struct bh_cfg_table) + \
		   offsetof(struct bh_cfg_table, f))

static int setup(void **state)
{
	good();
	pack();
	return 0;
}

static void put32(size_t off, uint32_t v)
{
	memcpy(blob + off, &v, 4);
}

static void put16(size_t off, uint16_t v)
{
	memcpy(blob + off, &v, 2);
}

static void test_crc32(void **state)
{
	assert_int_equal(cfg_crc32("123456789", 9), 0xcbf43926); /* the CRC-32 check value */
	assert_int_equal(cfg_crc32("", 0), 0);
}

static void test_truncated_header(void **state)
{
	blob_len = 16;
	expect_blob("blob-size", "header: blob is 16 bytes, shorter than its 0x80-byte header "
		    "(truncated)");
	blob_len = 0;
	expect_blob("blob-size", "header: blob is 0 bytes, shorter than its 0x80-byte header "
		    "(truncated)");
}

static void test_truncated_body(void **state)
{
	size_t full = blob_len;
	char want[128];

	blob_len = full - 1;
	snprintf(want, sizeof(want), "header.total-size: 0x%zx but only 0x%zx bytes are present "
		 "(truncated)", full, full - 1);
	expect_blob("blob-size", want);
}

/* Every prefix of a good blob fails cleanly (ASan watches the reads). */
static void test_every_prefix(void **state)
{
	size_t full = blob_len;

	for (blob_len = 0; blob_len < full; blob_len++) {
		assert_int_equal(run_blob(), -BH_EINVAL);
		assert_int_equal(E.n, 1);
		assert_string_equal(E.check[0], "blob-size");
	}
}

static void test_magic(void **state)
{
	blob[0] = 'X';
	expect_blob("magic", "header.magic: 0x47464358 is not a Bulkhead config blob (0x47464342, "
		    "\"BCFG\")");
}

static void test_version(void **state)
{
	put16(HDR(version), 1);
	expect_blob("version", "header.version: unknown version 1 (this build reads 2)");
}

static void test_total_size(void **state)
{
	put32(HDR(total_size), 0x40);
	expect_blob("blob-size", "header.total-size: 0x40 is smaller than the 0x80-byte header");
	put32(HDR(total_size), 0x1000000);
	expect_blob("blob-size", "header.total-size: 0x1000000 exceeds the limit of 0x40000");
}

static void test_checksum(void **state)
{
	char want[128];
	uint32_t good_sum;

	memcpy(&good_sum, blob + HDR(checksum), 4);
	blob[blob_len - 1] ^= 1;
	snprintf(want, sizeof(want), "header.checksum: 0x%08x but the blob's CRC-32 is 0x%08x "
		 "(corrupted or edited)", good_sum, cfg_crc32(blob + 16, blob_len - 16));
	expect_blob("checksum", want);
}

/* Checksummed header fields: the checksum covers them, so edits are refreshed. */
static void test_header_fields(void **state)
{
	put16(HDR(table_count), 5);
	refresh();
	expect_blob("header-fields", "header.table-count: 5, expected 6");
	setup(state);
	put32(HDR(flags), 1);
	refresh();
	expect_blob("header-fields", "header.flags: 0x1, must be zero");
	setup(state);
	blob[HDR(reserved_0x18) + 7] = 1;
	refresh();
	expect_blob("header-fields", "header.reserved-0x18: 0x100000000000000, must be zero");
}

static void test_table_entry_size(void **state)
{
	put32(TBL(BH_CFG_ZONES, entry_size), 0x30);
	refresh();
	expect_blob("table-entry-size", "zones: entry size 0x30, expected 0x40");
}

static void test_table_count(void **state)
{
	T.n[BH_CFG_POOL] = BH_CFG_POOL_MAX + 1;
	for (uint32_t i = 1; i < T.n[BH_CFG_POOL]; i++)
		T.pool[i] = (struct bh_cfg_pool){ (1ull << 32) * i, 2 * MIB };
	pack();
	expect_blob("table-count", "memory-pool: 17 entries exceed the limit of 16");
}

static void test_table_bounds(void **state)
{
	char want[128];
	uint32_t off;

	memcpy(&off, blob + TBL(BH_CFG_CHANNELS, offset), 4);
	put32(TBL(BH_CFG_CHANNELS, offset), off + 4);
	refresh();
	snprintf(want, sizeof(want), "channels: table offset 0x%x not 8-byte aligned", off + 4);
	expect_blob("table-bounds", want);
	setup(state);
	put32(TBL(BH_CFG_CHANNELS, reserved_0x0c), 1);
	refresh();
	expect_blob("table-bounds", "channels: directory reserved field 0x1, must be zero");
}

static void test_table_outside(void **state)
{
	char want[128];

	put32(TBL(BH_CFG_POLICIES, offset), (uint32_t)blob_len - 0x40);
	refresh();
	snprintf(want, sizeof(want), "policies: table 0x%zx-0x%zx lies outside the blob body "
		 "0x80-0x%zx", blob_len - 0x40, blob_len + 0x40, blob_len);
	expect_blob("table-bounds", want);
	setup(state);
	put32(TBL(BH_CFG_PARTITIONS, offset), 0x40);
	refresh();
	snprintf(want, sizeof(want), "partitions: table 0x40-0x%zx lies outside the blob body "
		 "0x80-0x%zx", 0x40 + 6 * sizeof(struct bh_cfg_partition), blob_len);
	expect_blob("table-bounds", want);
}

/* count * entry_size near 2^64 must not wrap into a pass. */
static void test_table_overflow(void **state)
{
	char want[128];

	put32(TBL(BH_CFG_DEVICES, offset), 0xfffffff8);
	put32(TBL(BH_CFG_DEVICES, count), 0xffffffff);
	put32(TBL(BH_CFG_DEVICES, entry_size), 0xffffffff);
	refresh();
	assert_int_equal(run_blob(), -BH_EINVAL);
	assert_int_equal(E.n, 3); /* offset + count * size is computed in 64 bits: no wrap */
	assert_string_equal(E.text[0], "devices: entry size 0xffffffff, expected 0x90");
	assert_string_equal(E.text[1], "devices: 4294967295 entries exceed the limit of 64");
	snprintf(want, sizeof(want), "devices: table 0xfffffff8-0xfffffffefffffff9 lies outside "
		 "the blob body 0x80-0x%zx", blob_len);
	assert_string_equal(E.text[2], want);
	setup(state);
	put32(TBL(BH_CFG_DEVICES, offset), 0xfffffff8);
	refresh();
	assert_int_equal(run_blob(), -BH_EINVAL);
	assert_string_equal(E.check[0], "table-bounds");
}

static void test_table_overlap(void **state)
{
	char want[128];
	uint32_t off;

	memcpy(&off, blob + TBL(BH_CFG_ZONES, offset), 4);
	put32(TBL(BH_CFG_POLICIES, offset), off);
	refresh();
	snprintf(want, sizeof(want), "policies: table 0x%x-0x%x overlaps table zones", off,
		 off + 0x80);
	expect_blob("table-overlap", want);
}

static void test_trailing_bytes(void **state)
{
	blob_len += 100; /* a loader may pad the module; only total_size bytes count */
	assert_int_equal(run_blob(), 0);
}

static void test_format_and_read(void **state)
{
	struct cfg_error e = { .table = BH_CFG_PARTITIONS, .index = 3, .field = "memory",
			       .msg = "0x1000 not a multiple of 2 MiB" };
	struct cfg_blob b;
	struct bh_cfg_partition p;
	char buf[128];

	cfg_format_error(buf, sizeof(buf), &e);
	assert_string_equal(buf, "partitions[3].memory: 0x1000 not a multiple of 2 MiB");
	e = (struct cfg_error){ .table = CFG_HEADER, .index = -1, .msg = "x" };
	cfg_format_error(buf, sizeof(buf), &e);
	assert_string_equal(buf, "header: x");
	assert_int_equal(cfg_open(&b, blob, blob_len, NULL, NULL), 0);
	assert_int_equal(cfg_count(&b, BH_CFG_PARTITIONS), 6);
	assert_true(cfg_read(&b, BH_CFG_PARTITIONS, 5, &p));
	assert_string_equal(p.name, "guest-1");
	assert_false(cfg_read(&b, BH_CFG_PARTITIONS, 6, &p));
	assert_false(cfg_read(&b, BH_CFG_TABLES, 0, &p));
	blob[0] = 0;
	assert_int_equal(cfg_open(&b, blob, blob_len, NULL, NULL), -BH_EINVAL);
	assert_int_equal(cfg_count(&b, BH_CFG_PARTITIONS), 0);
}

/* Every byte flipped, checksum fixed up: validation never reads out of bounds. */
static void test_flips(void **state)
{
	size_t len = blob_len;

	for (size_t i = 0; i < len; i++) {
		for (unsigned v = 1; v < 256; v <<= 1) {
			setup(state);
			blob[i] ^= (uint8_t)v;
			if (i >= BH_CFG_CHECKSUM_START)
				refresh();
			run_blob();
		}
	}
}

static const char *examples_dir(void)
{
	const char *dir = getenv("BH_CFG_EXAMPLES");

	return dir ? dir : CONFIG_EXAMPLES_DIR;
}

static void check_example(const char *dir, const char *name)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	blob_len = fread(blob, 1, sizeof(blob), f);
	fclose(f);
	if (run_blob()) {
		print_message("%s:\n", path);
		print_errors();
	}
	assert_int_equal(E.n, 0);
}

static void test_examples(void **state)
{
	DIR *d = opendir(examples_dir());
	struct dirent *de;
	int n = 0;

	if (!d)
		print_message("%s: no compiled examples (make config-examples)\n", examples_dir());
	assert_non_null(d);
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len > 4 && strcmp(de->d_name + len - 4, ".bin") == 0) {
			check_example(examples_dir(), de->d_name);
			n++;
		}
	}
	closedir(d);
	assert_true(n >= 4); /* default, minimal, dense, two-zones */
}

#define T_(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T_(test_crc32),		  T_(test_truncated_header), T_(test_truncated_body),
		T_(test_every_prefix),	  T_(test_magic),	     T_(test_version),
		T_(test_total_size),	  T_(test_checksum),	     T_(test_header_fields),
		T_(test_table_entry_size), T_(test_table_count),     T_(test_table_bounds),
		T_(test_table_outside),	  T_(test_table_overflow),   T_(test_table_overlap),
		T_(test_trailing_bytes),  T_(test_format_and_read),  T_(test_flips),
		T_(test_examples),
	};

	return cmocka_run_group_tests_name("config blob structure", tests, NULL, NULL);
}
