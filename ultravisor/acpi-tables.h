/* SPDX-License-Identifier: MIT */
/* acpi-tables.h - the few ACPI tables a linux partition finds its vCPUs in (ACPI 6.4,
 * chapter 5.2 "ACPI System Description Tables"): RSDP, XSDT, FADT, FACS, an empty DSDT, and a
 * MADT with one local APIC per vCPU and NMI on LINT1. No I/O APIC: the guest boots with
 * noapic, its ISA interrupts come through the device model's 8259 (MADT flag PCAT_COMPAT).
 * Pure: no hypercall.
 *
 * Why ACPI and not an MP table: the vCPUs start with x2APIC already on (docs/linux.md), and
 * Linux 6.1 then reads the boot CPU's APIC ID while parsing an MP table through the xAPIC
 * MMIO page, before it switches to its x2APIC driver (a page fault in native_apic_mem_read).
 * Parsing the MADT installs the x2APIC driver first (x2apic_phys on the command line).
 *
 * The FADT is a full one (not hardware-reduced, which would drop the 8259 and with it IRQ 4
 * of ttyS0): SCI on IRQ 9 (never raised), PM1a event and control blocks at ports 0x600 and
 * 0x604 (the device model answers SCI_EN set: already in ACPI mode, no SMI command port),
 * no PM timer, the RTC century at CMOS 0x32, no i8042 and no VGA.
 */
#ifndef ULTRAVISOR_ACPI_TABLES_H
#define ULTRAVISOR_ACPI_TABLES_H

#include <stddef.h>
#include <stdint.h>
#include <bulkhead/abi.h>
#include <bulkhead/view.h>

/* 5.2.6 "System Description Table Header" */
struct acpi_header {
	char     signature[4];     /* 0x00 */
	uint32_t length;           /* 0x04  the whole table */
	uint8_t  revision;         /* 0x08 */
	uint8_t  checksum;         /* 0x09  the table sums to 0 */
	char     oem_id[6];        /* 0x0a */
	char     oem_table_id[8];  /* 0x10 */
	uint32_t oem_revision;     /* 0x18 */
	char     creator_id[4];    /* 0x1c */
	uint32_t creator_revision; /* 0x20 */
} __attribute__((packed));
BH_SIZE(acpi_header, 36);

/* 5.2.5.3 "Root System Description Pointer (RSDP) Structure" */
struct acpi_rsdp {
	char     signature[8];     /* 0x00  "RSD PTR " */
	uint8_t  checksum;         /* 0x08  the first 20 bytes sum to 0 */
	char     oem_id[6];        /* 0x09 */
	uint8_t  revision;         /* 0x0f  2: XSDT */
	uint32_t rsdt;             /* 0x10  0: none */
	uint32_t length;           /* 0x14  36 */
	uint64_t xsdt;             /* 0x18 */
	uint8_t  ext_checksum;     /* 0x20  all 36 bytes sum to 0 */
	uint8_t  reserved_0x21[3];
} __attribute__((packed));
BH_OFFSET(acpi_rsdp, xsdt, 0x18);
BH_SIZE(acpi_rsdp, 36);

/* The tables in one run of guest memory at a 16-byte aligned gpa: the RSDP first. */
#define ACPI_TABLES_MAX 1024

/* Build them at buf[0] for guest-physical gpa, vcpus vCPUs with APIC IDs 0..vcpus-1.
 * Returns the bytes to copy, or 0 (nothing written) if vcpus is 0 or above
 * BH_VIEW_VCPUS_MAX, or gpa is not 16-byte aligned or the tables would pass 4 GiB. */
size_t acpi_tables_build(uint8_t buf[ACPI_TABLES_MAX], uint64_t gpa, unsigned vcpus);

/* FADT fields the device model must agree with (devmodel/board.c). */
#define ACPI_PM1A_EVT_PORT 0x600
#define ACPI_PM1A_CNT_PORT 0x604
#define ACPI_SCI_IRQ       9

#endif
