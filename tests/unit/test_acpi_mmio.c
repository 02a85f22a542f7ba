/* SPDX-License-Identifier: MIT */
/* test_acpi_mmio.c - the MMIO the firmware's tables name and the monitor keeps
 * (monitor/acpi-mmio.c), and the FADT's SMI command port (monitor/acpi.c): synthetic tables
 * in host memory, reached through an RSDP and an XSDT like the firmware's. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "monitor/acpi.h"
#include "monitor/log.h"

void log_printf(enum log_level level, const char *fmt, ...)
{
}

static _Alignas(4096) uint8_t mem[16384]; /* the "physical" memory holding the tables */
static size_t used;
static struct bh_bootinfo bi;

static void sum_fix(uint8_t *t, uint32_t len, unsigned at)
{
	uint8_t s = 0;

	t[at] = 0;
	for (uint32_t i = 0; i < len; i++)
		s += t[i];
	t[at] = (uint8_t)-s;
}

/* A table: header (ACPI 5.2.6) with sig and length, then body. → its address. */
static uint64_t table(const char *sig, const void *body, uint32_t len)
{
	uint8_t *t = mem + used;
	uint32_t total = 36 + len;

	memset(t, 0, total);
	memcpy(t, sig, 4);
	memcpy(t + 4, &total, 4);
	t[8] = 2;
	memcpy(t + 36, body, len);
	sum_fix(t, total, 9);
	used += (total + 15) & ~15u;
	return (uint64_t)(uintptr_t)t;
}

static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }

/* An XSDT over the n tables, an RSDP (revision 2) pointing at it, the memory map covering
 * mem[]. */
static void firmware(const uint64_t *tables, unsigned n)
{
	uint8_t rsdp[36] = "RSD PTR ";
	uint64_t xsdt = table("XSDT", tables, n * 8);

	rsdp[15] = 2;
	put64(rsdp + 24, xsdt);
	put32(rsdp + 20, 36);
	sum_fix(rsdp, 20, 8);
	sum_fix(rsdp, 36, 32);
	memset(&bi, 0, sizeof(bi));
	memcpy(bi.rsdp, rsdp, sizeof(rsdp));
	bi.rsdp_len = 36;
	bi.flags = BH_BOOT_HAS_RSDP;
	bi.mmap_count = 1;
	bi.mmap[0] = (struct bh_mem_range){ .base = (uint64_t)(uintptr_t)mem, .len = sizeof(mem),
					    .type = BH_MEM_ACPI_RECLAIM };
}

static int setup(void **s)
{
	used = 0;
	return 0;
}

static void test_every_table(void **s)
{
	uint8_t mcfg[8 + 16] = { 0 }, dmar[12 + 16] = { 0 }, ivrs[12 + 24 + 24] = { 0 };
	uint8_t madt[8 + 12 + 12 + 8] = { 0 }, hpet[20] = { 0 };
	struct acpi_mmio m[16];

	put64(mcfg + 8, 0xb0000000); /* segment 0, buses 0-63: 64 MiB */
	mcfg[8 + 10] = 0, mcfg[8 + 11] = 63;
	put16(dmar + 12 + 2, 16); /* a DRHD, size 2^1 pages */
	dmar[12 + 5] = 1;
	put64(dmar + 12 + 8, 0xfed90000);
	ivrs[12] = 0x10, put16(ivrs + 12 + 2, 24), put64(ivrs + 12 + 8, 0xfd000000);
	ivrs[36] = 0x20, put16(ivrs + 36 + 2, 24), put64(ivrs + 36 + 8, 0x12345000); /* IVMD */
	put32(madt, 0xfee00000);
	madt[8] = 1, madt[9] = 12, put32(madt + 8 + 4, 0xfec00000);       /* I/O APIC */
	madt[20] = 1, madt[21] = 12, put32(madt + 20 + 4, 0xfec01000);    /* a second */
	madt[32] = 0, madt[33] = 8;                                       /* a CPU */
	put64(hpet + 8, 0xfed00000); /* the generic address at table offset 44 */
	const uint64_t t[] = { table("MCFG", mcfg, sizeof(mcfg)), table("DMAR", dmar, sizeof(dmar)),
			       table("IVRS", ivrs, sizeof(ivrs)), table("APIC", madt, sizeof(madt)),
			       table("HPET", hpet, sizeof(hpet)) };
	firmware(t, 5);
	assert_int_equal(acpi_kept_mmio(&bi, m, 16), 7);
	assert_int_equal(m[0].base, 0xb0000000);
	assert_int_equal(m[0].size, 64ull << 20);
	assert_non_null(strstr(m[0].name, "MCFG"));
	assert_int_equal(m[1].base, 0xfed90000);
	assert_int_equal(m[1].size, 0x2000);
	assert_non_null(strstr(m[1].name, "DMAR"));
	assert_int_equal(m[2].base, 0xfd000000); /* the IVMD is memory, not registers */
	assert_non_null(strstr(m[2].name, "IVRS"));
	assert_int_equal(m[3].base, 0xfee00000);
	assert_int_equal(m[4].base, 0xfec00000);
	assert_int_equal(m[5].base, 0xfec01000);
	assert_int_equal(m[6].base, 0xfed00000);
	assert_non_null(strstr(m[6].name, "HPET"));
	assert_int_equal(acpi_kept_mmio(&bi, m, 3), 3); /* bounded by max */
}

/* A structure whose length runs past its table ends the walk; nothing past it is read. */
static void test_malformed(void **s)
{
	uint8_t dmar[12 + 16 + 16] = { 0 }, madt[8 + 12] = { 0 };
	struct acpi_mmio m[8];

	put16(dmar + 12 + 2, 16), put64(dmar + 12 + 8, 0xfed90000);
	put16(dmar + 28 + 2, 200), put64(dmar + 28 + 8, 0xfed91000); /* too long */
	madt[8] = 1, madt[9] = 0;                                      /* length 0 */
	const uint64_t t[] = { table("DMAR", dmar, sizeof(dmar)), table("APIC", madt, sizeof(madt)) };
	firmware(t, 2);
	assert_int_equal(acpi_kept_mmio(&bi, m, 8), 1);
	assert_int_equal(m[0].base, 0xfed90000);
}

/* The FADT's SMI command port joins its PM blocks (ACPI 5.2.9, offset 48). */
static void test_smi_port(void **s)
{
	uint8_t fadt[276 - 36] = { 0 };
	struct acpi_ports p[10];

	put32(fadt + 48 - 36, 0xb2);
	put32(fadt + 64 - 36, 0x604), fadt[89 - 36] = 2; /* PM1a control */
	const uint64_t t[] = { table("FACP", fadt, sizeof(fadt)) };
	firmware(t, 1);
	assert_int_equal(acpi_pm_ports(&bi, p, 10), 2);
	assert_int_equal(p[0].base, 0x604);
	assert_int_equal(p[1].base, 0xb2);
	assert_int_equal(p[1].count, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_every_table, setup),
		cmocka_unit_test_setup(test_malformed, setup),
		cmocka_unit_test_setup(test_smi_port, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
