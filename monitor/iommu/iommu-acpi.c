/* SPDX-License-Identifier: MIT */
/* iommu-acpi.c - DMAR and IVRS: the remapping units and the memory firmware keeps DMA for.
 * Firmware input: every structure is bounded by its parent before a field is read. */
#include <string.h>
#include <bulkhead/errno.h>
#include "fmt.h"
#include "iommu-acpi.h"
#include "unaligned.h"

#define SDT_HEADER 36
#define DMAR_FIRST 48 /* header, HAW, flags, 10 reserved (VT-d 8.1 "DMA Remapping Reporting") */
#define IVRS_FIRST 48 /* header, IVinfo, 8 reserved (AMD-Vi 5.2.1 "IVRS ... Header") */

#define DMAR_DRHD 0 /* VT-d 8.3: flags@4, size@5, segment@6, base@8, scopes@16 */
#define DMAR_RMRR 1 /* VT-d 8.4: segment@6, base@8, limit@16, scopes@24 */
#define DRHD_ALL  1 /* INCLUDE_PCI_ALL */
#define IVHD_REGS 0x80000 /* 512 KiB of registers on hardware (QEMU: 16 KiB) */

static int refuse(struct iommu_acpi *o, const char *what, unsigned off)
{
	bh_snprintf(o->err, sizeof(o->err), "%s at offset %u", what, off);
	o->count = 0;
	return -BH_EINVAL;
}

static int add_unit(struct iommu_acpi *o, struct iommu_unit u, unsigned off)
{
	if (o->count == IOMMU_UNITS_MAX)
		return refuse(o, "more remapping units than supported", off);
	if (u.segment)
		return refuse(o, "a unit for PCI segment other than 0", off);
	if (!u.base || u.base & 0xfff)
		return refuse(o, "register base zero or not 4 KiB aligned", off);
	o->units[o->count++] = u;
	return 0;
}

static int add_reserved(struct iommu_acpi *o, struct iommu_reserved r, unsigned off)
{
	if (o->reserved_count == IOMMU_RESERVED_MAX)
		return refuse(o, "more reserved-memory devices than supported", off);
	o->reserved[o->reserved_count++] = r;
	return 0;
}

/* Device scopes of an RMRR (VT-d 8.3.1): u8 type, u8 length, u16, u8 enum id, u8 start
 * bus, then (device, function) pairs; the first pair names the function on the start bus. */
static int rmrr_scopes(struct iommu_acpi *o, const uint8_t *s, unsigned len, unsigned off,
		       uint64_t base, uint64_t end)
{
	for (unsigned at = 0; at < len;) {
		if (len - at < 8 || s[at + 1] < 8 || s[at + 1] > len - at)
			return refuse(o, "RMRR device scope length", off + at);
		uint16_t bdf = (uint16_t)(s[at + 5] << 8 | (s[at + 6] & 31) << 3 | (s[at + 7] & 7));
		int r = add_reserved(o, (struct iommu_reserved){ bdf, false, base, end }, off + at);
		if (r)
			return r;
		at += s[at + 1];
	}
	return 0;
}

static int dmar_entry(struct iommu_acpi *o, const uint8_t *e, unsigned len, unsigned off)
{
	uint16_t type = get_u16(e);

	if (type == DMAR_DRHD) {
		if (len < 16)
			return refuse(o, "DRHD shorter than 16 bytes", off);
		uint64_t pages = 1ull << (e[5] & 15); /* size: 2^N pages (VT-d 3.x) */
		return add_unit(o, (struct iommu_unit){ .base = get_u64(e + 8), .size = pages << 12,
							.segment = get_u16(e + 6),
							.all = e[4] & DRHD_ALL }, off);
	}
	if (type == DMAR_RMRR) {
		if (len < 24 || get_u64(e + 16) < get_u64(e + 8))
			return refuse(o, "RMRR shorter than 24 bytes or limit below base", off);
		return rmrr_scopes(o, e + 24, len - 24, off + 24, get_u64(e + 8), get_u64(e + 16) + 1);
	}
	return 0; /* ATSR, RHSA, ANDD, SATC: nothing the monitor programs */
}

/* Walk the {u16-or-u8 type, ..., u16 length} list of [first, len); lenoff: where the length
 * is in an entry, the same for both tables (offset 2). */
static int walk(struct iommu_acpi *o, const uint8_t *t, uint32_t len, unsigned first,
		int (*fn)(struct iommu_acpi *, const uint8_t *, unsigned, unsigned))
{
	for (unsigned at = first; at < len;) {
		unsigned elen;
		int r;

		if (len - at < 4 || (elen = get_u16(t + at + 2)) < 4 || elen > len - at)
			return refuse(o, "structure length runs past the table", at);
		if ((r = fn(o, t + at, elen, at)))
			return r;
		at += elen;
	}
	return 0;
}

static int start(struct iommu_acpi *o, const void *table, uint32_t len, const char *sig,
		 enum iommu_kind kind)
{
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	if (len < 48 || memcmp(table, sig, 4))
		return refuse(o, "table shorter than its header, or wrong signature", 0);
	return 0;
}

int iommu_parse_dmar(const void *table, uint32_t len, struct iommu_acpi *o)
{
	int r = start(o, table, len, "DMAR", IOMMU_VTD);

	if (r || (r = walk(o, table, len, DMAR_FIRST, dmar_entry)))
		return r;
	o->haw = ((const uint8_t *)table)[SDT_HEADER];
	return o->count ? 0 : refuse(o, "no DRHD", DMAR_FIRST);
}

/* IVHD (AMD-Vi 5.2.2): u8 type, u8 flags, u16 length, u16 IOMMU device id, u16 capability
 * offset, u64 base, u16 segment, u16 info, u32 feature. Types 10h, 11h, 40h describe the
 * same unit at different detail: the first one found counts. IVMD (5.2.3, types 20h all
 * devices, 21h one, 22h a range: taken as all):
 * u16 device id @4, start @16, length @24. */
static int ivrs_entry(struct iommu_acpi *o, const uint8_t *e, unsigned len, unsigned off)
{
	if (e[0] == 0x10 || e[0] == 0x11 || e[0] == 0x40) {
		if (len < 24)
			return refuse(o, "IVHD shorter than 24 bytes", off);
		for (unsigned i = 0; i < o->count; i++)
			if (o->units[i].base == get_u64(e + 8))
				return 0;
		return add_unit(o, (struct iommu_unit){ .base = get_u64(e + 8), .size = IVHD_REGS,
							.segment = get_u16(e + 16),
							.devid = get_u16(e + 4), .all = true }, off);
	}
	if (e[0] >= 0x20 && e[0] <= 0x22) {
		if (len < 32 || get_u64(e + 16) + get_u64(e + 24) < get_u64(e + 16))
			return refuse(o, "IVMD shorter than 32 bytes or range wraps", off);
		return add_reserved(o, (struct iommu_reserved){ get_u16(e + 4), e[0] != 0x21,
								get_u64(e + 16), get_u64(e + 16) + get_u64(e + 24) },
				    off);
	}
	return 0;
}

int iommu_parse_ivrs(const void *table, uint32_t len, struct iommu_acpi *o)
{
	int r = start(o, table, len, "IVRS", IOMMU_AMDVI);

	if (r || (r = walk(o, table, len, IVRS_FIRST, ivrs_entry)))
		return r;
	return o->count ? 0 : refuse(o, "no IVHD", IVRS_FIRST);
}
