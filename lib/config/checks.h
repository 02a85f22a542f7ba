/* SPDX-License-Identifier: MIT */
/* checks.h - private to lib/config: the check context, reporting helpers and every check_*(). */
#ifndef BH_CONFIG_CHECKS_H
#define BH_CONFIG_CHECKS_H

#include "validate.h"

#define MIB (1024ull * 1024)

/* What a running check knows: the opened blob, where to report, and its own name. */
struct cfg_ctx {
	const struct cfg_blob *b;
	cfg_report_fn report;
	void *rctx;
	const char *check;
	unsigned errors;
};

typedef void (*cfg_check_fn)(struct cfg_ctx *c);

struct cfg_check {
	const char *name;
	cfg_check_fn fn;
};

/* Reports "<table>[<index>].<field>: <fmt...>"; index -1 and field "" leave those out. */
void cfg_err(struct cfg_ctx *c, uint32_t table, int32_t index, const char *field,
	     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* The same with the field "<field>[<sub>]". */
void cfg_err_at(struct cfg_ctx *c, uint32_t table, int32_t index, const char *field,
		uint32_t sub, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Entry i's name, NUL-terminated, every unprintable byte shown as '?': safe to print. */
struct cfg_name {
	char s[BH_CFG_NAME_LEN + 1];
};
struct cfg_name cfg_name(const struct cfg_blob *b, uint32_t table, uint32_t i);

/* Text helpers for messages: "64 MiB" or "0x1234"; CPU sets as "0-1,3". */
struct cfg_text {
	char s[96];
};
struct cfg_text cfg_size_text(uint64_t v);
struct cfg_text cfg_cpus_text(uint64_t mask);
struct cfg_text cfg_field_at(const char *field, uint32_t sub); /* "mmio[2]" */

/* a + b, or UINT64_MAX when that does not fit. */
static inline uint64_t cfg_add_sat(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

/* [base, base + size) as a checked range: false when empty or it wraps. */
static inline bool cfg_range_ok(uint64_t base, uint64_t size)
{
	return size && base + size > base;
}

static inline bool cfg_overlap(uint64_t a, uint64_t an, uint64_t b, uint64_t bn)
{
	return a < b + bn && b < a + an;
}

/* vCPUs of p that have a slot (vcpus may be out of range in a hostile blob). */
static inline uint32_t cfg_vcpus(const struct bh_cfg_partition *p)
{
	return p->vcpus < BH_CFG_VCPUS_MAX ? p->vcpus : BH_CFG_VCPUS_MAX;
}

static inline uint64_t cfg_cpu_bit(uint32_t cpu)
{
	return cpu < 64 ? 1ull << cpu : 0;
}

/* check-fields.c */
void check_names(struct cfg_ctx *c);
void check_names_unique(struct cfg_ctx *c);
void check_strings(struct cfg_ctx *c);
void check_image(struct cfg_ctx *c);
void check_enums(struct cfg_ctx *c);
void check_reserved(struct cfg_ctx *c);
/* check-sizes.c */
void check_limits(struct cfg_ctx *c);
void check_align(struct cfg_ctx *c);
/* check-refs.c */
void check_ref_zone(struct cfg_ctx *c);
void check_ref_policy(struct cfg_ctx *c);
void check_ref_partition(struct cfg_ctx *c);
void check_ref_device(struct cfg_ctx *c);
void check_kind_singletons(struct cfg_ctx *c);
void check_iopart_present(struct cfg_ctx *c);
void check_device_owner_kind(struct cfg_ctx *c);
void check_device_twice(struct cfg_ctx *c);
void check_channel_endpoints(struct cfg_ctx *c);
void check_channel_kinds(struct cfg_ctx *c);
void check_channel_device(struct cfg_ctx *c);
/* check-linux.c */
void check_devmodel_guest(struct cfg_ctx *c);
void check_linux_devmodel(struct cfg_ctx *c);
void check_linux_server(struct cfg_ctx *c);
void check_linux_console(struct cfg_ctx *c);
void check_devmodel_channels(struct cfg_ctx *c);
void check_linux_memory(struct cfg_ctx *c);
/* check-cpus.c */
void check_cpu_range(struct cfg_ctx *c);
void check_cpu_twice(struct cfg_ctx *c);
void check_cpu_dedicated(struct cfg_ctx *c);
void check_zone_cpus_disjoint(struct cfg_ctx *c);
void check_zone_cpu_budget(struct cfg_ctx *c);
/* check-memory.c */
void check_pool_overlap(struct cfg_ctx *c);
void check_fixed_in_pool(struct cfg_ctx *c);
void check_fixed_overlap(struct cfg_ctx *c);
void check_pool_capacity(struct cfg_ctx *c);
void check_zone_memory_budget(struct cfg_ctx *c);
void check_mmio_overlap(struct cfg_ctx *c);
void check_ports_overlap(struct cfg_ctx *c);
void check_irq_shared(struct cfg_ctx *c);
/* check-policy.c */
void check_policy_kinds(struct cfg_ctx *c);
void check_policy_max_partitions(struct cfg_ctx *c);
void check_policy_restart(struct cfg_ctx *c);
void check_policy_failover(struct cfg_ctx *c);

/* check-disk.c */
void check_disk(struct cfg_ctx *c);
void check_mac(struct cfg_ctx *c);

#endif
