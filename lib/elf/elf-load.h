/* SPDX-License-Identifier: MIT */
/* elf-load.h - validate and load a static ELF64 x86-64 executable that may be hostile.
 *
 * Used by the monitor (and later the ultravisor) to place a partition image into the
 * partition's memory. Freestanding: no libc, no allocation, bounded stack (under 1.5 KiB).
 *
 * An image is accepted only if all of these hold (ELF-64 Object File Format 1.5, System V
 * ABI AMD64 supplement):
 *   - ELF magic, ELFCLASS64, ELFDATA2LSB, EV_CURRENT, ET_EXEC, EM_X86_64, e_ehsize 64;
 *   - the program header table lies inside the image, e_phentsize is 56, 1..ELF_MAX_PHDRS
 *     entries; no PT_INTERP or PT_DYNAMIC (static executables only);
 *   - 1..ELF_MAX_LOADS PT_LOAD segments, each with p_filesz <= p_memsz, p_paddr == p_vaddr
 *     (VA = GPA in the start state), [p_offset, p_offset + p_filesz) inside the image,
 *     [p_vaddr, p_vaddr + p_memsz) inside [load_min, load_max), no arithmetic overflow;
 *   - PT_LOAD segments do not overlap each other;
 *   - e_entry lies in the file-backed part of an executable (PF_X) PT_LOAD segment.
 * With ELF_LOAD_PADDR (elf_*_flags()), segments are placed by p_paddr instead: p_vaddr may
 * be anything, and p_paddr is what must lie in the window and not overlap; e_entry may be
 * a physical address as above or a virtual one inside an executable segment's file data,
 * which is moved with that segment (entry - p_vaddr + p_paddr). A Linux vmlinux needs it:
 * linked at 0xffffffff81000000, loaded at physical 0x1000000, its per-CPU segment at 0.
 * PT_LOAD segments with p_memsz 0 are checked and then ignored. Other segment types
 * (PT_NOTE, PT_GNU_STACK, PT_TLS, ...) are ignored. Gaps between segments are not written:
 * the caller zeroes the window first if it must not leak old contents.
 *
 * Every header is read once into a local copy and only that copy is used afterwards, so an
 * image that changes under the loader cannot move a write outside the checked ranges.
 */
#ifndef BH_ELF_LOAD_H
#define BH_ELF_LOAD_H

#include <stddef.h>
#include <stdint.h>
#include <bulkhead/abi.h>

#define ELF_MAX_PHDRS 64
#define ELF_MAX_LOADS 16

/* ELF-64 Object File Format, "ELF Header" and "Program Header Table". */
#define ELF_MAG0 0x7f
#define ELF_CLASS64 2
#define ELF_DATA2LSB 1
#define ELF_EV_CURRENT 1
#define ELF_ET_EXEC 2
#define ELF_EM_X86_64 62
#define ELF_PT_LOAD 1
#define ELF_PT_DYNAMIC 2
#define ELF_PT_INTERP 3
#define ELF_PF_X 1u
#define ELF_PF_W 2u
#define ELF_PF_R 4u

struct elf64_ehdr {
	uint8_t  e_ident[16];  /* 0x00  "\x7fELF", class, data, version, OS ABI, pad */
	uint16_t e_type;       /* 0x10 */
	uint16_t e_machine;    /* 0x12 */
	uint32_t e_version;    /* 0x14 */
	uint64_t e_entry;      /* 0x18 */
	uint64_t e_phoff;      /* 0x20 */
	uint64_t e_shoff;      /* 0x28 */
	uint32_t e_flags;      /* 0x30 */
	uint16_t e_ehsize;     /* 0x34 */
	uint16_t e_phentsize;  /* 0x36 */
	uint16_t e_phnum;      /* 0x38 */
	uint16_t e_shentsize;  /* 0x3a */
	uint16_t e_shnum;      /* 0x3c */
	uint16_t e_shstrndx;   /* 0x3e */
};
BH_OFFSET(elf64_ehdr, e_entry, 0x18);
BH_OFFSET(elf64_ehdr, e_phnum, 0x38);
BH_SIZE(elf64_ehdr, 0x40);

struct elf64_phdr {
	uint32_t p_type;   /* 0x00 */
	uint32_t p_flags;  /* 0x04  ELF_PF_* */
	uint64_t p_offset; /* 0x08 */
	uint64_t p_vaddr;  /* 0x10 */
	uint64_t p_paddr;  /* 0x18 */
	uint64_t p_filesz; /* 0x20 */
	uint64_t p_memsz;  /* 0x28 */
	uint64_t p_align;  /* 0x30 */
};
BH_OFFSET(elf64_phdr, p_vaddr, 0x10);
BH_OFFSET(elf64_phdr, p_align, 0x30);
BH_SIZE(elf64_phdr, 0x38);

/* elf_check_flags() / elf_load_flags() flags */
#define ELF_LOAD_PADDR 1u /* place segments by p_paddr (see above) */

/* One checked, non-empty PT_LOAD segment. */
struct elf_seg {
	uint64_t vaddr;   /* = guest-physical destination (p_vaddr, or p_paddr: ELF_LOAD_PADDR) */
	uint64_t offset;  /* in the image */
	uint64_t filesz;  /* bytes copied from the image */
	uint64_t memsz;   /* filesz..memsz is zeroed */
	uint32_t flags;   /* ELF_PF_* */
	uint32_t phdr;    /* index in the program header table, for messages */
	uint64_t linked;  /* p_vaddr: where it runs once the image has its own page tables */
};

/* What elf_check() found: a snapshot the loader uses instead of re-reading the image. */
struct elf_image {
	uint64_t entry;
	uint32_t nseg;
	struct elf_seg seg[ELF_MAX_LOADS];
};

/* Where elf_load() writes. Each callback returns 0 or a negative BH_E* code, which aborts
 * the load and is returned by elf_load(). dst ranges handed to the callbacks always lie
 * in [load_min, load_max) and never overlap each other. */
struct elf_sink {
	void *ctx;
	int (*copy)(void *ctx, uint64_t dst_gpa, const void *src, uint64_t len);
	int (*zero)(void *ctx, uint64_t dst_gpa, uint64_t len);
};

/* Validate img[0, size) against the rules above for the window [load_min, load_max).
 * Returns 0 and fills *out (may be NULL), or -BH_EINVAL with a message naming the field
 * and values in err (NUL-terminated when errlen > 0; err may be NULL). */
int elf_check(const void *img, uint64_t size, uint64_t load_min, uint64_t load_max,
	      struct elf_image *out, char *err, size_t errlen);
/* elf_check() with flags (ELF_LOAD_PADDR or 0; any other bit is refused). */
int elf_check_flags(const void *img, uint64_t size, uint64_t load_min, uint64_t load_max,
		    unsigned flags, struct elf_image *out, char *err, size_t errlen);

/* elf_check(), then for each segment copy p_filesz bytes and zero the rest up to p_memsz.
 * Returns 0 and the entry point in *entry (may be NULL), or a negative BH_E* code: nothing
 * is written when the check fails; a failing sink leaves earlier segments written. */
int elf_load(const void *img, uint64_t size, uint64_t load_min, uint64_t load_max,
	     const struct elf_sink *sink, uint64_t *entry, char *err, size_t errlen);
/* elf_load() with flags (ELF_LOAD_PADDR or 0); *entry is then the physical entry point. */
int elf_load_flags(const void *img, uint64_t size, uint64_t load_min, uint64_t load_max,
		   unsigned flags, const struct elf_sink *sink, uint64_t *entry, char *err,
		   size_t errlen);

#endif
