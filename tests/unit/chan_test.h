/* SPDX-License-Identifier: MIT */
/* chan_test.h - helpers shared by the channel unit tests: a server/client pair over one
 * region, a seeded generator, and self-checking messages. */
#ifndef TESTS_UNIT_CHAN_TEST_H
#define TESTS_UNIT_CHAN_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <bulkhead/errno.h>
#include "chan/chan.h"
static const uint8_t TYPE_A[16] __attribute__((unused)) = "bulkhead-test-A";
static const uint8_t TYPE_B[16] __attribute__((unused)) = "bulkhead-test-B";

struct pair {
	uint8_t *mem;
	size_t size;
	struct chan srv, cli;
};

static inline uint64_t rnd(uint64_t *s) /* splitmix64 */
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline uint8_t *region(size_t size)
{
	uint8_t *m = aligned_alloc(BH_CHAN_PAGE, size);

	assert_non_null(m);
	memset(m, 0xa5, size); /* chan_init must clear it */
	return m;
}

static inline void pair_open(struct pair *p, size_t size, uint32_t slot_size, uint32_t slots)
{
	p->mem = region(size);
	p->size = size;
	assert_int_equal(chan_init(p->mem, size, TYPE_A, slot_size, slots), 0);
	assert_int_equal(chan_attach(&p->srv, p->mem, size, CHAN_SERVER, TYPE_A), 0);
	assert_int_equal(chan_attach(&p->cli, p->mem, size, CHAN_CLIENT, NULL), 0);
}

static inline void pair_close(struct pair *p)
{
	free(p->mem);
}

static inline struct bh_chan_hdr *hdr(struct pair *p)
{
	return (struct bh_chan_hdr *)p->mem;
}

/* Message seq of stream id: a length from both and bytes that can be checked in full. */
static inline size_t msg_len(uint64_t id, uint64_t seq, size_t max)
{
	uint64_t s = id << 40 ^ seq;
	uint64_t r = rnd(&s);

	return r & 1 ? r % 57 : (r >> 8) % (max + 1);
}

static inline void msg_fill(uint8_t *b, size_t len, uint64_t id, uint64_t seq)
{
	uint64_t s = id << 40 ^ seq ^ 0x5555, w = seq;

	for (size_t i = 0; i < len; i++, w >>= 8) {
		if (i % 8 == 0 && i)
			w = rnd(&s);
		b[i] = (uint8_t)w;
	}
}

static inline bool msg_ok(const uint8_t *b, size_t len, uint64_t id, uint64_t seq, size_t max)
{
	uint8_t want[65536];

	if (len != msg_len(id, seq, max) || len > sizeof(want))
		return false;
	msg_fill(want, len, id, seq);
	return !memcmp(b, want, len);
}

/* ---- Layout and attach --------------------------------------------------------------- */


/* One operation of the honest side, checked against the contract. */
static inline void honest_op(struct chan *c, uint64_t *s)
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

#endif
