/* SPDX-License-Identifier: MIT */
/* loader.h - bulkhead.efi: state and steps shared by the application's files.
 *
 * efi_main (main.c) runs the steps in order; each returns EFI_SUCCESS or the status the
 * application hands back to the firmware, after printing why (console.c). Every page the
 * steps allocate is recorded, so a failed boot returns its memory to the firmware.
 */
#ifndef BOOT_EFI_LOADER_H
#define BOOT_EFI_LOADER_H

#include <efi.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <bulkhead/bootinfo.h>
#include "bhcfg.h"

#define EFI_PAGE            4096ull
#define EFI_LOW_LIMIT       0xffffffffull /* last byte the monitor's boot page tables map */
#define LOADER_PATH_MAX     256
#define LOADER_ALLOCS_MAX   64            /* kernel segments + modules + boot information */
#define LOADER_CFG_DEFAULT  "bulkhead.cfg"

struct loader_alloc {
	EFI_PHYSICAL_ADDRESS base;
	UINTN pages;
};

struct loader {
	EFI_HANDLE image;
	EFI_SYSTEM_TABLE *st;
	EFI_BOOT_SERVICES *bs;
	EFI_LOADED_IMAGE *li;
	EFI_FILE_PROTOCOL *root;          /* the volume bulkhead.efi was loaded from */
	char dir[LOADER_PATH_MAX];        /* its directory, "" for the root, no trailing '\' */
	char cfg_path[LOADER_PATH_MAX];   /* the config file, absolute */
	char cfg_dir[LOADER_PATH_MAX];    /* the config file's directory: relative names start here */
	struct bhcfg cfg;
	struct bh_bootinfo *bi;           /* in pages below 4 GiB */
	uint64_t entry;                   /* the monitor's EFI entry (include/bulkhead/handover.h) */
	struct loader_alloc allocs[LOADER_ALLOCS_MAX];
	unsigned nallocs;
};

/* main.c: page allocations recorded in the loader, all freed again on failure. */
EFI_STATUS loader_alloc(struct loader *L, EFI_ALLOCATE_TYPE how, EFI_MEMORY_TYPE type,
			UINTN pages, EFI_PHYSICAL_ADDRESS *addr);
void loader_release(struct loader *L);

/* console.c: lines on ConOut and the serial console, "bulkhead.efi: " first. */
void con_init(EFI_SYSTEM_TABLE *st);
void con_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "bulkhead.efi: error: <text>"; returns st. */
EFI_STATUS con_fail(EFI_STATUS st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A firmware call failed: "bulkhead.efi: error: <text>: EFI_<NAME>"; returns st. */
EFI_STATUS con_fw_fail(EFI_STATUS st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* From the first ExitBootServices() call on, ConOut is gone: lines go to COM1 directly. */
void con_boot_services_ending(void);
const char *efi_status_name(EFI_STATUS st);

/* volume.c */
EFI_STATUS volume_open(struct loader *L);      /* li, root, dir, cfg_path, cfg_dir */
EFI_STATUS path_resolve(const struct loader *L, const char *name, char *out, size_t size);

enum file_place {
	FILE_POOL,      /* pool memory, anywhere: the caller frees it with FreePool() */
	FILE_PAGES_LOW, /* recorded pages below 4 GiB that the monitor receives */
};

struct file_data {
	void *data;
	uint64_t size;
};

/* Read a whole file; what names it in messages ("module 2 (bulkhead.cfg line 5)"). */
EFI_STATUS file_read(struct loader *L, const char *path, const char *what, enum file_place place,
		     struct file_data *out);

EFI_STATUS kernel_load(struct loader *L);      /* kernel.c: bulkhead.elf → entry */
EFI_STATUS modules_load(struct loader *L);     /* modules.c: modules, config blob check */
EFI_STATUS sysinfo_fill(struct loader *L);     /* sysinfo.c: RSDP, GOP, system table; no failure */
EFI_STATUS handover(struct loader *L);         /* handover.c: returns only on failure */

#endif
