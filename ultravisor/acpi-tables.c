/* SPDX-License-Identifier: MIT */
/* acpi-tables.c - RSDP, XSDT, FADT, FACS, DSDT and MADT for a linux partition (acpi-tables.h;
 * ACPI 6.4 chapter 5.2). Offsets inside the FADT and the MADT entries follow the spec's
 * tables 5.9 "FADT Format" and 5.21/5.25 (MADT, Processor Local APIC, Local APIC NMI). */
#include <string.h>
#include "acpi-tables.h"

#define FADT_LEN  244 /* revision 4 (ACPI 3.0): the X_ fields, nothing newer */
#define FACS_LEN  64
#define DSDT_LEN  36  /* a header and no AML: no devices in the namespace */
#define MADT_HEAD 44

/* FADT byte offsets (Table 5.9) */
enum { F_FACS = 36, F_DSDT = 40, F_SCI_INT = 46, F_PM1A_EVT = 56, F_PM1A_CNT = 64,
       F_PM1_EVT_LEN = 88, F_PM1_CNT_LEN = 89, F_CENTURY = 108, F_BOOT_ARCH = 109,
       F_FLAGS = 112, F_X_FACS = 132, F_X_DSDT = 140 };
#define BOOT_ARCH_LEGACY  (1u << 0) /* ISA devices (the UART, the RTC) */
#define BOOT_ARCH_NO_VGA  (1u << 2) /* and no 8042 (bit 1 clear) */
#define FADT_WBINVD       (1u << 0)
#define FADT_PWR_BUTTON   (1u << 4) /* no fixed-feature power button */
#define FADT_SLP_BUTTON   (1u << 5) /* nor sleep button */
#define MADT_PCAT_COMPAT  1u        /* a dual 8259 is there too */
#define RTC_CENTURY_INDEX 0x32

static void header(uint8_t *t, const char *sig, uint32_t len, uint8_t revision)
{
	struct acpi_header h = { .length = len, .revision = revision, .oem_revision = 1,
				 .creator_revision = 1 };

	memcpy(h.signature, sig, 4);
	memcpy(h.oem_id, "BLKHD ", 6);
	memcpy(h.oem_table_id, "PARTITIO", 8);
	memcpy(h.creator_id, "BLKH", 4);
	memcpy(t, &h, sizeof(h));
}

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

static void seal(uint8_t *t)
{
	uint32_t len;

	memcpy(&len, t + 4, 4);
	t[9] = (uint8_t)-sum(t, len);
}

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static void fadt(uint8_t *t, uint64_t facs, uint64_t dsdt)
{
	header(t, "FACP", FADT_LEN, 4);
	put32(t + F_FACS, (uint32_t)facs);
	put32(t + F_DSDT, (uint32_t)dsdt);
	t[F_SCI_INT] = ACPI_SCI_IRQ;
	put32(t + F_PM1A_EVT, ACPI_PM1A_EVT_PORT);
	put32(t + F_PM1A_CNT, ACPI_PM1A_CNT_PORT);
	t[F_PM1_EVT_LEN] = 4;
	t[F_PM1_CNT_LEN] = 2;
	t[F_CENTURY] = RTC_CENTURY_INDEX;
	t[F_BOOT_ARCH] = BOOT_ARCH_LEGACY | BOOT_ARCH_NO_VGA;
	put32(t + F_FLAGS, FADT_WBINVD | FADT_PWR_BUTTON | FADT_SLP_BUTTON);
	put64(t + F_X_FACS, facs);
	put64(t + F_X_DSDT, dsdt);
	seal(t);
}

/* 5.2.12 MADT: local APIC address, flags, a Processor Local APIC (type 0, 8 bytes) per vCPU,
 * one Local APIC NMI (type 4, 6 bytes) for all of them on LINT1. */
static size_t madt(uint8_t *t, unsigned vcpus)
{
	size_t len = MADT_HEAD + 8 * vcpus + 6;
	uint8_t *e = t + MADT_HEAD;

	header(t, "APIC", (uint32_t)len, 4);
	put32(t + 36, 0xfee00000u);
	put32(t + 40, MADT_PCAT_COMPAT);
	for (unsigned i = 0; i < vcpus; i++, e += 8) {
		e[0] = 0, e[1] = 8, e[2] = (uint8_t)i, e[3] = (uint8_t)i; /* UID, APIC ID */
		put32(e + 4, 1);                                    /* enabled */
	}
	e[0] = 4, e[1] = 6, e[2] = 0xff, e[3] = 0, e[4] = 0, e[5] = 1; /* all UIDs, LINT1 */
	seal(t);
	return len;
}

static size_t align16(size_t n)
{
	return (n + 15) & ~(size_t)15;
}

size_t acpi_tables_build(uint8_t buf[ACPI_TABLES_MAX], uint64_t gpa, unsigned vcpus)
{
	const size_t xsdt = align16(sizeof(struct acpi_rsdp)), fadt_at = xsdt + 64;
	const size_t facs = (fadt_at + FADT_LEN + 63) & ~(size_t)63, dsdt = facs + FACS_LEN;
	const size_t madt_at = align16(dsdt + DSDT_LEN);
	struct acpi_rsdp rsdp = { .revision = 2, .length = sizeof(rsdp), .xsdt = gpa + xsdt };
	size_t end;

	if (!vcpus || vcpus > BH_VIEW_VCPUS_MAX || (gpa & 15) || gpa + ACPI_TABLES_MAX > 1ull << 32)
		return 0;
	memset(buf, 0, ACPI_TABLES_MAX);
	memcpy(rsdp.signature, "RSD PTR ", 8);
	memcpy(rsdp.oem_id, "BLKHD ", 6);
	rsdp.checksum = (uint8_t)-sum((const uint8_t *)&rsdp, 20);
	rsdp.ext_checksum = (uint8_t)-sum((const uint8_t *)&rsdp, sizeof(rsdp));
	memcpy(buf, &rsdp, sizeof(rsdp));
	header(buf + xsdt, "XSDT", 36 + 2 * 8, 1);
	put64(buf + xsdt + 36, gpa + fadt_at);
	put64(buf + xsdt + 44, gpa + madt_at);
	seal(buf + xsdt);
	fadt(buf + fadt_at, gpa + facs, gpa + dsdt);
	memcpy(buf + facs, "FACS", 4); /* 5.2.10: no checksum; version 2 */
	put32(buf + facs + 4, FACS_LEN);
	buf[facs + 32] = 2;
	header(buf + dsdt, "DSDT", DSDT_LEN, 2);
	seal(buf + dsdt);
	end = madt_at + madt(buf + madt_at, vcpus);
	_Static_assert(16 + 64 + 256 + 64 + 48 + 44 + 8 * BH_VIEW_VCPUS_MAX + 6 <= ACPI_TABLES_MAX,
		       "the tables fit");
	return end;
}
