/* SPDX-License-Identifier: MIT */
/* check-fields.c - per-field invariants: names, strings, enumerations, reserved bytes. */
#include <string.h>
#include "checks.h"

static bool name_char(uint8_t ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '.' || ch == '_' || ch == '-';
}

static bool image_char(uint8_t ch)
{
	return ch > 0x20 && ch < 0x7f;
}

static bool cmdline_char(uint8_t ch)
{
	return ch >= 0x20 && ch < 0x7f;
}

/* A fixed string field: allowed bytes, a NUL inside the field, zeros after it. */
static void check_str(struct cfg_ctx *c, uint32_t t, uint32_t i, const char *field,
		      const uint8_t *s, size_t size, bool (*ok)(uint8_t), const char *allowed)
{
	size_t len = 0;

	while (len < size && s[len])
		len++;
	if (len == size) {
		cfg_err(c, t, i, field, "no NUL terminator within %lu bytes (at most %lu "
			"characters)", (unsigned long)size, (unsigned long)size - 1);
		return;
	}
	for (size_t k = 0; k < len; k++) {
		if (!ok(s[k])) {
			cfg_err(c, t, i, field, "byte 0x%02x at %lu not allowed (%s)", s[k],
				(unsigned long)k, allowed);
			return;
		}
	}
	for (size_t k = len; k < size; k++) {
		if (s[k]) {
			cfg_err(c, t, i, field, "byte 0x%02x at %lu after the terminator, must be "
				"zero", s[k], (unsigned long)k);
			return;
		}
	}
}

static bool has_names(uint32_t t)
{
	return t < BH_CFG_TABLES && t != BH_CFG_POOL;
}

void check_names(struct cfg_ctx *c)
{
	uint8_t raw[sizeof(struct bh_cfg_partition)];

	for (uint32_t t = 0; t < BH_CFG_TABLES; t++) {
		for (uint32_t i = 0; has_names(t) && cfg_read(c->b, t, i, raw); i++) {
			if (!raw[0])
				cfg_err(c, t, i, "name", "empty");
			else
				check_str(c, t, i, "name", raw, BH_CFG_NAME_LEN, name_char,
					  "names use A-Z a-z 0-9 . _ -");
		}
	}
}

static void unique_in(struct cfg_ctx *c, uint32_t t)
{
	for (uint32_t i = 1; i < cfg_count(c->b, t); i++) {
		struct cfg_name n = cfg_name(c->b, t, i);

		for (uint32_t j = 0; j < i && n.s[0]; j++) {
			if (strcmp(n.s, cfg_name(c->b, t, j).s) == 0) {
				cfg_err(c, t, i, "name", "\"%s\" already names %s[%u]", n.s,
					cfg_table_name(t), j);
				break;
			}
		}
	}
}

void check_names_unique(struct cfg_ctx *c)
{
	for (uint32_t t = 0; t < BH_CFG_TABLES; t++)
		if (has_names(t))
			unique_in(c, t);
}

void check_strings(struct cfg_ctx *c)
{
	struct bh_cfg_partition p;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_PARTITIONS, i, &p); i++) {
		check_str(c, BH_CFG_PARTITIONS, i, "image", (const uint8_t *)p.image,
			  sizeof(p.image), image_char, "printable ASCII, no spaces");
		check_str(c, BH_CFG_PARTITIONS, i, "cmdline", (const uint8_t *)p.cmdline,
			  sizeof(p.cmdline), cmdline_char, "printable ASCII");
		check_str(c, BH_CFG_PARTITIONS, i, "initrd", (const uint8_t *)p.initrd,
			  sizeof(p.initrd), image_char, "printable ASCII, no spaces");
	}
}

void check_image(struct cfg_ctx *c)
{
	struct bh_cfg_partition p;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_PARTITIONS, i, &p); i++) {
		if (p.image[0] || p.kind == BH_CFG_KIND_ULTRAVISOR)
			continue;
		if (p.kind == BH_CFG_KIND_LINUX)
			cfg_err(c, BH_CFG_PARTITIONS, i, "image", "kernel (image) missing; a linux "
				"partition names its kernel module (an ELF vmlinux)");
		else
			cfg_err(c, BH_CFG_PARTITIONS, i, "image", "empty; every partition but the "
				"ultravisor (embedded in the image) names its image module");
	}
}

static void enum_ok(struct cfg_ctx *c, uint32_t t, uint32_t i, const char *field,
		    const char *name, uint32_t v)
{
	if (!name)
		cfg_err(c, t, i, field, "unknown value %u", v);
}

static void enums_partitions(struct cfg_ctx *c)
{
	struct bh_cfg_partition p;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_PARTITIONS, i, &p); i++) {
		enum_ok(c, BH_CFG_PARTITIONS, i, "kind", cfg_kind_name(p.kind), p.kind);
		enum_ok(c, BH_CFG_PARTITIONS, i, "restart", cfg_restart_name(p.restart), p.restart);
	}
}

static void enums_devices(struct cfg_ctx *c)
{
	struct bh_cfg_device d;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_DEVICES, i, &d); i++) {
		if (d.bus != BH_CFG_BUS_ISA && d.bus != BH_CFG_BUS_PCI)
			cfg_err(c, BH_CFG_DEVICES, i, "bus", "unknown value %u", d.bus);
		enum_ok(c, BH_CFG_DEVICES, i, "class", cfg_class_name(d.class), d.class);
	}
}

static void enums_channels(struct cfg_ctx *c)
{
	struct bh_cfg_channel ch;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_CHANNELS, i, &ch); i++)
		enum_ok(c, BH_CFG_CHANNELS, i, "type", cfg_chan_type_name(ch.type), ch.type);
}

static void enums_policies(struct cfg_ctx *c)
{
	const uint32_t known = ((1u << BH_CFG_KIND_NR) - 1) & ~1u;
	struct bh_cfg_policy p;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_POLICIES, i, &p); i++) {
		if (!p.kinds)
			cfg_err(c, BH_CFG_POLICIES, i, "kinds", "empty; allow at least one kind");
		else if (p.kinds & ~known)
			cfg_err(c, BH_CFG_POLICIES, i, "kinds", "unknown kind bits 0x%x",
				p.kinds & ~known);
		enum_ok(c, BH_CFG_POLICIES, i, "restart", cfg_restart_name(p.restart), p.restart);
		enum_ok(c, BH_CFG_POLICIES, i, "failover", cfg_failover_name(p.failover),
			p.failover);
	}
}

void check_enums(struct cfg_ctx *c)
{
	enums_partitions(c);
	enums_devices(c);
	enums_channels(c);
	enums_policies(c);
}

static void must_be_zero(struct cfg_ctx *c, uint32_t t, uint32_t i, const char *field,
			 uint64_t v)
{
	if (v)
		cfg_err(c, t, i, field, "0x%lx, must be zero", (unsigned long)v);
}

/* Array slots past the count must be zero: one configuration, one blob. */
static void unused_zero(struct cfg_ctx *c, uint32_t t, uint32_t i, const char *field,
			const void *slots, uint32_t used, uint32_t max, size_t slot)
{
	const uint8_t *p = slots;

	for (uint32_t k = used; k < max; k++) {
		for (size_t b = 0; b < slot; b++) {
			if (p[k * slot + b]) {
				cfg_err_at(c, t, i, field, k, "set in an unused slot (%u in use), "
					   "must be zero", used);
				return;
			}
		}
	}
}

/* Fields of one kind (a devmodel's guest, a linux partition's initrd) are zero on the others;
 * a partition of unknown kind is check_enums()'s to report. */
static void kind_fields(struct cfg_ctx *c, uint32_t i, const struct bh_cfg_partition *p)
{
	const char *kind = cfg_kind_name(p->kind);

	if (kind && p->kind != BH_CFG_KIND_DEVMODEL && p->guest)
		cfg_err(c, BH_CFG_PARTITIONS, i, "guest", "%u on a partition of kind %s, must be "
			"zero; only a devmodel names a guest", p->guest, kind);
	if (kind && p->kind != BH_CFG_KIND_LINUX && p->initrd[0])
		cfg_err(c, BH_CFG_PARTITIONS, i, "initrd", "set on a partition of kind %s, must be "
			"empty; only a linux partition boots an initramfs", kind);
}

static void reserved_partitions(struct cfg_ctx *c)
{
	struct bh_cfg_partition p;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_PARTITIONS, i, &p); i++) {
		must_be_zero(c, BH_CFG_PARTITIONS, i, "flags", p.flags & ~BH_CFG_PART_FLAGS);
		must_be_zero(c, BH_CFG_PARTITIONS, i, "reserved-0x5c", p.reserved_0x5c);
		must_be_zero(c, BH_CFG_PARTITIONS, i, "disk-read-only",
			     p.disk_flags & ~BH_CFG_DISK_FLAGS);
		must_be_zero(c, BH_CFG_PARTITIONS, i, "reserved-0x1fa", p.reserved_0x1fa);
		must_be_zero(c, BH_CFG_PARTITIONS, i, "reserved-0x1fc", p.reserved_0x1fc);
		kind_fields(c, i, &p);
		if (p.vcpus <= BH_CFG_VCPUS_MAX)
			unused_zero(c, BH_CFG_PARTITIONS, i, "cpus", p.cpus, p.vcpus,
				    BH_CFG_VCPUS_MAX, 1);
		if (p.restart == BH_CFG_RESTART_STOP && p.restart_max)
			cfg_err(c, BH_CFG_PARTITIONS, i, "restart-max", "%u with restart rule "
				"\"stop\"; a count needs \"restart\"", p.restart_max);
	}
}

static void reserved_devices(struct cfg_ctx *c)
{
	struct bh_cfg_device d;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_DEVICES, i, &d); i++) {
		must_be_zero(c, BH_CFG_DEVICES, i, "reserved-0x2d",
			     d.reserved_0x2d[0] | d.reserved_0x2d[1] | d.reserved_0x2d[2]);
		must_be_zero(c, BH_CFG_DEVICES, i, "reserved-0x48", d.reserved_0x48);
		if (d.bus != BH_CFG_BUS_PCI)
			must_be_zero(c, BH_CFG_DEVICES, i, "pci", d.pci_bdf);
		if (d.port_count <= BH_CFG_DEV_PORTS_MAX)
			unused_zero(c, BH_CFG_DEVICES, i, "ports", d.ports, d.port_count,
				    BH_CFG_DEV_PORTS_MAX, sizeof(d.ports[0]));
		if (d.mmio_count <= BH_CFG_DEV_MMIO_MAX)
			unused_zero(c, BH_CFG_DEVICES, i, "mmio", d.mmio, d.mmio_count,
				    BH_CFG_DEV_MMIO_MAX, sizeof(d.mmio[0]));
		if (d.irq_count <= BH_CFG_DEV_IRQS_MAX)
			unused_zero(c, BH_CFG_DEVICES, i, "irqs", d.irqs, d.irq_count,
				    BH_CFG_DEV_IRQS_MAX, sizeof(d.irqs[0]));
	}
}

static void reserved_rest(struct cfg_ctx *c)
{
	struct bh_cfg_channel ch;
	struct bh_cfg_zone z;
	struct bh_cfg_policy p;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_CHANNELS, i, &ch); i++)
		must_be_zero(c, BH_CFG_CHANNELS, i, "reserved-0x38", ch.reserved_0x38);
	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_ZONES, i, &z); i++) {
		must_be_zero(c, BH_CFG_ZONES, i, "reserved-0x34", z.reserved_0x34);
		must_be_zero(c, BH_CFG_ZONES, i, "reserved-0x38", z.reserved_0x38);
	}
	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_POLICIES, i, &p); i++) {
		must_be_zero(c, BH_CFG_POLICIES, i, "reserved-0x34", p.reserved_0x34);
		must_be_zero(c, BH_CFG_POLICIES, i, "reserved-0x38", p.reserved_0x38);
		if (p.restart == BH_CFG_RESTART_STOP && p.restart_max)
			cfg_err(c, BH_CFG_POLICIES, i, "restart-max", "%u with restart rule "
				"\"stop\"; a count needs \"restart\"", p.restart_max);
	}
}

void check_reserved(struct cfg_ctx *c)
{
	reserved_partitions(c);
	reserved_devices(c);
	reserved_rest(c);
}
