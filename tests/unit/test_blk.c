/* SPDX-License-Identifier: MIT */
/* test_blk.c - the block channel protocol (include/bulkhead/block.h) and both its ends
 * (lib/blk): a RAM disk served through real channels in host memory by fake I/O
 * partitions, a fake guest environment whose wait() runs them, and hostile peers on both
 * sides: bad requests, scribbled channels, floods, crashes mid-request, bad answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/errno.h>
#include "blk/blk-client.h"
#include "blk/blk-server.h"
#include "blk/blk-window.h"
#include "blk_world.h"

/* ---- Round trips ------------------------------------------------------------------------ */

static void round_trip(size_t size, uint32_t expect_max)
{
	struct world *w = world_new(size);
	uint32_t n = 200; /* several requests' worth */
	uint8_t *out = malloc((size_t)n * SEC), *in = malloc((size_t)n * SEC);

	world_connect(w);
	assert_int_equal(w->cl.max_sectors, expect_max);
	fill(out, (size_t)n * SEC, 1);
	assert_int_equal(blk_write(&w->cl, 1000, n, out, w->now + 10), 0);
	assert_int_equal(blk_flush(&w->cl, w->now + 10), 0);
	assert_int_equal(w->disk.flushes, 1);
	assert_int_equal(sum64(w->disk.data + 1000 * SEC, (size_t)n * SEC), sum64(out, (size_t)n * SEC));
	memset(in, 0, (size_t)n * SEC);
	assert_int_equal(blk_read(&w->cl, 1000, n, in, w->now + 10), 0);
	assert_int_equal(sum64(in, (size_t)n * SEC), sum64(out, (size_t)n * SEC));
	assert_memory_equal(in, out, (size_t)n * SEC);
	assert_int_equal(blk_read(&w->cl, DISK_SECTORS - 1, 1, in, w->now + 10), 0); /* last */
	assert_int_equal(w->s[0].srv.stats.bytes_written, (uint64_t)n * SEC);
	assert_int_equal(w->s[0].srv.stats.bytes_read, (uint64_t)(n + 1) * SEC);
	assert_int_equal(w->s[0].srv.stats.errors, 0);
	assert_int_equal(w->s[1].served, 0); /* the standby */
	assert_int_equal(w->cl.stats.failovers, 0);
	assert_true(logged(w, BLK_EV_PATH_UP, 0, 0) && logged(w, BLK_EV_PATH_UP, 1, 0));
	free(out);
	free(in);
	world_free(w);
}

static void test_round_trip(void **state)
{
	round_trip(0x100000, (0x7000 - 32) / SEC); /* 1 MiB: 28 KiB buffers, 55 sectors */
	round_trip(BH_BLK_CHAN_MIN, 3);              /* 64 KiB: 1792-byte buffers */
	round_trip(0x400000, DISK_MAX);              /* the device's limit */
}

/* Many requests in flight at once, answers collected by blk_poll in any order. */
static void test_async(void **state)
{
	struct world *w = world_new(0x100000);
	static uint8_t out[BLK_INFLIGHT][8 * SEC], in[BLK_INFLIGHT][8 * SEC];
	struct blk_done done[BLK_INFLIGHT];
	int64_t id[BLK_INFLIGHT];
	unsigned got = 0;

	world_connect(w);
	for (unsigned i = 0; i < BLK_INFLIGHT; i++) {
		fill(out[i], sizeof(out[i]), 100 + i);
		id[i] = blk_submit_write(&w->cl, 8 * i, 8, out[i], w->now + 10);
		assert_true(id[i] > 0);
	}
	assert_int_equal(blk_submit_read(&w->cl, 500, 1, in[0], 0), -BH_ENOSPC);
	while (got < BLK_INFLIGHT) {
		int n = blk_poll(&w->cl, done + got, BLK_INFLIGHT - got);

		for (int k = 0; k < n; k++)
			assert_int_equal(done[got + k].status, 0);
		got += (unsigned)n;
		if (got < BLK_INFLIGHT)
			assert_int_equal(blk_wait(&w->cl), 0);
	}
	for (unsigned i = 0; i < BLK_INFLIGHT; i++) {
		assert_true(done[i].id == (uint64_t)id[i]); /* oldest first */
		assert_int_equal(blk_read(&w->cl, 8 * i, 8, in[i], w->now + 10), 0);
		assert_memory_equal(in[i], out[i], sizeof(out[i]));
	}
	assert_true(w->signals > 0);
	world_free(w);
}

/* Submissions the client refuses itself. */
static void test_client_refuses(void **state)
{
	struct world *w = world_new(0x100000);
	static uint8_t buf[64 * SEC];
	void *mem[2] = { w->s[0].mem, w->s[1].mem };
	size_t sizes[2] = { 0x100000, 0x100000 }, small[2] = { 0x100000, 0xf000 };
	struct blk_client c;
	int64_t wr, rd;

	assert_int_equal(blk_client_init(&c, &w->env, mem, small, buf, sizeof(buf)), -BH_EINVAL);
	mem[1] = w->s[1].mem + 64;
	assert_int_equal(blk_client_init(&c, &w->env, mem, sizes, buf, sizeof(buf)), -BH_EINVAL);
	mem[1] = w->s[1].mem;
	assert_int_equal(blk_client_init(&c, &w->env, mem, sizes, buf, 32 + 511), -BH_EINVAL);
	assert_int_equal(blk_submit_read(&w->cl, 0, 1, buf, 0), -BH_EINVAL); /* not connected */
	world_connect(w);
	assert_int_equal(blk_client_connect(&w->cl, 0), -BH_EBUSY);
	assert_int_equal(blk_submit_read(&w->cl, 0, 0, buf, 0), -BH_EINVAL);
	assert_int_equal(blk_submit_read(&w->cl, 0, 1, NULL, 0), -BH_EINVAL);
	assert_int_equal(blk_submit_read(&w->cl, 0, 56, buf, 0), -BH_E2BIG);
	assert_int_equal(blk_submit_read(&w->cl, DISK_SECTORS - 1, 2, buf, 0), -BH_ERANGE);
	assert_int_equal(blk_submit_read(&w->cl, UINT64_MAX, 2, buf, 0), -BH_ERANGE);
	assert_int_equal(blk_read(&w->cl, DISK_SECTORS - 10, 11, buf, 0), -BH_ERANGE);
	/* overlaps with a write in flight, either way round; reads may overlap reads */
	wr = blk_submit_write(&w->cl, 100, 10, buf, 0);
	assert_true(wr > 0);
	assert_int_equal(blk_submit_write(&w->cl, 109, 1, buf, 0), -BH_EBUSY);
	assert_int_equal(blk_submit_read(&w->cl, 95, 6, buf, 0), -BH_EBUSY);
	assert_true(blk_submit_write(&w->cl, 110, 1, buf, 0) > 0); /* adjacent */
	rd = blk_submit_read(&w->cl, 200, 4, buf, 0);
	assert_true(rd > 0);
	assert_true(blk_submit_read(&w->cl, 201, 1, buf, 0) > 0);
	assert_int_equal(blk_submit_write(&w->cl, 203, 5, buf, 0), -BH_EBUSY);
	world_free(w);
}

/* ---- The server against a hostile client ------------------------------------------------ */

/* One channel laid out as a block client does, with a raw client end and a server. */
struct raw {
	uint8_t *mem;
	size_t size;
	struct chan cli, srvch;
	struct blk_server srv;
	struct ramdisk disk;
	struct blk_backend be;
	uint8_t scratch[SSCRATCH];
	uint8_t ans[SSCRATCH];
};

static struct raw *raw_new(size_t size)
{
	struct raw *r = calloc(1, sizeof(*r));

	r->mem = region(size);
	r->size = size;
	r->disk = (struct ramdisk){ .data = calloc(DISK_SECTORS, SEC), .sectors = DISK_SECTORS,
				    .fail_lba = -1 };
	r->be = (struct blk_backend){ .ctx = &r->disk, .capacity = DISK_SECTORS,
				      .max_sectors = DISK_MAX, .read = rd_read, .write = rd_write,
				      .flush = rd_flush };
	assert_int_equal(chan_init(r->mem, size, BLK_TYPE, BH_BLK_SLOT_SIZE, BH_BLK_SLOTS), 0);
	assert_int_equal(chan_attach(&r->cli, r->mem, size, CHAN_CLIENT, BLK_TYPE), 0);
	assert_int_equal(chan_attach(&r->srvch, r->mem, size, CHAN_SERVER, BLK_TYPE), 0);
	assert_int_equal(blk_server_init(&r->srv, &r->srvch, &r->be, r->scratch,
					 sizeof(r->scratch)), 0);
	return r;
}

static void raw_free(struct raw *r)
{
	free(r->mem);
	free(r->disk.data);
	free(r);
}

static int raw_send(struct raw *r, struct bh_blk_req q, const void *data, size_t len)
{
	static uint8_t msg[SSCRATCH];

	memcpy(msg, &q, sizeof(q));
	if (len)
		memcpy(msg + sizeof(q), data, len);
	return chan_send(&r->cli, msg, sizeof(q) + len);
}

/* Sends msg (len bytes), serves one request, returns the answer's header; *n its length. */
static struct bh_blk_resp raw_call(struct raw *r, const void *msg, size_t len, long *n)
{
	struct bh_blk_resp a;

	assert_int_equal(chan_send(&r->cli, msg, len), 0);
	assert_int_equal(blk_serve(&r->srv, 1), 1);
	*n = chan_recv(&r->cli, r->ans, sizeof(r->ans));
	assert_true(*n >= (long)sizeof(a));
	memcpy(&a, r->ans, sizeof(a));
	return a;
}

static void test_bad_requests(void **state)
{
	struct raw *r = raw_new(0x100000);
	static uint8_t msg[SSCRATCH];
	const uint32_t max = r->srv.max_sectors;
	static const struct {
		struct bh_blk_req q;
		long data; /* bytes after the header; -1: sectors * 512 */
		int status;
	} cases[] = {
		{ { .op = 0, .sectors = 1 }, 0, -BH_EINVAL },
		{ { .op = 5, .sectors = 1 }, 0, -BH_EINVAL },
		{ { .op = BH_BLK_READ, .sectors = 1, .flags = 1 }, 0, -BH_EINVAL },
		{ { .op = BH_BLK_READ, .sectors = 1, .reserved_0x1c = 1 }, 0, -BH_EINVAL },
		{ { .op = BH_BLK_READ, .sectors = 0 }, 0, -BH_EINVAL },
		{ { .op = BH_BLK_READ, .sectors = 56 }, 0, -BH_EINVAL },       /* > max (55) */
		{ { .op = BH_BLK_READ, .sectors = UINT32_MAX }, 0, -BH_EINVAL },
		{ { .op = BH_BLK_READ, .sectors = 1 }, 512, -BH_EINVAL },      /* data on a read */
		{ { .op = BH_BLK_WRITE, .sectors = 2 }, 512, -BH_EINVAL },     /* short */
		{ { .op = BH_BLK_WRITE, .sectors = 1 }, 513, -BH_EINVAL },     /* long */
		{ { .op = BH_BLK_WRITE, .sectors = 1 }, 0, -BH_EINVAL },
		{ { .op = BH_BLK_FLUSH, .sectors = 1 }, 0, -BH_EINVAL },
		{ { .op = BH_BLK_FLUSH, .lba = 1 }, 0, -BH_EINVAL },
		{ { .op = BH_BLK_INFO }, 8, -BH_EINVAL },
		{ { .op = BH_BLK_READ, .sectors = 1, .lba = DISK_SECTORS }, 0, -BH_ERANGE },
		{ { .op = BH_BLK_READ, .sectors = 2, .lba = DISK_SECTORS - 1 }, 0, -BH_ERANGE },
		{ { .op = BH_BLK_WRITE, .sectors = 2, .lba = UINT64_MAX }, -1, -BH_ERANGE },
		{ { .op = BH_BLK_READ, .sectors = 55, .lba = UINT64_MAX - 10 }, 0, -BH_ERANGE },
		{ { .op = BH_BLK_READ, .sectors = 4, .lba = 98 }, 0, -BH_EIO },   /* device */
		{ { .op = BH_BLK_WRITE, .sectors = 1, .lba = 100 }, -1, -BH_EIO },
	};
	struct bh_blk_resp a;
	long n;

	assert_int_equal(max, 55);
	r->disk.fail_lba = 100;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bh_blk_req q = cases[i].q;
		size_t data = cases[i].data < 0 ? (size_t)q.sectors * SEC : (size_t)cases[i].data;

		q.id = 0xdead0000ull + i;
		memcpy(msg, &q, sizeof(q));
		memset(msg + sizeof(q), 0x77, data);
		a = raw_call(r, msg, sizeof(q) + data, &n);
		assert_int_equal(n, sizeof(a)); /* a bare header */
		assert_true(a.id == q.id);
		assert_int_equal(a.status, cases[i].status);
		assert_int_equal(a.sectors, 0);
	}
	/* shorter than a header: -BH_EINVAL with whatever id bytes came */
	memset(msg, 0x11, 8);
	a = raw_call(r, msg, 5, &n);
	assert_int_equal(a.status, -BH_EINVAL);
	assert_true(a.id == 0x1111111111ull);
	a = raw_call(r, msg, 0, &n);
	assert_true(a.id == 0 && a.status == -BH_EINVAL);
	assert_int_equal(r->disk.writes, 0);
	assert_int_equal(r->srv.stats.errors, sizeof(cases) / sizeof(cases[0]) + 2);

	/* and the server goes on */
	a = raw_call(r, &(struct bh_blk_req){ .id = 7, .op = BH_BLK_INFO }, 32, &n);
	assert_true(a.status == 0 && a.value == DISK_SECTORS && a.max_sectors == 55 &&
		    a.sector_size == SEC && n == 32);
	fill(msg + 32, 55 * SEC, 9);
	memcpy(msg, &(struct bh_blk_req){ .id = 8, .op = BH_BLK_WRITE, .sectors = 55, .lba = 4041 }, 32);
	a = raw_call(r, msg, 32 + 55 * SEC, &n);
	assert_true(a.status == 0 && a.sectors == 55 && a.id == 8 && n == 32);
	a = raw_call(r, &(struct bh_blk_req){ .id = 9, .op = BH_BLK_READ, .sectors = 55, .lba = 4041 }, 32, &n);
	assert_true(a.status == 0 && a.sectors == 55 && n == 32 + 55 * SEC);
	assert_memory_equal(r->ans + 32, msg + 32, 55 * SEC);
	raw_free(r);
}

/* A full answer ring stops the server before it consumes a request; nothing is dropped. */
static void test_answer_ring_full(void **state)
{
	struct raw *r = raw_new(0x100000);
	struct bh_blk_req q = { .op = BH_BLK_FLUSH };
	uint64_t next = 0;

	for (int i = 0; i < 16; i++, q.id++)
		assert_int_equal(raw_send(r, q, NULL, 0), 0);
	assert_int_equal(blk_serve(&r->srv, 100), 16);
	for (int i = 0; i < 16; i++, q.id++)
		assert_int_equal(raw_send(r, q, NULL, 0), 0);
	assert_int_equal(raw_send(r, q, NULL, 0), -BH_ENOSPC);
	assert_int_equal(blk_serve(&r->srv, 100), 0); /* no room to answer */
	assert_int_equal(blk_serve(&r->srv, 100), 0);
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 16; i++, next++) {
			struct bh_blk_resp a;

			assert_int_equal(chan_recv(&r->cli, &a, sizeof(a)), sizeof(a));
			assert_true(a.id == next && a.status == 0);
		}
		assert_int_equal(blk_serve(&r->srv, 100), round ? 0 : 16);
	}
	assert_int_equal(r->disk.flushes, 32);
	raw_free(r);
}

/* A dead client, a corrupt index, a corrupt slot: -BH_EIO, and ASan sees no access
 * outside the region (allocated to its exact size). */
static void test_corrupt_channel(void **state)
{
	struct bh_blk_req q = { .op = BH_BLK_FLUSH };
	struct raw *r;
	struct bh_chan_hdr *h;

	r = raw_new(0x10000);
	h = (struct bh_chan_hdr *)r->mem;
	h->idx[1].prod.value = 1000; /* 1000 requests in a ring of 16 */
	assert_int_equal(blk_serve(&r->srv, 4), -BH_EIO);
	assert_int_equal(blk_serve(&r->srv, 4), -BH_EIO); /* sticky */
	raw_free(r);

	r = raw_new(0x10000);
	h = (struct bh_chan_hdr *)r->mem;
	assert_int_equal(raw_send(r, q, NULL, 0), 0);
	*(uint32_t *)(r->mem + h->ring[1].slots_off) = 0xfffff; /* slot length past the slot */
	assert_int_equal(blk_serve(&r->srv, 4), -BH_EIO);
	raw_free(r);

	r = raw_new(0x10000);
	h = (struct bh_chan_hdr *)r->mem;
	for (int i = 0; i < 16; i++)
		assert_int_equal(raw_send(r, q, NULL, 0), 0);
	assert_int_equal(blk_serve(&r->srv, 16), 16);
	h->idx[0].cons.value = 0x80000000u; /* the client "consumed" answers never sent */
	assert_int_equal(blk_serve(&r->srv, 4), -BH_EIO);
	raw_free(r);

	r = raw_new(0x10000);
	h = (struct bh_chan_hdr *)r->mem;
	assert_int_equal(raw_send(r, q, NULL, 0), 0);
	memset(h->ring, 0xff, sizeof(h->ring)); /* geometry: copied at attach, never read again */
	h->size = 1ull << 40;
	assert_int_equal(blk_serve(&r->srv, 4), 1);
	chan_mark_dead(r->mem, r->size, CHAN_CLIENT);
	assert_int_equal(blk_serve(&r->srv, 4), -BH_EIO);
	raw_free(r);
}

/* Random scribbles over the whole region between honest requests: the server answers,
 * or fails with -BH_EIO for good, and only ever gives the device valid requests. */
static void test_scribbling_client(void **state)
{
	uint64_t seed = 42;
	unsigned deaths = 0;

	for (int trial = 0; trial < 300; trial++) {
		struct raw *r = raw_new(trial & 1 ? 0x10000 : 0x20000);
		bool dead = false;

		for (int round = 0; round < 30 && !dead; round++) {
			struct bh_blk_req q = { .id = (uint64_t)round, .op = BH_BLK_WRITE,
						.sectors = 1, .lba = rnd(&seed) % DISK_SECTORS };
			static uint8_t data[SEC], sink[SSCRATCH];
			int n;

			raw_send(r, q, data, SEC);
			for (uint64_t k = rnd(&seed) % 4; k; k--) {
				uint64_t v = rnd(&seed);
				size_t where[3] = { 0x200, 0x1000, 0 }, span[3] = { 0x100, 0x800, r->size };
				size_t off = (where[v % 3] + (size_t)(v >> 8) % span[v % 3]) & ~(size_t)3;

				*(uint32_t *)(r->mem + off) = (uint32_t)(v >> 32) % 4 ?
					(uint32_t)rnd(&seed) : (uint32_t)(v >> 40) % 64;
			}
			n = blk_serve(&r->srv, 1 + (unsigned)(rnd(&seed) % 8));
			assert_true(n == -BH_EIO || (n >= 0 && n <= 8));
			dead = n < 0;
			while (chan_recv(&r->cli, sink, sizeof(sink)) >= 0)
				;
		}
		if (dead)
			assert_int_equal(blk_serve(&r->srv, 1), -BH_EIO);
		deaths += dead;
		raw_free(r);
	}
	assert_true(deaths > 30 && deaths < 270); /* both outcomes were exercised */
}

/* ---- Fairness ----------------------------------------------------------------------------- */

static struct raw *flood_raw;

/* Another guest keeps its ring full of reads and drains its answers; its channel is
 * served first in the round. */
static void flood_hook(struct world *w)
{
	struct raw *r = flood_raw;
	static uint8_t sink[SSCRATCH];
	struct bh_blk_req q = { .op = BH_BLK_READ, .sectors = 8 };
	int n;

	while (chan_recv(&r->cli, sink, sizeof(sink)) >= 0)
		;
	while (raw_send(r, q, NULL, 0) == 0)
		q.id++;
	n = blk_serve(&r->srv, BUDGET);
	assert_true(n >= 1 && n <= (int)BUDGET);
	w->s[2].served += (unsigned)n;
}

static void test_round_robin(void **state)
{
	struct world *w = world_new(0x100000);
	static uint8_t out[40 * SEC], in[40 * SEC];
	unsigned waits;

	flood_raw = raw_new(0x100000);
	w->hook = flood_hook;
	world_connect(w);
	fill(out, sizeof(out), 5);
	waits = w->waits;
	assert_int_equal(blk_write(&w->cl, 7, 40, out, w->now + 10), 0);
	assert_int_equal(blk_read(&w->cl, 7, 40, in, w->now + 10), 0);
	assert_memory_equal(in, out, sizeof(out));
	assert_true(w->waits - waits <= 8); /* one round each way per request */
	assert_true(w->s[2].served >= w->waits - 1);
	w->hook = NULL;
	raw_free(flood_raw);
	world_free(w);
}

/* ---- Failover --------------------------------------------------------------------------- */

#define FO_REQS 10

/* Server A consumes n requests and applies the writes among them without answering
 * (it dies before it can). */
static void apply_unanswered(struct world *w, unsigned n)
{
	struct fake_srv *a = &w->s[0];
	static uint8_t msg[SSCRATCH];

	for (unsigned i = 0; i < n; i++) {
		struct bh_blk_req q;
		long len = chan_recv(&a->ch, msg, sizeof(msg));

		assert_true(len >= 32);
		memcpy(&q, msg, sizeof(q));
		if (q.op == BH_BLK_WRITE)
			memcpy(w->disk.data + q.lba * SEC, msg + 32, (size_t)q.sectors * SEC);
	}
}

static void wait_all(struct world *w, struct blk_done *done, unsigned want)
{
	unsigned got = 0;

	while (got < want) {
		got += (unsigned)blk_poll(&w->cl, done + got, want - got);
		if (got < want)
			assert_int_equal(blk_wait(&w->cl), 0);
	}
}

static void test_failover(void **state)
{
	struct world *w = world_new(0x100000);
	static uint8_t before[DISK_SECTORS * SEC], data[FO_REQS][12 * SEC], in[12 * SEC];
	struct blk_done done[FO_REQS];

	world_connect(w);
	fill(w->disk.data, DISK_SECTORS * SEC, 77);
	memcpy(before, w->disk.data, sizeof(before));
	for (unsigned i = 0; i < FO_REQS; i++) {
		fill(data[i], sizeof(data[i]), 1000 + i);
		assert_true(blk_submit_write(&w->cl, 100 + 20 * i, 12, data[i], w->now + 50) > 0);
		memcpy(before + (100 + 20 * i) * SEC, data[i], sizeof(data[i]));
	}
	/* A answers 3, applies 4 more without answering, dies with 3 not even consumed */
	assert_int_equal(blk_serve(&w->s[0].srv, 3), 3);
	apply_unanswered(w, 4);
	srv_crash(w, 0);
	wait_all(w, done, FO_REQS);
	for (unsigned i = 0; i < FO_REQS; i++)
		assert_int_equal(done[i].status, 0);
	assert_memory_equal(w->disk.data, before, sizeof(before)); /* exactly as intended */
	assert_int_equal(w->cl.stats.failovers, 1);
	assert_int_equal(w->cl.stats.replays, 7);
	assert_int_equal(w->cl.active, 1);
	assert_int_equal(w->s[1].served, 7);
	assert_true(logged(w, BLK_EV_PATH_LOST, 0, BLK_WHY_DEAD));
	assert_true(logged(w, BLK_EV_FAILOVER, 1, 7));
	for (unsigned i = 0; i < FO_REQS; i++) {
		assert_int_equal(blk_read(&w->cl, 100 + 20 * i, 12, in, w->now + 10), 0);
		assert_memory_equal(in, data[i], sizeof(in));
	}
	/* A comes back as the standby; then B dies and A takes over again */
	w->s[0].running = true;
	assert_int_equal(blk_flush(&w->cl, w->now + 10), 0);
	assert_true(w->s[0].attached);
	assert_true(logged(w, BLK_EV_PATH_UP, 0, 0));
	srv_crash(w, 1);
	fill(data[0], sizeof(data[0]), 5000);
	assert_int_equal(blk_write(&w->cl, 3000, 12, data[0], w->now + 10), 0);
	assert_int_equal(blk_read(&w->cl, 3000, 12, in, w->now + 10), 0);
	assert_memory_equal(in, data[0], sizeof(in));
	assert_int_equal(w->cl.stats.failovers, 2);
	assert_int_equal(w->cl.active, 0);
	world_free(w);
}

/* Both paths dead: requests wait for a server until their deadline, then fail; a server
 * that comes back serves the next ones. */
static void test_both_dead(void **state)
{
	struct world *w = world_new(0x10000);
	static uint8_t buf[4 * SEC];
	uint64_t start;

	world_connect(w);
	srv_crash(w, 0);
	srv_crash(w, 1);
	start = w->now;
	assert_int_equal(blk_read(&w->cl, 0, 4, buf, start + 20), -BH_EIO);
	assert_true(w->now >= start + 20 && w->now <= start + 22);
	assert_int_equal(w->cl.stats.errors, 1);
	assert_int_equal(w->cl.path[0].state, BLK_PATH_DOWN); /* laid out afresh */
	assert_int_equal(w->cl.path[1].state, BLK_PATH_DOWN);
	w->s[1].running = true;
	fill(buf, sizeof(buf), 3);
	assert_int_equal(blk_write(&w->cl, 8, 4, buf, w->now + 20), 0);
	assert_int_equal(w->cl.active, 1);
	assert_memory_equal(w->disk.data + 8 * SEC, buf, sizeof(buf));
	world_free(w);
}

/* ---- A hostile server's answers --------------------------------------------------------- */

enum bad_answer {
	BAD_UNKNOWN_ID = 1,
	BAD_SHORT_READ,
	BAD_LONG_WRITE,
	BAD_SECTORS,
	BAD_STATUS,
	BAD_TINY,
	BAD_DUPLICATE,
	BAD_NR,
};

/* Answers the first request it sees wrongly (and leaves: a server that lies is stopped). */
static void hostile_step(struct world *w, struct fake_srv *s)
{
	static uint8_t msg[SSCRATCH];
	struct bh_blk_req q;
	struct bh_blk_resp a;
	size_t len = 32;

	if (chan_recv(&s->ch, msg, sizeof(msg)) < 32)
		return;
	memcpy(&q, msg, sizeof(q));
	a = (struct bh_blk_resp){ .id = q.id, .sectors = q.sectors };
	if (q.op == BH_BLK_READ)
		memset(msg + 32, 0xee, (size_t)q.sectors * SEC);
	switch (s->hostile) {
	case BAD_UNKNOWN_ID: a.id += 1000; break;
	case BAD_SHORT_READ: len += (size_t)q.sectors * SEC - 1; break;
	case BAD_LONG_WRITE: len += SEC; break;
	case BAD_SECTORS:    a.sectors++; break;
	case BAD_STATUS:     a.status = 7; break;
	case BAD_TINY:       len = 10; break;
	case BAD_DUPLICATE: /* applied and answered, then answered again */
		memcpy(w->disk.data + q.lba * SEC, msg + 32, (size_t)q.sectors * SEC);
		assert_int_equal(chan_send(&s->ch, &a, 32), 0);
		break;
	}
	memcpy(msg, &a, sizeof(a));
	assert_int_equal(chan_send(&s->ch, msg, len), 0);
	s->running = false;
}

static void test_hostile_answers(void **state)
{
	static uint8_t out[6 * SEC], in[6 * SEC];

	for (int bad = BAD_UNKNOWN_ID; bad < BAD_NR; bad++) {
		struct world *w = world_new(0x100000);
		bool read = bad == BAD_SHORT_READ;

		world_connect(w);
		w->hostile_step = hostile_step;
		w->s[0].hostile = bad;
		fill(out, sizeof(out), (uint64_t)bad);
		memcpy(w->disk.data + 40 * SEC, out, sizeof(out));
		memset(in, 0, sizeof(in));
		if (read) {
			assert_int_equal(blk_read(&w->cl, 40, 6, in, w->now + 10), 0);
		} else {
			assert_int_equal(blk_write(&w->cl, 40, 6, out, w->now + 10), 0);
			assert_int_equal(blk_read(&w->cl, 40, 6, in, w->now + 10), 0);
		}
		assert_memory_equal(in, out, sizeof(in));
		assert_true(logged(w, BLK_EV_PATH_LOST, 0, BLK_WHY_PROTOCOL));
		assert_int_equal(w->cl.stats.failovers, 1);
		assert_int_equal(w->cl.stats.replays, bad != BAD_DUPLICATE); /* it was answered */
		assert_int_equal(w->cl.active, 1);
		world_free(w);
	}
}

static uint64_t scribble_seed;

/* Random words over the active path's region before every round of the servers. */
static void scribble_hook(struct world *w)
{
	struct fake_srv *s = &w->s[w->cl.active];

	for (uint64_t k = rnd(&scribble_seed) % 3; k; k--) {
		uint64_t v = rnd(&scribble_seed);
		static const size_t word[6] = { 0x004, 0x100, 0x104, 0x200, 0x240, 0x2c0 };
		size_t off = v % 3 == 0 ? word[(v >> 8) % 6] /* state, server status, indices */
			   : v % 3 == 1 ? (0x1000 + (size_t)(v >> 8) % 0x800) & ~(size_t)3 /* slots */
					: (size_t)(v >> 8) % s->size & ~(size_t)3;

		*(uint32_t *)(s->mem + off) = (uint32_t)(v >> 32) % 4 ?
			(uint32_t)rnd(&scribble_seed) : (uint32_t)(v >> 40) % 64;
	}
}

/* A server side scribbling over its channel: every call returns, within the test's wait
 * limit, 0 or an error; the client never crashes and never touches memory it does not own. */
static void test_scribbling_server(void **state)
{
	static uint8_t buf[8 * SEC];
	unsigned ok = 0, lost = 0;

	for (int trial = 0; trial < 40; trial++) {
		struct world *w = world_new(0x10000);

		scribble_seed = (uint64_t)trial;
		world_connect(w);
		w->hook = scribble_hook;
		for (int i = 0; i < 20; i++) {
			int e = i & 1 ? blk_write(&w->cl, 8 * (uint64_t)i, 8, buf, w->now + 5)
				      : blk_read(&w->cl, 8 * (uint64_t)i, 8, buf, w->now + 5);

			assert_true(e == 0 || e == -BH_EIO || e == -BH_EINVAL || e == -BH_ERANGE);
			ok += !e;
		}
		lost += (unsigned)w->cl.stats.paths_lost;
		w->hook = NULL;
		world_free(w);
	}
	assert_true(ok > 400 && lost > 100);
}

/* A client's window: its sector 0 is the device's sector 1000, its end is the window's; the
 * device outside it is never touched. */
static void test_window(void **state)
{
	struct world *w = world_new(BH_BLK_CHAN_MIN * 4);
	struct blk_backend dev = w->be;
	struct blk_window win;
	uint8_t out[8 * SEC], in[8 * SEC];

	assert_int_equal(blk_window_init(&win, &dev, 1000, 200, false), 200);
	w->be = win.be;
	assert_int_equal(blk_client_connect(&w->cl, w->now + 10), 0);
	assert_int_equal(w->cl.capacity, 200);
	fill(out, sizeof(out), 7);
	assert_int_equal(blk_write(&w->cl, 192, 8, out, w->now + 10), 0);
	assert_memory_equal(w->disk.data + (1000 + 192) * SEC, out, sizeof(out));
	assert_int_equal(blk_read(&w->cl, 192, 8, in, w->now + 10), 0);
	assert_memory_equal(in, out, sizeof(in));
	assert_int_equal(blk_write(&w->cl, 193, 8, out, w->now + 10), -BH_ERANGE);
	assert_int_equal(blk_read(&w->cl, 200, 1, in, w->now + 10), -BH_ERANGE);
	for (size_t b = 0; b < 1000 * SEC; b++) /* nothing before the window was written */
		assert_int_equal(w->disk.data[b], 0);
	/* the wrapper checks again, whatever the server let through */
	assert_int_equal(win.be.write(win.be.ctx, 199, 2, out), -BH_ERANGE);
	assert_int_equal(win.be.read(win.be.ctx, UINT64_MAX, 1, in), -BH_ERANGE);
	/* cut at the device's end; beyond it, empty; no size: the rest of the device */
	assert_int_equal(blk_window_init(&win, &dev, DISK_SECTORS - 10, 200, false), 10);
	assert_int_equal(blk_window_init(&win, &dev, DISK_SECTORS, 1, false), 0);
	assert_int_equal(blk_window_init(&win, &dev, UINT64_MAX, UINT64_MAX, false), 0);
	assert_int_equal(blk_window_init(&win, &dev, 96, 0, false), DISK_SECTORS - 96);
	world_free(w);
}

/* A read-only window: reads work, every write is -BH_EPERM and the device is untouched;
 * a flush succeeds without reaching the device. */
static void test_window_read_only(void **state)
{
	struct world *w = world_new(BH_BLK_CHAN_MIN * 4);
	struct blk_backend dev = w->be;
	struct blk_window win;
	uint8_t out[4 * SEC], in[4 * SEC];

	fill(w->disk.data + 50 * SEC, sizeof(in), 3);
	blk_window_init(&win, &dev, 50, 100, true);
	w->be = win.be;
	assert_int_equal(blk_client_connect(&w->cl, w->now + 10), 0);
	fill(out, sizeof(out), 9);
	assert_int_equal(blk_write(&w->cl, 0, 4, out, w->now + 10), -BH_EPERM);
	assert_int_equal(w->disk.writes, 0);
	assert_int_equal(blk_read(&w->cl, 0, 4, in, w->now + 10), 0);
	assert_memory_equal(in, w->disk.data + 50 * SEC, sizeof(in));
	assert_int_equal(blk_flush(&w->cl, w->now + 10), 0);
	assert_int_equal(w->disk.flushes, 0);
	assert_int_equal(w->cl.stats.paths_lost, 0); /* -BH_EPERM is a lawful answer */
	world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_async),
		cmocka_unit_test(test_client_refuses),
		cmocka_unit_test(test_bad_requests),
		cmocka_unit_test(test_answer_ring_full),
		cmocka_unit_test(test_corrupt_channel),
		cmocka_unit_test(test_scribbling_client),
		cmocka_unit_test(test_round_robin),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_window_read_only),
		cmocka_unit_test(test_failover),
		cmocka_unit_test(test_both_dead),
		cmocka_unit_test(test_hostile_answers),
		cmocka_unit_test(test_scribbling_server),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
