/* SPDX-License-Identifier: MIT */
/* bootinfo.h - what a boot path (Multiboot2 or bulkhead.efi) hands the monitor (ABI v1).
 *
 * Both boot paths fill one struct bh_bootinfo and enter the monitor through one common
 * entry, so the monitor never sees a loader-specific format. Physical addresses only.
 * Append only; never reorder.
 */
#ifndef BULKHEAD_BOOTINFO_H
#define BULKHEAD_BOOTINFO_H

#include <bulkhead/abi.h>

#define BH_BOOTINFO_MAGIC   0x4f42484bu /* "KHBO" */
#define BH_BOOTINFO_VERSION 1

#define BH_BOOT_MMAP_MAX    256
#define BH_BOOT_MODULES_MAX 32
#define BH_BOOT_CMDLINE_MAX 256
#define BH_BOOT_MODNAME_MAX 176 /* module command line */
#define BH_BOOT_RSDP_MAX    36 /* ACPI 2.0+ RSDP; ACPI 1.0 uses the first 20 bytes */

enum bh_boot_source {
	BH_BOOT_MULTIBOOT2 = 1,
	BH_BOOT_EFI_APP    = 2,
};

/* Normalized memory types. Firmware types map onto these (see docs/boot.md). */
enum bh_mem_type {
	BH_MEM_USABLE       = 1, /* free RAM after hand-over */
	BH_MEM_RESERVED     = 2, /* firmware, MMIO, anything we must not touch */
	BH_MEM_ACPI_RECLAIM = 3, /* ACPI tables: read them, then RAM */
	BH_MEM_ACPI_NVS     = 4, /* firmware keeps using it */
	BH_MEM_BAD          = 5, /* defective RAM */
};

/* bh_bootinfo.flags */
#define BH_BOOT_HAS_RSDP     (1u << 0)
#define BH_BOOT_HAS_FB       (1u << 1)
#define BH_BOOT_HAS_EFI_ST   (1u << 2)
#define BH_BOOT_MMAP_FROM_EFI (1u << 3) /* memory map converted from the EFI memory map */

struct bh_mem_range {
	uint64_t base;  /* 0x00 */
	uint64_t len;   /* 0x08 */
	uint32_t type;  /* 0x10  enum bh_mem_type */
	uint32_t reserved_0x14;
};
BH_OFFSET(bh_mem_range, type, 0x10);
BH_SIZE(bh_mem_range, 0x18);

struct bh_module {
	uint64_t start; /* 0x00  first byte */
	uint64_t end;   /* 0x08  one past the last byte */
	char name[BH_BOOT_MODNAME_MAX]; /* 0x10  the module's command line, NUL-terminated */
};
BH_OFFSET(bh_module, name, 0x10);
BH_SIZE(bh_module, 0xc0);

struct bh_framebuffer {
	uint64_t addr;   /* 0x00 */
	uint32_t pitch;  /* 0x08  bytes per line */
	uint32_t width;  /* 0x0c */
	uint32_t height; /* 0x10 */
	uint8_t  bpp;    /* 0x14 */
	uint8_t  type;   /* 0x15  0 indexed, 1 RGB, 2 EGA text */
	uint16_t reserved_0x16;
};
BH_SIZE(bh_framebuffer, 0x18);

struct bh_bootinfo {
	uint32_t magic;         /* 0x00  BH_BOOTINFO_MAGIC */
	uint16_t version;       /* 0x04  BH_BOOTINFO_VERSION */
	uint16_t source;        /* 0x06  enum bh_boot_source */
	uint32_t flags;         /* 0x08  BH_BOOT_* */
	uint32_t mmap_count;    /* 0x0c */
	uint32_t module_count;  /* 0x10 */
	uint32_t rsdp_len;      /* 0x14  20 (ACPI 1.0) or 36 */
	uint64_t efi_system_table; /* 0x18  physical, or 0 */
	uint64_t info_start;    /* 0x20  loader's information block, to keep out of the allocator */
	uint64_t info_end;      /* 0x28 */
	struct bh_framebuffer fb; /* 0x30 */
	uint8_t  rsdp[40];      /* 0x48  copy of the RSDP (BH_BOOT_RSDP_MAX used) */
	char     cmdline[BH_BOOT_CMDLINE_MAX];  /* 0x70 */
	char     loader[64];    /* 0x170 boot loader name */
	struct bh_mem_range mmap[BH_BOOT_MMAP_MAX];  /* 0x1b0, sorted by base, no overlaps */
	struct bh_module modules[BH_BOOT_MODULES_MAX];
};
BH_OFFSET(bh_bootinfo, efi_system_table, 0x18);
BH_OFFSET(bh_bootinfo, fb, 0x30);
BH_OFFSET(bh_bootinfo, rsdp, 0x48);
BH_OFFSET(bh_bootinfo, cmdline, 0x70);
BH_OFFSET(bh_bootinfo, loader, 0x170);
BH_OFFSET(bh_bootinfo, mmap, 0x1b0);
BH_OFFSET(bh_bootinfo, modules, 0x1b0 + BH_BOOT_MMAP_MAX * 0x18);

#endif
