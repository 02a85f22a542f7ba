/* SPDX-License-Identifier: MIT */
/* boot-efi.c - the monitor's C entry from bulkhead.efi: check the boot information the
 * application built, then the common path. Called by boot/efi-entry.asm in 64-bit mode on
 * the boot stack, on the monitor's own GDT and page tables (contract: include/bulkhead/handover.h). */
#define pr_fmt(fmt) "boot: " fmt
#include <stdint.h>
#include <bulkhead/bootinfo.h>
#include "log.h"
#include "main.h"
#include "stop.h"

#define EFI_INFO_LIMIT (1ull << 32) /* the boot page tables map [0, 4 GiB) */

static void terminate(char *s, size_t size)
{
	s[size - 1] = '\0';
}

/* The application is ours, but a mismatched pair (old bulkhead.efi, new image) must stop
 * here with a message rather than run on a misread structure. */
static const char *efi_bootinfo_problem(struct bh_bootinfo *bi)
{
	uint64_t pa = (uint64_t)bi;

	if (bi->magic != BH_BOOTINFO_MAGIC || bi->version != BH_BOOTINFO_VERSION)
		return "magic or version mismatch: bulkhead.efi and bulkhead.elf do not match";
	if (bi->source != BH_BOOT_EFI_APP)
		return "source is not BH_BOOT_EFI_APP";
	if (bi->info_start != pa || bi->info_end < pa + sizeof(*bi) || bi->info_end > EFI_INFO_LIMIT)
		return "information block [info_start, info_end) does not hold the structure";
	if (!bi->mmap_count || bi->mmap_count > BH_BOOT_MMAP_MAX)
		return "memory map count out of range";
	if (bi->module_count > BH_BOOT_MODULES_MAX)
		return "module count out of range";
	if (bi->rsdp_len != 0 && bi->rsdp_len != 20 && bi->rsdp_len != BH_BOOT_RSDP_MAX)
		return "RSDP length is neither 20 nor 36";
	return NULL;
}

__attribute__((noreturn)) void boot_efi(struct bh_bootinfo *bi)
{
	const char *problem;

	boot_early();
	problem = efi_bootinfo_problem(bi);
	if (problem) {
		pr_err("boot information from bulkhead.efi at %p: %s", (void *)bi, problem);
		machine_stop(STOP_BAD_BOOT);
	}
	terminate(bi->cmdline, sizeof(bi->cmdline));
	terminate(bi->loader, sizeof(bi->loader));
	for (uint32_t i = 0; i < bi->module_count; i++)
		terminate(bi->modules[i].name, sizeof(bi->modules[i].name));
	monitor_main(bi);
}
