/* SPDX-License-Identifier: MIT */
/* memmap.h - building and normalizing the boot memory map in struct bh_bootinfo. */
#ifndef MONITOR_MEMMAP_H
#define MONITOR_MEMMAP_H

#include <bulkhead/bootinfo.h>

/* Append a range (len 0 is ignored). -BH_E2BIG when the table is full. */
int memmap_add(struct bh_bootinfo *bi, uint64_t base, uint64_t len, uint32_t type);

/* Sort by base, resolve overlaps (the more restrictive type wins: BAD > NVS > RESERVED >
 * ACPI_RECLAIM > USABLE), merge touching ranges of the same type. */
void memmap_normalize(struct bh_bootinfo *bi);

/* Bytes of RAM: usable + ACPI reclaim + ACPI NVS ranges (what the operator calls "RAM"). */
uint64_t memmap_ram_bytes(const struct bh_bootinfo *bi);

/* EFI memory type (UEFI spec, EFI_MEMORY_TYPE) → enum bh_mem_type, after ExitBootServices. */
uint32_t memmap_from_efi_type(uint32_t efi_type);

#endif
