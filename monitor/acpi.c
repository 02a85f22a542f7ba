/* SPDX-License-Identifier: MIT */
/* acpi.c - RSDP → XSDT/RSDT → MADT and FADT (ACPI 6.5, 5.2 "ACPI System Description
 * Tables"). Tables are firmware input: every length is bounded and every pointer checked
 * before a read. */
#define pr_fmt(fmt) "acpi: " fmt
#include <string.h>
#include "acpi.h"
#include "log.h"

#define TABLE_MAX (1u << 20)

struct sdt_header {
	char sig[4];
	uint32_t length;
	uint8_t revision, checksum;
	char oem[6], oem_table[8];
	uint32_t oem_rev, creator, creator_rev;
} __attribute__((packed));
_Static_assert(sizeof(struct sdt_header) == 36, "ACPI 5.2.6 System Description Table Header");

struct rsdp {
	char sig[8];
	uint8_t checksum;
	char oem[6];
	uint8_t revision;
	uint32_t rsdt;
	uint32_t length; /* ACPI 2.0+ from here */
	uint64_t xsdt;
	uint8_t ext_checksum, reserved[3];
} __attribute__((packed));
_Static_assert(sizeof(struct rsdp) == 36, "ACPI 5.2.5.3 RSDP structure");

static uint8_t sum(const void *p, uint32_t n)
{
	uint8_t s = 0;

	for (const uint8_t *b = p; n--; b++)
		s += *b;
	return s;
}

/* Inside one memory-map range (the monitor's direct map covers exactly those)? */
static int in_memmap(const struct bh_bootinfo *bi, uint64_t base, uint64_t len)
{
	for (uint32_t i = 0; i < bi->mmap_count; i++) {
		const struct bh_mem_range *r = &bi->mmap[i];
		if (base >= r->base && len <= r->len && base - r->base <= r->len - len)
			return 1;
	}
	return 0;
}

static const struct sdt_header *table_at(const struct bh_bootinfo *bi, uint64_t pa)
{
	const struct sdt_header *h = (const void *)pa;

	if (!pa || !in_memmap(bi, pa, sizeof(*h))) {
		pr_warn("table pointer %#lx outside the memory map", pa);
		return NULL;
	}
	if (h->length < sizeof(*h) || h->length > TABLE_MAX || !in_memmap(bi, pa, h->length) ||
	    sum(h, h->length)) {
		pr_warn("table %.4s at %#lx: bad length %u or checksum", h->sig, pa, h->length);
		return NULL;
	}
	return h;
}

static const struct sdt_header *root_table(const struct bh_bootinfo *bi, unsigned *entry_size)
{
	struct rsdp r;

	if (!(bi->flags & BH_BOOT_HAS_RSDP) || bi->rsdp_len < 20)
		return NULL;
	memcpy(&r, bi->rsdp, sizeof(r));
	if (memcmp(r.sig, "RSD PTR ", 8) || sum(&r, 20)) {
		pr_warn("RSDP signature or checksum invalid");
		return NULL;
	}
	*entry_size = 8;
	if (r.revision >= 2 && bi->rsdp_len >= sizeof(r) && !sum(&r, sizeof(r)) && r.xsdt)
		return table_at(bi, r.xsdt);
	*entry_size = 4;
	return table_at(bi, r.rsdt);
}

const void *acpi_find(const struct bh_bootinfo *bi, const char sig[4])
{
	unsigned esize;
	const struct sdt_header *root = root_table(bi, &esize);

	if (!root)
		return NULL;
	const uint8_t *entries = (const uint8_t *)(root + 1);
	uint32_t n = (root->length - sizeof(*root)) / esize;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t pa = 0;
		memcpy(&pa, entries + i * esize, esize);
		const struct sdt_header *h = table_at(bi, pa);
		if (h && !memcmp(h->sig, sig, 4))
			return h;
	}
	return NULL;
}

/* MADT (ACPI 5.2.12): header, u32 LAPIC address, u32 flags, then {u8 type, u8 length} entries. */
#define MADT_LAPIC   0 /* u8 uid, u8 apic_id, u32 flags */
#define MADT_X2APIC  9 /* u16 reserved, u32 x2apic_id, u32 flags, u32 uid */
#define LAPIC_USABLE 0x3 /* enabled | online capable */

static int madt_entry_cpu(const uint8_t *e, uint32_t *apic_id)
{
	uint32_t flags;

	if (e[0] == MADT_LAPIC && e[1] >= 8) {
		memcpy(&flags, e + 4, 4);
		*apic_id = e[3];
		return (flags & LAPIC_USABLE) != 0;
	}
	if (e[0] == MADT_X2APIC && e[1] >= 16) {
		memcpy(apic_id, e + 4, 4);
		memcpy(&flags, e + 8, 4);
		return (flags & LAPIC_USABLE) != 0;
	}
	return 0;
}

static int listed(const uint32_t *ids, unsigned n, uint32_t id)
{
	for (unsigned i = 0; i < n; i++)
		if (ids[i] == id)
			return 1;
	return 0;
}

unsigned acpi_cpus(const struct bh_bootinfo *bi, uint32_t *apic_ids, unsigned max)
{
	const struct sdt_header *madt = acpi_find(bi, "APIC");
	unsigned n = 0;

	if (!madt || madt->length < sizeof(*madt) + 8)
		return 0;
	const uint8_t *p = (const uint8_t *)madt + sizeof(*madt) + 8;
	const uint8_t *end = (const uint8_t *)madt + madt->length;
	while (end - p >= 2 && p[1] >= 2 && p[1] <= end - p) {
		uint32_t id;
		if (madt_entry_cpu(p, &id) && !listed(apic_ids, n, id)) {
			if (n == max) {
				pr_warn("more than %u CPUs in the MADT; using the first %u", max, max);
				break;
			}
			apic_ids[n++] = id;
		}
		p += p[1];
	}
	return n;
}

/* FADT (ACPI 5.2.9) I/O blocks: the port of each (u32, 0: absent) and its length (u8). */
static const struct { uint8_t port_off, len_off; } fadt_blocks[] = {
	{ 56, 88 },  /* PM1a_EVT_BLK, PM1_EVT_LEN */
	{ 60, 88 },  /* PM1b_EVT_BLK */
	{ 64, 89 },  /* PM1a_CNT_BLK, PM1_CNT_LEN: sleep states, power off */
	{ 68, 89 },  /* PM1b_CNT_BLK */
	{ 72, 90 },  /* PM2_CNT_BLK, PM2_CNT_LEN */
	{ 80, 92 },  /* GPE0_BLK, GPE0_BLK_LEN */
	{ 84, 93 },  /* GPE1_BLK, GPE1_BLK_LEN */
};
#define FADT_RESET_REG 116 /* generic address: u8 space (1: I/O), width, offset, size, u64 */
#define FADT_SMI_CMD   48  /* u32: the port that asks the firmware to enter SMM */

unsigned acpi_pm_ports(const struct bh_bootinfo *bi, struct acpi_ports *out, unsigned max)
{
	const struct sdt_header *fadt = acpi_find(bi, "FACP");
	const uint8_t *t = (const void *)fadt;
	unsigned n = 0;

	for (unsigned i = 0; fadt && i < sizeof(fadt_blocks) / sizeof(fadt_blocks[0]); i++) {
		uint32_t port;
		if (fadt->length <= fadt_blocks[i].len_off || n == max)
			break;
		memcpy(&port, t + fadt_blocks[i].port_off, sizeof(port));
		if (port && port < 0x10000 && t[fadt_blocks[i].len_off])
			out[n++] = (struct acpi_ports){ (uint16_t)port, t[fadt_blocks[i].len_off] };
	}
	uint32_t smi = 0;
	if (fadt && fadt->length >= FADT_SMI_CMD + 4)
		memcpy(&smi, t + FADT_SMI_CMD, sizeof(smi));
	if (smi && smi < 0x10000 && n < max)
		out[n++] = (struct acpi_ports){ (uint16_t)smi, 1 };
	if (fadt && fadt->length >= FADT_RESET_REG + 12 && t[FADT_RESET_REG] == 1 && n < max) {
		uint64_t port;
		memcpy(&port, t + FADT_RESET_REG + 4, sizeof(port));
		if (port < 0x10000)
			out[n++] = (struct acpi_ports){ (uint16_t)port, 1 };
	}
	return n;
}
