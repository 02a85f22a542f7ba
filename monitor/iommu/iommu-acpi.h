/* SPDX-License-Identifier: MIT */
/* iommu-acpi.h - the DMA remapping units the firmware describes: ACPI DMAR (Intel VT-d
 * spec 3.x, 8 "BIOS Considerations") and ACPI IVRS (AMD I/O Virtualization Technology spec
 * 48882, 5 "ACPI Tables"). Pure functions over a table's bytes: host-tested. */
#ifndef MONITOR_IOMMU_ACPI_H
#define MONITOR_IOMMU_ACPI_H

#include <stdbool.h>
#include <stdint.h>

#define IOMMU_UNITS_MAX    4
#define IOMMU_RESERVED_MAX 8

enum iommu_kind { IOMMU_NONE, IOMMU_VTD, IOMMU_AMDVI };

struct iommu_unit {
	uint64_t base;    /* register base (host-physical) */
	uint64_t size;    /* bytes of registers the monitor keeps out of every view */
	uint16_t segment; /* PCI segment: only 0 is supported */
	uint16_t devid;   /* AMD-Vi: the unit's own PCI function (bus << 8 | dev << 3 | fn) */
	bool all;         /* VT-d: INCLUDE_PCI_ALL; AMD-Vi: always */
};

/* A function the firmware keeps DMA for (RMRR / IVMD): never to be assigned. */
struct iommu_reserved {
	uint16_t bdf;
	bool all;         /* IVMD for every device */
	uint64_t base, end;
};

struct iommu_acpi {
	enum iommu_kind kind;
	uint8_t haw;      /* VT-d: host address width - 1, as the DMAR says */
	unsigned count;
	struct iommu_unit units[IOMMU_UNITS_MAX];
	unsigned reserved_count;
	struct iommu_reserved reserved[IOMMU_RESERVED_MAX];
	char err[96];     /* why a table was refused */
};

/* Parse a whole DMAR / IVRS (header included, checksum already checked, len its length).
 * 0 and out filled, or -BH_EINVAL with out->err naming the structure and the rule. Bounds:
 * every sub-structure lies inside the table and inside its parent; overflowing the limits
 * above is an error, not a truncation. */
int iommu_parse_dmar(const void *table, uint32_t len, struct iommu_acpi *out);
int iommu_parse_ivrs(const void *table, uint32_t len, struct iommu_acpi *out);

#endif
