/* SPDX-License-Identifier: MIT */
/* test_mb2.c - Multiboot2 parser: well-formed and recorded blocks field by field, fuzzing. */
#include "mb2_build.h"

/* A QEMU SeaBIOS-like e820 map, deliberately with one overlap and one unknown type. */
static const struct e820 bios_map[] = {
	{ 0x0, 0x9fc00, 1 },
	{ 0x9fc00, 0x400, 2 },
	{ 0xf0000, 0x10000, 2 },
	{ 0x100000, 0x7ee0000, 1 },
	{ 0x7fe0000, 0x20000, 3 },
	{ 0x7fff000, 0x1000, 4 },      /* overlaps the ACPI reclaim range: NVS wins */
	{ 0xfeffc000, 0x4000, 7 },     /* unknown → reserved */
	{ 0x100000000, 0x40000000, 1 },
	{ 0x140000000, 0x1000, 5 },
};

static void build_bios(void)
{
	begin();
	tag_str(1, "console=com1 partitions=2");
	tag_str(2, "GRUB 2.06");
	tag_module(0x200000, 0x212345, "/boot/ultravisor.elf role=uv");
	tag_module(0x213000, 0x300000, "/boot/config.bin");
	tag_meminfo();
	tag_mmap(bios_map, sizeof(bios_map) / sizeof(bios_map[0]), 24);
	tag_rsdp(14, 20, 0xab);
	tag_fb();
	finish();
}

static void test_bios_block(void **state)
{
	build_bios();
	assert_int_equal(parse(), 0);
	assert_string_equal(err, "");
	assert_int_equal(bi.magic, BH_BOOTINFO_MAGIC);
	assert_int_equal(bi.version, BH_BOOTINFO_VERSION);
	assert_int_equal(bi.source, BH_BOOT_MULTIBOOT2);
	assert_int_equal(bi.flags, BH_BOOT_HAS_RSDP | BH_BOOT_HAS_FB);
	assert_int_equal(bi.info_start, INFO_PA);
	assert_int_equal(bi.info_end, INFO_PA + mb.len);
	assert_string_equal(bi.cmdline, "console=com1 partitions=2");
	assert_string_equal(bi.loader, "GRUB 2.06");
	assert_int_equal(bi.module_count, 2);
	assert_int_equal(bi.modules[0].start, 0x200000);
	assert_int_equal(bi.modules[0].end, 0x212345);
	assert_string_equal(bi.modules[0].name, "/boot/ultravisor.elf role=uv");
	assert_int_equal(bi.modules[1].start, 0x213000);
	assert_int_equal(bi.modules[1].end, 0x300000);
	assert_string_equal(bi.modules[1].name, "/boot/config.bin");
	assert_int_equal(bi.rsdp_len, 20);
	assert_memory_equal(bi.rsdp, "RSD PTR \xab\xab", 10);
	assert_int_equal(bi.rsdp[19], 0xab);
	assert_int_equal(bi.rsdp[20], 0);
	assert_int_equal(bi.efi_system_table, 0);
	assert_int_equal(bi.fb.addr, 0xfd000000);
	assert_int_equal(bi.fb.pitch, 4096);
	assert_int_equal(bi.fb.width, 1024);
	assert_int_equal(bi.fb.height, 768);
	assert_int_equal(bi.fb.bpp, 32);
	assert_int_equal(bi.fb.type, 1);
}

static void test_bios_map(void **state)
{
	build_bios();
	assert_int_equal(parse(), 0);
	check_map(&bi);
	assert_int_equal(bi.mmap_count, 9);
	assert_range(0, 0x0, 0x9fc00, BH_MEM_USABLE);
	assert_range(1, 0x9fc00, 0x400, BH_MEM_RESERVED);
	assert_range(2, 0xf0000, 0x10000, BH_MEM_RESERVED);
	assert_range(3, 0x100000, 0x7ee0000, BH_MEM_USABLE);
	assert_range(4, 0x7fe0000, 0x1f000, BH_MEM_ACPI_RECLAIM);
	assert_range(5, 0x7fff000, 0x1000, BH_MEM_ACPI_NVS);
	assert_range(6, 0xfeffc000, 0x4000, BH_MEM_RESERVED);
	assert_range(7, 0x100000000, 0x40000000, BH_MEM_USABLE);
	assert_range(8, 0x140000000, 0x1000, BH_MEM_BAD);
	assert_false(bi.flags & BH_BOOT_MMAP_FROM_EFI);
}

static const struct e820 uefi_map[] = {
	{ 0x0, 0xa0000, 1 },
	{ 0x100000, 0x3f00000, 1 },
	{ 0x4000000, 0x100000, 2 },
};

/* OVMF-like: types 1..14 and an OEM type, out of order, stride 48 as real firmware uses. */
static const struct efi_desc efi_map[] = {
	{ 7, 0x0, 0xa0 },           /* conventional */
	{ 3, 0x100000, 0x100 },     /* boot services code: touching, merges on add */
	{ 4, 0x200000, 0x100 },
	{ 1, 0x300000, 0x10 },
	{ 2, 0x310000, 0x10 },
	{ 5, 0x320000, 0x10 },      /* runtime code */
	{ 6, 0x330000, 0x10 },
	{ 9, 0x340000, 0x10 },      /* ACPI reclaim */
	{ 10, 0x350000, 0x10 },     /* ACPI NVS */
	{ 8, 0x360000, 0x10 },      /* unusable */
	{ 0, 0x370000, 0x10 },
	{ 11, 0xfec00000, 0x1 },    /* MMIO */
	{ 12, 0xfec01000, 0x1 },
	{ 13, 0x380000, 0x10 },
	{ 14, 0x390000, 0x10 },     /* persistent: not ours */
	{ 0x80000001, 0x3a0000, 0x10 },
	{ 7, 0x3b0000, 0x50 },
};

static void build_uefi(int with_e820)
{
	begin();
	tag_str(1, "console=efifb");
	tag_str(2, "GRUB 2.12");
	if (with_e820)
		tag_mmap(uefi_map, sizeof(uefi_map) / sizeof(uefi_map[0]), 24);
	tag_u64(12, 0x7fbee018);
	tag_rsdp(15, 36, 0xcd);
	tag_efi_mmap(efi_map, sizeof(efi_map) / sizeof(efi_map[0]), 48);
	tag_u32(21, 0x1000000);
	finish();
}

static void test_uefi_block(void **state)
{
	build_uefi(1);
	assert_int_equal(parse(), 0);
	assert_int_equal(bi.flags, BH_BOOT_HAS_RSDP | BH_BOOT_HAS_EFI_ST);
	assert_int_equal(bi.efi_system_table, 0x7fbee018);
	assert_string_equal(bi.cmdline, "console=efifb");
	assert_string_equal(bi.loader, "GRUB 2.12");
	assert_int_equal(bi.module_count, 0);
	assert_int_equal(bi.rsdp_len, 36);
	assert_memory_equal(bi.rsdp, "RSD PTR \xcd", 9);
	assert_int_equal(bi.rsdp[35], 0xcd);
	assert_int_equal(bi.info_end - bi.info_start, mb.len);
	/* tag 6 wins over tag 17 */
	assert_int_equal(bi.mmap_count, 3);
	assert_range(0, 0x0, 0xa0000, BH_MEM_USABLE);
	assert_range(1, 0x100000, 0x3f00000, BH_MEM_USABLE);
	assert_range(2, 0x4000000, 0x100000, BH_MEM_RESERVED);
}

static void test_uefi_efi_map_only(void **state)
{
	build_uefi(0);
	assert_int_equal(parse(), 0);
	assert_int_equal(bi.flags, BH_BOOT_HAS_RSDP | BH_BOOT_HAS_EFI_ST | BH_BOOT_MMAP_FROM_EFI);
	check_map(&bi);
	assert_int_equal(bi.mmap_count, 9);
	assert_range(0, 0x0, 0xa0000, BH_MEM_USABLE);
	assert_range(1, 0x100000, 0x220000, BH_MEM_USABLE); /* types 3, 4, 1, 2 */
	assert_range(2, 0x320000, 0x20000, BH_MEM_RESERVED); /* runtime code and data */
	assert_range(3, 0x340000, 0x10000, BH_MEM_ACPI_RECLAIM);
	assert_range(4, 0x350000, 0x10000, BH_MEM_ACPI_NVS);
	assert_range(5, 0x360000, 0x10000, BH_MEM_BAD);
	assert_range(6, 0x370000, 0x40000, BH_MEM_RESERVED); /* types 0, 13, 14, OEM */
	assert_range(7, 0x3b0000, 0x50000, BH_MEM_USABLE);
	assert_range(8, 0xfec00000, 0x2000, BH_MEM_RESERVED); /* MMIO, MMIO port space */
}

/* Tag 15 wins over tag 14 whichever comes first; tag 14 alone gives the 20-byte copy. */
static void check_rsdp(uint32_t first, uint32_t second, uint32_t len, uint8_t byte19)
{
	static const struct e820 one = { 0x100000, 0x100000, 1 };

	begin();
	tag_mmap(&one, 1, 24);
	if (first)
		tag_rsdp(first, first == 15 ? 36 : 20, 0x11);
	tag_rsdp(second, second == 15 ? 36 : 20, 0x22);
	finish();
	assert_int_equal(parse(), 0);
	assert_true(bi.flags & BH_BOOT_HAS_RSDP);
	assert_int_equal(bi.rsdp_len, len);
	assert_int_equal(bi.rsdp[19], byte19);
	assert_int_equal(bi.rsdp[len - 1], byte19);
}

static void test_rsdp_preference(void **state)
{
	check_rsdp(15, 14, 36, 0x11);
	check_rsdp(14, 15, 36, 0x22);
	check_rsdp(0, 14, 20, 0x22);
	check_rsdp(0, 15, 36, 0x22);
}

/* Strings longer than their bootinfo field are cut and always NUL-terminated. */
static void test_string_truncation(void **state)
{
	static const struct e820 one = { 0x100000, 0x100000, 1 };
	char longs[400];

	memset(longs, 'x', sizeof(longs) - 1);
	longs[sizeof(longs) - 1] = '\0';
	begin();
	tag_str(1, longs);
	tag_str(2, longs);
	tag_module(0x200000, 0x201000, longs);
	tag_mmap(&one, 1, 24);
	finish();
	assert_int_equal(parse(), 0);
	assert_int_equal(strlen(bi.cmdline), BH_BOOT_CMDLINE_MAX - 1);
	assert_int_equal(strlen(bi.loader), sizeof(bi.loader) - 1);
	assert_int_equal(strlen(bi.modules[0].name), BH_BOOT_MODNAME_MAX - 1);
}

/* Unknown tags are skipped; entry_size 32 strides over vendor data; a partial trailing entry,
 * even one holding a plausible range, is ignored. */
static void test_skips_and_strides(void **state)
{
	static const struct e820 two[] = { { 0x100000, 0x100000, 1 }, { 0x200000, 0x1000, 2 } };

	begin();
	tag_u64(99, 0xdeadbeef);
	tag_u32(0x80000000u, 1);
	tag_mmap(two, 2, 32);
	put64(0x5000000); /* 24 of 32 bytes */
	put64(0x1000);
	put64(1);
	close_tag();
	finish();
	assert_int_equal(parse(), 0);
	assert_int_equal(bi.mmap_count, 2);
	assert_range(1, 0x200000, 0x1000, BH_MEM_RESERVED);
}

static void test_efi_partial_descriptor(void **state)
{
	static const struct efi_desc d = { 7, 0x100000, 0x100 };

	begin();
	tag_efi_mmap(&d, 1, 48);
	put32(7); /* 40 of 48 bytes */
	put32(0);
	put64(0x5000000);
	put64(0);
	put64(1);
	put64(0);
	close_tag();
	finish();
	assert_int_equal(parse(), 0);
	assert_int_equal(bi.mmap_count, 1);
	assert_range(0, 0x100000, 0x100000, BH_MEM_USABLE);
}

static const char *repeat(char *buf, char c, size_t len)
{
	memset(buf, c, len);
	buf[len] = '\0';
	return buf;
}

/* Strings one shorter than their field, exactly as long, and one longer. */
static void test_string_boundaries(void **state)
{
	static const struct e820 one = { 0x100000, 0x100000, 1 };
	char c[BH_BOOT_CMDLINE_MAX + 2], l[sizeof(bi.loader) + 2], m[BH_BOOT_MODNAME_MAX + 2];

	for (int d = -1; d <= 1; d++) {
		begin();
		tag_str(1, repeat(c, 'c', BH_BOOT_CMDLINE_MAX + d));
		tag_str(2, repeat(l, 'l', sizeof(bi.loader) + d));
		tag_module(0x200000, 0x201000, repeat(m, 'm', BH_BOOT_MODNAME_MAX + d));
		tag_mmap(&one, 1, 24);
		finish();
		assert_int_equal(parse(), 0);
		c[BH_BOOT_CMDLINE_MAX - 1] = l[sizeof(bi.loader) - 1] = m[BH_BOOT_MODNAME_MAX - 1] = 0;
		assert_string_equal(bi.cmdline, c);
		assert_string_equal(bi.loader, l);
		assert_string_equal(bi.modules[0].name, m);
	}
}

static void test_err_buffer_optional(void **state)
{
	begin();
	finish();
	assert_int_equal(mb2_parse(mb.b, 0, &bi, NULL, 0), -BH_EINVAL);
	assert_int_equal(mb2_parse(mb.b, 0, &bi, err, 0), -BH_EINVAL);
	assert_int_equal(mb2_parse(mb.b, 0, &bi, err, 8), -BH_EINVAL);
	assert_string_equal(err, "multibo");
}

/* The EFI memory map of a real boot, converted by us, against GRUB's own tag 6. */
static void check_real_efi_map(uint8_t *b, size_t len)
{
	uint32_t off6 = find_tag(b, len, 6), hidden = 0xffff;
	uint64_t ram = memmap_ram_bytes(&bi);

	assert_true(off6 != 0 && find_tag(b, len, 17) != 0);
	memcpy(b + off6, &hidden, 4);
	assert_int_equal(parse_len(b, len), 0);
	assert_true(bi.flags & BH_BOOT_MMAP_FROM_EFI);
	check_map(&bi);
	assert_int_equal(memmap_ram_bytes(&bi), ram);
	hidden = 6;
	memcpy(b + off6, &hidden, 4);
}

static void check_real(const char *name, int uefi)
{
	size_t len;
	uint8_t *b = load_data(name, &len);
	uint64_t ram;

	if (!b)
		skip();
	assert_int_equal(parse_len(b, len), 0);
	assert_true(find_tag(b, len, 1) != 0);
	assert_true(bi.mmap_count > 0);
	check_map(&bi);
	ram = memmap_ram_bytes(&bi);
	assert_in_range(ram, 16ull << 20, 16ull << 40);
	assert_true(bi.flags & BH_BOOT_HAS_RSDP);
	assert_memory_equal(bi.rsdp, "RSD PTR ", 8);
	if (uefi) {
		assert_true(bi.flags & BH_BOOT_HAS_EFI_ST);
		check_real_efi_map(b, len);
	}
	fuzz_truncate(b, (uint32_t)len);
	fuzz_flip(b, (uint32_t)len);
	free(b);
}

static void test_real_bios(void **state)
{
	check_real("mbi-bios.bin", 0);
}

static void test_real_uefi(void **state)
{
	check_real("mbi-uefi.bin", 1);
}

/* The BIOS-like block with the UEFI tags added: every handler is reachable by the fuzzer. */
static void build_fuzz_seed(void)
{
	build_bios();
	mb.len -= 8; /* drop the end tag */
	tag_u64(12, 0x7fbee018);
	tag_rsdp(15, 36, 0xcd);
	tag_efi_mmap(efi_map, 4, 40);
	tag_u32(21, 0x1000000);
	finish();
}

static void test_fuzz_truncate(void **state)
{
	build_fuzz_seed();
	assert_int_equal(parse(), 0);
	fuzz_truncate(mb.b, mb.len);
}

static void test_fuzz_flip(void **state)
{
	build_fuzz_seed();
	fuzz_flip(mb.b, mb.len);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bios_block),
		cmocka_unit_test(test_bios_map),
		cmocka_unit_test(test_uefi_block),
		cmocka_unit_test(test_uefi_efi_map_only),
		cmocka_unit_test(test_rsdp_preference),
		cmocka_unit_test(test_string_truncation),
		cmocka_unit_test(test_skips_and_strides),
		cmocka_unit_test(test_efi_partial_descriptor),
		cmocka_unit_test(test_string_boundaries),
		cmocka_unit_test(test_err_buffer_optional),
		cmocka_unit_test(test_real_bios),
		cmocka_unit_test(test_real_uefi),
		cmocka_unit_test(test_fuzz_truncate),
		cmocka_unit_test(test_fuzz_flip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
