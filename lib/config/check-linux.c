/* SPDX-License-Identifier: MIT */
/* check-linux.c - full virtualization: a linux partition, its one device model, their channels.
 *
 * An unmodified kernel has no channel driver: a channel whose client is a linux partition is
 * served to that guest's device model, which the ultravisor maps it into. So in the config a
 * linux partition is only ever a client, and a device model is no end of any channel.
 */
#include "checks.h"

/* BH_CFG_LINUX_MEM_MIN: where the kernel loads plus what it unpacks into (config.h). The
 * ultravisor checks the real kernel's figure when it loads it; zero is check_align()'s. */
void check_linux_memory(struct cfg_ctx *c)
{
	struct bh_cfg_partition p;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_PARTITIONS, i, &p); i++) {
		if (p.kind != BH_CFG_KIND_LINUX || !p.memory || p.memory >= BH_CFG_LINUX_MEM_MIN)
			continue;
		cfg_err(c, BH_CFG_PARTITIONS, i, "memory", "%s; a linux partition needs at least "
			"%s (the kernel loads at 16 MiB and unpacks into 64 MiB from there)",
			cfg_size_text(p.memory).s, cfg_size_text(BH_CFG_LINUX_MEM_MIN).s);
	}
}

/* Partition i's name, for messages. */
static struct cfg_name part_name(const struct cfg_ctx *c, uint32_t i)
{
	return cfg_name(c->b, BH_CFG_PARTITIONS, i);
}

static bool is_kind(const struct cfg_blob *b, uint32_t part, uint32_t kind)
{
	struct bh_cfg_partition p;

	return cfg_read(b, BH_CFG_PARTITIONS, part, &p) && p.kind == kind;
}

/* The first device model at or after index `from` that names partition g; BH_CFG_NONE. */
static uint32_t devmodel_of(const struct cfg_blob *b, uint32_t g, uint32_t from)
{
	struct bh_cfg_partition p;

	for (uint32_t i = from; cfg_read(b, BH_CFG_PARTITIONS, i, &p); i++)
		if (p.kind == BH_CFG_KIND_DEVMODEL && p.guest == g)
			return i;
	return BH_CFG_NONE;
}

/* Exactly one device model per linux partition g: none is g's error, a second one is the
 * second device model's. */
static void one_devmodel(struct cfg_ctx *c, uint32_t g)
{
	uint32_t first = devmodel_of(c->b, g, 0);

	if (first == BH_CFG_NONE) {
		cfg_err(c, BH_CFG_PARTITIONS, g, "", "no device model; a linux partition needs "
			"exactly one partition of kind devmodel with guest: %s", part_name(c, g).s);
		return;
	}
	for (uint32_t n = devmodel_of(c->b, g, first + 1); n != BH_CFG_NONE;
	     n = devmodel_of(c->b, g, n + 1))
		cfg_err(c, BH_CFG_PARTITIONS, n, "guest", "\"%s\" already has the device model "
			"partitions[%u] \"%s\"; a linux partition has exactly one",
			part_name(c, g).s, first, part_name(c, first).s);
}

void check_linux_devmodel(struct cfg_ctx *c)
{
	struct bh_cfg_partition p;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_PARTITIONS, i, &p); i++)
		if (p.kind == BH_CFG_KIND_LINUX)
			one_devmodel(c, i);
}

/* A device model serves a linux partition. A guest index out of range is
 * check_ref_partition()'s to report, a guest of unknown kind check_enums()'s. */
void check_devmodel_guest(struct cfg_ctx *c)
{
	struct bh_cfg_partition p, g;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_PARTITIONS, i, &p); i++) {
		if (p.kind != BH_CFG_KIND_DEVMODEL ||
		    !cfg_read(c->b, BH_CFG_PARTITIONS, p.guest, &g) ||
		    g.kind == BH_CFG_KIND_LINUX || !cfg_kind_name(g.kind))
			continue;
		cfg_err(c, BH_CFG_PARTITIONS, i, "guest", "\"%s\" is a partition of kind %s; a "
			"device model serves a linux partition", part_name(c, p.guest).s,
			cfg_kind_name(g.kind));
	}
}

void check_linux_server(struct cfg_ctx *c)
{
	struct bh_cfg_channel ch;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_CHANNELS, i, &ch); i++) {
		if (!is_kind(c->b, ch.server, BH_CFG_KIND_LINUX))
			continue;
		cfg_err(c, BH_CFG_CHANNELS, i, "server", "\"%s\" is a linux partition, which "
			"serves no channel (it has no channel driver; its device model is the "
			"client)", part_name(c, ch.server).s);
	}
}

/* The console channel before channel i with the same client, or BH_CFG_NONE. */
static uint32_t earlier_console(const struct cfg_blob *b, uint32_t i, uint32_t client)
{
	struct bh_cfg_channel o;

	for (uint32_t j = 0; j < i && cfg_read(b, BH_CFG_CHANNELS, j, &o); j++)
		if (o.type == BH_CFG_CHAN_CONSOLE && o.client == client)
			return j;
	return BH_CFG_NONE;
}

/* A linux partition's console channel carries its ttyS0: there is one UART, so one channel. */
void check_linux_console(struct cfg_ctx *c)
{
	struct bh_cfg_channel ch;
	uint32_t j;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_CHANNELS, i, &ch); i++) {
		if (ch.type != BH_CFG_CHAN_CONSOLE ||
		    !is_kind(c->b, ch.client, BH_CFG_KIND_LINUX) ||
		    (j = earlier_console(c->b, i, ch.client)) == BH_CFG_NONE)
			continue;
		cfg_err(c, BH_CFG_CHANNELS, i, "client", "\"%s\" already has the console channel "
			"channels[%u] \"%s\"; a linux partition has one (its ttyS0)",
			part_name(c, ch.client).s, j, cfg_name(c->b, BH_CFG_CHANNELS, j).s);
	}
}

static void devmodel_end(struct cfg_ctx *c, uint32_t i, const char *field, uint32_t part)
{
	if (is_kind(c->b, part, BH_CFG_KIND_DEVMODEL))
		cfg_err(c, BH_CFG_CHANNELS, i, field, "\"%s\" is a device model; the ultravisor "
			"maps its guest's channels into it, the config names it in none",
			part_name(c, part).s);
}

void check_devmodel_channels(struct cfg_ctx *c)
{
	struct bh_cfg_channel ch;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_CHANNELS, i, &ch); i++) {
		devmodel_end(c, i, "server", ch.server);
		devmodel_end(c, i, "client", ch.client);
	}
}
