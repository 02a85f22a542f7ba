/* SPDX-License-Identifier: MIT */
/* acpi.h - the little ACPI the monitor reads: the MADT's list of processors, the FADT's
 * power-management I/O ports. */
#ifndef MONITOR_ACPI_H
#define MONITOR_ACPI_H

#include <stdint.h>
#include <bulkhead/bootinfo.h>

/* Find a table by signature through the XSDT (or the RSDT for ACPI 1.0), checking every
 * pointer against the memory map and every checksum. NULL if absent or invalid (logged). */
const void *acpi_find(const struct bh_bootinfo *bi, const char sig[4]);

/* APIC IDs of the enabled (or online-capable) processors in the MADT, in table order.
 * Returns how many were stored (at most max), or 0 without a usable MADT. */
unsigned acpi_cpus(const struct bh_bootinfo *bi, uint32_t *apic_ids, unsigned max);

struct acpi_ports {
	uint16_t base, count;
};

/* The FADT's PM1a/b event and control, PM2 control and GPE0/1 blocks, and its reset
 * register when that is an I/O port: ports that power off or reset the machine, which no
 * partition may be given. Returns how many ranges were stored (at most max). */
unsigned acpi_pm_ports(const struct bh_bootinfo *bi, struct acpi_ports *out, unsigned max);

#endif
