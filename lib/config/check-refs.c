/* SPDX-License-Identifier: MIT */
/* check-refs.c - cross references, partition kinds, device ownership and channel endpoints. */
#include "checks.h"

static const char *kind_text(uint32_t kind)
{
	const char *s = cfg_kind_name(kind);

	if (kind == BH_CFG_KIND_LINUX)
		return "linux guest";
	if (kind == BH_CFG_KIND_DEVMODEL)
		return "device model";
	return s ? s : "partition of unknown kind";
}

static const char *article(uint32_t kind)
{
	return kind == BH_CFG_KIND_ULTRAVISOR || kind == BH_CFG_KIND_OPSPOLICY ? "an" : "a";
}

/* An index field that must name an entry of table `to` (optional: BH_CFG_NONE allowed). */
static void ref(struct cfg_ctx *c, uint32_t t, uint32_t i, const char *field, uint32_t v,
		uint32_t to, bool optional)
{
	uint32_t n = cfg_count(c->b, to);

	if (v == BH_CFG_NONE && optional)
		return;
	if (v == BH_CFG_NONE)
		cfg_err(c, t, i, field, "missing; name one of the %u %s", n, cfg_table_name(to));
	else if (v >= n)
		cfg_err(c, t, i, field, "index %u but there are %u %s", v, n, cfg_table_name(to));
}

void check_ref_zone(struct cfg_ctx *c)
{
	struct bh_cfg_partition p;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_PARTITIONS, i, &p); i++)
		ref(c, BH_CFG_PARTITIONS, i, "zone", p.zone, BH_CFG_ZONES, false);
}

void check_ref_policy(struct cfg_ctx *c)
{
	struct bh_cfg_zone z;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_ZONES, i, &z); i++)
		ref(c, BH_CFG_ZONES, i, "policy", z.policy, BH_CFG_POLICIES, false);
}

/* Device owners, channel ends and a device model's guest. Missing channel endpoints are
 * check_channel_endpoints()'s to report; the guest's kind is check_devmodel_guest()'s. */
void check_ref_partition(struct cfg_ctx *c)
{
	struct bh_cfg_partition p;
	struct bh_cfg_device d;
	struct bh_cfg_channel ch;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_PARTITIONS, i, &p); i++)
		if (p.kind == BH_CFG_KIND_DEVMODEL)
			ref(c, BH_CFG_PARTITIONS, i, "guest", p.guest, BH_CFG_PARTITIONS, false);
	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_DEVICES, i, &d); i++)
		ref(c, BH_CFG_DEVICES, i, "owner", d.owner, BH_CFG_PARTITIONS, true);
	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_CHANNELS, i, &ch); i++) {
		ref(c, BH_CFG_CHANNELS, i, "server", ch.server, BH_CFG_PARTITIONS, true);
		ref(c, BH_CFG_CHANNELS, i, "client", ch.client, BH_CFG_PARTITIONS, true);
	}
}

void check_ref_device(struct cfg_ctx *c)
{
	struct bh_cfg_channel ch;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_CHANNELS, i, &ch); i++)
		ref(c, BH_CFG_CHANNELS, i, "device", ch.device, BH_CFG_DEVICES, true);
}

/* Exactly one ultravisor, one command and one opspolicy partition. */
static void singleton(struct cfg_ctx *c, uint32_t kind)
{
	struct bh_cfg_partition p;
	uint32_t first = BH_CFG_NONE;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_PARTITIONS, i, &p); i++) {
		if (p.kind != kind)
			continue;
		if (first == BH_CFG_NONE)
			first = i;
		else
			cfg_err(c, BH_CFG_PARTITIONS, i, "kind", "a second %s (the first is "
				"partitions[%u] \"%s\"); need exactly one", kind_text(kind), first,
				cfg_name(c->b, BH_CFG_PARTITIONS, first).s);
	}
	if (first == BH_CFG_NONE)
		cfg_err(c, BH_CFG_PARTITIONS, -1, "", "no %s partition; need exactly one",
			kind_text(kind));
}

void check_kind_singletons(struct cfg_ctx *c)
{
	singleton(c, BH_CFG_KIND_ULTRAVISOR);
	singleton(c, BH_CFG_KIND_COMMAND);
	singleton(c, BH_CFG_KIND_OPSPOLICY);
}

void check_iopart_present(struct cfg_ctx *c)
{
	struct bh_cfg_partition p;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_PARTITIONS, i, &p); i++)
		if (p.kind == BH_CFG_KIND_IOPART)
			return;
	cfg_err(c, BH_CFG_PARTITIONS, -1, "", "no I/O partition (kind iopart); need at least one");
}

void check_device_owner_kind(struct cfg_ctx *c)
{
	struct bh_cfg_device d;
	struct bh_cfg_partition p;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_DEVICES, i, &d); i++) {
		if (!cfg_read(c->b, BH_CFG_PARTITIONS, d.owner, &p) || p.kind == BH_CFG_KIND_IOPART)
			continue;
		cfg_err(c, BH_CFG_DEVICES, i, "owner", "\"%s\" is %s %s; devices belong to I/O "
			"partitions", cfg_name(c->b, BH_CFG_PARTITIONS, d.owner).s,
			article(p.kind), kind_text(p.kind));
	}
}

/* The same PCI function listed twice would be driven by two owners. */
void check_device_twice(struct cfg_ctx *c)
{
	struct bh_cfg_device d, o;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_DEVICES, i, &d); i++) {
		for (uint32_t j = 0; d.bus == BH_CFG_BUS_PCI && j < i; j++) {
			cfg_read(c->b, BH_CFG_DEVICES, j, &o);
			if (o.bus != BH_CFG_BUS_PCI || o.pci_bdf != d.pci_bdf)
				continue;
			cfg_err(c, BH_CFG_DEVICES, i, "pci", "%02x:%02x.%x already listed as "
				"devices[%u] \"%s\"", d.pci_bdf >> 8, (d.pci_bdf >> 3) & 31,
				d.pci_bdf & 7, j, cfg_name(c->b, BH_CFG_DEVICES, j).s);
			break;
		}
	}
}

void check_channel_endpoints(struct cfg_ctx *c)
{
	struct bh_cfg_channel ch;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_CHANNELS, i, &ch); i++) {
		if (ch.server == BH_CFG_NONE)
			cfg_err(c, BH_CFG_CHANNELS, i, "server", "missing; a channel joins two "
				"partitions");
		if (ch.client == BH_CFG_NONE)
			cfg_err(c, BH_CFG_CHANNELS, i, "client", "missing; a channel joins two "
				"partitions");
		else if (ch.client == ch.server)
			cfg_err(c, BH_CFG_CHANNELS, i, "client", "same partition as the server "
				"(\"%s\"); a channel joins two partitions",
				cfg_name(c->b, BH_CFG_PARTITIONS, ch.server).s);
	}
}

/* Device channels are served by an I/O partition; control channels never reach a guest,
 * paravirtual or linux. A linux server and a device model at either end are check-linux.c's
 * to report (linux-server, devmodel-channels), not this check's. */
static void channel_kinds(struct cfg_ctx *c, uint32_t i, const struct bh_cfg_channel *ch)
{
	struct bh_cfg_partition s, cl;
	const char *type = cfg_chan_type_name(ch->type);
	bool has_s = cfg_read(c->b, BH_CFG_PARTITIONS, ch->server, &s) &&
		     s.kind != BH_CFG_KIND_LINUX && s.kind != BH_CFG_KIND_DEVMODEL;
	bool has_c = cfg_read(c->b, BH_CFG_PARTITIONS, ch->client, &cl) &&
		     cl.kind != BH_CFG_KIND_DEVMODEL;

	if (!type)
		return;
	if (ch->type != BH_CFG_CHAN_CONTROL && has_s && s.kind != BH_CFG_KIND_IOPART)
		cfg_err(c, BH_CFG_CHANNELS, i, "server", "\"%s\" is not an I/O partition; %s "
			"channels are served by one",
			cfg_name(c->b, BH_CFG_PARTITIONS, ch->server).s, type);
	if (ch->type == BH_CFG_CHAN_CONTROL && has_s && s.kind == BH_CFG_KIND_GUEST)
		cfg_err(c, BH_CFG_CHANNELS, i, "server", "\"%s\" is a guest; control channels "
			"join system partitions", cfg_name(c->b, BH_CFG_PARTITIONS, ch->server).s);
	if (ch->type == BH_CFG_CHAN_CONTROL && has_c &&
	    (cl.kind == BH_CFG_KIND_GUEST || cl.kind == BH_CFG_KIND_LINUX))
		cfg_err(c, BH_CFG_CHANNELS, i, "client", "\"%s\" is a %s; control channels join "
			"system partitions", cfg_name(c->b, BH_CFG_PARTITIONS, ch->client).s,
			cl.kind == BH_CFG_KIND_GUEST ? "guest" : "linux guest");
}

void check_channel_kinds(struct cfg_ctx *c)
{
	struct bh_cfg_channel ch;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_CHANNELS, i, &ch); i++)
		channel_kinds(c, i, &ch);
}

/* A block channel exports one device, and only the server's own devices can be exported. */
void check_channel_device(struct cfg_ctx *c)
{
	struct bh_cfg_channel ch;
	struct bh_cfg_device d;

	for (uint32_t i = 0; cfg_read(c->b, BH_CFG_CHANNELS, i, &ch); i++) {
		if (ch.type == BH_CFG_CHAN_BLOCK && ch.device == BH_CFG_NONE)
			cfg_err(c, BH_CFG_CHANNELS, i, "device", "missing; a block channel names "
				"the device it exports");
		if (!cfg_read(c->b, BH_CFG_DEVICES, ch.device, &d) || d.owner == ch.server ||
		    ch.server >= cfg_count(c->b, BH_CFG_PARTITIONS))
			continue;
		cfg_err(c, BH_CFG_CHANNELS, i, "device", "\"%s\" belongs to %s%s%s, not to the "
			"server \"%s\"", cfg_name(c->b, BH_CFG_DEVICES, ch.device).s,
			d.owner == BH_CFG_NONE ? "no partition" : "\"",
			cfg_name(c->b, BH_CFG_PARTITIONS, d.owner).s,
			d.owner == BH_CFG_NONE ? "" : "\"",
			cfg_name(c->b, BH_CFG_PARTITIONS, ch.server).s);
	}
}
