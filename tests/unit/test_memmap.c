/* SPDX-License-Identifier: MIT */
/* test_memmap.c - memory map: append, sort, overlap precedence, merging, EFI types, limits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/errno.h>
#include "monitor/memmap.h"

#define UNIT     0x1000ull
#define UNIVERSE 64 /* reference maps cover [0, UNIVERSE * UNIT) */

static struct bh_bootinfo bi;

static void reset(void)
{
	memset(&bi, 0, sizeof(bi));
}

static void add(uint64_t base, uint64_t len, uint32_t type)
{
	assert_int_equal(memmap_add(&bi, base, len, type), 0);
}

static void assert_range(uint32_t i, uint64_t base, uint64_t len, uint32_t type)
{
	assert_true(i < bi.mmap_count);
	assert_int_equal(bi.mmap[i].base, base);
	assert_int_equal(bi.mmap[i].len, len);
	assert_int_equal(bi.mmap[i].type, type);
}

/* Sorted, disjoint, non-empty, no wrap, known types, touching neighbours differ. */
static void check_invariant(void)
{
	assert_true(bi.mmap_count <= BH_BOOT_MMAP_MAX);
	for (uint32_t i = 0; i < bi.mmap_count; i++) {
		const struct bh_mem_range *r = &bi.mmap[i];

		assert_true(r->len > 0);
		assert_true(r->len <= UINT64_MAX - r->base);
		assert_in_range(r->type, BH_MEM_USABLE, BH_MEM_BAD);
		if (i + 1 == bi.mmap_count)
			continue;
		assert_true(r->base + r->len <= bi.mmap[i + 1].base);
		if (r->base + r->len == bi.mmap[i + 1].base)
			assert_int_not_equal(r->type, bi.mmap[i + 1].type);
	}
}

static unsigned rank(uint32_t type)
{
	static const unsigned r[] = { [BH_MEM_USABLE] = 1, [BH_MEM_ACPI_RECLAIM] = 2,
				      [BH_MEM_RESERVED] = 3, [BH_MEM_ACPI_NVS] = 4,
				      [BH_MEM_BAD] = 5 };
	return type ? r[type] : 0;
}

/* Reference: paint unit by unit, the higher rank wins. 0 means a hole. */
static void paint_ref(const struct bh_mem_range *in, unsigned n, uint32_t *ref)
{
	memset(ref, 0, UNIVERSE * sizeof(*ref));
	for (unsigned i = 0; i < n; i++) {
		for (uint64_t u = in[i].base / UNIT; u < (in[i].base + in[i].len) / UNIT; u++) {
			if (rank(in[i].type) > rank(ref[u]))
				ref[u] = in[i].type;
		}
	}
}

static void paint_out(uint32_t *out)
{
	memset(out, 0, UNIVERSE * sizeof(*out));
	for (uint32_t i = 0; i < bi.mmap_count; i++) {
		for (uint64_t u = bi.mmap[i].base / UNIT; u < (bi.mmap[i].base + bi.mmap[i].len) / UNIT;
		     u++) {
			assert_true(u < UNIVERSE);
			out[u] = bi.mmap[i].type;
		}
	}
}

static void test_add_basics(void **state)
{
	reset();
	add(0x1000, 0, BH_MEM_USABLE); /* ignored */
	assert_int_equal(bi.mmap_count, 0);
	add(0x1000, 0x1000, 99); /* unknown: never RAM */
	assert_range(0, 0x1000, 0x1000, BH_MEM_RESERVED);
	add(0x2000, 0x1000, BH_MEM_RESERVED); /* appended right after, same type: folded */
	assert_int_equal(bi.mmap_count, 1);
	assert_range(0, 0x1000, 0x2000, BH_MEM_RESERVED);
	add(0x3000, 0x1000, BH_MEM_USABLE);
	add(UINT64_MAX - 0xfff, 0x2000, BH_MEM_RESERVED); /* would wrap: clamped */
	assert_range(2, UINT64_MAX - 0xfff, 0xfff, BH_MEM_RESERVED);
}

static void test_table_full(void **state)
{
	reset();
	for (uint32_t i = 0; i < BH_BOOT_MMAP_MAX; i++)
		add(i * UNIT, UNIT, i % 2 ? BH_MEM_RESERVED : BH_MEM_USABLE);
	assert_int_equal(memmap_add(&bi, 0x10000000, UNIT, BH_MEM_BAD), -BH_E2BIG);
	assert_int_equal(bi.mmap_count, BH_BOOT_MMAP_MAX);
	/* touching the last entry with its type still fits: it extends that entry */
	assert_int_equal(memmap_add(&bi, BH_BOOT_MMAP_MAX * UNIT, UNIT, BH_MEM_RESERVED), 0);
	assert_int_equal(bi.mmap[BH_BOOT_MMAP_MAX - 1].len, 2 * UNIT);
}

static void test_sort_and_merge(void **state)
{
	reset();
	add(0x5000, 0x1000, BH_MEM_USABLE);
	add(0x1000, 0x1000, BH_MEM_USABLE);
	add(0x3000, 0x2000, BH_MEM_USABLE); /* touches 0x5000 once sorted */
	add(0x2000, 0x1000, BH_MEM_RESERVED);
	add(0x8000, 0x4000, BH_MEM_USABLE);
	add(0x9000, 0x1000, BH_MEM_USABLE); /* contained, same type */
	add(0xa000, 0x4000, BH_MEM_USABLE); /* overlapping, same type */
	memmap_normalize(&bi);
	check_invariant();
	assert_int_equal(bi.mmap_count, 4);
	assert_range(0, 0x1000, 0x1000, BH_MEM_USABLE);
	assert_range(1, 0x2000, 0x1000, BH_MEM_RESERVED);
	assert_range(2, 0x3000, 0x3000, BH_MEM_USABLE);
	assert_range(3, 0x8000, 0x6000, BH_MEM_USABLE);
}

/* a = [0x10000, 0x14000) and b = [0x12000, 0x16000): the overlap joins the winner. */
static void check_overlap(uint32_t a, uint32_t b)
{
	uint64_t cut = rank(a) >= rank(b) ? 0x14000 : 0x12000;

	memset(&bi, 0, sizeof(bi));
	add(0x10000, 0x4000, a);
	add(0x12000, 0x4000, b);
	memmap_normalize(&bi);
	check_invariant();
	if (a == b) {
		assert_int_equal(bi.mmap_count, 1);
		assert_range(0, 0x10000, 0x6000, a);
		return;
	}
	assert_int_equal(bi.mmap_count, 2);
	assert_range(0, 0x10000, cut - 0x10000, a);
	assert_range(1, cut, 0x16000 - cut, b);
}

/* b = [0x12000, 0x14000) inside a = [0x10000, 0x16000): it punches a hole or vanishes. */
static void check_nested(uint32_t a, uint32_t b)
{
	memset(&bi, 0, sizeof(bi));
	add(0x10000, 0x6000, a);
	add(0x12000, 0x2000, b);
	memmap_normalize(&bi);
	check_invariant();
	if (rank(a) >= rank(b)) {
		assert_int_equal(bi.mmap_count, 1);
		assert_range(0, 0x10000, 0x6000, a);
		return;
	}
	assert_int_equal(bi.mmap_count, 3);
	assert_range(0, 0x10000, 0x2000, a);
	assert_range(1, 0x12000, 0x2000, b);
	assert_range(2, 0x14000, 0x2000, a);
}

/* Every ordered pair of types: the more restrictive one wins, whichever comes first. */
static void test_precedence_pairs(void **state)
{
	for (uint32_t a = BH_MEM_USABLE; a <= BH_MEM_BAD; a++) {
		for (uint32_t b = BH_MEM_USABLE; b <= BH_MEM_BAD; b++) {
			check_overlap(a, b);
			check_nested(a, b);
		}
	}
}

static void test_holes_punched(void **state)
{
	reset();
	add(0x0, 0x20000, BH_MEM_USABLE);
	add(0x4000, 0x1000, BH_MEM_RESERVED);
	add(0x8000, 0x2000, BH_MEM_BAD);
	add(0x0, 0x1000, BH_MEM_ACPI_NVS); /* same base as the big range */
	add(0x1f000, 0x3000, BH_MEM_ACPI_RECLAIM); /* straddles its end */
	memmap_normalize(&bi);
	check_invariant();
	assert_int_equal(bi.mmap_count, 7);
	assert_range(0, 0x0, 0x1000, BH_MEM_ACPI_NVS);
	assert_range(1, 0x1000, 0x3000, BH_MEM_USABLE);
	assert_range(2, 0x4000, 0x1000, BH_MEM_RESERVED);
	assert_range(3, 0x5000, 0x3000, BH_MEM_USABLE);
	assert_range(4, 0x8000, 0x2000, BH_MEM_BAD);
	assert_range(5, 0xa000, 0x15000, BH_MEM_USABLE);
	assert_range(6, 0x1f000, 0x3000, BH_MEM_ACPI_RECLAIM);
}

/* Entries written directly (another boot path) are sanitized: empty dropped, unknown typed. */
static void test_sanitize(void **state)
{
	reset();
	bi.mmap[0] = (struct bh_mem_range){ .base = 0x1000, .len = 0, .type = BH_MEM_USABLE };
	bi.mmap[1] = (struct bh_mem_range){ .base = 0x3000, .len = 0x1000, .type = 0 };
	bi.mmap[2] = (struct bh_mem_range){ .base = 0x2000, .len = 0x1000, .type = 77 };
	bi.mmap[3] = (struct bh_mem_range){ .base = UINT64_MAX, .len = 5, .type = 1 };
	bi.mmap_count = 4;
	memmap_normalize(&bi);
	check_invariant();
	assert_int_equal(bi.mmap_count, 1);
	assert_range(0, 0x2000, 0x2000, BH_MEM_RESERVED);
	bi.mmap_count = 1000; /* a corrupt count is clamped to the table */
	memmap_normalize(&bi);
	check_invariant();
	assert_true(bi.mmap_count <= BH_BOOT_MMAP_MAX);
	assert_int_equal(memmap_ram_bytes(&bi), 0);
}

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

/* Random maps against the paint-by-unit reference: the exact same picture, normalized. */
static void test_random_vs_reference(void **state)
{
	struct bh_mem_range in[24];
	uint32_t ref[UNIVERSE], out[UNIVERSE], seed = 42;

	for (int round = 0; round < 5000; round++) {
		unsigned n = 1 + lcg(&seed) % 24;

		reset();
		for (unsigned i = 0; i < n; i++) {
			uint64_t u = lcg(&seed) % UNIVERSE, len = 1 + lcg(&seed) % (UNIVERSE - u);

			in[i] = (struct bh_mem_range){ .base = u * UNIT, .len = len * UNIT,
							.type = 1 + lcg(&seed) % 5 };
			add(in[i].base, in[i].len, in[i].type);
		}
		memmap_normalize(&bi);
		check_invariant();
		paint_ref(in, n, ref);
		paint_out(out);
		assert_memory_equal(ref, out, sizeof(ref));
	}
}

/* A full table whose overlaps need more than BH_BOOT_MMAP_MAX pieces: tails are dropped, so
 * some RAM becomes a hole, but nothing is ever reported less restrictive than it is. */
static void test_full_table_split(void **state)
{
	struct bh_mem_range in[BH_BOOT_MMAP_MAX];

	reset();
	in[0] = (struct bh_mem_range){ .len = 2 * BH_BOOT_MMAP_MAX * UNIT,
				       .type = BH_MEM_USABLE };
	for (uint32_t i = 1; i < BH_BOOT_MMAP_MAX; i++)
		in[i] = (struct bh_mem_range){ .base = (2 * i - 1) * UNIT, .len = UNIT,
					       .type = BH_MEM_RESERVED };
	for (uint32_t i = 0; i < BH_BOOT_MMAP_MAX; i++)
		add(in[i].base, in[i].len, in[i].type);
	memmap_normalize(&bi);
	check_invariant();
	for (uint32_t i = 1; i < BH_BOOT_MMAP_MAX; i++) {
		uint64_t pa = in[i].base;

		for (uint32_t j = 0; j < bi.mmap_count; j++) {
			const struct bh_mem_range *r = &bi.mmap[j];

			if (pa >= r->base && pa < r->base + r->len)
				assert_int_equal(r->type, BH_MEM_RESERVED);
		}
	}
	assert_int_equal(bi.mmap_count, BH_BOOT_MMAP_MAX);
}

static void test_efi_types(void **state)
{
	static const uint32_t want[] = {
		[0] = BH_MEM_RESERVED,	   [1] = BH_MEM_USABLE,	     [2] = BH_MEM_USABLE,
		[3] = BH_MEM_USABLE,	   [4] = BH_MEM_USABLE,	     [5] = BH_MEM_RESERVED,
		[6] = BH_MEM_RESERVED,	   [7] = BH_MEM_USABLE,	     [8] = BH_MEM_BAD,
		[9] = BH_MEM_ACPI_RECLAIM, [10] = BH_MEM_ACPI_NVS,   [11] = BH_MEM_RESERVED,
		[12] = BH_MEM_RESERVED,	   [13] = BH_MEM_RESERVED,   [14] = BH_MEM_RESERVED,
		[15] = BH_MEM_RESERVED,
	};

	for (uint32_t t = 0; t < sizeof(want) / sizeof(want[0]); t++)
		assert_int_equal(memmap_from_efi_type(t), want[t]);
	assert_int_equal(memmap_from_efi_type(0x70000000), BH_MEM_RESERVED);
	assert_int_equal(memmap_from_efi_type(0x80000000), BH_MEM_RESERVED);
	assert_int_equal(memmap_from_efi_type(UINT32_MAX), BH_MEM_RESERVED);
}

static void test_ram_bytes(void **state)
{
	reset();
	add(0x0, 0x9f000, BH_MEM_USABLE);
	add(0x9f000, 0x1000, BH_MEM_RESERVED);
	add(0x100000, 0x1000000, BH_MEM_USABLE);
	add(0x1100000, 0x10000, BH_MEM_ACPI_RECLAIM);
	add(0x1110000, 0x1000, BH_MEM_ACPI_NVS);
	add(0x2000000, 0x1000, BH_MEM_BAD);
	memmap_normalize(&bi);
	assert_int_equal(memmap_ram_bytes(&bi), 0x9f000 + 0x1000000 + 0x10000 + 0x1000);
	reset();
	assert_int_equal(memmap_ram_bytes(&bi), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_basics),
		cmocka_unit_test(test_table_full),
		cmocka_unit_test(test_sort_and_merge),
		cmocka_unit_test(test_precedence_pairs),
		cmocka_unit_test(test_holes_punched),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_random_vs_reference),
		cmocka_unit_test(test_full_table_split),
		cmocka_unit_test(test_efi_types),
		cmocka_unit_test(test_ram_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
