/* SPDX-License-Identifier: MIT */
/* main.c - the ultravisor partition, first steps: find the config blob among the boot
 * modules the monitor mapped read-only into it, validate it with the shared validator, build
 * the resource database, and compute every partition's view with the same checks the
 * monitor will apply. (Publishing the views, loading images and the command channel come
 * with the monitor's privileged hypercalls.) */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <bulkhead/partition.h>
#include "config/validate.h"
#include "db.h"
#include "rt/guest-test.h"
#include "rt/rt.h"

static struct db db;

static const void *find_blob(size_t *len)
{
	const struct bh_partition_info *info = bh_info_page();

	for (uint32_t i = 0; i < info->mem_count; i++)
		if (info->mem[i].kind == BH_MEM_KIND_MODULE) {
			*len = info->mem[i].size;
			return (const void *)(uintptr_t)info->mem[i].gpa;
		}
	return NULL;
}

static void report(void *ctx, const struct cfg_error *e)
{
	char line[CFG_FIELD_MAX + CFG_MSG_MAX + 32];

	cfg_format_error(line, sizeof(line), e);
	printf("ultravisor: config: %s\n", line);
	(*(unsigned *)ctx)++;
}

static void show_partition(const struct db_part *p)
{
	struct bh_view v;

	GUEST_ASSERT_EQ(db_view(&db, p->id, &v), 0);
	printf("ultravisor: partition %-10s id %u %-10s %-8s vcpus %u, view: %u regions, "
	       "generation %llu\n", p->name, p->id, cfg_kind_name(p->kind),
	       db_state_name(p->state), p->vcpus, v.region_count,
	       (unsigned long long)v.generation);
}

int main(void)
{
	static char err[256];
	unsigned errors = 0;
	size_t len;
	const void *blob = find_blob(&len);

	GUEST_ASSERT(blob != NULL);
	printf("ultravisor: config blob %zu bytes, read-only at %p\n", len, blob);
	if (cfg_validate(blob, len, report, &errors)) {
		printf("ultravisor: config refused with %u error(s): nothing started\n", errors);
		return 2;
	}
	if (db_init_from_blob(&db, blob, len, err, sizeof(err))) {
		printf("ultravisor: database: %s\n", err);
		return 3;
	}
	printf("ultravisor: database generation %llu, pool %llu MiB, %llu MiB free\n",
	       (unsigned long long)db.st.generation, (unsigned long long)(db.st.pool_total >> 20),
	       (unsigned long long)(db.st.pool_free >> 20));
	for (unsigned i = 0; i < DB_PARTS_MAX; i++)
		if (db.st.parts[i].id)
			show_partition(&db.st.parts[i]);
	GUEST_DONE();
}
