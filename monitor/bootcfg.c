/* SPDX-License-Identifier: MIT */
/* bootcfg.c - validate the boot config blob with the one validator bhconfig also uses. */
#define pr_fmt(fmt) "config: " fmt
#include <string.h>
#include "config/validate.h"
#include "bootcfg.h"
#include "log.h"

static void report(void *ctx, const struct cfg_error *e)
{
	char line[CFG_FIELD_MAX + CFG_MSG_MAX + 32];
	unsigned *errors = ctx;

	cfg_format_error(line, sizeof(line), e);
	pr_err("%s", line);
	(*errors)++;
}

static const struct bh_module *find_blob(const struct bh_bootinfo *bi)
{
	for (uint32_t i = 0; i < bi->module_count; i++)
		if (!strcmp(bi->modules[i].name, "config"))
			return &bi->modules[i];
	return NULL;
}

bool bootcfg_check(const struct bh_bootinfo *bi)
{
	const struct bh_module *m = find_blob(bi);
	struct cfg_blob blob;
	unsigned errors = 0;

	if (!m)
		return true;
	if (cfg_validate((const void *)m->start, m->end - m->start, report, &errors)) {
		pr_err("blob [%#lx-%#lx) refused with %u error(s): no partition started",
		       m->start, m->end, errors);
		return false;
	}
	cfg_open(&blob, (const void *)m->start, m->end - m->start, NULL, NULL);
	pr_notice("blob valid: %u partitions, %u channels, %u devices, %u zones",
		  cfg_count(&blob, BH_CFG_PARTITIONS), cfg_count(&blob, BH_CFG_CHANNELS),
		  cfg_count(&blob, BH_CFG_DEVICES), cfg_count(&blob, BH_CFG_ZONES));
	return true;
}
