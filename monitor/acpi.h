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

/* The FADT's PM1a/b event and control, PM2 control and GPE0/1 blocks, its SMI command
 * port, and its reset register when that is an I/O port: ports that power off or reset the
 * machine or enter SMM, which no partition may be given. Returns how many ranges were
 * stored (at most max). */
unsigned acpi_pm_ports(const struct bh_bootinfo *bi, struct acpi_ports *out, unsigned max);

struct acpi_mmio {
	uint64_t base, size;
	const char *name;
};

/* MMIO the firmware's tables name that no partition may map (acpi-mmio.c): ECAM (MCFG),
 * IOMMU registers (DMAR, IVRS), I/O APICs and the local APIC (MADT), the HPET. Returns
 * how many ranges were stored (at most max). */
unsigned acpi_kept_mmio(const struct bh_bootinfo *bi, struct acpi_mmio *out, unsigned max);

#endif
