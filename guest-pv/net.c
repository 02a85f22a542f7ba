/* SPDX-License-Identifier: MIT */
/* net.c - guest-pv's network: the net channels to two I/O partitions (lib/net/net-client.h),
 * its IPv4 stack (net-ip.c), and the workloads the system tests run on them.
 *
 * Command line:
 *   net=<peer>,<peer>     the I/O partitions to reach, in order of preference: the net
 *                         channels whose other ends have these names are paths 0 and 1.
 *                         The MAC is the configuration's (the info page's chan_client[])
 *   ip=<a.b.c.d>          the guest's IPv4 address (no netmask: everything is on-link)
 *   net-test=<test>[,<test>...]  one after another:
 *   echo                  answer ARP, ICMP echo and UDP echo (port 7) for ever
 *   ping:<ip>[+<ip>...]   ping each in turn, net-count times every net-interval-ms
 *   udp:<ip>              send net-count datagrams every net-interval-ms to <ip>'s echo
 *                         port, count the echoes and the losses
 *   forge:<ip>            send net-count datagrams to <ip> with a forged source MAC (ours
 *                         with the last byte flipped), then serve as echo
 *   net-count=<n> (default 10), net-interval-ms=<n> (default 100), net-delay-ms=<n>
 *   (before the test), net-linger=1 (serve for ever afterwards)
 * Every test answers ARP, pings and UDP echo meanwhile. Lines "guest-pv: net: ..." are the
 * system tests' oracle.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bulkhead/config.h>
#include <bulkhead/errno.h>
#include "net/net-client.h"
#include "net-ip.h"
#include "net-run.h"
#include "rt/guest-test.h"
#include "rt/hypercall.h"
#include "rt/rt.h"

#define TICK_NS     5000000ull      /* a sleeping guest looks again at least this often */
#define ARP_EVERY   200000000ull    /* ARP retries */
#define ARP_GIVEUP  10000000000ull
#define SETTLE_NS   1000000000ull   /* late answers are waited for this long */
#define PREFER_NS   5000000000ull   /* the first partition of net= is waited for this long */
#define MAX_COUNT   4096
#define MS          1000000ull

struct gnet {
	struct net_client cl;
	struct net_env env;
	struct ip_stack ip;
	struct ip_ops ops;
	uint32_t chan_id[2];
	const char *peer[2];
	uint64_t wake_at;          /* the next due step, for env_wait */
	/* the running test */
	uint32_t target;
	uint64_t sent_at[MAX_COUNT];
	uint8_t  got[MAX_COUNT];
	unsigned sent, received, dups;
	uint64_t rtt_min, rtt_max, rtt_sum;
	uint64_t forged_seen;
	uint8_t  frame[BH_NET_FRAME_MAX];
};

static struct gnet g;

static void env_signal(void *ctx, unsigned path)
{
	bh_hc1(BH_HC_SIGNAL, g.chan_id[path & 1]);
}

static int env_wait(void *ctx)
{
	uint64_t now = (uint64_t)bh_time_ns(), until = now + TICK_NS;

	if (g.wake_at > now && g.wake_at < until)
		until = g.wake_at;
	bh_timer_set(until);
	bh_wait();
	return 0;
}

static void env_log(void *ctx, enum net_event ev, unsigned path, uint64_t value)
{
	const char *peer = g.peer[path & 1];

	if (ev == NET_EV_PATH_UP)
		printf("guest-pv: net: path %u (%.31s) up\n", path, peer);
	else if (ev == NET_EV_PATH_LOST)
		printf("guest-pv: net: path %u (%.31s) lost, %llu frames stranded, at t=%lld ns\n",
		       path, peer, (unsigned long long)value, (long long)bh_time_ns());
	else
		printf("guest-pv: net: failover to path %u (%.31s) at t=%lld ns\n", path, peer,
		       (long long)bh_time_ns());
}

static void ip_out(void *ctx, const uint8_t *frame, size_t len)
{
	net_send(&g.cl, frame, len); /* refusals are counted by the client */
}

static void on_ping(void *ctx, uint32_t from, uint16_t seq)
{
	uint64_t rtt;

	if (from != g.target || seq >= g.sent || seq >= MAX_COUNT)
		return;
	if (g.got[seq]++) {
		g.dups++;
		return;
	}
	rtt = (uint64_t)bh_time_ns() - g.sent_at[seq];
	g.received++;
	g.rtt_sum += rtt;
	g.rtt_min = !g.rtt_min || rtt < g.rtt_min ? rtt : g.rtt_min;
	g.rtt_max = rtt > g.rtt_max ? rtt : g.rtt_max;
}

static void on_udp(void *ctx, uint32_t from, uint32_t seq)
{
	on_ping(ctx, from, (uint16_t)(seq < MAX_COUNT ? seq : MAX_COUNT));
}

static void on_forged(void *ctx, const uint8_t *mac)
{
	if (g.forged_seen++ < 4)
		printf("guest-pv: net: a forged frame got through, source %02x:%02x:%02x:%02x:%02x:%02x\n",
		       mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

/* ---- Set-up ---------------------------------------------------------------------------- */

static int net_channel(const char *peer, size_t len)
{
	const struct bh_partition_info *info = bh_info_page();

	for (uint32_t i = 0; i < info->mem_count && i < BH_INFO_MEM_MAX; i++)
		if (info->mem[i].kind % 256 == BH_MEM_KIND_CHANNEL &&
		    info->chan_type[i] == BH_CFG_CHAN_NET &&
		    strnlen(info->peer_name[i], BH_NAME_MAX) == len &&
		    !strncmp(info->peer_name[i], peer, len))
			return (int)i;
	return -1;
}

static int net_open(void)
{
	const struct bh_partition_info *info = bh_info_page();
	char arg[2 * BH_NAME_MAX + 2], ipa[20];
	const char *comma;
	int idx[2], r;
	void *mem[2];
	size_t size[2];
	const uint8_t *mac;
	uint32_t ip;

	if (bh_arg("net", arg, sizeof(arg)) || !(comma = strchr(arg, ',')))
		return -BH_ENOENT;
	idx[0] = net_channel(arg, (size_t)(comma - arg));
	idx[1] = net_channel(comma + 1, strlen(comma + 1));
	if (idx[0] < 0 || idx[1] < 0 || bh_arg("ip", ipa, sizeof(ipa)) || !(ip = ip_parse(ipa)))
		return -BH_ENOENT;
	mac = info->chan_client[idx[0]].mac;
	if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]))
		return -BH_EPERM; /* the configuration gives this guest no MAC */
	for (int p = 0; p < 2; p++) {
		mem[p] = (void *)(uintptr_t)info->mem[idx[p]].gpa;
		size[p] = info->mem[idx[p]].size;
		g.chan_id[p] = BH_MEM_KIND_CHAN_ID(info->mem[idx[p]].kind);
		g.peer[p] = info->peer_name[idx[p]];
	}
	g.env = (struct net_env){ &g, env_signal, env_wait, env_log };
	g.ops = (struct ip_ops){ &g, ip_out, on_ping, on_udp, on_forged };
	ip_init(&g.ip, mac, ip, &g.ops);
	if ((r = net_client_init(&g.cl, &g.env, mem, size)) || (r = net_client_start(&g.cl)))
		return r;
	printf("guest-pv: net: mac %02x:%02x:%02x:%02x:%02x:%02x ip %s, paths %.31s %.31s\n",
	       mac[0], mac[1], mac[2], mac[3], mac[4], mac[5], ipa, g.peer[0], g.peer[1]);
	return 0;
}

/* The first of net= is preferred: waited for a while before anything is sent. */
static void net_prefer(void)
{
	uint64_t end = (uint64_t)bh_time_ns() + PREFER_NS;

	while (g.cl.path[0].state != NET_PATH_UP && (uint64_t)bh_time_ns() < end) {
		g.wake_at = end;
		net_wait(&g.cl);
	}
}

/* ---- The loop -------------------------------------------------------------------------- */

/* Takes every frame waiting, then sleeps until one comes, a tick, or g.wake_at. */
static void serve_once(void)
{
	long n;

	while ((n = net_recv(&g.cl, g.frame, sizeof(g.frame), NULL)) > 0)
		ip_input(&g.ip, g.frame, (size_t)n);
	net_wait(&g.cl);
	while ((n = net_recv(&g.cl, g.frame, sizeof(g.frame), NULL)) > 0)
		ip_input(&g.ip, g.frame, (size_t)n);
}

static void serve_until(uint64_t t)
{
	while ((uint64_t)bh_time_ns() < t) {
		g.wake_at = t;
		serve_once();
	}
}

static bool resolve(uint32_t ip, uint8_t mac[6])
{
	uint64_t end = (uint64_t)bh_time_ns() + ARP_GIVEUP;

	while (!ip_arp_lookup(&g.ip, ip, mac)) {
		uint64_t now = (uint64_t)bh_time_ns();

		if (now >= end)
			return false;
		ip_arp_request(&g.ip, ip);
		serve_until(now + ARP_EVERY);
	}
	printf("guest-pv: net: %u.%u.%u.%u is at %02x:%02x:%02x:%02x:%02x:%02x\n", ip >> 24,
	       ip >> 16 & 255, ip >> 8 & 255, ip & 255, mac[0], mac[1], mac[2], mac[3], mac[4],
	       mac[5]);
	return true;
}

enum { T_PING, T_UDP, T_FORGE };

/* count probes to ip, one every interval; the answers are counted by on_ping/on_udp. */
static void probe(int kind, uint32_t ip, unsigned count, uint64_t interval)
{
	uint8_t mac[6], forged[6];
	uint64_t next = (uint64_t)bh_time_ns();

	memset(g.got, 0, sizeof(g.got));
	g.target = ip;
	g.sent = g.received = g.dups = 0;
	g.rtt_min = g.rtt_max = g.rtt_sum = 0;
	memcpy(forged, g.ip.mac, 6);
	forged[5] ^= 0xff;
	if (!resolve(ip, mac)) {
		printf("guest-pv: net: %u.%u.%u.%u: no ARP answer\n", ip >> 24, ip >> 16 & 255,
		       ip >> 8 & 255, ip & 255);
		return;
	}
	for (; g.sent < count; next += interval) {
		serve_until(next);
		g.sent_at[g.sent] = (uint64_t)bh_time_ns();
		if (kind == T_PING)
			ip_ping(&g.ip, ip, mac, (uint16_t)g.sent, 56);
		else
			ip_udp(&g.ip, ip, mac, kind == T_FORGE ? forged : g.ip.mac,
			       kind == T_FORGE ? IP_FORGED_TAG : IP_SEQ_TAG, g.sent, 64);
		g.sent++;
	}
	serve_until((uint64_t)bh_time_ns() + SETTLE_NS);
}

static void report(const char *what, uint32_t ip)
{
	printf("guest-pv: net: %s %u.%u.%u.%u: %u sent, %u received, %u lost, %u duplicates, "
	       "rtt min/avg/max %llu/%llu/%llu us\n", what, ip >> 24, ip >> 16 & 255,
	       ip >> 8 & 255, ip & 255, g.sent, g.received, g.sent - g.received, g.dups,
	       (unsigned long long)(g.rtt_min / 1000),
	       (unsigned long long)(g.received ? g.rtt_sum / g.received / 1000 : 0),
	       (unsigned long long)(g.rtt_max / 1000));
}

static void stats(void)
{
	const struct net_client_stats *s = &g.cl.stats;

	printf("guest-pv: net: stats tx %llu rx %llu tx-refused %llu standby-dropped %llu bad %llu "
	       "stranded %llu failovers %llu paths-lost %llu, answered arp %llu icmp %llu udp %llu\n",
	       (unsigned long long)s->tx, (unsigned long long)s->rx,
	       (unsigned long long)(s->tx_full + s->tx_nopath), (unsigned long long)s->rx_standby,
	       (unsigned long long)s->rx_bad, (unsigned long long)s->stranded,
	       (unsigned long long)s->failovers, (unsigned long long)s->paths_lost,
	       (unsigned long long)g.ip.arp_answered, (unsigned long long)g.ip.icmp_answered,
	       (unsigned long long)g.ip.udp_answered);
}

/* The targets of ping:a+b+c, one after another. */
static void ping_all(char *list, unsigned count, uint64_t interval)
{
	for (char *t = strtok(list, "+"); t; t = strtok(NULL, "+")) {
		uint32_t ip = ip_parse(t);

		if (!ip) {
			printf("guest-pv: net: ping: bad address %s\n", t);
			continue;
		}
		probe(T_PING, ip, count, interval);
		report("ping", ip);
	}
}

static void run_test(char *test, unsigned count, uint64_t interval)
{
	char *arg = strchr(test, ':');
	uint32_t ip = 0;

	if (arg)
		*arg++ = 0;
	if (!strcmp(test, "ping") && arg) {
		ping_all(arg, count, interval);
	} else if (!strcmp(test, "udp") && arg && (ip = ip_parse(arg))) {
		probe(T_UDP, ip, count, interval);
		report("udp", ip);
	} else if (!strcmp(test, "forge") && arg && (ip = ip_parse(arg))) {
		probe(T_FORGE, ip, count, interval);
		printf("guest-pv: net: forged %u datagrams to %s\n", g.sent, arg);
	} else if (strcmp(test, "echo")) {
		printf("guest-pv: net: unknown net-test %s\n", test);
		return;
	}
	stats();
}

int net_run(void)
{
	char tests[128];
	uint64_t count = 10, interval = 100, delay = 0, linger = 0;
	bool serve = false;
	int r;

	if (bh_arg("net-test", tests, sizeof(tests)))
		return 0;
	bh_arg_u64("net-count", &count);
	bh_arg_u64("net-interval-ms", &interval);
	bh_arg_u64("net-linger", &linger);
	if (count > MAX_COUNT)
		count = MAX_COUNT;
	if ((r = net_open())) {
		printf("guest-pv: net: cannot start (error %d)\n", r);
		return r;
	}
	net_prefer();
	if (!bh_arg_u64("net-delay-ms", &delay))
		serve_until((uint64_t)bh_time_ns() + delay * MS);
	for (char *next, *t = tests; t; t = next) { /* test,test,... in turn */
		if ((next = strchr(t, ',')))
			*next++ = 0;
		serve |= !strncmp(t, "echo", 4) || !strncmp(t, "forge", 5);
		run_test(t, (unsigned)count, interval * MS);
	}
	printf("guest-pv: net: done\n");
	if (serve || linger) {
		for (uint64_t next = 0;;) { /* serve, and say what was done every 10 s */
			serve_once();
			if ((uint64_t)bh_time_ns() >= next) {
				if (next)
					stats();
				next = (uint64_t)bh_time_ns() + 10000 * MS;
			}
		}
	}
	return 0;
}
