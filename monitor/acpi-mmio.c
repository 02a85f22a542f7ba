/* SPDX-License-Identifier: MIT */
/* acpi-mmio.c - the MMIO ranges the firmware's ACPI tables name that no partition may map:
 * configuration space (MCFG), IOMMUs (DMAR, IVRS), interrupt controllers (MADT), the HPET.
 * Tables are firmware input: every entry's length is checked before it is read. */
#include "acpi.h"
#include "unaligned.h"

#define HDR 36 /* ACPI 6.5, 5.2.6 System Description Table Header */

struct out {
	struct acpi_mmio *m;
	unsigned n, max;
};

static void add(struct out *o, uint64_t base, uint64_t size, const char *name)
{
	if (base && size && o->n < o->max)
		o->m[o->n++] = (struct acpi_mmio){ base & ~0xfffull, size, name };
}

/* The table sig, its first structure at `skip` bytes; *end past its last byte. */
static const uint8_t *table(const struct bh_bootinfo *bi, const char *sig, uint32_t skip,
			    const uint8_t **end)
{
	const uint8_t *t = acpi_find(bi, sig);

	if (!t || get_u32(t + 4) < skip)
		return NULL;
	*end = t + get_u32(t + 4);
	return t + skip;
}

/* MCFG (PCI Firmware 3.3, 4.1.2): 8 reserved bytes, then 16-byte entries: u64 base, u16
 * segment, u8 first bus, u8 last bus; each bus 1 MiB of configuration space. */
static void mcfg(const struct bh_bootinfo *bi, struct out *o)
{
	const uint8_t *end, *p = table(bi, "MCFG", HDR + 8, &end);

	for (; p && end - p >= 16; p += 16)
		if (p[11] >= p[10])
			add(o, get_u64(p) + ((uint64_t)p[10] << 20), (uint64_t)(p[11] - p[10] + 1) << 20,
			    "ECAM (PCI configuration space, MCFG)");
}

/* {type, length} structures after `skip`, lengths of 16 bits (DMAR, IVRS) or 8 (MADT). */
static void walk(const uint8_t *p, const uint8_t *end, int wide, struct out *o,
		 void (*fn)(const uint8_t *e, unsigned len, struct out *o))
{
	while (p && end - p >= 4) {
		unsigned len = wide ? (unsigned)(p[wide] | p[wide + 1] << 8) : p[1];
		if (len < 4 || len > (size_t)(end - p))
			return;
		fn(p, len, o);
		p += len;
	}
}

/* DMAR (VT-d 4.1, 8.3): DRHD type 0, u8 size (2^N pages) at 5, register base at 8. */
static void drhd(const uint8_t *e, unsigned len, struct out *o)
{
	if (e[0] | e[1] || len < 16)
		return;
	add(o, get_u64(e + 8), 0x1000ull << (e[5] & 0xf), "an IOMMU's registers (DMAR)");
}

/* IVRS (AMD I/O Virtualization 3.x, 5.2.2): IVHD types 0x10, 0x11, 0x40, base at 8; the
 * register file is up to 512 KiB. */
static void ivhd(const uint8_t *e, unsigned len, struct out *o)
{
	if ((e[0] == 0x10 || e[0] == 0x11 || e[0] == 0x40) && len >= 16)
		add(o, get_u64(e + 8), 0x80000, "an IOMMU's registers (IVRS)");
}

/* MADT (ACPI 6.5, 5.2.12): I/O APIC type 1 (address at 4), local APIC address override
 * type 5 (at 4). */
static void madt_entry(const uint8_t *e, unsigned len, struct out *o)
{
	if (e[0] == 1 && len >= 12)
		add(o, get_u32(e + 4), 0x1000, "an I/O APIC (MADT)");
	if (e[0] == 5 && len >= 12)
		add(o, get_u64(e + 4), 0x1000, "the local APIC (MADT)");
}

unsigned acpi_kept_mmio(const struct bh_bootinfo *bi, struct acpi_mmio *out, unsigned max)
{
	struct out o = { out, 0, max };
	const uint8_t *end = NULL, *p;

	mcfg(bi, &o);
	p = table(bi, "DMAR", HDR + 12, &end);
	walk(p, end, 2, &o, drhd);
	p = table(bi, "IVRS", HDR + 12, &end);
	walk(p, end, 2, &o, ivhd);
	if ((p = table(bi, "APIC", HDR + 8, &end))) {
		add(&o, get_u32(p - 8), 0x1000, "the local APIC (MADT)");
		walk(p, end, 0, &o, madt_entry);
	}
	/* HPET (IA-PC HPET 1.0a, 3.2.4): generic address at 40, its u64 address at 44 */
	if ((p = table(bi, "HPET", HDR + 20, &end)) && p[-16] == 0)
		add(&o, get_u64(p - 12), 0x1000, "the HPET (ACPI HPET table)");
	return o.n;
}
