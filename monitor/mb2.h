/* SPDX-License-Identifier: MIT */
/* mb2.h - Multiboot2 information block → struct bh_bootinfo. */
#ifndef MONITOR_MB2_H
#define MONITOR_MB2_H

#include <stddef.h>
#include <stdint.h>
#include <bulkhead/bootinfo.h>

#define MB2_BOOTLOADER_MAGIC 0x36d76289u
#define MB2_INFO_MAX         (1u << 20) /* refuse an information block larger than 1 MiB */

/*
 * Parse the Multiboot2 information block at 'mbi' (loaded at physical address mbi_pa) into
 * *bi (zeroed first, then magic, version, source, info_start/end, mmap, modules, cmdline,
 * loader name, RSDP copy, framebuffer, EFI system table filled in). Tags 6 (memory map) and
 * 17 (EFI memory map) are both understood; tag 6 wins when both are present. The map is
 * normalized (memmap_normalize). Never reads outside [mbi, mbi + total_size) and checks
 * every tag's size against the block and against its own type's minimum.
 * Returns 0, or -BH_EINVAL / -BH_E2BIG with a message in err naming the tag and its offset.
 */
int mb2_parse(const void *mbi, uint64_t mbi_pa, struct bh_bootinfo *bi, char *err, size_t errlen);

#endif
