/* SPDX-License-Identifier: MIT */
/* main.c - an I/O partition (docs/iopart.md): drives the devices of its view and serves
 * console, block and net channels with them. One vCPU, one loop:
 *
 *   console (the partition owning COM1): clients' output to COM1, typed lines to command
 *   block: every attached channel, at most BUDGET requests each per round (round robin,
 *          so a flooding client cannot starve the others); channels attach when their
 *          client has laid them out, and are dropped when dead or broken
 *   net:   one round of the switch (netsvc.c): the NIC and every attached net channel, at
 *          most 8 frames each (round robin as well)
 *   nothing to do: sleep until a signal, a device interrupt or the next tick
 *
 * Command line: role=<a|b> (for the log), console=com1 (own COM1 and serve the consoles),
 * net-stats-ms= net-fault-after= (the network service, netsvc.h),
 * fault-after=<n> (test only: crash on purpose after serving n block requests),
 * bench-local=<MiB> (benchmark: read that much from the disk directly, in requests the
 * size a channel carries, once the monitor's clock passes bench-at=<ms> (default 0: before
 * serving anyone), bench-runs=<n> times back to back (default 1); each time is printed),
 * dma-victim= dma-monitor= dma-msi= (test only: aim
 * the NVMe controller's DMA elsewhere, dma-attack.c).
 */
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bulkhead/block.h>
#include <bulkhead/config.h>
#include <bulkhead/hypercall.h>
#include "blk/blk-server.h"
#include "blk/blk-window.h"
#include "chan/chan.h"
#include "console.h"
#include "dma-attack.h"
#include "rt/console.h"
#include "iopart.h"
#include "msix-attack.h"
#include "netsvc.h"
#include "nvme.h"
#include "pci.h"
#include "platform.h"
#include "rt/hypercall.h"
#include "rt/rt.h"
#include "uart.h"

#define BUDGET         8                /* block requests per channel per round */
#define TICK_CONSOLE   (CONSOLE_POLL_MS * 1000000ull) /* the console owner polls COM1 */
#define TICK_STANDBY   50000000ull      /* others look for newly laid-out channels */
#define CLASS_NVME     0x010802u        /* mass storage, non-volatile memory, NVMe */
#define BOUNCE_BYTES   (128u * 1024)

struct blkchan {
	void *mem;
	size_t size;
	uint32_t chan_id;
	const char *peer;
	const struct bh_chan_client *client; /* its disk window, from the info page */
	bool attached;
	unsigned refused;      /* layouts refused: logged four times, then quietly */
	struct chan ch;
	struct blk_window win; /* the client's window of the disk (bh_chan_client) */
	struct blk_server srv;
};

static const struct bh_partition_info *info;
static struct uart com1;
static bool console_owner;
static struct pci_dev nvme_pci;
static struct nvme nvme;
static bool have_disk;
static uint8_t *bounce;
static uint64_t bounce_dma;
static struct blk_backend disk;
static struct blkchan blks[BH_INFO_MEM_MAX];
static unsigned nblks;
static uint8_t *scratch;
static size_t scratch_size;
static uint64_t served, fault_after;

void iopart_log(const char *fmt, ...)
{
	char line[240];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	printf("%s\n", line); /* the console owner's stdout is console_own() */
	fflush(stdout);
}

/* ---- the disk behind every block channel -------------------------------------------- */

/* buf is the answer's place in the channel: the controller writes it directly when the
 * channel is mapped at GPA = HPA (the ultravisor places an I/O partition's channels so), else
 * through the bounce buffer. */
static int disk_read(void *ctx, uint64_t lba, uint32_t sectors, void *buf)
{
	size_t len = (size_t)sectors * BH_BLK_SECTOR;
	uint64_t dma = plat_dma_addr(buf, len);
	int r;

	if (dma && !(dma & 3))
		return nvme_read_dma(&nvme, lba, sectors, dma);
	if (!(r = nvme_read_dma(&nvme, lba, sectors, bounce_dma)))
		memcpy(buf, bounce, len);
	return r;
}

/* buf is the server's private copy of the request: DMA straight from it when it lies in
 * the identity-mapped RAM, else through the bounce buffer. */
static int disk_write(void *ctx, uint64_t lba, uint32_t sectors, const void *buf)
{
	size_t len = (size_t)sectors * BH_BLK_SECTOR;
	uint64_t dma = plat_dma_addr(buf, len);

	if (dma && !(dma & 3))
		return nvme_write_dma(&nvme, lba, sectors, dma);
	memcpy(bounce, buf, len);
	return nvme_write_dma(&nvme, lba, sectors, bounce_dma);
}

static int disk_flush(void *ctx)
{
	return nvme_flush(&nvme);
}

static void disk_open(void)
{
	for (uint32_t i = 0; i < info->pci_count && i < BH_INFO_PCI_MAX && !have_disk; i++) {
		uint16_t bdf = info->pci_bdf[i];
		int r = pci_probe(&nvme_pci, bdf);

		if (r || nvme_pci.class != CLASS_NVME)
			continue;
		if ((r = nvme_init(&nvme, &nvme_pci, 0))) {
			iopart_log("nvme %02x:%02x.%x: not usable (error %d)", bdf >> 8, bdf >> 3 & 31,
				   bdf & 7, r);
			continue;
		}
		const struct nvme_info *ni = nvme_info(&nvme);
		if (ni->sector_size != BH_BLK_SECTOR) {
			iopart_log("nvme %02x:%02x.%x: %u-byte sectors; the block service needs 512",
				   bdf >> 8, bdf >> 3 & 31, bdf & 7, ni->sector_size);
			continue;
		}
		bounce = plat_dma_alloc(BOUNCE_BYTES, &bounce_dma);
		if (!bounce) {
			iopart_log("no DMA memory for the bounce buffer");
			return;
		}
		disk = (struct blk_backend){ &nvme, ni->sectors,
					     ni->max_sectors < BOUNCE_BYTES / BH_BLK_SECTOR ?
						     ni->max_sectors : BOUNCE_BYTES / BH_BLK_SECTOR,
					     disk_read, disk_write, disk_flush, false };
		have_disk = true;
		iopart_log("nvme %02x:%02x.%x: %s, %llu MiB, %u sectors per command, %s",
			   bdf >> 8, bdf >> 3 & 31, bdf & 7, ni->model,
			   (unsigned long long)(ni->sectors * BH_BLK_SECTOR >> 20), ni->max_sectors,
			   ni->polling ? "polled" : "MSI-X");
	}
	if (!have_disk)
		iopart_log("no NVMe controller: block requests are answered with errors");
}

/* A backend with no disk: every request fails. */
static int no_disk(void *ctx, uint64_t lba, uint32_t sectors, void *buf)
{
	return -BH_EIO;
}

static int no_disk_w(void *ctx, uint64_t lba, uint32_t sectors, const void *buf)
{
	return -BH_EIO;
}

static int no_flush(void *ctx)
{
	return -BH_EIO;
}

/* ---- block channels -------------------------------------------------------------------- */

static void blk_find(void)
{
	for (uint32_t i = 0; i < info->mem_count && i < BH_INFO_MEM_MAX; i++) {
		if (info->mem[i].kind % 256 != BH_MEM_KIND_CHANNEL ||
		    info->chan_type[i] != BH_CFG_CHAN_BLOCK)
			continue;
		struct blkchan *b = &blks[nblks++];
		b->mem = (void *)(uintptr_t)info->mem[i].gpa;
		b->size = info->mem[i].size;
		b->chan_id = BH_MEM_KIND_CHAN_ID(info->mem[i].kind);
		b->peer = info->peer_name[i];
		b->client = &info->chan_client[i];
		if (b->size > scratch_size)
			scratch_size = b->size;
	}
	if (nblks && !(scratch = plat_dma_alloc(scratch_size, &(uint64_t){ 0 })))
		scratch = malloc(scratch_size);
}

/* Attach when the client has laid the channel out afresh: READY, and our side not yet
 * attached to this layout (a layout starts with both endpoints BH_CHAN_EP_NONE). */
static void blk_attach(struct blkchan *b)
{
	const struct bh_chan_hdr *h = b->mem;
	int r;

	if (__atomic_load_n(&h->state, __ATOMIC_ACQUIRE) != BH_CHAN_READY ||
	    __atomic_load_n(&h->ep[BH_CHAN_SERVER].status, __ATOMIC_ACQUIRE) != BH_CHAN_EP_NONE)
		return;
	if ((r = chan_attach(&b->ch, b->mem, b->size, CHAN_SERVER,
			     (const uint8_t *)BH_BLK_CHAN_TYPE))) {
		/* our side marked dead: not looked at again before the client lays it out anew */
		chan_mark_dead(b->mem, b->size, CHAN_SERVER);
		if (b->refused++ < 4)
			iopart_log("block channel %u (%.31s): not served: bad layout (error %d)",
				   b->chan_id, b->peer, r);
		return;
	}
	uint64_t cap = blk_window_init(&b->win, &disk, b->client->disk_base,
				       b->client->disk_sectors, b->client->disk_flags & BH_DISK_RO);
	if ((r = blk_server_init(&b->srv, &b->ch, &b->win.be, scratch, scratch_size))) {
		chan_close(&b->ch);
		if (b->refused++ < 4)
			iopart_log("block channel %u (%.31s): not served: its rings carry no sector "
				   "(error %d)", b->chan_id, b->peer, r);
		return;
	}
	b->attached = true;
	iopart_log("block channel %u (%.31s): attached, %u sectors per request, sectors "
		   "%llu-%llu of the disk%s%s", b->chan_id, b->peer, b->srv.max_sectors,
		   (unsigned long long)b->client->disk_base,
		   (unsigned long long)(b->client->disk_base + cap - 1),
		   b->client->disk_flags & BH_DISK_RO ? ", read-only" : "",
		   have_disk && b->client->disk_sectors && cap < b->client->disk_sectors ?
			   " (the window is cut at the disk's end)" : "");
	bh_hc1(BH_HC_SIGNAL, b->chan_id); /* the client may be waiting for a server */
}

static void fault_check(void)
{
	if (!fault_after || served < fault_after)
		return;
	iopart_log("fault injected after %llu block requests at t=%lld ns",
		   (unsigned long long)served, (long long)bh_time_ns());
	__asm__ volatile("ud2"); /* contained by the monitor: this partition crashes */
}

/* The client died or closed (the ultravisor or the client wrote so), as opposed to a
 * channel it corrupted. One look at words the client could forge: only the log cares. */
static bool client_gone(const struct blkchan *b)
{
	const struct bh_chan_hdr *h = b->mem;

	return __atomic_load_n(&h->state, __ATOMIC_ACQUIRE) == BH_CHAN_DEAD ||
	       __atomic_load_n(&h->ep[BH_CHAN_CLIENT].status, __ATOMIC_ACQUIRE) == BH_CHAN_EP_DEAD;
}

/* One round over the block channels. → requests handled. */
static unsigned blk_round(void)
{
	unsigned done = 0;

	for (unsigned i = 0; i < nblks; i++) {
		struct blkchan *b = &blks[i];
		int n;

		if (!b->attached) {
			blk_attach(b);
			if (!b->attached)
				continue;
		}
		n = blk_serve(&b->srv, BUDGET);
		if (n < 0) {
			iopart_log("block channel %u (%.31s): dropped: %s", b->chan_id, b->peer,
				   client_gone(b) ? "the client is gone" :
						    "the client broke the channel");
			chan_close(&b->ch);
			b->attached = false;
			continue;
		}
		done += (unsigned)n;
		served += (unsigned)n;
		if (chan_need_notify(&b->ch))
			bh_hc1(BH_HC_SIGNAL, b->chan_id);
		fault_check();
	}
	return done;
}

/* Before sleeping: every attached channel asks to be woken, for a request; or, when
 * requests wait but blk_serve() left them there (the answer ring is full: the client does
 * not read), for room. → false if one has work now. A client that never reads its answers
 * thus costs no CPU. */
static bool blk_may_sleep(void)
{
	for (unsigned i = 0; i < nblks; i++) {
		struct chan *c = &blks[i].ch;
		int r;

		if (!blks[i].attached)
			continue;
		if ((r = chan_prepare_wait(c)) == 1)
			r = chan_prepare_wait_space(c);
		if (r != 0)
			return false;
	}
	return true;
}

static void blk_woken(void)
{
	for (unsigned i = 0; i < nblks; i++)
		if (blks[i].attached)
			chan_cancel_wait(&blks[i].ch);
}

/* Sectors one request carries on a block channel of `size` bytes laid out as its client
 * lays it out (block.h): found by laying one out in private memory. */
static uint32_t request_sectors(size_t size)
{
	void *mem = memalign(BH_CHAN_PAGE, size);
	struct chan c;
	uint32_t n = 0;

	if (mem && !chan_init(mem, size, (const uint8_t *)BH_BLK_CHAN_TYPE, BH_BLK_SLOT_SIZE,
			      BH_BLK_SLOTS) &&
	    !chan_attach(&c, mem, size, CHAN_SERVER, (const uint8_t *)BH_BLK_CHAN_TYPE)) {
		size_t max = chan_send_max(&c) < chan_recv_max(&c) ? chan_send_max(&c) :
								     chan_recv_max(&c);
		n = BH_BLK_SECTORS_FOR(max);
	}
	free(mem);
	return n < disk.max_sectors ? n : disk.max_sectors;
}

/* bench-local=<MiB>: read from the disk as the I/O partition itself would, into DMA memory,
 * in requests the size the first block channel carries. */
static void bench_local(uint64_t mib)
{
	uint32_t per = request_sectors(blks[0].size);
	uint64_t sectors = mib * 1024 * 1024 / BH_BLK_SECTOR, t0 = (uint64_t)bh_time_ns();

	for (uint64_t lba = 0; per && lba < sectors; lba += per) {
		uint32_t n = sectors - lba < per ? (uint32_t)(sectors - lba) : per;
		if (disk_read(NULL, lba, n, scratch)) {
			iopart_log("bench: read at sector %llu failed", (unsigned long long)lba);
			return;
		}
	}
	iopart_log("bench: local read %llu MiB in %llu ns, %u sectors per request",
		   (unsigned long long)mib, (unsigned long long)((uint64_t)bh_time_ns() - t0), per);
}

int main(void)
{
	char role[8] = "?", con[8] = "";
	uint64_t bench = 0, bench_at = 0, bench_runs = 1, attack = 0;

	info = bh_info_page();
	bh_arg("role", role, sizeof(role));
	bh_arg("console", con, sizeof(con));
	bh_arg_u64("fault-after", &fault_after);
	bh_arg_u64("bench-local", &bench);
	bh_arg_u64("bench-at", &bench_at);
	bh_arg_u64("bench-runs", &bench_runs);
	bh_arg_u64("msix-attack", &attack);
	if (!strcmp(con, "com1")) {
		if (uart_init(&com1, 0x3f8))
			printf("iopart: COM1 does not answer: no operator console\n");
		else
			console_owner = console_init(info, &com1) >= 0;
		if (console_owner)
			bh_console_redirect(console_own);
	}
	iopart_log("iopart %s: %u PCI function(s), %s", role, info->pci_count,
		   console_owner ? "serving the operator console on COM1" : "standby console");
	disk = (struct blk_backend){ NULL, 0, 1, no_disk, no_disk_w, no_flush, false };
	if (console_owner)
		console_poll(); /* the channels laid out already: their clients wait */
	disk_open();
	if (attack && have_disk)
		msix_attack(&nvme, &nvme_pci); /* test hook: ends this partition */
	if (have_disk)
		dma_attack(&nvme); /* test only: nothing without dma-* arguments */
	blk_find();
	iopart_log("serving %u block channel(s)", nblks);
	netsvc_init(info);
	if (!(have_disk && nblks))
		bench = 0;
	for (;;) {
		if (bench && (uint64_t)bh_time_ns() >= bench_at * 1000000) {
			for (uint64_t i = 0; i < bench_runs; i++)
				bench_local(bench);
			bench = 0;
		}
		if (console_owner)
			console_poll();
		unsigned work = blk_round();
		work += netsvc_round();
		if (work > 0)
			continue;
		if (blk_may_sleep() && netsvc_may_sleep() &&
		    (!console_owner || console_prepare_wait() == 0)) {
			bh_timer_set((uint64_t)bh_time_ns() + (console_owner || netsvc_polls() ?
									 TICK_CONSOLE :
									 TICK_STANDBY));
			if (!plat_take_events())
				bh_wait();
		}
		blk_woken();
		netsvc_woken();
		if (console_owner)
			console_cancel_wait();
	}
}
