/* SPDX-License-Identifier: MIT */
/* pingpong.c - two partitions over one channel, both directions (tests/system/test_chan.py).
 *
 *   role=server chan=<id>        lays the channel out, then echoes every message back until
 *                                the client says goodbye (a 4-byte message)
 *   role=client chan=<id> n=<N>  sends N numbered, checksummed messages of varying size,
 *                                checks every echo, prints "pingpong: N ok", says goodbye
 *   role=hostile chan=<id>       attaches as the client, then writes garbage over indices,
 *                                states and slots for ever (the server must not suffer)
 *
 * Sleeping and waking use the channel protocol of lib/chan: BH_HC_SIGNAL when the library
 * says the peer waits, BH_HC_WAIT when there is nothing to do.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <bulkhead/hypercall.h>
#include "chan/chan.h"
#include "rt/guest-test.h"
#include "rt/hypercall.h"
#include "rt/rt.h"

static const uint8_t TYPE[16] = "bh-pingpong-v1";
static uint64_t chan_id;
static struct chan ch;

static void *channel_region(size_t *size)
{
	const struct bh_partition_info *info = bh_info_page();

	for (uint32_t i = 0; i < info->mem_count; i++) {
		const struct bh_mem_region *m = &info->mem[i];
		if ((m->kind & 0xff) == BH_MEM_KIND_CHANNEL && BH_MEM_KIND_CHAN_ID(m->kind) == chan_id) {
			*size = m->size;
			return (void *)(uintptr_t)m->gpa;
		}
	}
	return NULL;
}

static void notify(void)
{
	if (chan_need_notify(&ch))
		bh_hc1(BH_HC_SIGNAL, chan_id);
}

/* Nothing to do: sleep until the peer signals (or dies). → false if the channel is dead. */
static bool doze(int (*prepare)(struct chan *))
{
	int r;

	notify();
	r = prepare(&ch);
	if (r == 0)
		bh_wait();
	chan_cancel_wait(&ch);
	return r >= 0;
}

static uint32_t sum(const uint8_t *b, size_t n)
{
	uint32_t s = 2166136261u; /* FNV-1a */

	while (n--)
		s = (s ^ *b++) * 16777619u;
	return s;
}

static size_t make_msg(uint8_t *b, uint32_t seq)
{
	size_t len = 8 + (seq * 37) % 3000;

	for (size_t i = 8; i < len; i++)
		b[i] = (uint8_t)(seq * 7 + i);
	memcpy(b, &seq, 4);
	uint32_t s = sum(b + 8, len - 8);
	memcpy(b + 4, &s, 4);
	return len;
}

static int server(void *mem, size_t size)
{
	static uint8_t buf[4096];
	long n;

	GUEST_ASSERT_EQ(chan_init(mem, size, TYPE, 64, 256), 0);
	GUEST_ASSERT_EQ(chan_attach(&ch, mem, size, CHAN_SERVER, TYPE), 0);
	printf("pingpong: server ready\n");
	for (;;) {
		n = chan_recv(&ch, buf, sizeof(buf));
		if (n == -BH_ENOENT) {
			if (!doze(chan_prepare_wait))
				break;
			continue;
		}
		if (n < 0)
			break;
		if (n == 4) {
			printf("pingpong: server done, client said goodbye\n");
			return 0;
		}
		while (chan_send(&ch, buf, (size_t)n) == -BH_ENOSPC)
			if (!doze(chan_prepare_wait_space))
				break;
		notify();
	}
	printf("pingpong: server sees the channel end (%d), still serving nobody\n", chan_error(&ch));
	return 0;
}

static int attach_client(void *mem, size_t size)
{
	int r;

	while ((r = chan_attach(&ch, mem, size, CHAN_CLIENT, TYPE)) == -BH_ENOENT || r == -BH_EIO)
		bh_yield(); /* the server has not laid it out yet */
	return r;
}

static int client(void *mem, size_t size, uint64_t n)
{
	static uint8_t out[4096], in[4096];
	uint32_t sent = 0, got = 0;

	GUEST_ASSERT_EQ(attach_client(mem, size), 0);
	while (got < n) {
		while (sent < n && sent - got < 64) {
			size_t len = make_msg(out, sent);
			if (chan_send(&ch, out, len) == -BH_ENOSPC)
				break;
			sent++;
		}
		notify();
		long r = chan_recv(&ch, in, sizeof(in));
		if (r == -BH_ENOENT) {
			GUEST_ASSERT(doze(chan_prepare_wait));
			continue;
		}
		GUEST_ASSERT(r >= 8);
		uint32_t seq, s;
		memcpy(&seq, in, 4);
		memcpy(&s, in + 4, 4);
		GUEST_ASSERT_EQ(seq, got);
		GUEST_ASSERT_EQ((size_t)r, make_msg(out, seq));
		GUEST_ASSERT_EQ(s, sum(in + 8, (size_t)r - 8));
		got++;
	}
	printf("pingpong: %u ok, %llu notifications sent\n", got, (unsigned long long)ch.stats.notifies);
	while (chan_send(&ch, "bye", 4) == -BH_ENOSPC)
		GUEST_ASSERT(doze(chan_prepare_wait_space));
	notify();
	return 0;
}

/* Writes garbage over the whole region, round after round, signalling the server each time. */
static int hostile(void *mem, size_t size)
{
	uint64_t x = 88172645463325252ull;

	GUEST_ASSERT_EQ(attach_client(mem, size), 0);
	printf("pingpong: hostile attached\n");
	for (uint64_t round = 0;; round++) {
		for (int i = 0; i < 64; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			((uint64_t *)mem)[(x >> 8) % (size / 8)] = x; /* any word, any value */
		}
		bh_hc1(BH_HC_SIGNAL, chan_id);
		if (round % 4096 == 0)
			bh_yield();
	}
}

int main(void)
{
	char role[16] = "";
	uint64_t n = 1000;
	size_t size;
	void *mem;

	GUEST_ASSERT_EQ(bh_arg("role", role, sizeof(role)), 0);
	GUEST_ASSERT_EQ(bh_arg_u64("chan", &chan_id), 0);
	bh_arg_u64("n", &n);
	GUEST_ASSERT((mem = channel_region(&size)) != NULL);
	if (!strcmp(role, "server"))
		return server(mem, size);
	if (!strcmp(role, "client"))
		return client(mem, size, n);
	if (!strcmp(role, "hostile"))
		return hostile(mem, size);
	GUEST_ASSERT(!"role is server, client or hostile");
}
