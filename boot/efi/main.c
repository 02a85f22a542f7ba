/* SPDX-License-Identifier: MIT */
/* main.c - bulkhead.efi: load bulkhead.elf, its modules and the boot information from the
 * volume the application sits on, then hand the machine to the monitor.
 *
 *   volume_open     the volume and directory of bulkhead.efi; the config file to read:
 *                   named by the load options, else bulkhead.cfg beside the application
 *   config_read     the config file → struct bhcfg (format: bhcfg.h)
 *   kernel_load     bulkhead.elf at its link addresses; its EFI entry (handover.h)
 *   bootinfo_alloc  struct bh_bootinfo in pages below 4 GiB: the monitor's information block
 *   modules_load    the modules below 4 GiB; the config blob validated
 *   sysinfo_fill    ACPI RSDP, GOP framebuffer, EFI system table, loader name
 *   handover        memory map, ExitBootServices(), the monitor's entry; returns on failure
 *
 * On failure: a message saying which step and file, every page given back, and the EFI
 * status returned to the firmware, which goes on to its next boot option.
 */
#include <string.h>
#include "loader.h"

static struct loader loader;

EFI_STATUS loader_alloc(struct loader *L, EFI_ALLOCATE_TYPE how, EFI_MEMORY_TYPE type,
			UINTN pages, EFI_PHYSICAL_ADDRESS *addr)
{
	EFI_STATUS s;

	if (L->nallocs >= LOADER_ALLOCS_MAX)
		return EFI_OUT_OF_RESOURCES; /* more than the allocations the steps can make */
	s = L->bs->AllocatePages(how, type, pages, addr);
	if (!EFI_ERROR(s))
		L->allocs[L->nallocs++] = (struct loader_alloc){ .base = *addr, .pages = pages };
	return s;
}

void loader_release(struct loader *L)
{
	while (L->nallocs) {
		const struct loader_alloc *a = &L->allocs[--L->nallocs];
		EFI_STATUS s = L->bs->FreePages(a->base, a->pages);

		if (EFI_ERROR(s))
			con_note("warning: FreePages(%#llx, %lu) failed: %s",
				 (unsigned long long)a->base, (unsigned long)a->pages,
				 efi_status_name(s));
	}
}

static EFI_STATUS config_read(struct loader *L)
{
	struct file_data f;
	char err[192];
	EFI_STATUS s = file_read(L, L->cfg_path, "config file", FILE_POOL, &f);

	if (EFI_ERROR(s))
		return s;
	if (bhcfg_parse(f.data, f.size, &L->cfg, err, sizeof(err)))
		s = con_fail(EFI_INVALID_PARAMETER, "config file %s: %s", L->cfg_path, err);
	if (EFI_ERROR(L->bs->FreePool(f.data)))
		con_note("warning: FreePool() of the config file's buffer failed");
	return s;
}

static EFI_STATUS bootinfo_alloc(struct loader *L)
{
	UINTN pages = (sizeof(struct bh_bootinfo) + EFI_PAGE - 1) / EFI_PAGE;
	EFI_PHYSICAL_ADDRESS pa = EFI_LOW_LIMIT;
	EFI_STATUS s = loader_alloc(L, AllocateMaxAddress, EfiLoaderData, pages, &pa);
	struct bh_bootinfo *bi;

	if (EFI_ERROR(s))
		return con_fw_fail(s, "no memory below 4 GiB for the boot information (%lu pages)",
				   (unsigned long)pages);
	bi = (struct bh_bootinfo *)(uintptr_t)pa;
	memset(bi, 0, pages * EFI_PAGE);
	bi->magic = BH_BOOTINFO_MAGIC;
	bi->version = BH_BOOTINFO_VERSION;
	bi->source = BH_BOOT_EFI_APP;
	bi->info_start = pa;
	bi->info_end = pa + sizeof(*bi);
	memcpy(bi->cmdline, L->cfg.cmdline, sizeof(bi->cmdline)); /* same size, terminated */
	L->bi = bi;
	return EFI_SUCCESS;
}

static EFI_STATUS boot(struct loader *L)
{
	static EFI_STATUS (*const steps[])(struct loader *) = {
		volume_open, config_read, kernel_load, bootinfo_alloc, modules_load, sysinfo_fill,
		handover,
	};

	for (unsigned i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		EFI_STATUS s = steps[i](L);

		if (EFI_ERROR(s))
			return s;
	}
	return EFI_ABORTED; /* handover() returns only on failure */
}

/* Called by gnu-efi's crt0 after relocating the image. */
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
	struct loader *L = &loader;
	EFI_STATUS s;

	memset(L, 0, sizeof(*L));
	L->image = image;
	L->st = st;
	L->bs = st->BootServices;
	con_init(st);
	con_note("Bulkhead EFI loader");
	s = L->bs->SetWatchdogTimer(0, 0, 0, NULL); /* the boot manager armed 5 minutes */
	if (EFI_ERROR(s))
		con_note("warning: cannot disable the watchdog timer: %s", efi_status_name(s));
	s = boot(L);
	loader_release(L);
	con_note("returning %s to the firmware", efi_status_name(s));
	return s;
}
