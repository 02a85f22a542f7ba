/* SPDX-License-Identifier: MIT */
/* validate.c - runs every config invariant, one check_*() each, listed in one table. */
#include <stdarg.h>
#include <string.h>
#include <bulkhead/errno.h>
#include "checks.h"
#include "fmt.h"

/* Adding an invariant is one line here and one function in a check-*.c file. Checks run in
 * this order on a structurally sound blob; each one tolerates the values earlier ones report
 * (out-of-range indices, unknown enumerations) and skips them instead of reading past them. */
static const struct cfg_check checks[] = {
	{ "names", check_names },
	{ "names-unique", check_names_unique },
	{ "strings", check_strings },
	{ "image", check_image },
	{ "enums", check_enums },
	{ "reserved", check_reserved },
	{ "limits", check_limits },
	{ "align", check_align },
	{ "ref-zone", check_ref_zone },
	{ "ref-policy", check_ref_policy },
	{ "ref-partition", check_ref_partition },
	{ "ref-device", check_ref_device },
	{ "kind-singletons", check_kind_singletons },
	{ "iopart-present", check_iopart_present },
	{ "device-owner-kind", check_device_owner_kind },
	{ "device-twice", check_device_twice },
	{ "channel-endpoints", check_channel_endpoints },
	{ "channel-kinds", check_channel_kinds },
	{ "channel-device", check_channel_device },
	{ "devmodel-guest", check_devmodel_guest },
	{ "linux-devmodel", check_linux_devmodel },
	{ "linux-server", check_linux_server },
	{ "linux-console", check_linux_console },
	{ "devmodel-channels", check_devmodel_channels },
	{ "linux-memory", check_linux_memory },
	{ "cpu-range", check_cpu_range },
	{ "cpu-twice", check_cpu_twice },
	{ "cpu-dedicated", check_cpu_dedicated },
	{ "zone-cpus-disjoint", check_zone_cpus_disjoint },
	{ "zone-cpu-budget", check_zone_cpu_budget },
	{ "zone-memory-budget", check_zone_memory_budget },
	{ "pool-overlap", check_pool_overlap },
	{ "fixed-in-pool", check_fixed_in_pool },
	{ "fixed-overlap", check_fixed_overlap },
	{ "pool-capacity", check_pool_capacity },
	{ "mmio-overlap", check_mmio_overlap },
	{ "ports-overlap", check_ports_overlap },
	{ "irq-shared", check_irq_shared },
	{ "policy-kinds", check_policy_kinds },
	{ "policy-max-partitions", check_policy_max_partitions },
	{ "policy-restart", check_policy_restart },
	{ "policy-failover", check_policy_failover },
	{ "disk", check_disk },
	{ "mac", check_mac },
};

int cfg_validate(const void *data, size_t len, cfg_report_fn report, void *ctx)
{
	struct cfg_blob b;
	struct cfg_ctx c = { .b = &b, .report = report, .rctx = ctx };

	if (cfg_open(&b, data, len, report, ctx))
		return -BH_EINVAL;
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		c.check = checks[i].name;
		checks[i].fn(&c);
	}
	return c.errors ? -BH_EINVAL : 0;
}

static void report(struct cfg_ctx *c, struct cfg_error *e, const char *fmt, va_list ap)
{
	bh_vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	e->check = c->check;
	c->errors++;
	if (c->report)
		c->report(c->rctx, e);
}

void cfg_err(struct cfg_ctx *c, uint32_t table, int32_t index, const char *field,
	     const char *fmt, ...)
{
	struct cfg_error e = { .table = table, .index = index };
	va_list ap;

	bh_snprintf(e.field, sizeof(e.field), "%s", field);
	va_start(ap, fmt);
	report(c, &e, fmt, ap);
	va_end(ap);
}

void cfg_err_at(struct cfg_ctx *c, uint32_t table, int32_t index, const char *field,
		uint32_t sub, const char *fmt, ...)
{
	struct cfg_error e = { .table = table, .index = index };
	va_list ap;

	bh_snprintf(e.field, sizeof(e.field), "%s[%u]", field, sub);
	va_start(ap, fmt);
	report(c, &e, fmt, ap);
	va_end(ap);
}

struct cfg_name cfg_name(const struct cfg_blob *b, uint32_t table, uint32_t i)
{
	uint8_t raw[sizeof(struct bh_cfg_partition)]; /* the largest entry */
	struct cfg_name n = { "" };

	if (table == BH_CFG_POOL || !cfg_read(b, table, i, raw))
		return n;
	for (size_t k = 0; k < BH_CFG_NAME_LEN && raw[k]; k++)
		n.s[k] = raw[k] >= 0x20 && raw[k] < 0x7f ? (char)raw[k] : '?';
	return n;
}

struct cfg_text cfg_size_text(uint64_t v)
{
	static const char *const units[] = { "TiB", "GiB", "MiB", "KiB" };
	struct cfg_text t;

	for (int u = 0; u < 4; u++) {
		unsigned shift = 40 - 10 * u;

		if (v && v % (1ull << shift) == 0) {
			bh_snprintf(t.s, sizeof(t.s), "%lu %s", (unsigned long)(v >> shift),
				    units[u]);
			return t;
		}
	}
	bh_snprintf(t.s, sizeof(t.s), "0x%lx", (unsigned long)v);
	return t;
}

/* "0-1,3" for 0b1011; "none" for 0. Runs of CPUs shrink to first-last. */
struct cfg_text cfg_cpus_text(uint64_t mask)
{
	struct cfg_text t = { "none" };
	size_t len = 0;

	for (unsigned cpu = 0; cpu < 64 && len < sizeof(t.s); cpu++) {
		unsigned last = cpu;

		if (!(mask & cfg_cpu_bit(cpu)))
			continue;
		while (last + 1 < 64 && (mask & cfg_cpu_bit(last + 1)))
			last++;
		len += bh_snprintf(t.s + len, sizeof(t.s) - len, last > cpu ? "%s%u-%u" : "%s%u",
				   len ? "," : "", cpu, last);
		cpu = last;
	}
	return t;
}

struct cfg_text cfg_field_at(const char *field, uint32_t sub)
{
	struct cfg_text t;

	bh_snprintf(t.s, sizeof(t.s), "%s[%u]", field, sub);
	return t;
}

static const char *name_of(const char *const *names, uint32_t n, uint32_t v)
{
	return v && v < n ? names[v] : NULL;
}

const char *cfg_kind_name(uint32_t kind)
{
	static const char *const names[] = {
		[BH_CFG_KIND_ULTRAVISOR] = "ultravisor", [BH_CFG_KIND_COMMAND] = "command",
		[BH_CFG_KIND_OPSPOLICY] = "opspolicy",   [BH_CFG_KIND_IOPART] = "iopart",
		[BH_CFG_KIND_GUEST] = "guest",           [BH_CFG_KIND_LINUX] = "linux",
		[BH_CFG_KIND_DEVMODEL] = "devmodel",
	};
	_Static_assert(sizeof(names) / sizeof(names[0]) == BH_CFG_KIND_NR, "a name per kind");
	return name_of(names, BH_CFG_KIND_NR, kind);
}

const char *cfg_restart_name(uint32_t restart)
{
	static const char *const names[] = { NULL, "stop", "restart" };
	return name_of(names, BH_CFG_RESTART_NR, restart);
}

const char *cfg_class_name(uint32_t cls)
{
	static const char *const names[] = { NULL, "serial", "storage", "network", "other" };
	return name_of(names, BH_CFG_CLASS_NR, cls);
}

const char *cfg_chan_type_name(uint32_t type)
{
	static const char *const names[] = { NULL, "console", "block", "net", "control" };
	return name_of(names, BH_CFG_CHAN_NR, type);
}

const char *cfg_failover_name(uint32_t f)
{
	static const char *const names[] = { NULL, "none", "iopart" };
	return name_of(names, BH_CFG_FAILOVER_NR, f);
}
