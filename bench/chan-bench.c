/* SPDX-License-Identifier: MIT */
/* chan-bench.c - channel throughput against memcpy, and notifications at saturation.
 *
 * Both ends of one channel live in this partition, on one region from the heap: the
 * server produces, the client consumes, alternating in batches of a full ring (256
 * messages), each side following the whole protocol: chan_need_notify() after its batch
 * (or after every message: notify_each), chan_prepare_wait() / chan_prepare_wait_space()
 * when it would sleep, chan_cancel_wait() when "woken" (no signal hypercall: no peer
 * partition to signal).
 *
 * Throughput is a ratio of RDTSC deltas (instructions, under QEMU -icount and Bochs) for
 * the same bytes and count, from sources of the same footprint into the same destination,
 * every copy made by the partition's memcpy() (newlib), out of line:
 *   memcpy        memcpy(dst, src[i % 256], len)
 *   ratio         the producer builds each message in place (chan_send_begin/commit and an
 *                 8-byte stamp store: it produces the message where the channel carries
 *                 it), the consumer copies it out (chan_recv: the one copy the
 *                 hostile-peer rules require); ratio = memcpy time / channel time
 *   notify_each   the same, chan_need_notify() after every message on both sides
 *   copy2         each message copied in from src[i % 256] (what chan_send() does), and
 *                 out: two copies, so at most 0.5
 * 64 B messages travel inline (128-byte slots), 4 KiB ones in the slots' data buffers.
 * Messages are checked (stamp, length) in untimed runs, lengths in timed ones too.
 *
 * Prints "BENCH <name> <value> <unit>": chan.{64b,4k}.ratio (target at 4 KiB: >= 0.9),
 * chan.{64b,4k}.notify_each.ratio, chan.{64b,4k}.copy2.ratio, and chan.notify_per_msg
 * (4 KiB, notify_each run; target <= 1/32), plus "chan-bench:" lines with instructions per
 * message when the TSC counts instructions.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bulkhead/errno.h>
#include "chan/chan.h"

#define SLOTS  256u
#define ROUNDS 24u /* timed batches of SLOTS messages per measurement */

static const uint8_t BENCH_TYPE[16] = "bulkhead-bench";

static uint8_t src[SLOTS * 4096] __attribute__((aligned(64)));
static uint8_t dst[4096] __attribute__((aligned(64)));

struct bench {
	uint8_t *mem;
	size_t size;
	struct chan srv, cli;
	uint64_t msgs;
	int bad;
};

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* A channel of SLOTS slot_size-byte slots with len-byte data buffers when len needs them. */
static int bench_open(struct bench *b, uint32_t slot_size, size_t len)
{
	size_t rings = 2 * (size_t)slot_size * SLOTS;
	size_t data = len > slot_size - 8 ? 2 * SLOTS * len : 0;
	void *raw;

	b->size = BH_CHAN_HDR_SIZE + ((rings + 0xfff) & ~(size_t)0xfff) + data;
	raw = malloc(b->size + BH_CHAN_PAGE);
	if (!raw)
		return -BH_ENOMEM;
	b->mem = (uint8_t *)(((uintptr_t)raw + BH_CHAN_PAGE - 1) & ~(uintptr_t)(BH_CHAN_PAGE - 1));
	if (chan_init(b->mem, b->size, BENCH_TYPE, slot_size, SLOTS) ||
	    chan_attach(&b->srv, b->mem, b->size, CHAN_SERVER, BENCH_TYPE) ||
	    chan_attach(&b->cli, b->mem, b->size, CHAN_CLIENT, BENCH_TYPE) ||
	    chan_send_max(&b->srv) < len)
		return -BH_EINVAL;
	return 0;
}

/* The partition's memcpy(), the one chan_recv() calls: through a pointer, so that the
 * compiler cannot expand it inline here with what it knows of dst and len. */
static void *(*volatile copy_fn)(void *, const void *, size_t) = memcpy;

enum mode {
	COPY = 1, /* copy each message in from src[] instead of building it in place */
	EACH = 2, /* chan_need_notify() after every message instead of once per batch */
	CHECK = 4, /* check every message's stamp (untimed runs) */
};

/* Producer: fill the ring, then "sleep" for room. */
static void produce(struct bench *b, size_t len, int mode)
{
	struct chan *c = &b->srv;
	uint64_t i = b->msgs;
	void *p;

	chan_cancel_wait(c);
	for (;; i++) {
		if (chan_send_begin(c, len, &p))
			break;
		if (mode & COPY) /* chan_send(), with the same out-of-line memcpy as the rest */
			copy_fn(p, src + (i % SLOTS) * len, len);
		else
			*(uint64_t *)p = i % SLOTS; /* the message, built in place */
		chan_send_commit(c, len);
		if (mode & EACH)
			chan_need_notify(c);
	}
	b->msgs = i;
	chan_need_notify(c);
	b->bad |= chan_prepare_wait_space(c) != 0;
}

/* Consumer: drain the ring, then "sleep" for messages. */
static void consume(struct bench *b, size_t len, uint64_t first, int mode)
{
	struct chan *c = &b->cli;
	long n;

	chan_cancel_wait(c);
	while ((n = chan_recv(c, dst, len)) >= 0) {
		b->bad |= (size_t)n != len;
		if (mode & CHECK)
			b->bad |= *(uint64_t *)dst != first++ % SLOTS;
		if (mode & EACH)
			chan_need_notify(c);
	}
	chan_need_notify(c);
	b->bad |= n != -BH_ENOENT || chan_prepare_wait(c) != 0;
}

/* ROUNDS batches; → TSC ticks, *notifies = notifications answered meanwhile. */
static inline __attribute__((always_inline)) uint64_t time_chan(struct bench *b, size_t len,
								int mode, uint64_t *notifies)
{
	uint64_t n0 = b->srv.stats.notifies + b->cli.stats.notifies, t0, t;

	b->msgs = 0;
	t0 = rdtsc();
	for (unsigned r = 0; r < ROUNDS; r++) {
		uint64_t first = b->msgs;

		produce(b, len, mode);
		consume(b, len, first, mode);
	}
	t = rdtsc() - t0;
	b->bad |= b->msgs != ROUNDS * SLOTS;
	*notifies = b->srv.stats.notifies + b->cli.stats.notifies - n0;
	return t;
}

static __attribute__((noinline)) uint64_t time_memcpy(size_t len, uint64_t count)
{
	void *(*copy)(void *, const void *, size_t) = copy_fn;
	uint64_t t0 = rdtsc();

	for (uint64_t i = 0; i < count; i++)
		copy(dst, src + (i % SLOTS) * len, len);
	return rdtsc() - t0;
}

/* TSC ticks per 1000 instructions (exact under an emulator counting instructions). */
static uint64_t tsc_per_kinsn(void)
{
	uint64_t n = 100000, t0 = rdtsc();

	__asm__ volatile("1: dec %0; jnz 1b" : "+c"(n) : : "cc");
	return (rdtsc() - t0) * 1000 / 200000;
}

static void print_ratio(const char *name, uint64_t num, uint64_t den)
{
	uint64_t x = den ? num * 1000 / den : 0;

	printf("BENCH %s %llu.%03llu ratio\n", name, (unsigned long long)(x / 1000),
	       (unsigned long long)(x % 1000));
}

static void print_per_msg(const char *name, const char *what, uint64_t tsc, uint64_t k)
{
	printf("chan-bench: %s %s: %llu instructions per message (when the TSC counts them)\n",
	       name, what, (unsigned long long)(k ? tsc * 1000 / k / (ROUNDS * SLOTS) : 0));
}

/* → 0, or 1 when the channel misbehaved. */
static int run(const char *name, uint32_t slot_size, size_t len)
{
	struct bench b = { 0 };
	uint64_t tm, tc, t2, te, n, notifies, k = tsc_per_kinsn();
	char full[48];

	for (size_t i = 0; i < len * SLOTS; i += 8)
		*(uint64_t *)(src + i) = i / len; /* copy2's stamps */
	if (bench_open(&b, slot_size, len)) {
		printf("chan-bench: cannot set up a %zu-byte channel\n", len);
		return 1;
	}
	time_chan(&b, len, CHECK, &n); /* warm up (first touches of every page), and check */
	time_chan(&b, len, COPY | CHECK, &n);
	time_memcpy(len, SLOTS);
	tc = time_chan(&b, len, 0, &n);
	tm = time_memcpy(len, ROUNDS * SLOTS);
	t2 = time_chan(&b, len, COPY, &n);
	te = time_chan(&b, len, EACH, &notifies);
	if (b.bad) {
		printf("chan-bench: %s: the channel misbehaved\n", name);
		return 1;
	}
	print_per_msg(name, "memcpy", tm, k);
	print_per_msg(name, "in place", tc, k);
	print_per_msg(name, "copy in and out", t2, k);
	print_per_msg(name, "in place, notify check per message", te, k);
	snprintf(full, sizeof(full), "chan.%s.ratio", name);
	print_ratio(full, tm, tc);
	snprintf(full, sizeof(full), "chan.%s.copy2.ratio", name);
	print_ratio(full, tm, t2);
	snprintf(full, sizeof(full), "chan.%s.notify_each.ratio", name);
	print_ratio(full, tm, te);
	if (len == 4096) {
		uint64_t x = notifies * 100000 / (ROUNDS * SLOTS);

		printf("BENCH chan.notify_per_msg %llu.%05llu notifications/msg\n",
		       (unsigned long long)(x / 100000), (unsigned long long)(x % 100000));
	}
	return 0;
}

int main(void)
{
	int bad = run("64b", 128, 64);

	bad |= run("4k", 64, 4096);
	return bad;
}
