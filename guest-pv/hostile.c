/* SPDX-License-Identifier: MIT */
/* hostile.c - a block client that breaks the protocol (disk-test=hostile), on the channel
 * to the first partition named in disk=. Every bad request must come back with its error,
 * a flood must not starve the server's other clients, and a producer index past the end
 * of the ring must cost this guest its channel and nobody else anything. */
#include <stdio.h>
#include <string.h>
#include <bulkhead/block.h>
#include <bulkhead/errno.h>
#include "chan/chan.h"
#include "disk.h"
#include "rt/guest-test.h"
#include "rt/hypercall.h"
#include "rt/rt.h"

#define WAIT_NS 20000000000ull
#define FLOOD   3000

static struct chan ch;
static uint32_t chan_id;
static uint8_t msg[0x10000];

static void sleep_tick(void)
{
	bh_timer_set((uint64_t)bh_time_ns() + 10000000);
	bh_wait();
}

static int send_req(const struct bh_blk_req *r, size_t extra)
{
	memcpy(msg, r, sizeof(*r));
	memset(msg + sizeof(*r), 0x5a, extra);
	int e = chan_send(&ch, msg, sizeof(*r) + extra);

	bh_hc1(BH_HC_SIGNAL, chan_id);
	return e;
}

/* The next answer, waiting for it. → its status, or -1000 when none came. */
static int answer(struct bh_blk_resp *out)
{
	uint64_t deadline = (uint64_t)bh_time_ns() + WAIT_NS;

	while ((uint64_t)bh_time_ns() < deadline) {
		long n = chan_recv(&ch, msg, sizeof(msg));

		if (n >= (long)sizeof(*out)) {
			memcpy(out, msg, sizeof(*out));
			return out->status;
		}
		if (n != -BH_ENOENT)
			return -1000;
		sleep_tick();
	}
	return -1000;
}

static void bad_request(const char *what, struct bh_blk_req r, size_t extra, int want)
{
	struct bh_blk_resp a;
	int got;

	GUEST_ASSERT_EQ(send_req(&r, extra), 0);
	got = answer(&a);
	printf("guest-pv: hostile: %s: answered %d\n", what, got);
	GUEST_ASSERT_EQ(got, want);
	GUEST_ASSERT_EQ(a.id, r.id);
}

/* FLOOD maximal reads, as many in flight as the ring holds. */
static void flood(uint32_t max)
{
	unsigned sent = 0, got = 0;
	struct bh_blk_resp a;

	while (got < FLOOD) {
		while (sent < FLOOD && sent - got < BH_BLK_SLOTS) {
			struct bh_blk_req r = { .id = 1000 + sent, .op = BH_BLK_READ, .sectors = max };
			if (chan_send(&ch, &r, sizeof(r)))
				break;
			sent++;
		}
		bh_hc1(BH_HC_SIGNAL, chan_id);
		long n = chan_recv(&ch, msg, sizeof(msg));
		if (n >= (long)sizeof(a)) {
			got++;
			continue;
		}
		GUEST_ASSERT_EQ(n, -BH_ENOENT);
		if (chan_prepare_wait(&ch) == 0)
			bh_wait();
		chan_cancel_wait(&ch);
	}
	printf("guest-pv: hostile: flood of %u reads answered\n", got);
}

int disk_hostile(void)
{
	const struct bh_partition_info *info = bh_info_page();
	char arg[2 * BH_NAME_MAX + 2];
	struct bh_blk_resp a;
	uint64_t deadline = (uint64_t)bh_time_ns() + WAIT_NS;
	int i;

	GUEST_ASSERT(!bh_arg("disk", arg, sizeof(arg)));
	if (strchr(arg, ','))
		*strchr(arg, ',') = '\0';
	GUEST_ASSERT((i = disk_channel(arg, strlen(arg))) >= 0);
	void *mem = (void *)(uintptr_t)info->mem[i].gpa;
	size_t size = info->mem[i].size;

	chan_id = BH_MEM_KIND_CHAN_ID(info->mem[i].kind);
	GUEST_ASSERT_EQ(chan_init(mem, size, (const uint8_t *)BH_BLK_CHAN_TYPE, BH_BLK_SLOT_SIZE,
				  BH_BLK_SLOTS), 0);
	GUEST_ASSERT_EQ(chan_attach(&ch, mem, size, CHAN_CLIENT, (const uint8_t *)BH_BLK_CHAN_TYPE), 0);
	while (!chan_peer_alive(&ch) && (uint64_t)bh_time_ns() < deadline)
		sleep_tick();
	GUEST_ASSERT(chan_peer_alive(&ch));
	GUEST_ASSERT_EQ(send_req(&(struct bh_blk_req){ .id = 1, .op = BH_BLK_INFO }, 0), 0);
	GUEST_ASSERT_EQ(answer(&a), 0);
	uint64_t cap = a.value;
	uint32_t max = a.max_sectors;

	printf("guest-pv: hostile: server attached, %llu sectors, %u per request\n",
	       (unsigned long long)cap, max);
	bad_request("read past the end", (struct bh_blk_req){ .id = 2, .op = BH_BLK_READ,
			    .sectors = 1, .lba = cap }, 0, -BH_ERANGE);
	bad_request("read wrapping the sector count", (struct bh_blk_req){ .id = 3,
			    .op = BH_BLK_READ, .sectors = 8, .lba = ~0ull - 2 }, 0, -BH_ERANGE);
	bad_request("unknown op", (struct bh_blk_req){ .id = ~0ull, .op = 99 }, 0, -BH_EINVAL);
	bad_request("write shorter than its sectors", (struct bh_blk_req){ .id = 4,
			    .op = BH_BLK_WRITE, .sectors = 2 }, BH_BLK_SECTOR, -BH_EINVAL);
	bad_request("zero sectors", (struct bh_blk_req){ .id = 5, .op = BH_BLK_READ }, 0, -BH_EINVAL);
	bad_request("more sectors than allowed", (struct bh_blk_req){ .id = 6, .op = BH_BLK_READ,
			    .sectors = max + 1 }, 0, -BH_EINVAL);
	bad_request("flags set", (struct bh_blk_req){ .id = 7, .op = BH_BLK_FLUSH, .flags = 1 }, 0,
		    -BH_EINVAL);
	flood(max);
	/* A producer index far past the ring: the server must drop this channel. */
	__atomic_store_n(&((struct bh_chan_hdr *)mem)->idx[1].prod.value, ch.tx.pos + 5000,
			 __ATOMIC_RELEASE);
	bh_hc1(BH_HC_SIGNAL, chan_id);
	deadline = (uint64_t)bh_time_ns() + WAIT_NS;
	while (__atomic_load_n(&((struct bh_chan_hdr *)mem)->ep[BH_CHAN_SERVER].status,
			       __ATOMIC_ACQUIRE) != BH_CHAN_EP_DEAD &&
	       (uint64_t)bh_time_ns() < deadline)
		sleep_tick();
	printf("guest-pv: hostile: ring index past the end: %s\n",
	       ((struct bh_chan_hdr *)mem)->ep[BH_CHAN_SERVER].status == BH_CHAN_EP_DEAD ?
		       "the server closed the channel" : "the server kept it open");
	return 0;
}
