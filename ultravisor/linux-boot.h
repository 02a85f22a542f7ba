/* SPDX-License-Identifier: MIT */
/* linux-boot.h - the boot structures of an unmodified Linux kernel (zero page, e820 map,
 * command line) and where they go in a linux partition: the 64-bit boot protocol of
 * Documentation/x86/boot.rst, entered at the ELF vmlinux's entry as Firecracker does (no
 * bzImage setup code runs, so the zero page is built from scratch). Pure: no hypercall.
 *
 * Guest-physical layout of a linux partition (RAM = its private RAM from GPA 0):
 *
 *   0x00000000  RAM: real-mode IVT and BIOS data area (Linux reserves page 0 itself); the
 *               BDA holds the EBDA segment (0x40e = 0x9fc0) and base memory (0x413 = 639 KiB)
 *   0x00002000  start-state page tables (BH_PT_GPA, BH_PT_PAGES pages): RAM Linux may reuse
 *               once it has its own (startup_64 builds them before it looks at e820)
 *   0x00010000  zero page, struct linux_boot_params (LINUX_ZERO_PAGE_GPA): RSI at entry
 *   0x00011000  command line, NUL-terminated, at most 2047 bytes (LINUX_CMDLINE_GPA)
 *   0x0009fc00  the ACPI tables, RSDP first (acpi-tables.h): in the EBDA's first KiB, where
 *               Linux looks for the RSDP (the EBDA segment from BDA word 0x40e)
 *   0x0009fc00 .. 0x00100000  reserved in e820: EBDA, VGA and BIOS area. The partition has
 *               RAM there, but Linux must not use it (nor does it scan it for anything else)
 *   0x01000000  the kernel's PT_LOAD segments, placed by p_paddr; it needs RAM up to
 *               max(its end, its start + init_size) before it reads the e820 map
 *   ...         free RAM
 *   top         the initramfs, page aligned, as high as fits under min(RAM top, 2 GiB)
 *               (initrd_addr_max 0x7fffffff) and above what the kernel needs
 *
 * e820: [0, 0x9fc00) RAM, [0x9fc00, 1 MiB) reserved, [1 MiB, RAM top) RAM. Channels and
 * other regions of the view are not in it: the guest never touches them.
 */
#ifndef ULTRAVISOR_LINUX_BOOT_H
#define ULTRAVISOR_LINUX_BOOT_H

#include <stddef.h>
#include <stdint.h>
#include <bulkhead/abi.h>
#include "elf/elf-load.h"

#define LINUX_ZERO_PAGE_GPA 0x10000ull
#define LINUX_CMDLINE_GPA   0x11000ull
#define LINUX_CMDLINE_MAX   2047u           /* bytes before the NUL: cmdline_size 0x7ff */
#define LINUX_EBDA_GPA      0x9fc00ull      /* 639 KiB: ACPI tables; reserved up to 1 MiB */
#define LINUX_HIGH_GPA      0x100000ull     /* 1 MiB: RAM again; the kernel lies above */
#define LINUX_INITRD_END    0x80000000ull   /* initrd_addr_max 0x7fffffff is its last byte */
#define LINUX_BDA_EBDA_SEG  0x40eull        /* BDA word: EBDA segment (LINUX_EBDA_GPA >> 4) */
#define LINUX_BDA_BASE_KIB  0x413ull        /* BDA word: KiB of base memory (639) */
/* The vmlinux carries no init_size (the bzImage header does: 63.6 MiB for Debian's 6.1,
 * most of it the decompressor's room). Without one, the kernel is given RAM up to its end
 * rounded up to 2 MiB plus this much, which covers Debian's: _end 0x4a00000 -> 82 MiB,
 * where the bzImage's init_size asks for 16 + 63.6 = 79.6 MiB. */
#define LINUX_INIT_SLACK    0x800000ull

/* boot.rst, "Details of Header Fields": the setup header, at 0x1f1 of the zero page. */
struct linux_setup_header {
	uint8_t  setup_sects;           /* 0x1f1 */
	uint16_t root_flags;            /* 0x1f2 */
	uint32_t syssize;               /* 0x1f4 */
	uint16_t ram_size;              /* 0x1f8 */
	uint16_t vid_mode;              /* 0x1fa */
	uint16_t root_dev;              /* 0x1fc */
	uint16_t boot_flag;             /* 0x1fe  LINUX_BOOT_FLAG */
	uint16_t jump;                  /* 0x200 */
	uint32_t header;                /* 0x202  LINUX_HDRS "HdrS" */
	uint16_t version;               /* 0x206  boot protocol, LINUX_PROTOCOL */
	uint32_t realmode_swtch;        /* 0x208 */
	uint16_t start_sys_seg;         /* 0x20c */
	uint16_t kernel_version;        /* 0x20e */
	uint8_t  type_of_loader;        /* 0x210  0xff: undefined */
	uint8_t  loadflags;             /* 0x211  LINUX_LOADED_HIGH */
	uint16_t setup_move_size;       /* 0x212 */
	uint32_t code32_start;          /* 0x214 */
	uint32_t ramdisk_image;         /* 0x218  initramfs GPA, low 32 bits */
	uint32_t ramdisk_size;          /* 0x21c  initramfs bytes, low 32 bits */
	uint32_t bootsect_kludge;       /* 0x220 */
	uint16_t heap_end_ptr;          /* 0x224 */
	uint8_t  ext_loader_ver;        /* 0x226 */
	uint8_t  ext_loader_type;       /* 0x227 */
	uint32_t cmd_line_ptr;          /* 0x228  command line GPA, low 32 bits */
	uint32_t initrd_addr_max;       /* 0x22c */
	uint32_t kernel_alignment;      /* 0x230 */
	uint8_t  relocatable_kernel;    /* 0x234 */
	uint8_t  min_alignment;         /* 0x235 */
	uint16_t xloadflags;            /* 0x236 */
	uint32_t cmdline_size;          /* 0x238 */
	uint32_t hardware_subarch;      /* 0x23c  0: a normal PC */
	uint64_t hardware_subarch_data; /* 0x240 */
	uint32_t payload_offset;        /* 0x248 */
	uint32_t payload_length;        /* 0x24c */
	uint64_t setup_data;            /* 0x250  0: no list */
	uint64_t pref_address;          /* 0x258 */
	uint32_t init_size;             /* 0x260 */
	uint32_t handover_offset;       /* 0x264 */
	uint32_t kernel_info_offset;    /* 0x268 */
} __attribute__((packed));
BH_SIZE(linux_setup_header, 0x26c - 0x1f1);

#define LINUX_BOOT_FLAG   0xaa55
#define LINUX_HDRS        0x53726448u /* "HdrS" */
#define LINUX_PROTOCOL    0x020f
#define LINUX_LOADER_ANY  0xff
#define LINUX_LOADED_HIGH 0x01
#define LINUX_ALIGNMENT   0x1000000u

/* boot.rst, "The zero page": one e820 entry (arch/x86/include/uapi/asm/bootparam.h). */
struct linux_e820_entry {
	uint64_t addr;  /* 0x00 */
	uint64_t size;  /* 0x08 */
	uint32_t type;  /* 0x10  LINUX_E820_* */
} __attribute__((packed));
BH_SIZE(linux_e820_entry, 20);

#define LINUX_E820_RAM      1u
#define LINUX_E820_RESERVED 2u
#define LINUX_E820_MAX      128u /* E820_MAX_ENTRIES_ZEROPAGE */

/* boot.rst, "The zero page" (Documentation/x86/zero-page.rst): struct boot_params. The
 * loader sets only the fields named; the rest stay zero, the sentinel at 0x1ef included
 * (non-zero, the kernel would take the header for stale and clear it). */
struct linux_boot_params {
	uint8_t  reserved_0x000[0xc0];  /* screen_info .. olpc_ofw_header: zero */
	uint32_t ext_ramdisk_image;     /* 0x0c0  initramfs GPA, high 32 bits */
	uint32_t ext_ramdisk_size;      /* 0x0c4  initramfs bytes, high 32 bits */
	uint32_t ext_cmd_line_ptr;      /* 0x0c8  command line GPA, high 32 bits */
	uint8_t  reserved_0x0cc[0x11c]; /* edid_info, efi_info, alt_mem_k, scratch: zero */
	uint8_t  e820_entries;          /* 0x1e8 */
	uint8_t  reserved_0x1e9[8];     /* EDD counts, kbd_status, secure_boot, sentinel: zero */
	struct linux_setup_header hdr;  /* 0x1f1 */
	uint8_t  reserved_0x26c[0x64];  /* edd_mbr_sig_buffer: zero */
	struct linux_e820_entry e820_table[LINUX_E820_MAX]; /* 0x2d0 */
	uint8_t  reserved_0xcd0[0x330]; /* eddbuf: zero */
} __attribute__((packed));
BH_OFFSET(linux_boot_params, ext_ramdisk_image, 0x0c0);
BH_OFFSET(linux_boot_params, ext_ramdisk_size, 0x0c4);
BH_OFFSET(linux_boot_params, ext_cmd_line_ptr, 0x0c8);
BH_OFFSET(linux_boot_params, e820_entries, 0x1e8);
BH_OFFSET(linux_boot_params, hdr, 0x1f1);
BH_OFFSET(linux_boot_params, hdr.boot_flag, 0x1fe);
BH_OFFSET(linux_boot_params, hdr.header, 0x202);
BH_OFFSET(linux_boot_params, hdr.version, 0x206);
BH_OFFSET(linux_boot_params, hdr.type_of_loader, 0x210);
BH_OFFSET(linux_boot_params, hdr.loadflags, 0x211);
BH_OFFSET(linux_boot_params, hdr.ramdisk_image, 0x218);
BH_OFFSET(linux_boot_params, hdr.ramdisk_size, 0x21c);
BH_OFFSET(linux_boot_params, hdr.cmd_line_ptr, 0x228);
BH_OFFSET(linux_boot_params, hdr.kernel_alignment, 0x230);
BH_OFFSET(linux_boot_params, hdr.cmdline_size, 0x238);
BH_OFFSET(linux_boot_params, hdr.init_size, 0x260);
BH_OFFSET(linux_boot_params, e820_table, 0x2d0);
BH_SIZE(linux_boot_params, 0x1000);

/* What linux_load() is given. */
struct linux_boot {
	uint64_t ram;            /* the partition's private RAM: [0, ram) */
	unsigned vcpus;          /* 1..BH_VIEW_VCPUS_MAX: one MADT local APIC entry each */
	const void *kernel;      /* the ELF vmlinux */
	size_t kernel_len;
	const void *initrd;      /* the initramfs, or NULL */
	size_t initrd_len;       /* 0: none */
	const char *cmdline;     /* the user's options, after the platform's; may be NULL */
	uint64_t tsc_hz;         /* 0: unknown (no tsc_early_khz=) */
	uint64_t init_size;      /* the bzImage header's, if known; 0: LINUX_INIT_SLACK rule */
};

/* Where linux_load() put things. */
struct linux_plan {
	uint64_t entry;          /* physical entry point (RIP of vCPU 0) */
	uint64_t kernel_start;   /* lowest PT_LOAD p_paddr */
	uint64_t kernel_end;     /* end of the highest PT_LOAD (p_paddr + p_memsz) */
	uint64_t init_size;      /* the kernel needs [kernel_start, kernel_start + init_size) */
	uint64_t initrd_gpa;     /* 0: no initramfs */
	uint64_t initrd_len;
};

/* The kernel's segments and the initramfs placed in [0, b->ram) (nothing written): 0, or
 * -BH_EINVAL (not an ELF vmlinux, or lib/elf refuses it) or -BH_ENOMEM (it does not fit)
 * with the reason in err. */
int linux_plan(const struct linux_boot *b, struct linux_plan *p, char *err, size_t errlen);

/* The e820 map of [0, ram) (ram > 1 MiB): fills t, returns the number of entries (3). */
unsigned linux_e820(struct linux_e820_entry t[LINUX_E820_MAX], uint64_t ram);

/* The zero page for plan p and RAM [0, ram), from scratch. */
void linux_zero_page(struct linux_boot_params *zp, const struct linux_plan *p, uint64_t ram);

/* The platform's options (docs/linux.md, "The command line"), then the user's: 0, or
 * -BH_E2BIG when the whole exceeds LINUX_CMDLINE_MAX bytes, with the reason in err. */
int linux_cmdline(char out[LINUX_CMDLINE_MAX + 1], const char *user, uint64_t tsc_hz,
		  char *err, size_t errlen);

/* Plan, then through mem (dst always inside [0, b->ram)): zero the RAM, load the kernel,
 * write the zero page, command line, BIOS data area words, ACPI tables and initramfs. The
 * start-state page tables are the caller's (loader.c). Refusals write nothing. 0, or a
 * negative BH_E* with the reason in err; out (may be NULL) gets the plan. */
int linux_load(const struct linux_boot *b, const struct elf_sink *mem, struct linux_plan *out,
	       char *err, size_t errlen);

#endif
