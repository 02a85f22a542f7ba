/* SPDX-License-Identifier: MIT */
/* test_chan.c - the channel library (lib/chan), one thread: layout, attach checks, rings,
 * peer death, notification, and a hostile peer rewriting the shared region between
 * operations. The concurrent tests are in test_chan_threads.c. */
#include "chan_test.h"
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
/* A server that comes after its client wrote and died still reads what it wrote: with
 * chan_attach_late(), not chan_attach(); then the death; sends fail. */
static void test_attach_late_reads_a_dead_peer(void **state)
{
	uint8_t *mem = region(0x8000);
	struct chan cli, srv;
	char buf[64];

	assert_int_equal(chan_init(mem, 0x8000, TYPE_A, 64, 8), 0);
	assert_int_equal(chan_attach(&cli, mem, 0x8000, CHAN_CLIENT, TYPE_A), 0);
	assert_int_equal(chan_send(&cli, "first", 5), 0);
	assert_int_equal(chan_send(&cli, "second", 6), 0);
	bh_chan_mark_dead((struct bh_chan_hdr *)mem, BH_CHAN_CLIENT);
	assert_int_equal(chan_attach(&srv, mem, 0x8000, CHAN_SERVER, TYPE_A), -BH_EIO);
	assert_int_equal(chan_attach_late(&srv, mem, 0x8000, CHAN_SERVER, TYPE_B), -BH_EPERM);
	assert_int_equal(chan_attach_late(&srv, mem, 0x8000, CHAN_SERVER, TYPE_A), 0);
	assert_int_equal(chan_recv(&srv, buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "first", 5);
	assert_int_equal(chan_recv(&srv, buf, sizeof(buf)), 6);
	assert_int_equal(chan_recv(&srv, buf, sizeof(buf)), -BH_EIO);
	assert_int_equal(chan_send(&srv, "x", 1), -BH_EIO);
	free(mem);
}

/* Zero-copy receive: the message in place, the same one until chan_recv_end(); a length
 * the peer forged past the slot is corruption, as for chan_recv(). */
static void test_recv_in_place(void **state)
{
	struct pair p;
	const void *msg = NULL;
	char big[600];

	pair_open(&p, 0x8000, 64, 8);
	memset(big, 'b', sizeof(big));
	assert_int_equal(chan_recv_begin(&p.srv, &msg), -BH_ENOENT);
	assert_int_equal(chan_send(&p.cli, "inline", 6), 0);
	assert_int_equal(chan_send(&p.cli, big, sizeof(big)), 0); /* a bulk buffer */
	assert_int_equal(chan_recv_begin(&p.srv, &msg), 6);
	assert_memory_equal(msg, "inline", 6);
	assert_int_equal(chan_recv_begin(&p.srv, &msg), 6); /* not handed back yet */
	chan_recv_end(&p.srv);
	assert_int_equal(chan_recv_begin(&p.srv, &msg), (long)sizeof(big));
	assert_memory_equal(msg, big, sizeof(big));
	chan_recv_end(&p.srv);
	assert_int_equal(chan_send(&p.cli, "x", 1), 0);
	*(uint32_t *)(p.mem + hdr(&p)->ring[1].slots_off + 2 * 64) = 1000; /* forged length */
	assert_int_equal(chan_recv_begin(&p.srv, &msg), -BH_EIO);
	pair_close(&p);
}

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_rejects),
		cmocka_unit_test(test_init_layout),
		cmocka_unit_test(test_attach_rejects),
		cmocka_unit_test(test_attach_late_reads_a_dead_peer),
		cmocka_unit_test(test_recv_in_place),
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
