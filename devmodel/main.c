/* SPDX-License-Identifier: MIT */
/* main.c - devmodel, the device model of one full-virtualization (Linux) partition: the
 * legacy PC its guest probes (board.h), fed by the guest's I/O request ring (ring.h).
 *
 * It finds the ring in its info page (the mem[] entry of kind BH_MEM_KIND_IOREQ) and uses
 * the runtime's console: the ultravisor maps the guest's console channel into it, so the
 * guest's UART output, and its own "devmodel: " lines, appear as the guest's, and what the
 * operator types while attached to the guest arrives on that channel as raw bytes for the
 * UART's receiver. One vCPU; a pass, whenever an event comes:
 *   the clock moves (RTC), up to DRAIN_BUDGET requests are handled in order, typed bytes go
 *   into the UART as far as its FIFO takes them, then the console batch and the 8259's
 *   INTR go out, and the timer is armed for the next RTC flag an enabled interrupt wants.
 * It sleeps only when the ring is empty; the monitor latches BH_EVENT_IOREQ, so a request
 * that comes meanwhile wakes it at once.
 */
#include <stdio.h>
#include <bulkhead/errno.h>
#include <bulkhead/hypercall.h>
#include <bulkhead/ioreq.h>
#include <stdlib.h>
#include <string.h>
#include <bulkhead/config.h>
#include "board.h"
#include "ring.h"
#include "virtio-blk.h"
#include "virtio-net.h"
#include "rt/console.h"
#include "rt/hypercall.h"
#include "rt/rt.h"

#define DRAIN_BUDGET  64            /* requests per pass */
#define TICK_NS       10000000ull   /* with block requests out, look at least this often */
#define PREFER_NS     5000000000ull /* the first block path is waited for this long ... */
#define CONNECT_NS    60000000000ull /* ... and some path this long */
#define VBLK_BDF      PCI_BDF(0, 1, 0)
#define VBLK_IO       0xc000
#define VBLK_IRQ      11
#define VNET_BDF      PCI_BDF(0, 2, 0)
#define VNET_IO       0xc040
#define VNET_IRQ      10
#define NET_TICK_NS   50000000ull   /* with a network, its paths are looked at this often */
#define GUEST_RANGES  8
#define FALLBACK_WALL 1704067200ll  /* 2024-01-01 00:00:00 UTC, with no wall clock */

static struct board board;
static struct dm_ring ring;
static uint8_t typed[256];          /* typed bytes the UART has not taken yet */
static size_t typed_off, typed_len;
static uint64_t armed;              /* the timer as last set */

/* The guest's two channels of a type (find_paths): each path's region, channel id, peer and
 * info-page index. */
struct paths {
	void *mem[2];
	size_t size[2];
	uint32_t chan[2];
	const char *peer[2];
	uint32_t index[2];
};

/* The guest's RAM as its devices see it (ioreq.h), and its disk. */
static struct vq_range guest_ranges[GUEST_RANGES];
static struct vq_mem guest_mem = { guest_ranges, 0 };
static uint8_t *bar_pages;          /* its last BH_HVM_BAR_PAGES pages: the MSI-X tables */
static struct vblk vblk;
static struct blk_client disk;
static struct blk_env disk_env;
static struct paths disk_paths;
static bool connecting;
static struct vnet vnet;
static struct net_client wire;
static struct net_env wire_env;
static struct paths wire_paths;
static bool have_net;

static long hc_answer(void *ctx, uint32_t vcpu, uint32_t value, uint32_t seq)
{
	return bh_hc3(BH_HC_DM_ANSWER, vcpu, value, seq);
}

static long hc_irq(void *ctx, uint32_t vector)
{
	return bh_hc3(BH_HC_DM_IRQ, 0, vector, BH_DM_IRQ_EXTINT);
}

static void con_out(void *ctx, const void *buf, size_t len)
{
	bh_console_out(buf, len);
}

static long hc_msi(void *ctx, uint32_t vcpu, uint32_t vector)
{
	return bh_hc3(BH_HC_DM_IRQ, vcpu, vector, BH_DM_IRQ_FIXED);
}

static const struct dm_ops hc_ops = { .answer = hc_answer, .irq = hc_irq, .out = con_out,
				      .msi = hc_msi };

static struct bh_ioreq_ring *find_ring(const struct bh_partition_info *info)
{
	uint32_t n = info->mem_count < BH_INFO_MEM_MAX ? info->mem_count : BH_INFO_MEM_MAX;

	for (uint32_t i = 0; i < n; i++) {
		const struct bh_mem_region *m = &info->mem[i];

		if ((m->kind & 0xff) == BH_MEM_KIND_IOREQ && m->size >= sizeof(struct bh_ioreq_ring) &&
		    (m->flags & (BH_MEM_R | BH_MEM_W)) == (BH_MEM_R | BH_MEM_W) && !(m->gpa & 0xfff))
			return (struct bh_ioreq_ring *)(uintptr_t)m->gpa;
	}
	return NULL;
}

/* Typed bytes into the UART's receiver, as far as it takes them; more from the console
 * only when everything read before is in. */
static void typed_in(void)
{
	for (;;) {
		while (typed_off < typed_len && board_rx(&board, typed[typed_off]))
			typed_off++;
		if (typed_off < typed_len)
			return;
		long n = bh_console_read(typed, sizeof(typed));

		typed_off = 0;
		typed_len = n > 0 ? (size_t)n : 0;
		if (!typed_len)
			return;
	}
}

/* Sleep until an event, unless work is there. The console is told to signal typed input
 * only when we could take it. */
static void sleep_for_events(void)
{
	int c = typed_off < typed_len ? -1 : bh_console_prepare_read_wait();

	if (c != 1)
		bh_wait();
	bh_console_cancel_read_wait();
}

static void start(const struct bh_partition_info *info, struct bh_ioreq_ring *r)
{
	int64_t wall = bh_hc0(BH_HC_WALLCLOCK), now = bh_time_ns();
	struct rtc_date t;

	board_init(&board, &hc_ops, wall >= 0 ? wall : FALLBACK_WALL * NS_PER_SEC, (uint64_t)now);
	dm_ring_init(&ring, r);
	char flag[4];
	board.test_crash = bh_arg("test-crash", flag, sizeof(flag)) != -BH_ENOENT;
	rtc_date_of((wall >= 0 ? wall / NS_PER_SEC : FALLBACK_WALL), &t);
	board_log(&board, "%.*s: COM1 16550A (IRQ 4), 8259A pair, RTC %04lld-%02u-%02u "
		  "%02u:%02u:%02u UTC%s, PCI 00:00.0 i440FX; requests at %#llx", BH_NAME_MAX,
		  info->name, (long long)t.year, t.month, t.day, t.hour, t.min, t.sec,
		  wall >= 0 ? "" : " (no wall clock: a fixed date)",
		  (unsigned long long)bh_gpa(r));
}

/* One pass over the guest's requests and the devices. → true if another is due at once. */
static bool pass(void)
{
	uint64_t now = (uint64_t)bh_time_ns(), due;

	board_begin(&board, now);
	dm_ring_drain(&ring, &board, DRAIN_BUDGET);
	typed_in();
	if (!connecting)
		vblk_work(&vblk);
	if (have_net)
		vnet_work(&vnet);
	board_end(&board);
	due = board_deadline(&board);
	if (due && due <= now)
		return true;
	if (vblk_busy(&vblk) || connecting) /* the block client needs looking after */
		due = due && due < now + TICK_NS ? due : now + TICK_NS;
	else if (have_net) /* and the network's paths */
		due = due && due < now + NET_TICK_NS ? due : now + NET_TICK_NS;
	if (due != armed)
		bh_timer_set(due);
	armed = due;
	return dm_ring_pending(&ring);
}

/* The guest's channels of type into p, in info-page order (path 0 first); with one, both
 * paths are it. → how many were found (0-2). */
static unsigned find_paths(const struct bh_partition_info *info, uint8_t type, struct paths *p)
{
	uint32_t n = info->mem_count < BH_INFO_MEM_MAX ? info->mem_count : BH_INFO_MEM_MAX;
	unsigned k = 0;

	for (uint32_t i = 0; i < n && k < 2; i++) {
		const struct bh_mem_region *m = &info->mem[i];
		if ((m->kind & 0xff) != BH_MEM_KIND_CHANNEL || info->chan_type[i] != type)
			continue;
		p->mem[k] = (void *)(uintptr_t)m->gpa;
		p->size[k] = m->size;
		p->chan[k] = BH_MEM_KIND_CHAN_ID(m->kind);
		p->peer[k] = info->peer_name[i];
		p->index[k++] = i;
	}
	if (k == 1) /* one path: both are it */
		p->mem[1] = p->mem[0], p->size[1] = p->size[0], p->chan[1] = p->chan[0],
		p->peer[1] = p->peer[0], p->index[1] = p->index[0];
	return k;
}

/* ---- the network: the guest's net channels (net-client.h) ------------------------------ */

static void wire_signal(void *ctx, unsigned path)
{
	bh_hc1(BH_HC_SIGNAL, wire_paths.chan[path & 1]);
}

static int wire_wait(void *ctx)
{
	sleep_for_events();
	return 0;
}

static void wire_log(void *ctx, enum net_event ev, unsigned path, uint64_t value)
{
	const char *peer = wire_paths.peer[path & 1];

	if (ev == NET_EV_PATH_UP)
		board_log(&board, "virtio-net: path %u (%.31s) up", path, peer);
	else if (ev == NET_EV_PATH_LOST)
		board_log(&board, "virtio-net: path %u (%.31s) lost, %llu frames with it", path,
			  peer, (unsigned long long)value);
	else
		board_log(&board, "virtio-net: failover to path %u (%.31s)", path, peer);
}

/* Sleeps until an event; with a network, its paths announce that we wait. */
static int sleep_all(void *ctx)
{
	return have_net ? net_wait(&wire) : wire_wait(ctx);
}

/* The guest's network: its two net channels, laid out; the device has the configuration's
 * MAC. */
static void net_open(const struct bh_partition_info *info)
{
	struct paths *p = &wire_paths;
	const uint8_t *mac;
	int r;

	if (!find_paths(info, BH_CFG_CHAN_NET, p))
		return; /* no network configured: no device */
	mac = info->chan_client[p->index[0]].mac;
	wire_env = (struct net_env){ NULL, wire_signal, wire_wait, wire_log };
	if ((r = net_client_init(&wire, &wire_env, p->mem, p->size)) ||
	    (r = net_client_start(&wire))) {
		board_log(&board, "virtio-net: net channels not usable (error %d): no network", r);
		return;
	}
	vnet_init(&vnet, VNET_BDF, VNET_IO, (uint32_t)BH_HVM_BAR_GPA + 0x1000, bar_pages + 0x1000,
		  VNET_IRQ, &guest_mem, &board.vpci_ops, &wire, mac);
	board_add_virtio(&board, &vnet.pci);
	have_net = true;
	board_log(&board, "virtio-net 00:02.0: %02x:%02x:%02x:%02x:%02x:%02x through %.31s and "
		  "%.31s", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5], p->peer[0], p->peer[1]);
}

/* ---- the disk: the guest's block channels (blk-client.h) ------------------------------- */

static void disk_signal(void *ctx, unsigned path)
{
	bh_hc1(BH_HC_SIGNAL, disk_paths.chan[path & 1]);
}

/* The client sleeps: the guest is served meanwhile (while connecting) and the devices'
 * events wake it as well as the channels'. */
static int disk_wait(void *ctx)
{
	if (!pass())
		sleep_all(ctx);
	return 0;
}

static uint64_t disk_now(void *ctx)
{
	return (uint64_t)bh_time_ns();
}

static void disk_log(void *ctx, enum blk_event ev, unsigned path, uint64_t value)
{
	const char *peer = disk_paths.peer[path & 1];

	if (ev == BLK_EV_PATH_UP)
		board_log(&board, "virtio-blk: path %u (%.31s) up", path, peer);
	else if (ev == BLK_EV_PATH_LOST)
		board_log(&board, "virtio-blk: path %u (%.31s) lost (%s)", path, peer,
			  value == BLK_WHY_PROTOCOL ? "protocol broken" : "channel dead");
	else
		board_log(&board, "virtio-blk: failover to path %u (%.31s), %llu requests to "
			  "replay", path, peer, (unsigned long long)value);
}

/* The guest's RAM ranges (BH_MEM_KIND_GUEST), less the BAR pages at its top. */
static bool find_guest_ram(const struct bh_partition_info *info)
{
	uint32_t n = info->mem_count < BH_INFO_MEM_MAX ? info->mem_count : BH_INFO_MEM_MAX;
	struct vq_range *top = NULL;

	for (uint32_t i = 0; i < n && guest_mem.n < GUEST_RANGES; i++) {
		const struct bh_mem_region *m = &info->mem[i];
		if ((m->kind & 0xff) != BH_MEM_KIND_GUEST || m->gpa < BH_DM_GUEST_GPA)
			continue;
		struct vq_range *r = &guest_ranges[guest_mem.n++];
		*r = (struct vq_range){ m->gpa - BH_DM_GUEST_GPA, m->size,
					(uint8_t *)(uintptr_t)m->gpa, m->flags & BH_MEM_W ? VQ_MEM_W : 0 };
		if (!top || r->gpa > top->gpa)
			top = r;
	}
	if (!top || top->size <= BH_HVM_BAR_PAGES * 0x1000ull || !(top->flags & VQ_MEM_W))
		return false;
	top->size -= BH_HVM_BAR_PAGES * 0x1000ull;
	bar_pages = top->host + top->size;
	return true;
}

/* The guest's disk, if it has block channels: the device, then both channels connected
 * (the guest is served meanwhile). */
static void disk_open(const struct bh_partition_info *info)
{
	struct paths *p = &disk_paths;
	bool ro;
	int r;

	if (!find_paths(info, BH_CFG_CHAN_BLOCK, p))
		return; /* no disk configured: no device */
	ro = (info->chan_client[p->index[0]].disk_flags |
	      info->chan_client[p->index[1]].disk_flags) & BH_DISK_RO;
	vblk_init(&vblk, VBLK_BDF, VBLK_IO, (uint32_t)BH_HVM_BAR_GPA, bar_pages, VBLK_IRQ,
		  &guest_mem, &board.vpci_ops, NULL, ro, info->name);
	board_add_virtio(&board, &vblk.pci);
	disk_env = (struct blk_env){ NULL, disk_signal, disk_wait, disk_now, disk_log };
	size_t scratch = p->size[0] < p->size[1] ? p->size[0] : p->size[1];
	if ((r = blk_client_init(&disk, &disk_env, p->mem, p->size, malloc(scratch), scratch))) {
		board_log(&board, "virtio-blk: block channels not usable (error %d)", r);
		return;
	}
	uint64_t now = (uint64_t)bh_time_ns();
	connecting = true;
	r = blk_client_connect_prefer(&disk, now + PREFER_NS, now + CONNECT_NS);
	connecting = false;
	if (r) {
		board_log(&board, "virtio-blk: no I/O partition answered in %llu s (error %d): "
			  "the disk has no sectors", (unsigned long long)(CONNECT_NS / NS_PER_SEC), r);
		return;
	}
	vblk_attach(&vblk, &disk);
	board_log(&board, "virtio-blk 00:01.0: %llu MiB (%llu sectors)%s through %.31s and "
		  "%.31s, %u sectors per request", (unsigned long long)(disk.capacity >> 11),
		  (unsigned long long)disk.capacity, ro ? ", read-only" : "", p->peer[0],
		  p->peer[1], disk.max_sectors);
}

int main(void)
{
	const struct bh_partition_info *info = bh_info_page();
	struct bh_ioreq_ring *r = find_ring(info);

	if (!r) {
		printf("devmodel: no I/O request ring in the memory map: no guest to serve\n");
		return 1;
	}
	start(info, r);
	if (!find_guest_ram(info)) {
		board_log(&board, "no map of the guest's RAM: no virtio devices");
	} else {
		net_open(info);
		disk_open(info);
	}
	for (;;) {
		if (pass())
			continue;
		if (vblk_busy(&vblk))
			blk_wait(&disk); /* announced: the server signals its answers */
		else
			sleep_all(NULL);
	}
}
