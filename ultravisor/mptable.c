/* SPDX-License-Identifier: MIT */
/* mptable.c - the Intel MP tables of a linux partition (contract in mptable.h). */
#include <string.h>
#include "mptable.h"

/* MP spec 4.1 and 4.2: a checksum byte makes the bytes of its structure sum to zero. */
static uint8_t mp_checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum = (uint8_t)(sum + *p++);
	return (uint8_t)-sum;
}

static size_t put_cpus(uint8_t *p, unsigned vcpus)
{
	for (unsigned i = 0; i < vcpus; i++) {
		struct mp_cpu c = {
			.type = MP_ENTRY_CPU, .apic_id = (uint8_t)i, .apic_version = MP_APIC_VERSION,
			.flags = MP_CPU_EN | (i == 0 ? MP_CPU_BP : 0),
		};
		memcpy(p + i * sizeof(c), &c, sizeof(c));
	}
	return vcpus * sizeof(struct mp_cpu);
}

/* The ISA bus, then the 8259's INTR to LINT0 (ExtINT) and NMI to LINT1 of every local APIC:
 * the virtual-wire wiring of MP spec 3.6.2.2, "Virtual Wire Mode" (figure 3-3). */
static size_t put_platform(uint8_t *p)
{
	const struct mp_bus bus = { .type = MP_ENTRY_BUS, .bus_id = 0, .bus_type = "ISA   " };
	const struct mp_lint lint[2] = {
		{ .type = MP_ENTRY_LINT, .irq_type = MP_IRQ_EXTINT, .dst_apic = 0xff, .dst_lint = 0 },
		{ .type = MP_ENTRY_LINT, .irq_type = MP_IRQ_NMI, .dst_apic = 0xff, .dst_lint = 1 },
	};

	memcpy(p, &bus, sizeof(bus));
	memcpy(p + sizeof(bus), lint, sizeof(lint));
	return sizeof(bus) + sizeof(lint);
}

size_t mptable_build(uint8_t buf[MPTABLE_MAX], uint32_t gpa, unsigned vcpus)
{
	struct mp_float f = { .signature = "_MP_", .physptr = gpa + sizeof(f), .length = 1,
			      .spec_rev = 4 };
	struct mp_config c = { .signature = "PCMP", .spec_rev = 4, .oem_id = "BULKHEAD",
			       .product_id = "PARTITION   ", .lapic = MP_LAPIC_ADDR };
	uint8_t *table = buf + sizeof(f);
	size_t len = sizeof(c);

	if (!vcpus || vcpus > BH_VIEW_VCPUS_MAX || gpa % 16)
		return 0;
	len += put_cpus(table + len, vcpus);
	len += put_platform(table + len);
	c.length = (uint16_t)len;
	c.entry_count = (uint16_t)(vcpus + 3);
	memcpy(table, &c, sizeof(c));
	table[offsetof(struct mp_config, checksum)] = mp_checksum(table, len);
	memcpy(buf, &f, sizeof(f));
	buf[offsetof(struct mp_float, checksum)] = mp_checksum(buf, sizeof(f));
	return sizeof(f) + len;
}
