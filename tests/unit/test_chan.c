/* SPDX-License-Identifier: MIT */
/* test_chan.c - channel library on the host: layout, both directions, wrap-around, full and
 * empty, notification suppression, a hostile peer (sequential and concurrent), and two
 * threads hammering a channel both ways (memory ordering). Regions are allocated to their
 * exact size, so ASan sees any access outside them. */
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include <bulkhead/errno.h>
#include "chan/chan.h"

static const uint8_t TYPE_A[16] = "bulkhead-test-A";
static const uint8_t TYPE_B[16] = "bulkhead-test-B";

struct pair {
	uint8_t *mem;
	size_t size;
	struct chan srv, cli;
};

static uint64_t rnd(uint64_t *s) /* splitmix64 */
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint8_t *region(size_t size)
{
	uint8_t *m = aligned_alloc(BH_CHAN_PAGE, size);

	assert_non_null(m);
	memset(m, 0xa5, size); /* chan_init must clear it */
	return m;
}

static void pair_open(struct pair *p, size_t size, uint32_t slot_size, uint32_t slots)
{
	p->mem = region(size);
	p->size = size;
	assert_int_equal(chan_init(p->mem, size, TYPE_A, slot_size, slots), 0);
	assert_int_equal(chan_attach(&p->srv, p->mem, size, CHAN_SERVER, TYPE_A), 0);
	assert_int_equal(chan_attach(&p->cli, p->mem, size, CHAN_CLIENT, NULL), 0);
}

static void pair_close(struct pair *p)
{
	free(p->mem);
}

static struct bh_chan_hdr *hdr(struct pair *p)
{
	return (struct bh_chan_hdr *)p->mem;
}

/* Message seq of stream id: a length from both and bytes that can be checked in full. */
static size_t msg_len(uint64_t id, uint64_t seq, size_t max)
{
	uint64_t s = id << 40 ^ seq;
	uint64_t r = rnd(&s);

	return r & 1 ? r % 57 : (r >> 8) % (max + 1);
}

static void msg_fill(uint8_t *b, size_t len, uint64_t id, uint64_t seq)
{
	uint64_t s = id << 40 ^ seq ^ 0x5555, w = seq;

	for (size_t i = 0; i < len; i++, w >>= 8) {
		if (i % 8 == 0 && i)
			w = rnd(&s);
		b[i] = (uint8_t)w;
	}
}

static bool msg_ok(const uint8_t *b, size_t len, uint64_t id, uint64_t seq, size_t max)
{
	uint8_t want[65536];

	if (len != msg_len(id, seq, max) || len > sizeof(want))
		return false;
	msg_fill(want, len, id, seq);
	return !memcmp(b, want, len);
}

/* ---- Layout and attach --------------------------------------------------------------- */

static void test_init_rejects(void **state)
{
	uint8_t *m = region(0x4000);

	assert_int_equal(chan_init(m + 64, 0x2000, TYPE_A, 64, 8), -BH_EINVAL);
	assert_int_equal(chan_init(m, 0x1000, TYPE_A, 64, 8), -BH_EINVAL);
	assert_int_equal(chan_init(m, 0x2100, TYPE_A, 64, 8), -BH_EINVAL);
	assert_int_equal(chan_init(m, 0x2000, TYPE_A, 48, 8), -BH_EINVAL);
	assert_int_equal(chan_init(m, 0x2000, TYPE_A, 8, 8), -BH_EINVAL);
	assert_int_equal(chan_init(m, 0x2000, TYPE_A, 0x20000, 1), -BH_EINVAL);
	assert_int_equal(chan_init(m, 0x2000, TYPE_A, 64, 6), -BH_EINVAL);
	assert_int_equal(chan_init(m, 0x2000, TYPE_A, 64, 0), -BH_EINVAL);
	assert_int_equal(chan_init(m, 0x2000, TYPE_A, 64, 0x20000), -BH_EINVAL);
	assert_int_equal(chan_init(m, 0x2000, NULL, 64, 8), -BH_EINVAL);
	assert_int_equal(chan_init(m, 0x2000, TYPE_A, 64, 64), -BH_ENOSPC); /* 8 KiB of rings */
	assert_int_equal(chan_init(m, 0x2000, TYPE_A, 64, 32), 0);          /* exactly fits */
	free(m);
}

static void test_init_layout(void **state)
{
	struct pair p;
	struct bh_chan_hdr *h;

	pair_open(&p, 0x2000 + 16 * 0x2800, 128, 8); /* rings: 2 KiB, 0x2800 a buffer */
	h = hdr(&p);
	assert_int_equal(h->magic, BH_CHAN_MAGIC);
	assert_int_equal(h->state, BH_CHAN_READY);
	assert_int_equal(h->ring[0].slots_off, 0x1000);
	assert_int_equal(h->ring[1].slots_off, 0x1400);
	assert_int_equal(h->ring[0].data_off, 0x2000);
	assert_int_equal(h->ring[0].buf_size, 0x2000); /* 0x2800 rounded down to 4 KiB */
	assert_int_equal(h->ring[1].data_off, 0x2000 + 8 * 0x2000);
	assert_int_equal(chan_send_max(&p.srv), 0x2000);
	assert_int_equal(chan_recv_max(&p.cli), 0x2000);
	assert_int_equal(h->ep[0].status, BH_CHAN_EP_ALIVE);
	assert_int_equal(h->ep[1].generation, 1);
	for (size_t i = 0x300; i < 0x1000; i++)
		assert_int_equal(p.mem[i], 0);
	pair_close(&p);

	pair_open(&p, 0x2000, 64, 16); /* no data area: inline only */
	assert_int_equal(hdr(&p)->ring[0].buf_size, 0);
	assert_int_equal(hdr(&p)->ring[1].data_off, 0);
	assert_int_equal(chan_send_max(&p.cli), 56);
	pair_close(&p);
}

/* Each mutation of a good header is refused with the error named. */
static void test_attach_rejects(void **state)
{
	static const struct {
		size_t off;
		uint64_t val;
		int bytes;
		int err;
	} cases[] = {
		{ 0x000, 0x12345678, 4, -BH_EIO },         /* magic */
		{ 0x004, 2, 2, -BH_EIO },                   /* version */
		{ 0x006, BH_CHAN_FREE, 2, -BH_ENOENT },     /* state */
		{ 0x006, BH_CHAN_DEAD, 2, -BH_EIO },
		{ 0x008, 'x', 1, -BH_EPERM },               /* type */
		{ 0x018, 0x10000, 8, -BH_EIO },             /* size */
		{ 0x040, 0x800, 8, -BH_EIO },               /* ring 0 slots in the header page */
		{ 0x040, 0x1010, 8, -BH_EIO },              /* not 64-aligned */
		{ 0x040, 0x9000, 8, -BH_EIO },              /* runs past the end */
		{ 0x040, ~0ull - 0xfff, 8, -BH_EIO },       /* off + len wraps */
		{ 0x060, 0x1000, 8, -BH_EIO },              /* ring 1 slots = ring 0 slots */
		{ 0x048, 0x1000, 8, -BH_EIO },              /* ring 0 data over ring 0 slots */
		{ 0x068, 0x3000, 8, -BH_EIO },              /* ring 1 data over ring 0 data */
		{ 0x050, 96, 4, -BH_EIO },                  /* slot size not a power of two */
		{ 0x050, 8, 4, -BH_EIO },                   /* below the minimum */
		{ 0x054, 0, 4, -BH_EIO },                   /* slot count */
		{ 0x054, 12, 4, -BH_EIO },
		{ 0x054, 0x100000, 4, -BH_EIO },
		{ 0x058, 100, 4, -BH_EIO },                 /* buf_size not a multiple of 64 */
		{ 0x058, 0x2000, 4, -BH_EIO },              /* buffers past the end */
		{ 0x200, 9, 4, -BH_EIO },                   /* ring 0 prod - cons > slots */
		{ 0x2c0, 1, 4, -BH_EIO },                   /* ring 1 cons ahead of prod */
	};
	uint8_t good[0x1000];
	struct pair p;
	struct chan c;

	pair_open(&p, 0x8000, 64, 8);
	memcpy(good, p.mem, sizeof(good));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(p.mem, good, sizeof(good));
		memcpy(p.mem + cases[i].off, &cases[i].val, cases[i].bytes);
		assert_int_equal(chan_attach(&c, p.mem, p.size, CHAN_CLIENT, TYPE_A), cases[i].err);
	}
	memcpy(p.mem, good, sizeof(good));
	assert_int_equal(chan_attach(&c, p.mem, p.size, CHAN_CLIENT, TYPE_B), -BH_EPERM);
	assert_int_equal(chan_attach(&c, p.mem, p.size - 0x1000, CHAN_CLIENT, NULL), -BH_EIO);
	assert_int_equal(chan_attach(&c, p.mem + 1, p.size, CHAN_CLIENT, NULL), -BH_EINVAL);
	assert_int_equal(chan_attach(&c, p.mem, p.size, 2, NULL), -BH_EINVAL);
	assert_int_equal(chan_attach(&c, p.mem, p.size, CHAN_CLIENT, TYPE_A), 0);
	pair_close(&p);
}

/* Random damage to the header page: attach refuses it or yields a channel that works
 * inside the region (ASan). */
static void test_attach_random_headers(void **state)
{
	uint64_t s = 1;
	struct pair p;
	uint8_t buf[0x4000];
	struct chan c;

	pair_open(&p, 0x10000, 64, 16);
	for (int round = 0; round < 5000; round++) {
		chan_init(p.mem, p.size, TYPE_A, 64, 16);
		for (int k = 1 + rnd(&s) % 4; k; k--) {
			size_t off = rnd(&s) % 0x300;
			uint64_t v = rnd(&s) & (rnd(&s) & 1 ? 0xff : 0x1ffff);

			p.mem[off] = (uint8_t)v;
			if (v > 0xff && off + 1 < 0x300)
				p.mem[off + 1] = (uint8_t)(v >> 8);
		}
		if (chan_attach(&c, p.mem, p.size, round & 1, NULL))
			continue;
		chan_send(&c, buf, rnd(&s) % (chan_send_max(&c) + 1));
		chan_recv(&c, buf, sizeof(buf));
	}
	pair_close(&p);
}

/* ---- Data path ----------------------------------------------------------------------- */

static void exchange(struct chan *tx, struct chan *rx, uint64_t id, uint64_t n)
{
	static uint8_t b[0x10000];

	for (uint64_t i = 0; i < n; i++) {
		size_t len = msg_len(id, i, chan_send_max(tx));

		msg_fill(b, len, id, i);
		assert_int_equal(chan_send(tx, b, len), 0);
		memset(b, 0, sizeof(b));
		assert_int_equal(chan_recv(rx, b, sizeof(b)), len);
		assert_true(msg_ok(b, len, id, i, chan_send_max(tx)));
	}
}

static void test_both_directions(void **state)
{
	struct pair p;
	uint8_t b[64];

	pair_open(&p, 0x20000, 64, 8);
	exchange(&p.srv, &p.cli, 1, 100);
	exchange(&p.cli, &p.srv, 2, 100);
	assert_int_equal(chan_send(&p.cli, "", 0), 0); /* empty message */
	assert_int_equal(chan_recv(&p.srv, b, 0), 0);
	assert_int_equal(chan_recv(&p.srv, b, sizeof(b)), -BH_ENOENT);
	assert_int_equal(chan_recv(&p.cli, b, sizeof(b)), -BH_ENOENT);
	assert_int_equal(p.srv.stats.sent, 100);
	assert_int_equal(p.srv.stats.received, 101);
	pair_close(&p);
}

/* 60,000 messages through 4 slots (15,000 laps), from indices just below 2^32: they wrap
 * too. */
static void test_wraparound(void **state)
{
	struct pair p;
	uint8_t b[0x2000];

	p.mem = region(0x10000);
	p.size = 0x10000;
	chan_init(p.mem, p.size, TYPE_A, 32, 4);
	for (int r = 0; r < 2; r++)
		hdr(&p)->idx[r].prod.value = hdr(&p)->idx[r].cons.value = 0xfffffff0u;
	assert_int_equal(chan_attach(&p.srv, p.mem, p.size, CHAN_SERVER, NULL), 0);
	assert_int_equal(chan_attach(&p.cli, p.mem, p.size, CHAN_CLIENT, NULL), 0);
	for (uint64_t i = 0; i < 60000; i += 3) {
		for (uint64_t k = 0; k < 3; k++) {
			size_t len = msg_len(3, i + k, chan_send_max(&p.srv));

			msg_fill(b, len, 3, i + k);
			assert_int_equal(chan_send(&p.srv, b, len), 0);
		}
		for (uint64_t k = 0; k < 3; k++) {
			long n = chan_recv(&p.cli, b, sizeof(b));

			assert_true(n >= 0 && msg_ok(b, n, 3, i + k, chan_send_max(&p.srv)));
		}
	}
	assert_true(hdr(&p)->idx[0].prod.value < 0x10000000u);
	pair_close(&p);
}

static void test_full_and_empty(void **state)
{
	struct pair p;
	uint8_t b[0x1000] = { 0 };

	pair_open(&p, 0x40000, 64, 16);
	for (int i = 0; i < 16; i++)
		assert_int_equal(chan_send(&p.cli, b, i * 200), 0);
	assert_int_equal(chan_send(&p.cli, b, 1), -BH_ENOSPC);
	assert_int_equal(chan_send(&p.srv, b, 1), 0); /* the other ring is independent */
	assert_int_equal(chan_recv(&p.srv, b, sizeof(b)), 0);
	assert_int_equal(chan_send(&p.cli, b, 1), 0);
	assert_int_equal(chan_send(&p.cli, b, 1), -BH_ENOSPC);
	for (int i = 1; i < 16; i++)
		assert_int_equal(chan_recv(&p.srv, b, sizeof(b)), i * 200);
	assert_int_equal(chan_recv(&p.srv, b, sizeof(b)), 1);
	assert_int_equal(chan_recv(&p.srv, b, sizeof(b)), -BH_ENOENT);
	assert_int_equal(chan_error(&p.srv), 0);
	pair_close(&p);
}

static void test_sizes(void **state)
{
	struct pair p;
	size_t max;
	uint8_t b[0x3000];
	void *w;

	pair_open(&p, 0x20000, 64, 8); /* buf_size 0x1000: 0x1e000 / 2 / 8 rounded down */
	max = chan_send_max(&p.srv);
	assert_int_equal(max, 0x1000);
	assert_int_equal(chan_send(&p.srv, b, max + 1), -BH_E2BIG);
	assert_int_equal(chan_send(&p.srv, b, 56), 0);  /* inline */
	assert_int_equal(chan_send(&p.srv, b, 57), 0);  /* bulk */
	assert_int_equal(chan_send(&p.srv, b, max), 0);
	assert_int_equal(chan_recv(&p.cli, b, 55), -BH_E2BIG); /* stays */
	assert_int_equal(chan_recv(&p.cli, b, 56), 56);
	assert_int_equal(chan_recv(&p.cli, b, 56), -BH_E2BIG);
	assert_int_equal(chan_recv(&p.cli, b, sizeof(b)), 57);
	assert_int_equal(chan_recv(&p.cli, b, sizeof(b)), max);
	assert_int_equal(chan_error(&p.cli), 0);
	/* In place: commit needs a begin and at most its length. */
	assert_int_equal(chan_send_commit(&p.srv, 0), -BH_EINVAL);
	assert_int_equal(chan_send_begin(&p.srv, 100, &w), 0);
	assert_true((uint8_t *)w >= p.mem + hdr(&p)->ring[0].data_off);
	memcpy(w, "in place", 8);
	assert_int_equal(chan_send_commit(&p.srv, 101), -BH_EINVAL);
	assert_int_equal(chan_send_commit(&p.srv, 8), 0);
	assert_int_equal(chan_recv(&p.cli, b, sizeof(b)), 8);
	assert_memory_equal(b, "in place", 8);
	pair_close(&p);
}

static void test_peer_death(void **state)
{
	struct pair p;
	uint8_t b[64] = "last words";

	pair_open(&p, 0x4000, 64, 8);
	assert_true(chan_peer_alive(&p.srv));
	assert_int_equal(chan_send(&p.cli, b, 10), 0);
	chan_mark_dead(p.mem, p.size, CHAN_CLIENT);
	assert_false(chan_peer_alive(&p.srv));
	assert_int_equal(chan_send(&p.srv, b, 1), -BH_EIO);
	assert_int_equal(chan_recv(&p.srv, b, sizeof(b)), 10); /* what was sent arrives */
	assert_int_equal(chan_recv(&p.srv, b, sizeof(b)), -BH_EIO);
	assert_int_equal(chan_prepare_wait(&p.srv), -BH_EIO);
	assert_int_equal(hdr(&p)->ep[0].wait & 3, 0);
	pair_close(&p);

	pair_open(&p, 0x4000, 64, 8); /* a clean close, and a peer that re-attaches */
	assert_true(chan_peer_alive(&p.cli));
	assert_int_equal(chan_attach(&p.srv, p.mem, p.size, CHAN_SERVER, NULL), 0);
	assert_false(chan_peer_alive(&p.cli));
	chan_close(&p.srv);
	assert_int_equal(chan_send(&p.srv, b, 1), -BH_EIO);
	assert_int_equal(chan_send(&p.cli, b, 1), -BH_EIO);
	pair_close(&p);
}

/* Impossible values from the peer are caught where they are read, and stick. */
static void test_corrupt_peer_values(void **state)
{
	struct pair p;
	uint8_t b[0x1000] = { 0 };
	struct bh_chan_hdr *h;

	for (int c = 0; c < 7; c++) {
		pair_open(&p, c == 6 ? 0x2000 : 0x10000, 64, 8);
		h = hdr(&p);
		for (int i = 0; i < 8; i++)
			assert_int_equal(chan_send(&p.srv, b, i < 4 || c == 6 ? 8 : 100), 0);
		switch (c) {
		case 0: h->idx[0].prod.value = 9; break;         /* prod - cons > slots */
		case 1: h->idx[0].prod.value = 0xffffffffu; break; /* prod behind cons */
		case 2: h->idx[0].cons.value = 9; break;         /* cons ahead of prod */
		case 3: h->idx[0].cons.value = 0xffffffffu; break; /* cons behind the last read */
		case 4: *(uint64_t *)(p.mem + h->ring[0].slots_off) = 57; break; /* > inline */
		case 5: /* bulk, longer than a buffer */
			*(uint64_t *)(p.mem + h->ring[0].slots_off) = 1ull << 32 | 0x10000;
			break;
		case 6: /* bulk on a channel without a data area (0 bytes would be harmless) */
			*(uint64_t *)(p.mem + h->ring[0].slots_off) = 1ull << 32 | 1;
			break;
		}
		if (c == 2 || c == 3) { /* the producer reads cons when the ring looks full */
			assert_int_equal(chan_send(&p.srv, b, 8), -BH_EIO);
			assert_int_equal(chan_prepare_wait_space(&p.srv), -BH_EIO);
			assert_int_equal(chan_recv(&p.srv, b, sizeof(b)), -BH_EIO);
			assert_int_equal(chan_error(&p.srv), -BH_EIO);
		} else {
			assert_int_equal(chan_recv(&p.cli, b, sizeof(b)), -BH_EIO);
			assert_int_equal(chan_recv(&p.cli, b, sizeof(b)), -BH_EIO);
			assert_int_equal(chan_send(&p.cli, b, 8), -BH_EIO);
			assert_int_equal(chan_prepare_wait(&p.cli), -BH_EIO);
			assert_false(chan_need_notify(&p.cli));
			assert_int_equal(chan_error(&p.cli), -BH_EIO);
		}
		pair_close(&p);
	}
}

/* ---- Notification -------------------------------------------------------------------- */

static void test_notify_protocol(void **state)
{
	struct pair p;
	uint8_t b[64] = { 0 };

	pair_open(&p, 0x4000, 64, 8);
	assert_false(chan_need_notify(&p.srv)); /* nothing sent */
	assert_int_equal(chan_prepare_wait_for(&p.cli, 0), -BH_EINVAL);
	assert_int_equal(chan_prepare_wait_for(&p.cli, 4), -BH_EINVAL);
	assert_int_equal(chan_send(&p.srv, b, 1), 0);
	assert_false(chan_need_notify(&p.srv)); /* client not waiting */
	assert_int_equal(chan_prepare_wait(&p.cli), 1); /* re-check finds the message */
	assert_int_equal(hdr(&p)->ep[1].wait & 3, 0);
	assert_int_equal(chan_recv(&p.cli, b, sizeof(b)), 1);
	assert_int_equal(chan_prepare_wait(&p.cli), 0); /* sleeps */
	assert_int_equal(chan_send(&p.srv, b, 1), 0);
	assert_true(chan_need_notify(&p.srv));
	assert_int_equal(chan_send(&p.srv, b, 1), 0);
	assert_false(chan_need_notify(&p.srv)); /* same sleep: signalled once */
	chan_cancel_wait(&p.cli);
	assert_int_equal(chan_prepare_wait(&p.cli), 1);
	while (chan_recv(&p.cli, b, sizeof(b)) >= 0)
		;
	assert_int_equal(chan_prepare_wait(&p.cli), 0); /* a new sleep is signalled anew */
	assert_int_equal(chan_send(&p.srv, b, 1), 0);
	assert_true(chan_need_notify(&p.srv));
	/* Room: a producer sleeping on a full ring wakes when half of it is free. */
	while (chan_send(&p.cli, b, 1) == 0)
		;
	assert_int_equal(chan_prepare_wait_space(&p.cli), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(chan_recv(&p.srv, b, sizeof(b)), 1);
	assert_false(chan_need_notify(&p.srv)); /* 3 of 8 free */
	assert_int_equal(chan_recv(&p.srv, b, sizeof(b)), 1);
	assert_true(chan_need_notify(&p.srv)); /* 4 of 8 */
	assert_int_equal(p.srv.stats.notifies, 3);
	pair_close(&p);
}

/* Saturation: a producer sending 10,000 messages, faster than a consumer that wakes late
 * and drains in batches; both sides follow the protocol (sleeps, wakes, signals). */
static void test_notify_saturation(void **state)
{
	struct pair p;
	uint64_t s = 7, sent = 0, got = 0, t = 0, notifies = 0;
	uint64_t wake_prod = 0, wake_cons = 0; /* tick a sleeper runs again; 0: awake */
	bool prod_sleeps = false, cons_sleeps = false;
	uint8_t b[64] = { 0 };

	pair_open(&p, 0x8000, 64, 64);
	while (got < 10000) {
		t++;
		if (prod_sleeps && wake_prod && t >= wake_prod) {
			prod_sleeps = false;
			chan_cancel_wait(&p.srv);
		}
		if (cons_sleeps && wake_cons && t >= wake_cons) {
			cons_sleeps = false;
			chan_cancel_wait(&p.cli);
		}
		if (!prod_sleeps && sent < 10000) { /* one message per tick */
			int r = chan_send(&p.srv, b, 8);

			sent += r == 0;
			if (chan_need_notify(&p.srv) && cons_sleeps && !wake_cons)
				wake_cons = t + 1 + rnd(&s) % 40;
			if (r == -BH_ENOSPC && chan_prepare_wait_space(&p.srv) == 0)
				prod_sleeps = true, wake_prod = 0;
		}
		if (!cons_sleeps && t % 8 == 0) { /* a batch of up to 8 every eighth tick */
			int n = 1 + rnd(&s) % 8;

			while (n-- && chan_recv(&p.cli, b, sizeof(b)) >= 0)
				got++;
			if (chan_need_notify(&p.cli) && prod_sleeps && !wake_prod)
				wake_prod = t + 1 + rnd(&s) % 40;
			if (n >= 0 && chan_prepare_wait(&p.cli) == 0)
				cons_sleeps = true, wake_cons = 0;
		}
		assert_true(t < 1000000); /* a lost wakeup stalls both */
	}
	notifies = p.srv.stats.notifies + p.cli.stats.notifies;
	print_message("notify saturation: %llu notifications for 10000 messages\n",
		      (unsigned long long)notifies);
	assert_true(notifies * 32 <= 10000);
	pair_close(&p);
}

/* ---- Hostile peer -------------------------------------------------------------------- */

/* One operation of the honest side, checked against the contract. */
static void honest_op(struct chan *c, uint64_t *s)
{
	int err0 = chan_error(c), r;
	size_t len = rnd(s) % (chan_recv_max(c) + 64);
	uint8_t *b = malloc(len + 1), *msg = calloc(1, len + 1);
	long n;

	switch (rnd(s) % 6) {
	case 0:
	case 1:
		b[len] = 0x5a;
		n = chan_recv(c, b, len);
		assert_true(n == -BH_ENOENT || n == -BH_E2BIG || n == -BH_EIO ||
			    (n >= 0 && (size_t)n <= len && (size_t)n <= chan_recv_max(c)));
		assert_int_equal(b[len], 0x5a);
		r = n < 0 ? (int)n : 0;
		break;
	case 2:
	case 3:
		r = chan_send(c, msg, len);
		assert_true(r == 0 || r == -BH_ENOSPC || r == -BH_EIO ||
			    (r == -BH_E2BIG && len > chan_send_max(c)));
		break;
	case 4:
		r = rnd(s) & 1 ? chan_prepare_wait(c) : chan_prepare_wait_space(c);
		assert_true(r == 0 || r == 1 || r == -BH_EIO);
		chan_cancel_wait(c);
		break;
	default:
		chan_need_notify(c);
		chan_peer_alive(c);
		r = 0;
	}
	if (err0) /* sticky */
		assert_true(r == -BH_EIO || r == 0);
	free(b);
	free(msg);
}

/* The hostile side between two honest operations: plays by the rules or writes garbage. */
static void hostile_op(struct pair *p, struct chan *evil, uint64_t *s)
{
	static uint8_t b[0x10000];
	uint8_t *m = p->mem;
	size_t off = rnd(s) % p->size, n;
	uint32_t v = (uint32_t)rnd(s), *ix;
	struct bh_chan_hdr *h = hdr(p);
	struct chan_ring *r;

	switch (rnd(s) % 10) {
	case 0:
	case 1:
		chan_send(evil, b, rnd(s) % (chan_send_max(evil) + 1));
		break;
	case 2:
		chan_recv(evil, b, sizeof(b));
		break;
	case 3: /* an index: anything, or just off by a little */
		n = rnd(s) % 4;
		ix = n & 1 ? &h->idx[n / 2].cons.value : &h->idx[n / 2].prod.value;
		*ix += rnd(s) & 1 ? v : (v % 5) - 2;
		break;
	case 4:
		h->state = (uint16_t)(v % 4);
		h->ep[v & 1].status = (v >> 8) % 4;
		h->ep[!(v & 1)].wait = v;
		break;
	case 5: /* a slot header: length and flags */
		r = rnd(s) & 1 ? &evil->tx : &evil->rx;
		memcpy(r->slots + (size_t)(v & r->mask) * r->slot_size,
		       &(uint64_t){ rnd(s) % 3 ? rnd(s) % 0x3000 : rnd(s) }, 8);
		break;
	case 6:
		h->ep[v & 1].generation = v;
		break;
	case 7:
		if (rnd(s) % 8 == 0) { /* the whole region */
			for (n = 0; n < p->size; n += 8)
				memcpy(m + n, &(uint64_t){ rnd(s) }, 8);
			break;
		}
		/* fallthrough */
	default: /* some random bytes anywhere */
		for (n = rnd(s) % 64; n--; off = rnd(s) % p->size)
			m[off] = (uint8_t)rnd(s);
	}
}

static void test_hostile_peer(void **state)
{
	uint64_t s = 0xb01;
	unsigned failed = 0, alive = 0;

	for (int trial = 0; trial < 400; trial++) {
		struct pair p;
		struct chan *honest, *evil;

		pair_open(&p, 0x1000 * (3 + rnd(&s) % 30), 16u << rnd(&s) % 4, 1u << rnd(&s) % 6);
		honest = trial & 1 ? &p.srv : &p.cli;
		evil = trial & 1 ? &p.cli : &p.srv;
		exchange(evil, honest, trial, 3);
		for (int round = 0; round < 40; round++) {
			hostile_op(&p, evil, &s);
			honest_op(honest, &s);
			honest_op(honest, &s);
		}
		failed += chan_error(honest) == -BH_EIO;
		alive += chan_error(honest) == 0;
		pair_close(&p);
	}
	print_message("hostile peer: 400 trials x 40 rounds: %u ended -BH_EIO, %u still working\n",
		      failed, alive);
	assert_int_equal(failed + alive, 400);
	assert_true(failed > 0);
}

struct scribbler {
	struct pair *p;
	int stop;
	uint64_t writes;
};

static void *scribble(void *arg)
{
	struct scribbler *sc = arg;
	uint64_t s = 99;

	while (!__atomic_load_n(&sc->stop, __ATOMIC_RELAXED)) {
		size_t off = rnd(&s) % (sc->p->size / 4) * 4;

		__atomic_store_n((uint32_t *)(sc->p->mem + off), (uint32_t)rnd(&s),
				 __ATOMIC_RELAXED);
		sc->writes++;
	}
	return NULL;
}

/* A peer thread writing random words all over the region while the honest side runs. */
static void test_hostile_peer_concurrent(void **state)
{
	for (int trial = 0; trial < 20; trial++) {
		struct pair p;
		struct scribbler sc = { .p = &p };
		pthread_t t;
		uint64_t s = trial;

		pair_open(&p, 0x8000, 64, 8);
		assert_int_equal(pthread_create(&t, NULL, scribble, &sc), 0);
		for (int i = 0; i < 5000; i++)
			honest_op(&p.cli, &s);
		__atomic_store_n(&sc.stop, 1, __ATOMIC_RELAXED);
		pthread_join(t, NULL);
		pair_close(&p);
	}
}

/* ---- Threads ------------------------------------------------------------------------- */


struct worker {
	struct chan *c;
	uint64_t id;     /* stream sent; the peer's is id ^ 1 */
	sem_t *mine;     /* posted by the peer to wake us */
	sem_t *peers;
	bool sleep;      /* follow the wait protocol instead of spinning */
	uint64_t msgs;   /* each way */
	uint64_t bad, timeouts;
};

/* Nothing moved: sleep until the peer signals (or yield, when spinning). */
static void idle(struct worker *w, uint32_t what)
{
	struct timespec ts;

	if (!w->sleep) {
		sched_yield();
		return;
	}
	if (chan_prepare_wait_for(w->c, what) == 0) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 10;
		if (sem_timedwait(w->mine, &ts))
			w->timeouts++; /* a lost wakeup */
	}
	chan_cancel_wait(w->c);
}

static void *work(void *arg)
{
	struct worker *w = arg;
	uint8_t b[0x10000];
	uint64_t sent = 0, got = 0, max = chan_send_max(w->c);

	while ((sent < w->msgs || got < w->msgs) && !w->timeouts && !w->bad) {
		bool moved = false;

		if (sent < w->msgs) {
			size_t len = msg_len(w->id, sent, max);
			int r;

			msg_fill(b, len, w->id, sent);
			r = chan_send(w->c, b, len);
			sent += moved = r == 0;
			w->bad += r != 0 && r != -BH_ENOSPC;
		}
		if (got < w->msgs) {
			long n = chan_recv(w->c, b, sizeof(b));

			if (n >= 0)
				w->bad += !msg_ok(b, n, w->id ^ 1, got++, max), moved = true;
			else
				w->bad += n != -BH_ENOENT;
		}
		if (chan_need_notify(w->c) && w->sleep)
			sem_post(w->peers);
		if (!moved)
			idle(w, (sent < w->msgs ? BH_CHAN_WAIT_TX : 0) |
				(got < w->msgs ? BH_CHAN_WAIT_RX : 0));
	}
	return NULL;
}

static void run_threads(bool sleep, size_t size, uint32_t slots, uint64_t msgs)
{
	struct pair p;
	sem_t a, b;
	struct worker ws = { .id = 10, .mine = &a, .peers = &b, .sleep = sleep, .msgs = msgs };
	struct worker wc = { .id = 11, .mine = &b, .peers = &a, .sleep = sleep, .msgs = msgs };
	pthread_t ts, tc;

	pair_open(&p, size, 64, slots);
	ws.c = &p.srv;
	wc.c = &p.cli;
	sem_init(&a, 0, 0);
	sem_init(&b, 0, 0);
	assert_int_equal(pthread_create(&ts, NULL, work, &ws), 0);
	assert_int_equal(pthread_create(&tc, NULL, work, &wc), 0);
	pthread_join(ts, NULL);
	pthread_join(tc, NULL);
	assert_int_equal(ws.bad + wc.bad, 0);
	assert_int_equal(ws.timeouts + wc.timeouts, 0);
	assert_int_equal(p.srv.stats.received, msgs);
	assert_int_equal(p.cli.stats.received, msgs);
	print_message("threads (%s, %u slots): %llu notifications for %llu messages\n",
		      sleep ? "sleep" : "spin", slots,
		      (unsigned long long)(p.srv.stats.notifies + p.cli.stats.notifies),
		      (unsigned long long)(2 * msgs));
	sem_destroy(&a);
	sem_destroy(&b);
	pair_close(&p);
}

static void test_threads_spin(void **state)
{
	run_threads(false, 0x28000, 16, 100000);
}

/* The same, each side sleeping whenever it can neither send nor receive and woken only by
 * the other's signals: a lost wakeup times out. */
static void test_threads_sleep(void **state)
{
	run_threads(true, 0x28000, 16, 50000);
}

/* Two slots: nearly every message is a sleep and a signal. */
static void test_threads_sleep_small(void **state)
{
	run_threads(true, 0x6000, 2, 20000);
}

/* The race the fences close: the consumer announces its sleep and re-checks while the
 * producer publishes and checks for a sleeper. Neither thread really sleeps: a "sleep"
 * that no signal ends within 2 s, while the producer still has messages to send (it
 * cannot finish: the ring fills), is a lost wakeup. */
struct racer {
	struct chan *c;
	int signal, done;
	uint64_t lost, sleeps;
};

static void *race_producer(void *arg)
{
	struct racer *r = arg;
	uint64_t s = 5, n = 0;

	while (n < 300000) {
		if (chan_send(r->c, &n, sizeof(n)) == 0)
			n++;
		if (chan_need_notify(r->c))
			__atomic_store_n(&r->signal, 1, __ATOMIC_RELEASE);
		for (uint64_t k = rnd(&s) % 64; k; k--) /* vary the phase */
			__asm__ volatile("" ::: "memory");
	}
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static bool race_doze(struct racer *r)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if (__atomic_exchange_n(&r->signal, 0, __ATOMIC_ACQUIRE) ||
		    __atomic_load_n(&r->done, __ATOMIC_ACQUIRE))
			return true;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000000000l + t.tv_nsec - t0.tv_nsec > 2000000000l)
			return false;
	}
}

static void test_lost_wakeup_race(void **state)
{
	struct pair p;
	struct racer r = { 0 };
	uint64_t v, want = 0;
	pthread_t t;

	pair_open(&p, 0x2000, 16, 4);
	r.c = &p.srv;
	assert_int_equal(pthread_create(&t, NULL, race_producer, &r), 0);
	while (want < 300000 && !r.lost) {
		long n = chan_recv(&p.cli, &v, sizeof(v));

		if (n == sizeof(v)) {
			assert_int_equal(v, want++);
			assert_false(chan_need_notify(&p.cli)); /* the producer never sleeps */
			continue;
		}
		assert_int_equal(n, -BH_ENOENT);
		if (chan_prepare_wait(&p.cli) == 0) {
			r.sleeps++;
			if (!race_doze(&r))
				r.lost++;
		}
		chan_cancel_wait(&p.cli);
	}
	pthread_join(t, NULL);
	print_message("lost wakeup race: %llu sleeps, %llu lost\n", (unsigned long long)r.sleeps,
		      (unsigned long long)r.lost);
	assert_int_equal(r.lost, 0);
	pair_close(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_rejects),
		cmocka_unit_test(test_init_layout),
		cmocka_unit_test(test_attach_rejects),
		cmocka_unit_test(test_attach_random_headers),
		cmocka_unit_test(test_both_directions),
		cmocka_unit_test(test_wraparound),
		cmocka_unit_test(test_full_and_empty),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_peer_death),
		cmocka_unit_test(test_corrupt_peer_values),
		cmocka_unit_test(test_notify_protocol),
		cmocka_unit_test(test_notify_saturation),
		cmocka_unit_test(test_hostile_peer),
		cmocka_unit_test(test_hostile_peer_concurrent),
		cmocka_unit_test(test_threads_spin),
		cmocka_unit_test(test_threads_sleep),
		cmocka_unit_test(test_threads_sleep_small),
		cmocka_unit_test(test_lost_wakeup_race),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
