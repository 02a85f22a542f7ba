/* SPDX-License-Identifier: MIT */
/* netswitch.c - the I/O partition's Ethernet switch (netswitch.h has the rules). */
#include <stdio.h>
#include <string.h>
#include <bulkhead/errno.h>
#include "netswitch.h"

#define LOG_BURST 4
#define LOG_PER_S 1
#define NS_PER_S  1000000000ull

static bool mac_group(const uint8_t *mac) /* broadcast or multicast: I/G bit */
{
	return mac[0] & 1;
}

static bool mac_zero(const uint8_t *mac)
{
	static const uint8_t zero[BH_NET_MAC_LEN];

	return !memcmp(mac, zero, BH_NET_MAC_LEN);
}

static bool mac_eq(const uint8_t *a, const uint8_t *b)
{
	return !memcmp(a, b, BH_NET_MAC_LEN);
}

/* A port's log line, rate-limited per port; the count of lines held back goes first. */
static void port_log(struct netswitch *sw, struct nsw_port *p, const char *what,
		     const uint8_t *mac)
{
	uint32_t held;

	if (!sw->log)
		return;
	if ((held = ratelimit_report_due(&p->rl, sw->now_ns, NS_PER_S)))
		sw->log("net: port %s: %u more log lines not shown", p->name, held);
	if (!ratelimit_take(&p->rl, sw->now_ns, NS_PER_S, LOG_BURST, LOG_PER_S))
		return;
	sw->log("net: port %s: %s %02x:%02x:%02x:%02x:%02x:%02x", p->name, what, mac[0], mac[1],
		mac[2], mac[3], mac[4], mac[5]);
}

void nsw_init(struct netswitch *sw, void (*log)(const char *fmt, ...))
{
	memset(sw, 0, sizeof(*sw));
	sw->log = log;
}

static void set_name(struct nsw_port *p, const char *name)
{
	snprintf(p->name, sizeof(p->name), "%s", name ? name : "?");
}

int nsw_add_uplink(struct netswitch *sw, const struct nsw_port_ops *ops, void *ctx,
		   const char *name)
{
	struct nsw_port *p = &sw->port[NSW_UPLINK];

	if (!ops || !ops->recv || !ops->send)
		return -BH_EINVAL;
	if (p->ops)
		return -BH_EEXIST;
	*p = (struct nsw_port){ .ops = ops, .ctx = ctx };
	set_name(p, name);
	return 0;
}

int nsw_add_client(struct netswitch *sw, const uint8_t mac[BH_NET_MAC_LEN],
		   const struct nsw_port_ops *ops, void *ctx, const char *name)
{
	if (!ops || !ops->recv || !ops->send || !mac || mac_zero(mac) || mac_group(mac))
		return -BH_EINVAL;
	for (unsigned i = 1; i < NSW_PORTS; i++)
		if (sw->port[i].ops && mac_eq(sw->port[i].mac, mac))
			return -BH_EEXIST;
	for (unsigned i = 1; i < NSW_PORTS; i++) {
		struct nsw_port *p = &sw->port[i];

		if (p->ops)
			continue;
		*p = (struct nsw_port){ .ops = ops, .ctx = ctx, .client = true };
		memcpy(p->mac, mac, BH_NET_MAC_LEN);
		set_name(p, name);
		return (int)i;
	}
	return -BH_ENOSPC;
}

void nsw_port_up(struct netswitch *sw, unsigned port, bool up)
{
	if (port < NSW_PORTS && sw->port[port].ops)
		sw->port[port].up = up;
}

/* ---- Learning (the uplink only: client ports' MACs come from the configuration) ------- */

static struct nsw_fdb_entry *fdb_find(const struct netswitch *sw, const uint8_t *mac)
{
	for (unsigned i = 0; i < NSW_FDB; i++)
		if (sw->fdb[i].used && mac_eq(sw->fdb[i].mac, mac))
			return (struct nsw_fdb_entry *)&sw->fdb[i];
	return NULL;
}

bool nsw_learned(const struct netswitch *sw, const uint8_t mac[BH_NET_MAC_LEN])
{
	const struct nsw_fdb_entry *e = fdb_find(sw, mac);

	return e && sw->now_ns - e->seen_ns < NSW_AGE_NS;
}

/* A full table replaces the entry seen longest ago. */
static void learn(struct netswitch *sw, const uint8_t *mac)
{
	struct nsw_fdb_entry *e = fdb_find(sw, mac), *old = &sw->fdb[0];

	for (unsigned i = 0; !e && i < NSW_FDB; i++) {
		if (!sw->fdb[i].used) {
			e = &sw->fdb[i];
			break;
		}
		if (sw->fdb[i].seen_ns < old->seen_ns)
			old = &sw->fdb[i];
	}
	if (!e)
		e = old;
	memcpy(e->mac, mac, BH_NET_MAC_LEN);
	e->used = true;
	e->seen_ns = sw->now_ns;
}

/* ---- Forwarding ------------------------------------------------------------------------ */

static int client_port(const struct netswitch *sw, const uint8_t *mac)
{
	for (unsigned i = 1; i < NSW_PORTS; i++)
		if (sw->port[i].ops && mac_eq(sw->port[i].mac, mac))
			return (int)i;
	return -1;
}

/* → true when the frame was queued. */
static bool out(struct netswitch *sw, unsigned i, const uint8_t *frame, size_t len,
		unsigned flags)
{
	struct nsw_port *p = &sw->port[i];
	int r;

	if (!p->ops || !p->up)
		return false;
	r = p->ops->send(p->ctx, frame, len, p->client ? flags : 0);
	if (r == 0) {
		p->stats.tx++;
		p->stats.tx_bytes += len;
		return true;
	}
	if (r == -BH_ENOSPC)
		p->stats.drop_full++;
	else
		p->up = false; /* broke: the owner notices and re-attaches */
	return false;
}

static void flood(struct netswitch *sw, unsigned in, const uint8_t *frame, size_t len,
		  unsigned flags)
{
	bool any = false;

	for (unsigned i = 0; i < NSW_PORTS; i++)
		if (i != in)
			any |= out(sw, i, frame, len, flags);
	if (!any)
		sw->port[in].stats.nodest++;
}

static void from_client(struct netswitch *sw, unsigned in, const uint8_t *f, size_t len)
{
	struct nsw_port *p = &sw->port[in];
	int to;

	if (!mac_eq(f + 6, p->mac)) {
		p->stats.forged++;
		port_log(sw, p, "frame dropped: forged source MAC", f + 6);
		return;
	}
	if (mac_group(f)) {
		flood(sw, in, f, len, 0);
		return;
	}
	to = client_port(sw, f);
	if (to == (int)in) {
		p->stats.looped++;
		return;
	}
	if (to < 0 && !nsw_learned(sw, f))
		p->stats.unknown++;
	if (!out(sw, to < 0 ? NSW_UPLINK : (unsigned)to, f, len, 0))
		p->stats.nodest++;
}

static void from_uplink(struct netswitch *sw, const uint8_t *f, size_t len)
{
	struct nsw_port *p = &sw->port[NSW_UPLINK];
	int to;

	if (client_port(sw, f + 6) >= 0) {
		p->stats.looped++;
		port_log(sw, p, "frame dropped: source is a local client,", f + 6);
		return;
	}
	if (!mac_group(f + 6))
		learn(sw, f + 6);
	if (mac_group(f)) {
		flood(sw, NSW_UPLINK, f, len, BH_NET_F_UPLINK);
		return;
	}
	to = client_port(sw, f);
	if (to < 0) {
		p->stats.filtered++;
		return;
	}
	if (!out(sw, (unsigned)to, f, len, BH_NET_F_UPLINK))
		p->stats.nodest++;
}

void nsw_forward(struct netswitch *sw, unsigned in, const uint8_t *frame, size_t len)
{
	struct nsw_port *p = &sw->port[in];

	if (len < BH_NET_FRAME_MIN || len > BH_NET_FRAME_MAX) {
		p->stats.bad++;
		return;
	}
	p->stats.rx++;
	p->stats.rx_bytes += len;
	if (p->client)
		from_client(sw, in, frame, len);
	else
		from_uplink(sw, frame, len);
}

/* At most budget frames from port i. */
static unsigned drain(struct netswitch *sw, unsigned i, unsigned budget)
{
	struct nsw_port *p = &sw->port[i];
	unsigned n = 0;

	while (n < budget && p->up) {
		long len = p->ops->recv(p->ctx, sw->frame, sizeof(sw->frame));

		if (len == -BH_EIO)
			p->up = false;
		if (len < 0)
			break;
		n++;
		nsw_forward(sw, i, sw->frame, (size_t)len);
	}
	return n;
}

unsigned nsw_round(struct netswitch *sw, unsigned budget, uint64_t now_ns)
{
	unsigned n = 0, start = sw->next;

	sw->now_ns = now_ns;
	sw->next = (start + 1) % NSW_PORTS;
	for (unsigned k = 0; k < NSW_PORTS; k++) {
		unsigned i = (start + k) % NSW_PORTS;

		if (sw->port[i].ops && sw->port[i].up)
			n += drain(sw, i, budget);
	}
	return n;
}

void nsw_port_line(const struct netswitch *sw, unsigned i, char *buf, size_t len)
{
	const struct nsw_port_stats *s = &sw->port[i].stats;

	snprintf(buf, len,
		 "%s: rx %llu tx %llu forged %llu bad %llu looped %llu filtered %llu "
		 "unknown %llu nodest %llu full %llu",
		 sw->port[i].name, (unsigned long long)s->rx, (unsigned long long)s->tx,
		 (unsigned long long)s->forged, (unsigned long long)s->bad,
		 (unsigned long long)s->looped, (unsigned long long)s->filtered,
		 (unsigned long long)s->unknown, (unsigned long long)s->nodest,
		 (unsigned long long)s->drop_full);
}
