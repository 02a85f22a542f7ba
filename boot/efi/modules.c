/* SPDX-License-Identifier: MIT */
/* modules.c - boot modules into pages below 4 GiB, and the config blob checked on the way.
 *
 * Each module of bulkhead.cfg becomes one struct bh_module, in order, exactly as GRUB's
 * module2 would make it: [start, end) is the file's bytes (start page-aligned, end one past
 * the last byte), name is the module's command line. A module whose command line's first
 * word is "config" is the partition config blob: it must pass the same validator that
 * bhconfig and the ultravisor use (lib/config/validate.h) or the boot stops here, with
 * every violation printed, before the firmware is left behind.
 */
#include <stdbool.h>
#include <string.h>
#include "config/validate.h"
#include "fmt.h"
#include "loader.h"

#define MODULE_WHAT_MAX (LOADER_PATH_MAX + 48)

struct blob_report {
	const char *path;
	unsigned errors;
};

static bool is_config_module(const char *cmdline)
{
	return !strncmp(cmdline, "config", 6) && (cmdline[6] == ' ' || !cmdline[6]);
}

static void blob_report(void *ctx, const struct cfg_error *e)
{
	struct blob_report *r = ctx;
	char text[CFG_FIELD_MAX + CFG_MSG_MAX + 64];

	cfg_format_error(text, sizeof(text), e);
	con_fail(EFI_INVALID_PARAMETER, "config blob %s: %s", r->path, text);
	r->errors++;
}

static EFI_STATUS blob_check(const struct file_data *f, const char *path)
{
	struct blob_report r = { .path = path };

	if (!cfg_validate(f->data, f->size, blob_report, &r))
		return EFI_SUCCESS;
	return con_fail(EFI_INVALID_PARAMETER, "config blob %s: %u error%s: not booting", path,
			r.errors, r.errors == 1 ? "" : "s");
}

static EFI_STATUS module_load(struct loader *L, unsigned i)
{
	const struct bhcfg_module *m = &L->cfg.modules[i];
	struct bh_module *bm = &L->bi->modules[i];
	char path[LOADER_PATH_MAX], what[MODULE_WHAT_MAX];
	struct file_data f;
	EFI_STATUS s;

	bh_snprintf(what, sizeof(what), "module %u (%s line %u)", i, L->cfg_path, m->line);
	s = path_resolve(L, m->file, path, sizeof(path));
	if (!EFI_ERROR(s))
		s = file_read(L, path, what, FILE_PAGES_LOW, &f);
	if (!EFI_ERROR(s) && is_config_module(m->cmdline))
		s = blob_check(&f, path);
	if (EFI_ERROR(s))
		return s;
	bm->start = (uintptr_t)f.data;
	bm->end = bm->start + f.size;
	memcpy(bm->name, m->cmdline, sizeof(bm->name)); /* same size, NUL-terminated */
	con_note("module %u %s: [%#llx-%#llx) \"%s\"", i, path, (unsigned long long)bm->start,
		 (unsigned long long)bm->end, bm->name);
	return EFI_SUCCESS;
}

EFI_STATUS modules_load(struct loader *L)
{
	for (unsigned i = 0; i < L->cfg.module_count; i++) {
		EFI_STATUS s = module_load(L, i);

		if (EFI_ERROR(s))
			return s;
		L->bi->module_count = i + 1;
	}
	return EFI_SUCCESS;
}
