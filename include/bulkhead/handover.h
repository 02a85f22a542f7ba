/* SPDX-License-Identifier: MIT */
/* handover.h - how bulkhead.efi finds and enters the monitor in bulkhead.elf (ABI v1).
 *
 * bulkhead.elf carries, next to its Multiboot2 header and like it, a header that a loader
 * finds by scanning the first BH_EFI_HANDOVER_SEARCH bytes of the file at 8-byte steps
 * (boot/efi-entry.asm emits it into the .multiboot section):
 *
 *   0x00  u32 magic      BH_EFI_HANDOVER_MAGIC
 *   0x04  u32 version    BH_EFI_HANDOVER_VERSION
 *   0x08  u32 checksum   magic + version + checksum == 0 (mod 2^32)
 *   0x0c  u32 reserved   zero
 *   0x10  u64 entry      physical (= linked) address of the 64-bit EFI entry
 *
 * The entry is called as  void entry(struct bh_bootinfo *bi)  with the System V AMD64
 * calling convention (RDI = bi), never returns, and requires:
 *   - 64-bit mode, interrupts disabled, ExitBootServices() done;
 *   - the firmware's page tables still loaded: they identity-map memory, 4-level paging
 *     (CR4.LA57 clear), so the entry runs at its physical address until it loads its own;
 *   - bulkhead.elf's PT_LOAD segments copied to their physical addresses, .bss zeroed
 *     or not (the entry zeroes it);
 *   - bi: a complete struct bh_bootinfo (source BH_BOOT_EFI_APP, map normalized) whose
 *     block [info_start, info_end) contains it, below 4 GiB like every module. Nothing of
 *     the firmware's (stack, GDT, IDT, page tables) is used after the entry's first steps.
 */
#ifndef BOOT_EFI_HANDOVER_H
#define BOOT_EFI_HANDOVER_H

#include <bulkhead/abi.h>

#define BH_EFI_HANDOVER_MAGIC   0x4f484542u /* "BEHO": Bulkhead EFI hand-over */
#define BH_EFI_HANDOVER_VERSION 1
#define BH_EFI_HANDOVER_SEARCH  32768 /* like the Multiboot2 header: the first 32 KiB */

struct bh_efi_handover {
	uint32_t magic;    /* 0x00 */
	uint32_t version;  /* 0x04 */
	uint32_t checksum; /* 0x08 */
	uint32_t reserved_0x0c;
	uint64_t entry;    /* 0x10 */
};
BH_OFFSET(bh_efi_handover, checksum, 0x08);
BH_OFFSET(bh_efi_handover, entry, 0x10);
BH_SIZE(bh_efi_handover, 0x18);

#endif
