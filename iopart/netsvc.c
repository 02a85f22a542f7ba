/* SPDX-License-Identifier: MIT */
/* netsvc.c - the I/O partition's network service: NIC + net channels on one switch
 * (netsvc.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <bulkhead/config.h>
#include <bulkhead/hypercall.h>
#include <bulkhead/net.h>
#include "chan/chan.h"
#include "e1000.h"
#include "iopart.h"
#include "net/net-server.h"
#include "netsvc.h"
#include "netswitch.h"
#include "pci.h"
#include "rt/hypercall.h"
#include "rt/rt.h"

#define BUDGET       8   /* frames per port per round */
#define CLASS_ETHER  0x020000u

struct netchan {
	void *mem;
	size_t size;
	uint32_t chan_id;
	const char *peer;
	int port;              /* the switch's, or -1: not served */
	bool attached;
	unsigned refused;
	struct chan ch;
	struct net_server srv;
};

static struct netswitch sw;
static struct netchan chans[BH_INFO_MEM_MAX];
static unsigned nchans;
static struct pci_dev nic_pci;
static struct e1000 nic;
static bool have_nic;
static uint64_t stats_ms = 10000, next_stats, fault_after, switched;
static struct nsw_port_stats shown[NSW_PORTS];

/* ---- Port operations ----------------------------------------------------------------- */

static long chan_port_recv(void *ctx, void *buf, size_t len)
{
	struct netchan *n = ctx;
	long r = net_server_recv(&n->srv, buf, len);

	if (r >= 0)
		switched++;
	return r;
}

static int chan_port_send(void *ctx, const void *frame, size_t len, unsigned flags)
{
	return net_server_send(&((struct netchan *)ctx)->srv, frame, len, flags);
}

static long nic_recv(void *ctx, void *buf, size_t len)
{
	return e1000_recv(&nic, buf, len);
}

static int nic_send(void *ctx, const void *frame, size_t len, unsigned flags)
{
	return e1000_send(&nic, frame, len);
}

static const struct nsw_port_ops chan_ops = { chan_port_recv, chan_port_send };
static const struct nsw_port_ops nic_ops = { nic_recv, nic_send };

static void sw_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sw_log(const char *fmt, ...)
{
	char line[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	iopart_log("%s", line);
}

/* ---- Set-up -------------------------------------------------------------------------- */

static void nic_open(const struct bh_partition_info *info)
{
	for (uint32_t i = 0; i < info->pci_count && i < BH_INFO_PCI_MAX && !have_nic; i++) {
		uint16_t bdf = info->pci_bdf[i];
		int r;

		if (pci_probe(&nic_pci, bdf) || nic_pci.class != CLASS_ETHER)
			continue;
		if (!e1000_supported(&nic_pci)) {
			iopart_log("net: %02x:%02x.%x: Ethernet controller %04x:%04x: no driver, "
				   "not used", bdf >> 8, bdf >> 3 & 31, bdf & 7, nic_pci.vendor,
				   nic_pci.device);
			continue;
		}
		if ((r = e1000_init(&nic, &nic_pci))) {
			iopart_log("net: %02x:%02x.%x: not usable (error %d)", bdf >> 8, bdf >> 3 & 31,
				   bdf & 7, r);
			continue;
		}
		have_nic = true;
	}
}

static bool mac_zero(const uint8_t *m)
{
	return !(m[0] | m[1] | m[2] | m[3] | m[4] | m[5]);
}

static void chans_find(const struct bh_partition_info *info)
{
	uint8_t macs[BH_INFO_MEM_MAX][6];
	unsigned nmacs = 0;

	for (uint32_t i = 0; i < info->mem_count && i < BH_INFO_MEM_MAX; i++) {
		const uint8_t *mac = info->chan_client[i].mac;
		struct netchan *n;

		if (info->mem[i].kind % 256 != BH_MEM_KIND_CHANNEL ||
		    info->chan_type[i] != BH_CFG_CHAN_NET)
			continue;
		n = &chans[nchans++];
		*n = (struct netchan){ .mem = (void *)(uintptr_t)info->mem[i].gpa,
				       .size = info->mem[i].size,
				       .chan_id = BH_MEM_KIND_CHAN_ID(info->mem[i].kind),
				       .peer = info->peer_name[i], .port = -1 };
		if (mac_zero(mac))
			iopart_log("net channel %u (%.31s): not served: the configuration gives its "
				   "client no MAC", n->chan_id, n->peer);
		else if ((n->port = nsw_add_client(&sw, mac, &chan_ops, n, n->peer)) < 0)
			iopart_log("net channel %u (%.31s): not served: MAC refused (error %d)",
				   n->chan_id, n->peer, n->port);
		else
			memcpy(macs[nmacs++], mac, 6);
	}
	if (have_nic)
		e1000_filter(&nic, (const uint8_t(*)[6])macs, nmacs);
}

void netsvc_init(const struct bh_partition_info *info)
{
	uint64_t v;

	if (!bh_arg_u64("net-stats-ms", &v))
		stats_ms = v;
	bh_arg_u64("net-fault-after", &fault_after);
	nsw_init(&sw, sw_log);
	nic_open(info);
	if (have_nic) {
		nsw_add_uplink(&sw, &nic_ops, NULL, "uplink");
		nsw_port_up(&sw, NSW_UPLINK, true);
	}
	chans_find(info);
	if (nchans || have_nic)
		iopart_log("net: serving %u net channel(s), %s", nchans,
			   have_nic ? "uplink e1000" : "no uplink: clients reach each other only");
}

bool netsvc_polls(void)
{
	return have_nic;
}

/* ---- The loop ------------------------------------------------------------------------ */

/* Attach once the client has laid the channel out afresh (as blk_attach in main.c). */
static void chan_try_attach(struct netchan *n)
{
	const struct bh_chan_hdr *h = n->mem;
	int r;

	if (__atomic_load_n(&h->state, __ATOMIC_ACQUIRE) != BH_CHAN_READY ||
	    __atomic_load_n(&h->ep[BH_CHAN_SERVER].status, __ATOMIC_ACQUIRE) != BH_CHAN_EP_NONE)
		return;
	r = chan_attach(&n->ch, n->mem, n->size, CHAN_SERVER, (const uint8_t *)BH_NET_CHAN_TYPE);
	if (!r && (r = net_server_init(&n->srv, &n->ch)))
		chan_close(&n->ch);
	else if (r)
		chan_mark_dead(n->mem, n->size, CHAN_SERVER);
	if (r) {
		if (n->refused++ < 4)
			iopart_log("net channel %u (%.31s): not served: bad layout (error %d)",
				   n->chan_id, n->peer, r);
		return;
	}
	n->attached = true;
	nsw_port_up(&sw, (unsigned)n->port, true);
	iopart_log("net channel %u (%.31s): attached, %u slots", n->chan_id, n->peer,
		   n->ch.rx.mask + 1);
	bh_hc1(BH_HC_SIGNAL, n->chan_id);
}

static void chan_check(struct netchan *n)
{
	const struct bh_chan_hdr *h = n->mem;

	if (sw.port[n->port].up) {
		if (chan_need_notify(&n->ch))
			bh_hc1(BH_HC_SIGNAL, n->chan_id);
		return;
	}
	iopart_log("net channel %u (%.31s): dropped: %s", n->chan_id, n->peer,
		   __atomic_load_n(&h->state, __ATOMIC_ACQUIRE) == BH_CHAN_DEAD ||
				   __atomic_load_n(&h->ep[BH_CHAN_CLIENT].status, __ATOMIC_ACQUIRE) ==
					   BH_CHAN_EP_DEAD ?
			   "the client is gone" : "the client broke the channel");
	chan_close(&n->ch);
	n->attached = false;
}

static bool changed(const struct nsw_port_stats *a, const struct nsw_port_stats *b)
{
	return memcmp(a, b, sizeof(*a)) != 0;
}

static void stats_lines(void)
{
	uint64_t now = (uint64_t)bh_time_ns();
	char line[200];

	if (!stats_ms || now < next_stats)
		return;
	next_stats = now + stats_ms * 1000000;
	for (unsigned i = 0; i < NSW_PORTS; i++) {
		if (!sw.port[i].ops || !changed(&sw.port[i].stats, &shown[i]))
			continue;
		shown[i] = sw.port[i].stats;
		nsw_port_line(&sw, i, line, sizeof(line));
		iopart_log("net: port %s", line);
	}
}

static void fault_check(void)
{
	if (!fault_after || switched < fault_after)
		return;
	iopart_log("fault injected after %llu frames at t=%lld ns", (unsigned long long)switched,
		   (long long)bh_time_ns());
	__asm__ volatile("ud2"); /* contained by the monitor: this partition crashes */
}

unsigned netsvc_round(void)
{
	unsigned moved;

	for (unsigned i = 0; i < nchans; i++)
		if (chans[i].port >= 0 && !chans[i].attached)
			chan_try_attach(&chans[i]);
	moved = nsw_round(&sw, BUDGET, (uint64_t)bh_time_ns());
	for (unsigned i = 0; i < nchans; i++)
		if (chans[i].attached)
			chan_check(&chans[i]);
	stats_lines();
	fault_check();
	return moved;
}

bool netsvc_may_sleep(void)
{
	for (unsigned i = 0; i < nchans; i++)
		if (chans[i].attached && chan_prepare_wait(&chans[i].ch) != 0)
			return false;
	return true;
}

void netsvc_woken(void)
{
	for (unsigned i = 0; i < nchans; i++)
		if (chans[i].attached)
			chan_cancel_wait(&chans[i].ch);
}
