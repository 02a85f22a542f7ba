/* SPDX-License-Identifier: MIT */
/* test_net.c - the net protocol (include/bulkhead/net.h) and both its ends (lib/net): a
 * client with two paths and two fake servers on real channels in host memory, frames both
 * ways, the standby path's filter, failover and a returning server, and hostile peers on
 * both sides: malformed messages, full rings, scribbled channels. */
#include <bulkhead/net.h> /* first: the ABI header compiles on its own */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/errno.h>
#include "net/net-client.h"
#include "net/net-server.h"

#define SIZE    0x40000u /* 256 KiB: 64 slots, 1920-byte buffers */
#define SLOTS   64u
#define HDR     sizeof(struct bh_net_hdr)

static const uint8_t *const NET_TYPE = (const uint8_t *)BH_NET_CHAN_TYPE;

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
	memset(m, 0xa5, size);
	return m;
}

/* A frame of len bytes: to dst, from src, EtherType 0x88b5 (local experimental), then
 * bytes derived from seq. */
static void frame(uint8_t *f, size_t len, uint8_t dst, uint8_t src, uint32_t seq)
{
	static const uint8_t base[6] = { 0x02, 0, 0, 0, 0, 0 };

	memcpy(f, base, 6);
	f[5] = dst;
	memcpy(f + 6, base, 6);
	f[11] = src;
	f[12] = 0x88;
	f[13] = 0xb5;
	for (size_t i = 14; i < len; i++)
		f[i] = (uint8_t)(seq * 131 + i);
	if (len >= 18)
		memcpy(f + 14, &seq, 4);
}

/* ---- A fake world: one client, two servers -------------------------------------------- */

struct fake_srv {
	uint8_t *mem;
	bool running, attached;
	struct chan ch;
	struct net_server s;
};

struct log_rec {
	enum net_event ev;
	unsigned path;
	uint64_t value;
};

struct world {
	struct fake_srv srv[2];
	struct net_env env;
	struct net_client cl;
	unsigned signals[2], waits;
	struct log_rec log[64];
	unsigned nlog;
	uint8_t buf[BH_NET_FRAME_MAX];
};

static void env_signal(void *ctx, unsigned path)
{
	((struct world *)ctx)->signals[path & 1]++;
}

static int env_wait(void *ctx)
{
	((struct world *)ctx)->waits++;
	return 0;
}

static void env_log(void *ctx, enum net_event ev, unsigned path, uint64_t value)
{
	struct world *w = ctx;

	assert_true(w->nlog < 64);
	w->log[w->nlog++] = (struct log_rec){ ev, path, value };
}

static bool logged(const struct world *w, enum net_event ev, unsigned path, uint64_t value)
{
	for (unsigned i = 0; i < w->nlog; i++)
		if (w->log[i].ev == ev && w->log[i].path == path && w->log[i].value == value)
			return true;
	return false;
}

/* The I/O partition's attach: once the client laid the channel out. */
static void srv_attach(struct fake_srv *s)
{
	if (!s->running || s->attached)
		return;
	if (chan_attach(&s->ch, s->mem, SIZE, CHAN_SERVER, NET_TYPE))
		return;
	assert_int_equal(net_server_init(&s->s, &s->ch), 0);
	s->attached = true;
}

static struct world *world_new(void)
{
	struct world *w = calloc(1, sizeof(*w));
	void *mem[2];
	size_t size[2] = { SIZE, SIZE };

	assert_non_null(w);
	for (int i = 0; i < 2; i++) {
		w->srv[i] = (struct fake_srv){ .mem = region(SIZE), .running = true };
		mem[i] = w->srv[i].mem;
	}
	w->env = (struct net_env){ w, env_signal, env_wait, env_log };
	assert_int_equal(net_client_init(&w->cl, &w->env, mem, size), 0);
	assert_int_equal(net_client_start(&w->cl), 0);
	srv_attach(&w->srv[0]);
	srv_attach(&w->srv[1]);
	net_poll(&w->cl);
	return w;
}

static void world_free(struct world *w)
{
	free(w->srv[0].mem);
	free(w->srv[1].mem);
	free(w);
}

/* The ultravisor's report of an I/O partition's death. */
static void srv_crash(struct world *w, int i)
{
	chan_mark_dead(w->srv[i].mem, SIZE, CHAN_SERVER);
	w->srv[i].running = false;
	w->srv[i].attached = false;
}

static void srv_restart(struct world *w, int i)
{
	w->srv[i].running = true;
	srv_attach(&w->srv[i]);
}

/* ---- Layout and limits ----------------------------------------------------------------- */

/* The client picks the most slots whose buffers hold a whole message. */
static void layout_slots(size_t size, uint32_t slots)
{
	uint8_t *m[2] = { region(size), region(size) };
	void *mem[2] = { m[0], m[1] };
	size_t sizes[2] = { size, size };
	struct net_env env = { NULL, env_signal, env_wait, NULL };
	struct net_client cl;
	struct chan c;
	struct net_server s;

	assert_int_equal(net_client_init(&cl, &env, mem, sizes), 0);
	assert_int_equal(net_client_start(&cl), 0);
	assert_int_equal(net_client_start(&cl), -BH_EBUSY);
	assert_int_equal(cl.path[1].state, NET_PATH_DOWN);
	assert_int_equal(cl.path[0].ch.tx.mask + 1, slots);
	assert_int_equal(chan_attach(&c, m[0], size, CHAN_SERVER, NET_TYPE), 0);
	assert_int_equal(net_server_init(&s, &c), 0);
	free(m[0]);
	free(m[1]);
}

static void test_layout(void **state)
{
	uint8_t *small = region(BH_NET_CHAN_MIN - 0x1000);
	struct chan c;
	struct net_server s;
	struct net_client cl;
	struct net_env env = { NULL, env_signal, env_wait, NULL };
	void *mem[2] = { small, small + 0x1000 };
	size_t size[2] = { BH_NET_CHAN_MIN - 0x1000, BH_NET_CHAN_MIN - 0x1000 };

	layout_slots(BH_NET_CHAN_MIN, 16); /* 56 KiB: 16 buffers of 1536 bytes */
	layout_slots(0x10000, 16);
	layout_slots(0x20000, 32);
	layout_slots(0x40000, 64);
	layout_slots(0x100000, 64);
	/* one page less than the minimum: the client refuses; laid out anyway, the server
	 * refuses it too (its buffers are too small) */
	assert_int_equal(net_client_init(&cl, &env, mem, size), -BH_EINVAL);
	assert_int_equal(chan_init(small, size[0], NET_TYPE, BH_NET_SLOT_SIZE, 16), 0);
	assert_int_equal(chan_attach(&c, small, size[0], CHAN_SERVER, NET_TYPE), 0);
	assert_int_equal(net_server_init(&s, &c), -BH_ENOSPC);
	mem[1] = small;
	size[0] = size[1] = BH_NET_CHAN_MIN;
	assert_int_equal(net_client_init(&cl, &env, mem, size), -BH_EINVAL); /* one region twice */
	mem[0] = small + 0x800;
	assert_int_equal(net_client_init(&cl, &env, mem, size), -BH_EINVAL); /* misaligned */
	free(small);
}

/* ---- Frames both ways ------------------------------------------------------------------ */

static void test_round_trip(void **state)
{
	struct world *w = world_new();
	static const size_t sizes[] = { 14, 42, 56, 57, 60, 1000, 1514 };
	uint8_t f[BH_NET_FRAME_MAX];
	unsigned path = 9;

	assert_true(logged(w, NET_EV_PATH_UP, 0, 0) && logged(w, NET_EV_PATH_UP, 1, 0));
	assert_int_equal(net_active(&w->cl), 0);
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		frame(f, sizes[k], 1, 2, (uint32_t)k);
		assert_int_equal(net_send(&w->cl, f, sizes[k]), 0);
	}
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		frame(f, sizes[k], 1, 2, (uint32_t)k);
		assert_int_equal(net_server_recv(&w->srv[0].s, w->buf, sizeof(w->buf)), sizes[k]);
		assert_memory_equal(w->buf, f, sizes[k]);
	}
	assert_int_equal(net_server_recv(&w->srv[0].s, w->buf, sizeof(w->buf)), -BH_ENOENT);
	assert_int_equal(net_server_recv(&w->srv[1].s, w->buf, sizeof(w->buf)), -BH_ENOENT);
	/* the other way, on both paths: the active's uplink frames and the standby's local */
	frame(f, 1514, 2, 1, 7);
	assert_int_equal(net_server_send(&w->srv[0].s, f, 1514, BH_NET_F_UPLINK), 0);
	frame(f, 60, 2, 3, 8);
	assert_int_equal(net_server_send(&w->srv[1].s, f, 60, 0), 0);
	assert_int_equal(net_recv(&w->cl, w->buf, sizeof(w->buf), &path), 1514);
	assert_int_equal(path, 0);
	assert_int_equal(net_recv(&w->cl, w->buf, sizeof(w->buf), &path), 60);
	assert_int_equal(path, 1);
	assert_memory_equal(w->buf, f, 60);
	assert_int_equal(net_recv(&w->cl, w->buf, sizeof(w->buf), &path), -BH_ENOENT);
	assert_int_equal(w->cl.stats.tx, 7);
	assert_int_equal(w->cl.stats.rx, 2);
	assert_int_equal(w->srv[0].s.stats.rx, 7);
	world_free(w);
}

static void test_limits(void **state)
{
	struct world *w = world_new();
	uint8_t f[BH_NET_FRAME_MAX + 1] = { 0 };
	unsigned n = 0;

	assert_int_equal(net_send(&w->cl, f, 13), -BH_EINVAL);
	assert_int_equal(net_send(&w->cl, f, BH_NET_FRAME_MAX + 1), -BH_EINVAL);
	assert_int_equal(net_recv(&w->cl, f, BH_NET_FRAME_MAX - 1, NULL), -BH_E2BIG);
	assert_int_equal(net_server_recv(&w->srv[0].s, f, 100), -BH_E2BIG);
	assert_int_equal(net_server_send(&w->srv[0].s, f, 13, 0), -BH_EINVAL);
	assert_int_equal(net_server_send(&w->srv[0].s, f, 60, 2), -BH_EINVAL);
	/* a ring holds SLOTS frames; then sends are refused, counted, nothing blocks */
	while (net_send(&w->cl, f, 100) == 0)
		n++;
	assert_int_equal(n, SLOTS);
	assert_int_equal(net_send(&w->cl, f, 100), -BH_ENOSPC);
	assert_int_equal(w->cl.stats.tx_full, 2);
	for (n = 0; net_server_send(&w->srv[0].s, f, 100, 0) == 0; n++)
		;
	assert_int_equal(n, SLOTS);
	assert_int_equal(w->srv[0].s.stats.tx_full, 1);
	/* the client's receive frees the server's room */
	assert_int_equal(net_recv(&w->cl, w->buf, sizeof(w->buf), NULL), 100);
	assert_int_equal(net_server_send(&w->srv[0].s, f, 100, 0), 0);
	world_free(w);
}

/* A sleeping server is signalled by the client's send; a sleeping client by the server's
 * frame (its wait announcement on both paths). */
static void test_notify(void **state)
{
	struct world *w = world_new();
	uint8_t f[60];

	frame(f, 60, 1, 2, 0);
	assert_int_equal(chan_prepare_wait(&w->srv[0].ch), 0);
	assert_int_equal(net_send(&w->cl, f, 60), 0);
	assert_int_equal(w->signals[0], 1);
	chan_cancel_wait(&w->srv[0].ch);
	assert_int_equal(net_send(&w->cl, f, 60), 0);
	assert_int_equal(w->signals[0], 1); /* awake: no signal */
	/* the client sleeps: env->wait runs once; a frame waiting: it does not */
	assert_int_equal(net_wait(&w->cl), 0);
	assert_int_equal(w->waits, 1);
	assert_int_equal(chan_prepare_wait(&w->cl.path[1].ch), 0); /* as net_wait leaves it */
	assert_int_equal(net_server_send(&w->srv[1].s, f, 60, 0), 0);
	assert_true(chan_need_notify(&w->srv[1].ch));
	chan_cancel_wait(&w->cl.path[1].ch);
	assert_int_equal(net_wait(&w->cl), 0);
	assert_int_equal(w->waits, 1);
	world_free(w);
}

/* ---- Hostile clients ------------------------------------------------------------------- */

/* Raw messages the client side could publish instead of frames. */
static void raw(struct chan *c, uint16_t type, uint16_t flags, uint32_t resv, size_t len)
{
	uint8_t m[2048] = { 0 };
	struct bh_net_hdr h = { type, flags, resv };

	memcpy(m, &h, HDR < len ? HDR : len);
	frame(m + HDR, len > HDR + 14 ? len - HDR : 14, 1, 2, 0);
	assert_int_equal(chan_send(c, m, len), 0);
}

static void test_server_drops_bad_messages(void **state)
{
	struct world *w = world_new();
	struct chan *c = &w->cl.path[0].ch;
	uint8_t f[100];

	raw(c, BH_NET_FRAME, 0, 0, 0);                        /* empty */
	raw(c, BH_NET_FRAME, 0, 0, 7);                        /* half a header */
	raw(c, BH_NET_FRAME, 0, 0, HDR + 13);                 /* a frame too short */
	raw(c, BH_NET_FRAME, 0, 0, HDR + BH_NET_FRAME_MAX + 1); /* too long (the buffer holds it) */
	raw(c, 2, 0, 0, HDR + 60);                            /* unknown type */
	raw(c, BH_NET_FRAME, BH_NET_F_UPLINK, 0, HDR + 60);   /* a server's flag */
	raw(c, BH_NET_FRAME, 0, 1, HDR + 60);                 /* reserved set */
	frame(f, 100, 1, 2, 42);
	assert_int_equal(net_send(&w->cl, f, 100), 0);
	assert_int_equal(net_server_recv(&w->srv[0].s, w->buf, sizeof(w->buf)), 100);
	assert_memory_equal(w->buf, f, 100);
	assert_int_equal(w->srv[0].s.stats.rx_bad, 7);
	/* a ring of bad messages with a frame at its end: one call looks at them all */
	for (unsigned i = 0; i < SLOTS - 1; i++)
		raw(c, 9, 0, 0, HDR + 60);
	assert_int_equal(net_send(&w->cl, f, 100), 0);
	assert_int_equal(net_server_recv(&w->srv[0].s, w->buf, sizeof(w->buf)), 100);
	world_free(w);
}

static void test_client_drops_bad_messages(void **state)
{
	struct world *w = world_new();
	struct chan *c = &w->srv[0].ch;
	uint8_t f[60];
	unsigned path;

	raw(c, BH_NET_FRAME, 0, 0, 3);
	raw(c, BH_NET_FRAME, 4, 0, HDR + 60);                 /* unknown flag */
	raw(c, 0, 0, 0, HDR + 60);
	raw(c, BH_NET_FRAME, 0, 0, HDR + BH_NET_FRAME_MAX + 8);
	frame(f, 60, 2, 1, 5);
	assert_int_equal(net_server_send(&w->srv[0].s, f, 60, BH_NET_F_UPLINK), 0);
	/* the standby path: its uplink frames are dropped, its local ones taken */
	assert_int_equal(net_server_send(&w->srv[1].s, f, 60, BH_NET_F_UPLINK), 0);
	assert_int_equal(net_recv(&w->cl, w->buf, sizeof(w->buf), &path), 60);
	assert_int_equal(path, 0);
	assert_memory_equal(w->buf, f, 60);
	assert_int_equal(net_recv(&w->cl, w->buf, sizeof(w->buf), &path), -BH_ENOENT);
	assert_int_equal(w->cl.stats.rx_bad, 4);
	assert_int_equal(w->cl.stats.rx_standby, 1);
	assert_int_equal(net_active(&w->cl), 0); /* a bad message does not cost the path */
	world_free(w);
}

/* ---- Failover -------------------------------------------------------------------------- */

static void test_failover(void **state)
{
	struct world *w = world_new();
	uint8_t f[200];
	unsigned path;

	for (uint32_t i = 0; i < 8; i++) {
		frame(f, 200, 1, 2, i);
		assert_int_equal(net_send(&w->cl, f, 200), 0);
	}
	for (int i = 0; i < 3; i++)
		assert_int_equal(net_server_recv(&w->srv[0].s, w->buf, sizeof(w->buf)), 200);
	frame(f, 60, 2, 1, 99);
	assert_int_equal(net_server_send(&w->srv[0].s, f, 60, BH_NET_F_UPLINK), 0);
	srv_crash(w, 0); /* 5 of ours not taken, one for us not read */
	assert_int_equal(net_send(&w->cl, f, 200), 0); /* on path 1 already */
	assert_int_equal(net_active(&w->cl), 1);
	assert_true(logged(w, NET_EV_PATH_LOST, 0, 5));
	assert_true(logged(w, NET_EV_FAILOVER, 1, 1));
	assert_int_equal(w->cl.stats.stranded, 5);
	assert_int_equal(w->cl.stats.failovers, 1);
	assert_int_equal(net_server_recv(&w->srv[1].s, w->buf, sizeof(w->buf)), 200);
	/* the frame iopart-a published before dying is lost with its layout */
	assert_int_equal(net_recv(&w->cl, w->buf, sizeof(w->buf), &path), -BH_ENOENT);
	/* path 1's uplink frames are taken now */
	assert_int_equal(net_server_send(&w->srv[1].s, f, 60, BH_NET_F_UPLINK), 0);
	assert_int_equal(net_recv(&w->cl, w->buf, sizeof(w->buf), &path), 60);
	assert_int_equal(path, 1);
	/* A comes back on the fresh layout: a standby, the active path stays */
	srv_restart(w, 0);
	assert_true(w->srv[0].attached);
	net_poll(&w->cl);
	assert_int_equal(w->cl.path[0].state, NET_PATH_UP);
	assert_int_equal(net_active(&w->cl), 1);
	/* B dies with nothing of ours in it: back to A */
	srv_crash(w, 1);
	assert_int_equal(net_send(&w->cl, f, 60), 0);
	assert_int_equal(net_active(&w->cl), 0);
	assert_int_equal(w->cl.stats.failovers, 2);
	assert_true(logged(w, NET_EV_PATH_LOST, 1, 0));
	assert_int_equal(net_server_recv(&w->srv[0].s, w->buf, sizeof(w->buf)), 60);
	/* both dead: sends are refused and counted until one returns */
	srv_crash(w, 0);
	assert_int_equal(net_send(&w->cl, f, 60), -BH_EIO);
	assert_int_equal(net_active(&w->cl), -1);
	assert_int_equal(w->cl.stats.tx_nopath, 1);
	srv_restart(w, 1);
	assert_int_equal(net_send(&w->cl, f, 60), 0);
	assert_int_equal(net_active(&w->cl), 1);
	assert_int_equal(w->cl.stats.failovers, 3); /* path 0 had carried a frame */
	assert_true(logged(w, NET_EV_FAILOVER, 1, 3));
	world_free(w);
}

/* Path 0 is preferred until a frame went out: then the active path stays. */
static void test_prefer(void **state)
{
	struct world *w = world_new();
	uint8_t f[60];

	frame(f, 60, 1, 2, 0);
	srv_crash(w, 0);
	net_poll(&w->cl);
	assert_int_equal(net_active(&w->cl), 1);
	assert_int_equal(w->cl.stats.failovers, 0); /* nothing carried yet: no failover */
	srv_restart(w, 0);
	net_poll(&w->cl);
	assert_int_equal(net_active(&w->cl), 0); /* preferred, and path 1 carried nothing */
	srv_crash(w, 0);
	assert_int_equal(net_send(&w->cl, f, 60), 0);
	assert_int_equal(net_active(&w->cl), 1);
	srv_restart(w, 0);
	net_poll(&w->cl);
	assert_int_equal(net_active(&w->cl), 1); /* path 1 carried a frame: it stays */
	assert_int_equal(w->cl.stats.failovers, 0);
	world_free(w);
}

/* A server that closes or re-attaches loses the path just the same. */
static void test_server_reattach(void **state)
{
	struct world *w = world_new();
	uint8_t f[60];

	frame(f, 60, 1, 2, 0);
	assert_int_equal(net_send(&w->cl, f, 60), 0);
	assert_int_equal(chan_attach(&w->srv[0].ch, w->srv[0].mem, SIZE, CHAN_SERVER, NET_TYPE), 0);
	assert_int_equal(net_send(&w->cl, f, 60), 0);
	assert_int_equal(net_active(&w->cl), 1);
	assert_int_equal(w->cl.stats.paths_lost, 1);
	chan_close(&w->srv[1].ch);
	net_poll(&w->cl);
	assert_int_equal(w->cl.stats.paths_lost, 2);
	world_free(w);
}

/* ---- Scribbling peers ------------------------------------------------------------------ */

/* Garbage over the header words, indices and slots of a channel, or random bytes anywhere. */
static void scribble(uint8_t *mem, uint64_t *seed, unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		uint64_t r = rnd(seed);
		size_t at;

		switch (r % 4) {
		case 0: /* an index or status word */
			at = 0x100 + (rnd(seed) % 0x200 & ~3ull);
			break;
		case 1: /* a slot header */
			at = 0x1000 + (rnd(seed) % (2 * SLOTS) * BH_NET_SLOT_SIZE);
			break;
		case 2: /* the fixed header */
			at = rnd(seed) % 0x40 & ~3ull;
			break;
		default:
			at = rnd(seed) % SIZE & ~3ull;
		}
		*(uint32_t *)(mem + at) = (uint32_t)rnd(seed);
	}
}

/* 300 trials: honest traffic both ways while the server side scribbles the client's
 * channel. The client never crashes, never hands out more than a frame, loses the path at
 * worst, and lays it out afresh. */
static void test_hostile_server(void **state)
{
	uint64_t seed = 1, lost = 0, bad = 0;

	for (int t = 0; t < 300; t++) {
		struct world *w = world_new();
		uint8_t f[BH_NET_FRAME_MAX];

		for (int round = 0; round < 30; round++) {
			size_t len = 14 + rnd(&seed) % (BH_NET_FRAME_MAX - 13);
			unsigned path;
			long n;

			frame(f, len, 2, 1, (uint32_t)round);
			net_send(&w->cl, f, len);
			for (int i = 0; i < 2; i++) {
				if (w->srv[i].attached) {
					net_server_send(&w->srv[i].s, f, len, round & 1);
					if (net_server_recv(&w->srv[i].s, w->buf, sizeof(w->buf)) == -BH_EIO)
						w->srv[i].attached = false;
				}
			}
			if (rnd(&seed) % 3 == 0)
				scribble(w->srv[t & 1].mem, &seed, 1 + rnd(&seed) % 8);
			while ((n = net_recv(&w->cl, w->buf, sizeof(w->buf), &path)) >= 0)
				assert_true(n >= 14 && n <= BH_NET_FRAME_MAX && path < 2);
			assert_int_equal(n, -BH_ENOENT);
			net_wait(&w->cl);
			srv_attach(&w->srv[0]);
			srv_attach(&w->srv[1]);
		}
		/* the scribbled path is lost (or survived); either way a clean one still works */
		assert_true(w->cl.path[!(t & 1)].state == NET_PATH_UP);
		lost += w->cl.stats.paths_lost;
		bad += w->cl.stats.rx_bad;
		world_free(w);
	}
	assert_true(lost > 50 && bad > 10); /* the scribbles did hit */
}

/* A published message's net header overwritten (inline in its slot or in its buffer):
 * the channel stays sound, the message breaks net.h. */
static void spoil_header(struct chan *c, uint64_t *seed)
{
	uint32_t i = (uint32_t)rnd(seed) & c->tx.mask;
	uint8_t *at = rnd(seed) % 2 ? chan_slot(&c->tx, i) + 8 : c->tx.data + (size_t)i * c->tx.buf_size;

	at[rnd(seed) % HDR] ^= (uint8_t)(1 + rnd(seed) % 255);
}

/* 300 trials: the client side scribbles its own channel while the server reads. */
static void test_hostile_client(void **state)
{
	uint64_t seed = 2, broken = 0, bad = 0;

	for (int t = 0; t < 300; t++) {
		struct world *w = world_new();
		struct fake_srv *s = &w->srv[0];
		uint8_t f[BH_NET_FRAME_MAX];
		bool broke = false;

		for (int round = 0; round < 40 && !broke; round++) {
			size_t len = 14 + rnd(&seed) % (BH_NET_FRAME_MAX - 13);
			long n;

			frame(f, len, 1, 2, (uint32_t)round);
			net_send(&w->cl, f, len);
			if (rnd(&seed) % 2)
				scribble(s->mem, &seed, 1 + rnd(&seed) % 8);
			else
				spoil_header(&w->cl.path[0].ch, &seed);
			for (int k = 0; k < 4; k++) {
				n = net_server_recv(&s->s, w->buf, sizeof(w->buf));
				assert_true(n == -BH_ENOENT || n == -BH_EIO ||
					    (n >= 14 && n <= BH_NET_FRAME_MAX));
				if (n == -BH_EIO)
					broke = true;
			}
			if (net_server_send(&s->s, f, len, 0) == -BH_EIO)
				broke = true;
		}
		if (broke) /* sticky: every later call says so */
			assert_int_equal(net_server_recv(&s->s, w->buf, sizeof(w->buf)), -BH_EIO);
		broken += broke;
		bad += s->s.stats.rx_bad;
		world_free(w);
	}
	assert_true(broken > 50 && bad > 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_notify),
		cmocka_unit_test(test_server_drops_bad_messages),
		cmocka_unit_test(test_client_drops_bad_messages),
		cmocka_unit_test(test_failover),
		cmocka_unit_test(test_prefer),
		cmocka_unit_test(test_server_reattach),
		cmocka_unit_test(test_hostile_server),
		cmocka_unit_test(test_hostile_client),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
