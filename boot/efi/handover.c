/* SPDX-License-Identifier: MIT */
/* handover.c - leave the firmware: the final memory map, ExitBootServices(), the jump.
 *
 * UEFI 2.10, 7.4 "EFI_BOOT_SERVICES.ExitBootServices()": the map key must come from the
 * latest GetMemoryMap(); if the map changed since (an event allocated memory), the call
 * fails with EFI_INVALID_PARAMETER and the loader gets the map again and retries. After the
 * first call only the memory allocation services may be used, so from then on messages go
 * to COM1 directly (console.c), and the map is converted without any firmware call.
 *
 * The conversion is done once before ExitBootServices() as a dry run: a map that does not
 * fit struct bh_bootinfo is refused while the firmware can still be returned to. The final
 * map differs from it by a few descriptors at most (our own pool allocation).
 */
#include <stdbool.h>
#include <string.h>
#include <bulkhead/errno.h>
#include "loader.h"
#include "memmap.h"

#define MAP_TRIES   4  /* GetMemoryMap() after the buffer grew, each time */
#define MAP_SLACK   8  /* descriptors of room for the pool allocation changing the map */
#define EXIT_TRIES  8
#define CR4_LA57    (1ull << 12)

struct efi_map {
	uint8_t *buf;
	UINTN cap, size, key, desc_size;
	UINT32 desc_version;
};

static EFI_STATUS map_get(struct loader *L, struct efi_map *m)
{
	for (unsigned i = 0; i < MAP_TRIES; i++) {
		UINTN dsize;
		EFI_STATUS s;

		m->size = m->cap;
		s = L->bs->GetMemoryMap(&m->size, (EFI_MEMORY_DESCRIPTOR *)m->buf, &m->key,
					&m->desc_size, &m->desc_version);
		if (s != EFI_BUFFER_TOO_SMALL)
			return s;
		s = m->buf ? L->bs->FreePool(m->buf) : EFI_SUCCESS;
		if (EFI_ERROR(s))
			return s;
		dsize = m->desc_size > sizeof(EFI_MEMORY_DESCRIPTOR) ? m->desc_size
								      : sizeof(EFI_MEMORY_DESCRIPTOR);
		m->buf = NULL;
		m->cap = m->size + MAP_SLACK * dsize;
		s = L->bs->AllocatePool(EfiLoaderData, m->cap, (void **)&m->buf);
		if (EFI_ERROR(s)) {
			m->buf = NULL;
			m->cap = 0;
			return s;
		}
	}
	return EFI_BUFFER_TOO_SMALL;
}

static int map_add(struct bh_bootinfo *bi, uint64_t base, uint64_t len, uint32_t type)
{
	if (!memmap_add(bi, base, len, type))
		return 0;
	memmap_normalize(bi); /* merges neighbours of one type: room for more */
	return memmap_add(bi, base, len, type);
}

/* EFI descriptors → bi->mmap (memmap_from_efi_type, then memmap_normalize). No firmware
 * call. -BH_EINVAL: a malformed descriptor; -BH_E2BIG: more ranges than BH_BOOT_MMAP_MAX. */
static int map_convert(const struct efi_map *m, struct bh_bootinfo *bi)
{
	bi->mmap_count = 0;
	memset(bi->mmap, 0, sizeof(bi->mmap));
	if (m->desc_size < sizeof(EFI_MEMORY_DESCRIPTOR))
		return -BH_EINVAL;
	for (UINTN off = 0; off + m->desc_size <= m->size; off += m->desc_size) {
		EFI_MEMORY_DESCRIPTOR d;

		memcpy(&d, m->buf + off, sizeof(d));
		if (d.NumberOfPages > UINT64_MAX / EFI_PAGE)
			return -BH_EINVAL;
		if (map_add(bi, d.PhysicalStart, d.NumberOfPages * EFI_PAGE,
			    memmap_from_efi_type(d.Type)))
			return -BH_E2BIG;
	}
	memmap_normalize(bi);
	bi->flags |= BH_BOOT_MMAP_FROM_EFI;
	return 0;
}

/* include/bulkhead/handover.h: the entry builds 4-level tables while the firmware's are loaded. */
static EFI_STATUS paging_check(void)
{
	uint64_t cr4;

	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	if (cr4 & CR4_LA57)
		return con_fail(EFI_UNSUPPORTED, "the firmware runs with 5-level paging (CR4.LA57) "
				"and the monitor's entry needs 4-level paging: turn 5-level paging "
				"off in the firmware setup");
	return EFI_SUCCESS;
}

static EFI_STATUS map_dry_run(struct loader *L, struct efi_map *m)
{
	EFI_STATUS s = map_get(L, m);
	int rc;

	if (EFI_ERROR(s))
		return con_fw_fail(s, "GetMemoryMap() failed");
	rc = map_convert(m, L->bi);
	if (rc == -BH_EINVAL)
		return con_fail(EFI_UNSUPPORTED, "the firmware's memory map is malformed "
				"(descriptor size %lu, or a range that wraps)",
				(unsigned long)m->desc_size);
	if (rc)
		return con_fail(EFI_OUT_OF_RESOURCES, "the firmware's memory map has more than %u "
				"distinct ranges", BH_BOOT_MMAP_MAX);
	return EFI_SUCCESS;
}

static EFI_STATUS exit_boot_services(struct loader *L, struct efi_map *m)
{
	for (unsigned i = 1; i <= EXIT_TRIES; i++) {
		EFI_STATUS s = map_get(L, m);

		if (EFI_ERROR(s))
			return con_fw_fail(s, "GetMemoryMap() before ExitBootServices() try %u", i);
		con_boot_services_ending();
		s = L->bs->ExitBootServices(L->image, m->key);
		if (s == EFI_SUCCESS)
			return s;
		if (s != EFI_INVALID_PARAMETER)
			return con_fw_fail(s, "ExitBootServices() try %u", i);
	}
	return con_fail(EFI_INVALID_PARAMETER, "ExitBootServices(): the memory map changed on "
			"each of %u tries", EXIT_TRIES);
}

typedef void __attribute__((noreturn)) (*monitor_entry_fn)(struct bh_bootinfo *bi);

static void __attribute__((noreturn)) stop_here(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

EFI_STATUS handover(struct loader *L)
{
	monitor_entry_fn entry = (monitor_entry_fn)(uintptr_t)L->entry;
	struct efi_map m = { 0 };
	EFI_STATUS s = paging_check();

	if (!EFI_ERROR(s))
		s = map_dry_run(L, &m);
	if (!EFI_ERROR(s)) {
		con_note("%u memory ranges; exiting boot services, monitor entry at %#llx",
			 L->bi->mmap_count, (unsigned long long)L->entry);
		s = exit_boot_services(L, &m);
	}
	if (EFI_ERROR(s)) {
		if (m.buf && EFI_ERROR(L->bs->FreePool(m.buf)))
			con_note("warning: FreePool() of the memory map buffer failed");
		return s;
	}
	if (map_convert(&m, L->bi)) { /* the firmware is gone: nothing to return to */
		con_fail(EFI_OUT_OF_RESOURCES, "the final memory map no longer fits in %u ranges: "
			 "halting", BH_BOOT_MMAP_MAX);
		stop_here();
	}
	__asm__ volatile("cli" ::: "memory");
	entry(L->bi);
}
