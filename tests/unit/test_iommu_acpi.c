/* SPDX-License-Identifier: MIT */
/* test_iommu_acpi.c - DMAR and IVRS parsing (monitor/iommu/iommu-acpi.c) against byte-exact
 * tables laid out as QEMU 7.2 builds them (hw/i386/acpi-build.c), and hostile variants. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/errno.h>
#include "monitor/iommu/iommu-acpi.h"

/* q35 + intel-iommu,aw-bits=48: header, HAW 47, flags (INTR_REMAP), one DRHD with
 * INCLUDE_PCI_ALL at 0xfed90000; then an RMRR for 00:1d.0 [0x7f000000, 0x7f0fffff]. */
static const uint8_t dmar[] = {
	'D', 'M', 'A', 'R', 96, 0, 0, 0, 1, 0, 'B', 'O', 'C', 'H', 'S', ' ',
	'B', 'X', 'P', 'C', ' ', ' ', ' ', ' ', 1, 0, 0, 0, 'B', 'X', 'P', 'C',
	1, 0, 0, 0,
	47, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,                   /* @36 HAW, flags, reserved */
	0, 0, 16, 0, 1, 0, 0, 0, 0x00, 0x00, 0xd9, 0xfe, 0, 0, 0, 0, /* @48 DRHD */
	1, 0, 32, 0, 0, 0, 0, 0, 0, 0, 0, 0x7f, 0, 0, 0, 0,         /* @64 RMRR, base */
	0xff, 0xff, 0x0f, 0x7f, 0, 0, 0, 0,                          /* limit */
	1, 8, 0, 0, 0, 0, 0x1d, 0,                                   /* scope: endpoint 00:1d.0 */
};

/* q35 + amd-iommu: IVinfo, one IVHD type 10h for 00:03.0 (device id 0x18) at 0xfed80000
 * with a "select all" device entry. */
static const uint8_t ivrs[] = {
	'I', 'V', 'R', 'S', 76, 0, 0, 0, 1, 0, 'B', 'O', 'C', 'H', 'S', ' ',
	'B', 'X', 'P', 'C', ' ', ' ', ' ', ' ', 1, 0, 0, 0, 'B', 'X', 'P', 'C',
	1, 0, 0, 0,
	0x40, 0x30, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0,             /* @36 IVinfo, reserved */
	0x10, 0xd0, 28, 0, 0x18, 0, 0x40, 0,                      /* @48 IVHD 10h, devid, cap */
	0x00, 0x00, 0xd8, 0xfe, 0, 0, 0, 0,                       /* base */
	0, 0, 0, 0, 0, 0, 0, 0,                                   /* segment, info, feature */
	1, 0, 0, 0,                                               /* select all */
};

static void qemu_dmar(void **state)
{
	struct iommu_acpi a;

	assert_int_equal(iommu_parse_dmar(dmar, sizeof(dmar), &a), 0);
	assert_int_equal(a.kind, IOMMU_VTD);
	assert_int_equal(a.haw, 47);
	assert_int_equal(a.count, 1);
	assert_int_equal(a.units[0].base, 0xfed90000);
	assert_int_equal(a.units[0].size, 0x1000);
	assert_true(a.units[0].all);
	assert_int_equal(a.reserved_count, 1);
	assert_int_equal(a.reserved[0].bdf, 0x1d << 3);
	assert_int_equal(a.reserved[0].base, 0x7f000000);
	assert_int_equal(a.reserved[0].end, 0x7f100000);
}

static void qemu_ivrs(void **state)
{
	struct iommu_acpi a;

	assert_int_equal(iommu_parse_ivrs(ivrs, sizeof(ivrs), &a), 0);
	assert_int_equal(a.kind, IOMMU_AMDVI);
	assert_int_equal(a.count, 1);
	assert_int_equal(a.units[0].base, 0xfed80000);
	assert_int_equal(a.units[0].devid, 0x18);
	assert_int_equal(a.reserved_count, 0);
}

/* Every refusal leaves no unit and says where. */
static void refused(const uint8_t *t, size_t len, int dmar_table, const char *why)
{
	struct iommu_acpi a;
	int r = dmar_table ? iommu_parse_dmar(t, (uint32_t)len, &a) :
			     iommu_parse_ivrs(t, (uint32_t)len, &a);

	assert_int_equal(r, -BH_EINVAL);
	assert_int_equal(a.count, 0);
	assert_non_null(strstr(a.err, why));
}

static void hostile_dmar(void **state)
{
	uint8_t t[sizeof(dmar)];

	memcpy(t, dmar, sizeof(t));
	t[50] = 0xff; /* DRHD length past the table */
	refused(t, sizeof(t), 1, "runs past the table");
	memcpy(t, dmar, sizeof(t));
	t[50] = 0; /* zero length: no endless walk */
	refused(t, sizeof(t), 1, "runs past the table");
	memcpy(t, dmar, sizeof(t));
	t[57] = 0x10; /* base 0xfed91000 + 0x10: not page aligned */
	t[56] = 0x10;
	refused(t, sizeof(t), 1, "not 4 KiB aligned");
	memcpy(t, dmar, sizeof(t));
	t[54] = 1; /* segment 1 */
	refused(t, sizeof(t), 1, "segment");
	memcpy(t, dmar, sizeof(t));
	t[81] = 0; /* RMRR limit below base */
	t[82] = 0;
	t[83] = 0;
	refused(t, sizeof(t), 1, "limit below base");
	memcpy(t, dmar, sizeof(t));
	t[89] = 40; /* device scope longer than its RMRR */
	refused(t, sizeof(t), 1, "RMRR device scope length");
	refused(dmar, 40, 1, "shorter than its header");
	refused(dmar, 48, 1, "no DRHD");
	refused(ivrs, sizeof(ivrs), 1, "signature");
}

static void too_many_units(void **state)
{
	uint8_t t[48 + 5 * 16];

	memcpy(t, dmar, 48);
	for (unsigned i = 0; i < 5; i++) {
		memcpy(t + 48 + 16 * i, dmar + 48, 16);
		t[48 + 16 * i + 9] = (uint8_t)(0x10 * i); /* distinct bases */
	}
	refused(t, sizeof(t), 1, "more remapping units");
}

/* An IVMD (type 21h) for 00:04.0: that function must never be assigned. */
static void ivrs_ivmd(void **state)
{
	uint8_t t[sizeof(ivrs) + 32] = { 0 };
	struct iommu_acpi a;

	memcpy(t, ivrs, sizeof(ivrs));
	t[sizeof(ivrs)] = 0x21;
	t[sizeof(ivrs) + 2] = 32;
	t[sizeof(ivrs) + 4] = 0x20;          /* device id 00:04.0 */
	t[sizeof(ivrs) + 19] = 0x7f;         /* start 0x7f000000 */
	t[sizeof(ivrs) + 26] = 0x10;         /* length 1 MiB */
	assert_int_equal(iommu_parse_ivrs(t, sizeof(t), &a), 0);
	assert_int_equal(a.reserved_count, 1);
	assert_int_equal(a.reserved[0].bdf, 0x20);
	assert_false(a.reserved[0].all);
	assert_int_equal(a.reserved[0].base, 0x7f000000);
	assert_int_equal(a.reserved[0].end, 0x7f100000);
	memset(t + sizeof(ivrs) + 24, 0xff, 8); /* length wraps */
	refused(t, sizeof(t), 0, "range wraps");
}

static void hostile_ivrs(void **state)
{
	uint8_t t[sizeof(ivrs)];

	memcpy(t, ivrs, sizeof(t));
	t[50] = 100; /* IVHD past the table */
	refused(t, sizeof(t), 0, "runs past the table");
	memcpy(t, ivrs, sizeof(t));
	t[50] = 20; /* IVHD shorter than its fixed part */
	refused(t, sizeof(t), 0, "IVHD shorter");
	refused(ivrs, 48, 0, "no IVHD");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(qemu_dmar),     cmocka_unit_test(qemu_ivrs),
		cmocka_unit_test(hostile_dmar),  cmocka_unit_test(too_many_units),
		cmocka_unit_test(hostile_ivrs),  cmocka_unit_test(ivrs_ivmd),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
