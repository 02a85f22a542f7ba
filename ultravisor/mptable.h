/* SPDX-License-Identifier: MIT */
/* mptable.h - the Intel MultiProcessor Specification 1.4 tables a linux partition finds its
 * vCPUs in (with acpi=off): a floating pointer and, right after it, a configuration table
 * with one processor entry per vCPU, an ISA bus, and ExtINT -> LINT0 and NMI -> LINT1 of
 * every local APIC. No I/O APIC: the guest boots with noapic, its ISA interrupts come
 * through an 8259 in virtual-wire mode (MP spec 3.6.2.2). Pure: no hypercall.
 *
 * Linux (arch/x86/kernel/mpparse.c) looks for the floating pointer in the first KiB of the
 * EBDA, whose segment the BDA word at 0x40e gives (linux-boot.h puts it at 0x9fc00). With no
 * I/O interrupt entry it logs "BIOS bug, no explicit IRQ entries, using default mptable",
 * reads the ELCR (ports 0x4d0/0x4d1) and records ISA defaults for an I/O APIC that noapic
 * then never sets up: harmless.
 */
#ifndef ULTRAVISOR_MPTABLE_H
#define ULTRAVISOR_MPTABLE_H

#include <stddef.h>
#include <stdint.h>
#include <bulkhead/abi.h>
#include <bulkhead/view.h>

/* MP spec 4.1, "MP Floating Pointer Structure" (Table 4-1). */
struct mp_float {
	char     signature[4];   /* 0x00  "_MP_" */
	uint32_t physptr;        /* 0x04  the configuration table */
	uint8_t  length;         /* 0x08  in 16-byte paragraphs: 1 */
	uint8_t  spec_rev;       /* 0x09  4: version 1.4 */
	uint8_t  checksum;       /* 0x0a  the 16 bytes sum to 0 */
	uint8_t  feature1;       /* 0x0b  0: a configuration table is present */
	uint8_t  feature2;       /* 0x0c  bit 7 IMCRP, 0: virtual-wire mode */
	uint8_t  feature3_5[3];  /* 0x0d  reserved, zero */
} __attribute__((packed));
BH_OFFSET(mp_float, checksum, 0x0a);
BH_OFFSET(mp_float, feature2, 0x0c);
BH_SIZE(mp_float, 16);

/* MP spec 4.2, "MP Configuration Table Header" (Table 4-2). */
struct mp_config {
	char     signature[4];   /* 0x00  "PCMP" */
	uint16_t length;         /* 0x04  header and entries, bytes */
	uint8_t  spec_rev;       /* 0x06  4 */
	uint8_t  checksum;       /* 0x07  the base table sums to 0 */
	char     oem_id[8];      /* 0x08  "BULKHEAD", space padded */
	char     product_id[12]; /* 0x10  "PARTITION", space padded */
	uint32_t oem_table;      /* 0x1c  0: none */
	uint16_t oem_table_size; /* 0x20 */
	uint16_t entry_count;    /* 0x22 */
	uint32_t lapic;          /* 0x24  local APIC address */
	uint16_t ext_length;     /* 0x28  0: no extended entries */
	uint8_t  ext_checksum;   /* 0x2a */
	uint8_t  reserved_0x2b;
} __attribute__((packed));
BH_OFFSET(mp_config, checksum, 0x07);
BH_OFFSET(mp_config, entry_count, 0x22);
BH_OFFSET(mp_config, lapic, 0x24);
BH_SIZE(mp_config, 44);

/* MP spec 4.3.1, "Processor Entries" (Table 4-4). */
struct mp_cpu {
	uint8_t  type;           /* 0x00  MP_ENTRY_CPU */
	uint8_t  apic_id;        /* 0x01  = vCPU index */
	uint8_t  apic_version;   /* 0x02 */
	uint8_t  flags;          /* 0x03  MP_CPU_EN | MP_CPU_BP */
	uint32_t signature;      /* 0x04  0: Linux takes family and model from CPUID */
	uint32_t features;       /* 0x08  0: likewise */
	uint8_t  reserved_0x0c[8];
} __attribute__((packed));
BH_OFFSET(mp_cpu, flags, 0x03);
BH_SIZE(mp_cpu, 20);

/* MP spec 4.3.2, "Bus Entries" (Table 4-6). */
struct mp_bus {
	uint8_t type;            /* 0x00  MP_ENTRY_BUS */
	uint8_t bus_id;          /* 0x01 */
	char    bus_type[6];     /* 0x02  "ISA   " */
} __attribute__((packed));
BH_SIZE(mp_bus, 8);

/* MP spec 4.3.5, "Local Interrupt Assignment Entries" (Table 4-12). */
struct mp_lint {
	uint8_t  type;           /* 0x00  MP_ENTRY_LINT */
	uint8_t  irq_type;       /* 0x01  MP_IRQ_* */
	uint16_t irq_flags;      /* 0x02  0: polarity and trigger conform to the bus */
	uint8_t  src_bus;        /* 0x04 */
	uint8_t  src_irq;        /* 0x05 */
	uint8_t  dst_apic;       /* 0x06  0xff: every local APIC */
	uint8_t  dst_lint;       /* 0x07  LINTIN0 or LINTIN1 */
} __attribute__((packed));
BH_OFFSET(mp_lint, dst_apic, 0x06);
BH_SIZE(mp_lint, 8);

#define MP_ENTRY_CPU    0
#define MP_ENTRY_BUS    1
#define MP_ENTRY_LINT   4
#define MP_CPU_EN       0x01
#define MP_CPU_BP       0x02
#define MP_IRQ_NMI      1
#define MP_IRQ_EXTINT   3
#define MP_APIC_VERSION 0x14 /* an integrated local APIC */
#define MP_LAPIC_ADDR   0xfee00000u

/* The floating pointer, the header and the most entries: under the 1 KiB Linux scans. */
#define MPTABLE_MAX (sizeof(struct mp_float) + sizeof(struct mp_config) + \
		     BH_VIEW_VCPUS_MAX * sizeof(struct mp_cpu) + sizeof(struct mp_bus) + \
		     2 * sizeof(struct mp_lint))
_Static_assert(MPTABLE_MAX <= 1024, "the MP tables fit the EBDA's first KiB");

/* The floating pointer at buf[0], to be copied to guest-physical gpa (16-byte aligned), and
 * the configuration table right after it, for vcpus vCPUs with APIC ids 0..vcpus-1 (vCPU 0
 * the bootstrap processor). Returns the bytes to copy; 0 (nothing written) if vcpus is 0 or
 * above BH_VIEW_VCPUS_MAX, or gpa is not 16-byte aligned. */
size_t mptable_build(uint8_t buf[MPTABLE_MAX], uint32_t gpa, unsigned vcpus);

#endif
