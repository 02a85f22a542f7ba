/* SPDX-License-Identifier: MIT */
/* blk_world.h - a fake block "world" for host unit tests: a RAM disk served by fake I/O
 * partitions (lib/blk/blk-server.c) through real channels in host memory, and a fake guest
 * environment for lib/blk's client whose wait() runs the servers one step each. Shared by
 * test_blk.c (the protocol) and test_virtio.c (virtio-blk on top of the client).
 * Include after <cmocka.h>. */
#ifndef TESTS_UNIT_BLK_WORLD_H
#define TESTS_UNIT_BLK_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <bulkhead/errno.h>
#include "blk/blk-client.h"
#include "blk/blk-server.h"

#define SEC          BH_BLK_SECTOR
#define DISK_SECTORS 4096u
#define DISK_MAX     64u  /* the device's own limit per request */
#define BUDGET       4u
#define SSCRATCH     0x40000u
#define NSRV         3

static const uint8_t *const BLK_TYPE = (const uint8_t *)BH_BLK_CHAN_TYPE;

static inline uint64_t rnd(uint64_t *s) /* splitmix64 */
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline void fill(uint8_t *b, size_t len, uint64_t seed)
{
	for (size_t i = 0; i < len; i++)
		b[i] = (uint8_t)(rnd(&seed) >> 24);
}

static inline uint64_t sum64(const uint8_t *b, size_t len) /* FNV-1a */
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

/* ---- RAM disk -------------------------------------------------------------------------- */

struct ramdisk {
	uint8_t *data;
	uint64_t sectors;
	int64_t  fail_lba; /* a request touching it fails; -1: none */
	unsigned writes, flushes;
};

static inline void rd_check(const struct ramdisk *d, uint64_t lba, uint32_t n)
{
	/* the server validated: a request reaching the device is inside it */
	assert_true(n >= 1 && n <= DISK_MAX && lba <= d->sectors && n <= d->sectors - lba);
}

static inline bool rd_fails(const struct ramdisk *d, uint64_t lba, uint32_t n)
{
	return d->fail_lba >= 0 && (uint64_t)d->fail_lba >= lba && (uint64_t)d->fail_lba < lba + n;
}

static inline int rd_read(void *ctx, uint64_t lba, uint32_t n, void *buf)
{
	struct ramdisk *d = ctx;

	rd_check(d, lba, n);
	if (rd_fails(d, lba, n))
		return -1;
	memcpy(buf, d->data + lba * SEC, (size_t)n * SEC);
	return 0;
}

static inline int rd_write(void *ctx, uint64_t lba, uint32_t n, const void *buf)
{
	struct ramdisk *d = ctx;

	rd_check(d, lba, n);
	if (rd_fails(d, lba, n))
		return -1;
	memcpy(d->data + lba * SEC, buf, (size_t)n * SEC);
	d->writes++;
	return 0;
}

static inline int rd_flush(void *ctx)
{
	((struct ramdisk *)ctx)->flushes++;
	return 0;
}

static inline uint8_t *region(size_t size)
{
	uint8_t *m = aligned_alloc(BH_CHAN_PAGE, size);

	assert_non_null(m);
	memset(m, 0xa5, size);
	return m;
}

/* ---- Fake I/O partitions and guest ------------------------------------------------------ */

struct fake_srv {
	uint8_t *mem;
	size_t   size;
	bool     running;  /* the partition runs: attaches when the channel is READY */
	bool     attached;
	int      hostile;  /* 0: honest; else which bad answer to give (test_blk.c) */
	struct chan ch;
	struct blk_server srv;
	unsigned served;
};

struct log_rec {
	enum blk_event ev;
	unsigned path;
	uint64_t value;
};

struct world {
	struct fake_srv s[NSRV]; /* 0, 1: the client's paths; 2: another client's channel */
	struct ramdisk disk;
	struct blk_backend be;
	struct blk_env env;
	struct blk_client cl;
	uint64_t now;
	unsigned waits, wait_limit, signals;
	struct log_rec log[64];
	unsigned nlog;
	void (*hook)(struct world *w); /* runs first at every wait */
	void (*hostile_step)(struct world *w, struct fake_srv *s);
	uint8_t cscratch[SSCRATCH];
	uint8_t sscratch[SSCRATCH];
};

static inline void srv_step(struct world *w, struct fake_srv *s)
{
	int n;

	if (!s->running || !s->mem)
		return;
	if (!s->attached) {
		if (chan_attach(&s->ch, s->mem, s->size, CHAN_SERVER, BLK_TYPE))
			return; /* not laid out afresh yet */
		assert_int_equal(blk_server_init(&s->srv, &s->ch, &w->be, w->sscratch,
						 sizeof(w->sscratch)), 0);
		s->attached = true;
	}
	if (s->hostile) {
		w->hostile_step(w, s);
		return;
	}
	chan_cancel_wait(&s->ch);
	n = blk_serve(&s->srv, BUDGET);
	assert_true(n <= (int)BUDGET);
	if (n < 0) {
		s->attached = false;
		return;
	}
	s->served += (unsigned)n;
	if (!n)
		chan_prepare_wait(&s->ch); /* idle: the client signals its next request */
}

static inline void env_signal(void *ctx, unsigned path)
{
	((struct world *)ctx)->signals++;
}

static inline int env_wait(void *ctx)
{
	struct world *w = ctx;

	w->now++;
	if (++w->waits > w->wait_limit)
		return -BH_ETIMEDOUT; /* a test that would hang fails instead */
	if (w->hook)
		w->hook(w);
	for (int i = 0; i < NSRV; i++)
		srv_step(w, &w->s[i]);
	return 0;
}

static inline uint64_t env_now(void *ctx)
{
	return ((struct world *)ctx)->now;
}

static inline void env_log(void *ctx, enum blk_event ev, unsigned path, uint64_t value)
{
	struct world *w = ctx;

	assert_true(w->nlog < 64);
	w->log[w->nlog++] = (struct log_rec){ ev, path, value };
}

/* Two paths of size bytes each to one RAM disk, both servers running; not connected. */
static inline struct world *world_new(size_t size)
{
	struct world *w = calloc(1, sizeof(*w));
	void *mem[2];
	size_t sizes[2] = { size, size };

	assert_non_null(w);
	w->disk = (struct ramdisk){ .data = calloc(DISK_SECTORS, SEC), .sectors = DISK_SECTORS,
				    .fail_lba = -1 };
	assert_non_null(w->disk.data);
	w->be = (struct blk_backend){ .ctx = &w->disk, .capacity = DISK_SECTORS,
				      .max_sectors = DISK_MAX, .read = rd_read, .write = rd_write,
				      .flush = rd_flush };
	w->env = (struct blk_env){ .ctx = w, .signal = env_signal, .wait = env_wait,
				   .now = env_now, .log = env_log };
	w->wait_limit = 10000;
	for (int i = 0; i < 2; i++) {
		w->s[i] = (struct fake_srv){ .mem = region(size), .size = size, .running = true };
		mem[i] = w->s[i].mem;
	}
	assert_int_equal(blk_client_init(&w->cl, &w->env, mem, sizes, w->cscratch,
					 sizeof(w->cscratch)), 0);
	return w;
}

static inline void world_connect(struct world *w)
{
	assert_int_equal(blk_client_connect(&w->cl, w->now + 10), 0);
	assert_int_equal(w->cl.capacity, DISK_SECTORS);
}

static inline void world_free(struct world *w)
{
	for (int i = 0; i < NSRV; i++)
		free(w->s[i].mem);
	free(w->disk.data);
	free(w);
}

/* What the ultravisor does when an I/O partition dies: the channel dead, the server gone. */
static inline void srv_crash(struct world *w, int i)
{
	bh_chan_mark_dead((struct bh_chan_hdr *)w->s[i].mem, BH_CHAN_SERVER);
	w->s[i].running = false;
	w->s[i].attached = false;
}

static inline bool logged(const struct world *w, enum blk_event ev, unsigned path,
			  uint64_t value)
{
	for (unsigned i = 0; i < w->nlog; i++)
		if (w->log[i].ev == ev && w->log[i].path == path && w->log[i].value == value)
			return true;
	return false;
}

#endif
