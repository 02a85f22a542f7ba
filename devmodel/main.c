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
#include "board.h"
#include "ring.h"
#include "rt/console.h"
#include "rt/hypercall.h"
#include "rt/rt.h"

#define DRAIN_BUDGET  64            /* requests per pass */
#define FALLBACK_WALL 1704067200ll  /* 2024-01-01 00:00:00 UTC, with no wall clock */

static struct board board;
static struct dm_ring ring;
static uint8_t typed[256];          /* typed bytes the UART has not taken yet */
static size_t typed_off, typed_len;

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

static const struct dm_ops hc_ops = { .answer = hc_answer, .irq = hc_irq, .out = con_out };

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

int main(void)
{
	const struct bh_partition_info *info = bh_info_page();
	struct bh_ioreq_ring *r = find_ring(info);
	uint64_t armed = 0;

	if (!r) {
		printf("devmodel: no I/O request ring in the memory map: no guest to serve\n");
		return 1;
	}
	start(info, r);
	for (;;) {
		uint64_t now = (uint64_t)bh_time_ns(), due;

		board_begin(&board, now);
		dm_ring_drain(&ring, &board, DRAIN_BUDGET);
		typed_in();
		board_end(&board);
		due = board_deadline(&board);
		if (due && due <= now)
			continue; /* already due: another pass */
		if (due != armed)
			bh_timer_set(due);
		armed = due;
		if (!dm_ring_pending(&ring))
			sleep_for_events();
	}
}
