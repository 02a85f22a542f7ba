/* SPDX-License-Identifier: MIT */
/* check-disk.c - a partition's disk window and network address (partitions[].disk-*, .mac).
 *
 * A guest (PV or linux) reaches its disk over block channels; the I/O partitions serving them
 * export only its window [disk-base, disk-base + disk-size) of the device, read-only with
 * disk-read-only. Without disk-size it reaches the whole device. Its net channels carry
 * frames from and to its MAC address, which the I/O partitions' switch enforces.
 */
#include <string.h>
#include "checks.h"

#define DISK_END_MAX (1ull << 52) /* 4 PiB: no device is larger; keeps sums far from wrap */

static bool has_disk(const struct bh_cfg_partition *p)
{
	return p->disk_base || p->disk_size || p->disk_flags;
}

static bool is_client_kind(uint32_t kind)
{
	return kind == BH_CFG_KIND_GUEST || kind == BH_CFG_KIND_LINUX;
}

/* Does partition i have a channel of this type as its client? */
static bool client_of(const struct cfg_blob *b, uint32_t i, uint32_t type)
{
	struct bh_cfg_channel ch;

	for (uint32_t k = 0; cfg_read(b, BH_CFG_CHANNELS, k, &ch); k++)
		if (ch.client == i && ch.type == type)
			return true;
	return false;
}

/* The window itself: sector aligned, inside DISK_END_MAX, on a partition with a disk. */
static void one_window(struct cfg_ctx *c, uint32_t i, const struct bh_cfg_partition *p)
{
	const char *kind = cfg_kind_name(p->kind);

	if (!has_disk(p))
		return;
	if (kind && !is_client_kind(p->kind)) {
		cfg_err(c, BH_CFG_PARTITIONS, i, "disk-size", "set on a partition of kind %s; only "
			"guests and linux partitions have a disk", kind);
		return;
	}
	if (p->disk_base % BH_CFG_SECTOR || p->disk_size % BH_CFG_SECTOR)
		cfg_err(c, BH_CFG_PARTITIONS, i, p->disk_base % BH_CFG_SECTOR ? "disk-base" :
			"disk-size", "not a multiple of the %u-byte sector", BH_CFG_SECTOR);
	if (p->disk_base && !p->disk_size)
		cfg_err(c, BH_CFG_PARTITIONS, i, "disk-base", "%s without disk-size; a window "
			"needs both (no disk-size: the whole device)", cfg_size_text(p->disk_base).s);
	if (p->disk_base >= DISK_END_MAX || p->disk_size > DISK_END_MAX - p->disk_base)
		cfg_err(c, BH_CFG_PARTITIONS, i, "disk-size", "the window ends beyond 4 PiB");
	if (!client_of(c->b, i, BH_CFG_CHAN_BLOCK))
		cfg_err(c, BH_CFG_PARTITIONS, i, "disk-size", "a disk, but no block channel "
			"reaches it");
}

/* Two explicit windows overlap while one of them is writable. (A partition without
 * disk-size reaches the whole device: that is the operator's explicit choice.) */
void check_disk(struct cfg_ctx *c)
{
	struct bh_cfg_partition p, q;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_PARTITIONS, i, &p); i++) {
		one_window(c, i, &p);
		if (!p.disk_size || p.disk_base >= DISK_END_MAX || p.disk_size > DISK_END_MAX)
			continue;
		for (uint32_t j = 0; j < i && cfg_read(c->b, BH_CFG_PARTITIONS, j, &q); j++) {
			if (!q.disk_size || q.disk_base >= DISK_END_MAX || q.disk_size > DISK_END_MAX ||
			    p.disk_base >= q.disk_base + q.disk_size ||
			    q.disk_base >= p.disk_base + p.disk_size ||
			    (p.disk_flags & q.disk_flags & BH_CFG_DISK_RO))
				continue;
			cfg_err(c, BH_CFG_PARTITIONS, i, "disk-base", "the window %#llx-%#llx "
				"overlaps the one of partitions[%u] \"%s\" (%#llx-%#llx) and one of "
				"them is writable", (unsigned long long)p.disk_base,
				(unsigned long long)(p.disk_base + p.disk_size - 1), j,
				cfg_name(c->b, BH_CFG_PARTITIONS, j).s,
				(unsigned long long)q.disk_base,
				(unsigned long long)(q.disk_base + q.disk_size - 1));
		}
	}
}

static bool mac_zero(const uint8_t *m)
{
	return !(m[0] | m[1] | m[2] | m[3] | m[4] | m[5]);
}

/* A MAC on a partition with net channels: unicast, unique. */
void check_mac(struct cfg_ctx *c)
{
	struct bh_cfg_partition p, q;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_PARTITIONS, i, &p); i++) {
		bool net = client_of(c->b, i, BH_CFG_CHAN_NET);
		const char *kind = cfg_kind_name(p.kind);

		if (mac_zero(p.mac)) {
			if (net && kind && is_client_kind(p.kind))
				cfg_err(c, BH_CFG_PARTITIONS, i, "mac", "missing; a partition with "
					"net channels needs its MAC address");
			continue;
		}
		if (kind && !is_client_kind(p.kind)) {
			cfg_err(c, BH_CFG_PARTITIONS, i, "mac", "set on a partition of kind %s; only "
				"guests and linux partitions have a MAC address", kind);
			continue;
		}
		if (p.mac[0] & 1)
			cfg_err(c, BH_CFG_PARTITIONS, i, "mac", "%02x:%02x:%02x:%02x:%02x:%02x is a "
				"multicast address (bit 0 of the first byte); a partition's is unicast",
				p.mac[0], p.mac[1], p.mac[2], p.mac[3], p.mac[4], p.mac[5]);
		if (!net)
			cfg_err(c, BH_CFG_PARTITIONS, i, "mac", "a MAC address, but no net channel "
				"carries its frames");
		for (uint32_t j = 0; j < i && cfg_read(c->b, BH_CFG_PARTITIONS, j, &q); j++)
			if (!memcmp(p.mac, q.mac, sizeof(p.mac)))
				cfg_err(c, BH_CFG_PARTITIONS, i, "mac", "%02x:%02x:%02x:%02x:%02x:%02x "
					"is also the address of partitions[%u] \"%s\"", p.mac[0],
					p.mac[1], p.mac[2], p.mac[3], p.mac[4], p.mac[5], j,
					cfg_name(c->b, BH_CFG_PARTITIONS, j).s);
	}
}
