/* SPDX-License-Identifier: MIT */
/* test_mb2_errors.c - Multiboot2 parser: every malformed-input path and its message. */
#include <stdio.h>
#include "mb2_build.h"

static const struct e820 one_range = { 0x100000, 0x100000, 1 };

/* expect_fail() with the message "multiboot2: tag T (name) at offset O: why". */
static void expect_tag_fail(int rc, uint32_t type, const char *name, uint32_t off,
			    const char *why)
{
	char want[ERR_LEN];

	snprintf(want, sizeof(want), "multiboot2: tag %u (%s) at offset 0x%x: %s", type, name,
		 off, why);
	assert_int_equal(parse(), rc);
	assert_string_equal(err, want);
}

static void test_total_size_small(void **state)
{
	begin();
	finish();
	set32(0, 15);
	expect_fail(-BH_EINVAL, "multiboot2: total_size 15, expected 16..1048576");
	set32(0, 0);
	expect_fail(-BH_EINVAL, "total_size 0,");
}

static void test_total_size_large(void **state)
{
	begin();
	finish();
	set32(0, MB2_INFO_MAX + 8);
	expect_fail(-BH_EINVAL, "total_size 1048584, expected 16..1048576");
}

static void test_alignment(void **state)
{
	begin();
	tag_mmap(&one_range, 1, 24);
	finish();
	memmove(mb.b + 4, mb.b, mb.len);
	assert_int_equal(mb2_parse(mb.b + 4, 0, &bi, err, sizeof(err)), -BH_EINVAL);
	assert_non_null(strstr(err, "expected 8-byte alignment"));
	assert_int_equal(mb2_parse(NULL, 0, &bi, err, sizeof(err)), -BH_EINVAL);
	assert_non_null(strstr(err, "expected 8-byte alignment"));
}

static void test_tag_size_below_header(void **state)
{
	begin();
	open_tag(1);
	put32(0);
	close_tag();
	set32(mb.tag + 4, 4);
	finish();
	expect_tag_fail(-BH_EINVAL, 1, "command line", 8, "size 4 < 8");
}

static void test_tag_past_block(void **state)
{
	begin();
	tag_str(1, "hello");
	finish();
	set32(8 + 4, 0x100);
	expect_tag_fail(-BH_EINVAL, 1, "command line", 8, "size 256 runs past total_size 32");
	set32(8 + 4, 25); /* ends one byte past the block */
	expect_tag_fail(-BH_EINVAL, 1, "command line", 8, "size 25 runs past total_size 32");
}

/* Each type we read has a fixed part: one byte short is refused before anything is read. */
static void test_fixed_part(void **state)
{
	static const struct {
		uint32_t type, min;
		const char *name;
	} kinds[] = {
		{ 3, 16, "module" },		 { 4, 16, "basic memory info" },
		{ 6, 16, "memory map" },	 { 8, 30, "framebuffer" },
		{ 11, 12, "EFI32 system table" }, { 12, 16, "EFI64 system table" },
		{ 14, 28, "ACPI old RSDP" },	 { 15, 44, "ACPI new RSDP" },
		{ 17, 16, "EFI memory map" },	 { 19, 12, "EFI32 image handle" },
		{ 20, 16, "EFI64 image handle" }, { 21, 12, "load base address" },
	};
	uint8_t zero[64] = { 0 };
	char why[64];

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		begin();
		tag_mmap(&one_range, 1, 24);
		uint32_t off = open_tag(kinds[i].type);
		put(zero, kinds[i].min - 9);
		close_tag();
		finish();
		snprintf(why, sizeof(why), "size %u < %u", kinds[i].min - 1, kinds[i].min);
		expect_tag_fail(-BH_EINVAL, kinds[i].type, kinds[i].name, off, why);
	}
}

static void test_string_unterminated(void **state)
{
	begin();
	open_tag(1);
	put("abcd", 4);
	close_tag();
	finish();
	expect_tag_fail(-BH_EINVAL, 1, "command line", 8,
			"string not NUL-terminated within its 4 bytes");
	begin();
	open_tag(2);
	close_tag();
	finish();
	expect_tag_fail(-BH_EINVAL, 2, "boot loader name", 8,
			"string not NUL-terminated within its 0 bytes");
	begin();
	open_tag(3);
	put32(0x200000);
	put32(0x201000);
	put("mod", 3);
	close_tag();
	finish();
	expect_tag_fail(-BH_EINVAL, 3, "module", 8, "string not NUL-terminated within its 3 bytes");
}

static void test_end_tag(void **state)
{
	begin();
	tag_str(1, "x");
	pad8();
	set32(0, mb.len);
	expect_fail(-BH_EINVAL, "multiboot2: no end tag (type 0) within total_size 24");
	begin();
	tag_str(1, "1234567"); /* ends exactly at total_size: no room for anything after */
	set32(0, mb.len);
	expect_fail(-BH_EINVAL, "no end tag (type 0) within total_size 24");
	begin();
	open_tag(0);
	put64(0);
	close_tag();
	set32(0, mb.len);
	expect_tag_fail(-BH_EINVAL, 0, "end", 8, "end tag size 16, expected 8");
}

static void test_too_many_modules(void **state)
{
	uint32_t off = 0;

	begin();
	tag_mmap(&one_range, 1, 24);
	for (int i = 0; i <= BH_BOOT_MODULES_MAX; i++)
		off = tag_module(0x200000 + i * 0x1000, 0x201000 + i * 0x1000, "m");
	finish();
	expect_tag_fail(-BH_E2BIG, 3, "module", off, "more than 32 modules");
}

static void test_module_end_before_start(void **state)
{
	begin();
	tag_mmap(&one_range, 1, 24);
	uint32_t off = tag_module(0x2000, 0x1000, "m");
	finish();
	expect_tag_fail(-BH_EINVAL, 3, "module", off, "mod_end 0x1000 < mod_start 0x2000");
}

/* Alternating types so that no two entries merge while being added. */
static void test_too_many_ranges(void **state)
{
	static struct e820 e[BH_BOOT_MMAP_MAX + 1];
	static struct efi_desc d[BH_BOOT_MMAP_MAX + 1];

	for (uint32_t i = 0; i <= BH_BOOT_MMAP_MAX; i++) {
		e[i] = (struct e820){ 0x100000 + i * 0x1000ull, 0x1000, i % 2 ? 2 : 1 };
		d[i] = (struct efi_desc){ i % 2 ? 0 : 7, 0x100000 + i * 0x1000ull, 1 };
	}
	begin();
	tag_mmap(e, BH_BOOT_MMAP_MAX, 24);
	finish();
	assert_int_equal(parse(), 0);
	begin();
	tag_mmap(e, BH_BOOT_MMAP_MAX + 1, 24);
	finish();
	expect_tag_fail(-BH_E2BIG, 6, "memory map", 8, "entry 256: more than 256 memory ranges");
	begin();
	tag_efi_mmap(d, BH_BOOT_MMAP_MAX + 1, 40);
	finish();
	expect_tag_fail(-BH_E2BIG, 17, "EFI memory map", 8,
			"entry 256: more than 256 memory ranges");
}

/* The example from the design brief, byte for byte: a 64-byte command line puts tag 6 at 0x48. */
static void test_entry_size(void **state)
{
	char line[56];

	memset(line, 'c', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	begin();
	tag_str(1, line);
	tag_mmap(&one_range, 1, 20);
	finish();
	assert_int_equal(parse(), -BH_EINVAL);
	assert_string_equal(err, "multiboot2: tag 6 (memory map) at offset 0x48: entry_size 20 < 24");
	begin();
	tag_mmap(&one_range, 1, 28);
	finish();
	expect_tag_fail(-BH_EINVAL, 6, "memory map", 8, "entry_size 28 not a multiple of 8");
	begin();
	tag_mmap(&one_range, 0, 0);
	finish();
	expect_tag_fail(-BH_EINVAL, 6, "memory map", 8, "entry_size 0 < 24");
}

/* A bad tag 17 is an error even when tag 6 would have won. */
static void test_descriptor_size(void **state)
{
	uint32_t off;

	begin();
	tag_mmap(&one_range, 1, 24);
	off = open_tag(17);
	put32(32);
	put32(1);
	put(&(uint8_t[32]){ 0 }, 32);
	close_tag();
	finish();
	expect_tag_fail(-BH_EINVAL, 17, "EFI memory map", off, "descriptor_size 32 < 40");
}

static void test_no_memory_map(void **state)
{
	begin();
	tag_str(1, "x");
	tag_u64(12, 0x1000);
	finish();
	expect_fail(-BH_EINVAL, "multiboot2: no memory map (neither tag 6 nor tag 17)");
}

static void test_duplicates(void **state)
{
	begin();
	tag_mmap(&one_range, 1, 24);
	uint32_t off = tag_mmap(&one_range, 1, 24);
	finish();
	expect_tag_fail(-BH_EINVAL, 6, "memory map", off, "duplicate tag");
	begin();
	tag_mmap(&one_range, 1, 24);
	tag_str(1, "a");
	off = tag_str(1, "b");
	finish();
	expect_tag_fail(-BH_EINVAL, 1, "command line", off, "duplicate tag");
}

static void test_boot_services_running(void **state)
{
	begin();
	tag_mmap(&one_range, 1, 24);
	uint32_t off = open_tag(18);
	close_tag();
	finish();
	expect_tag_fail(-BH_EINVAL, 18, "EFI boot services not terminated", off,
			"ExitBootServices() was not called; drop the header's EFI boot "
			"services tag");
}

static void test_range_wraps(void **state)
{
	static const struct e820 wrap = { 0xfffffffffffff000ull, 0x2000, 1 };
	static const struct e820 top = { 0xfffffffffffff000ull, 0x1000, 2 };
	static const struct efi_desc huge = { 7, 0x100000, 1ull << 53 };

	begin();
	tag_mmap(&wrap, 1, 24);
	finish();
	expect_tag_fail(-BH_EINVAL, 6, "memory map", 8,
			"entry 0: base 0xfffffffffffff000 + length 0x2000 wraps");
	begin();
	tag_mmap(&top, 1, 24); /* ends exactly at 2^64: kept, minus the last byte */
	finish();
	assert_int_equal(parse(), 0);
	assert_int_equal(bi.mmap[0].len, 0xfff);
	begin();
	tag_efi_mmap(&huge, 1, 40);
	finish();
	expect_tag_fail(-BH_EINVAL, 17, "EFI memory map", 8,
			"entry 0: num_pages 0x20000000000000 overflows");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_total_size_small),
		cmocka_unit_test(test_total_size_large),
		cmocka_unit_test(test_alignment),
		cmocka_unit_test(test_tag_size_below_header),
		cmocka_unit_test(test_tag_past_block),
		cmocka_unit_test(test_fixed_part),
		cmocka_unit_test(test_string_unterminated),
		cmocka_unit_test(test_end_tag),
		cmocka_unit_test(test_too_many_modules),
		cmocka_unit_test(test_module_end_before_start),
		cmocka_unit_test(test_too_many_ranges),
		cmocka_unit_test(test_entry_size),
		cmocka_unit_test(test_descriptor_size),
		cmocka_unit_test(test_no_memory_map),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_boot_services_running),
		cmocka_unit_test(test_range_wraps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
