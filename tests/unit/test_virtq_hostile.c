/* SPDX-License-Identifier: MIT */
/* test_virtq_hostile.c - the virtqueue walker against a hostile guest: one test per refusal
 * of virtq.h, a broken queue staying broken, and every guest load watched (the ring pages
 * PROT_NONE, each fault logged, the page opened for one single-stepped instruction, x86-64
 * Linux): each field is read once, and a guest that rewrites the descriptors between any two
 * loads gets a consistent chain or a refusal, never a buffer outside its memory. */
#define _GNU_SOURCE /* REG_EFL */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <bulkhead/errno.h>
#include "virtq_test.h"

#define W VIRTQ_DESC_F_WRITE
#define N VIRTQ_DESC_F_NEXT
#define I VIRTQ_DESC_F_INDIRECT

void test_refuse_avail_ahead(void **state)
{
	vt_fresh(8, 0);
	vt_desc(0, BUF, 1, 0, 0);
	__atomic_store_n(&T.d.avail->idx, 9, __ATOMIC_RELEASE); /* ring entries all head 0 */
	vt_expect_broken(VQ_AVAIL_AHEAD);
}

/* "A driver MUST NOT decrement the available idx". */
void test_refuse_avail_behind(void **state)
{
	vt_fresh(8, 0);
	vt_desc(0, BUF, 1, 0, 0);
	vt_offer(0);
	vt_offer(0);
	assert_int_equal(vq_pop(&T.q, &T.m, &T.c), 1);
	assert_int_equal(vq_pop(&T.q, &T.m, &T.c), 1);
	__atomic_store_n(&T.d.avail->idx, 1, __ATOMIC_RELEASE);
	vt_expect_broken(VQ_AVAIL_AHEAD);
}

void test_refuse_head_range(void **state)
{
	vt_fresh(8, 0);
	vt_offer(8);
	vt_expect_broken(VQ_HEAD_RANGE);
	vt_fresh(8, 0);
	vt_offer(0xffff);
	vt_expect_broken(VQ_HEAD_RANGE);
}

void test_refuse_next_range(void **state)
{
	vt_fresh(8, 0);
	vt_desc(0, BUF, 1, N, 8);
	vt_offer(0);
	vt_expect_broken(VQ_NEXT_RANGE);
}

void test_refuse_loop(void **state)
{
	vt_fresh(8, 0);
	vt_desc(0, BUF, 1, N, 1);
	vt_desc(1, BUF, 1, N, 0);
	vt_offer(0);
	vt_expect_broken(VQ_LOOP);
	vt_fresh(8, 0);
	vt_desc(3, BUF, 1, N, 3);
	vt_offer(3);
	vt_expect_broken(VQ_LOOP);
}

void test_refuse_buf_outside_ram(void **state)
{
	vt_fresh(8, 0);
	vt_desc(0, 0, 1, 0, 0);
	vt_offer(0);
	vt_expect_broken(VQ_BUF_RANGE);
	vt_fresh(8, 0);
	vt_desc(0, RAM_END, 1, W, 0);
	vt_offer(0);
	vt_expect_broken(VQ_BUF_RANGE);
}

void test_refuse_buf_past_end(void **state)
{
	vt_fresh(8, 0);
	vt_desc(0, RAM_END - 10, 10, W, 0); /* up to the last byte: fine */
	vt_desc(1, RAM_END - 10, 11, W, 0);
	vt_offer(0);
	vt_offer(1);
	assert_int_equal(vq_pop(&T.q, &T.m, &T.c), 1);
	vt_expect_broken(VQ_BUF_RANGE);
	vt_fresh(8, 0);
	vt_desc(0, RAM_GPA, 0xffffffffu, 0, 0);
	vt_offer(0);
	vt_expect_broken(VQ_BUF_RANGE);
}

void test_refuse_buf_wrap(void **state)
{
	vt_fresh(8, 0);
	vt_desc(0, UINT64_MAX - 15, 32, 0, 0);
	vt_offer(0);
	vt_expect_broken(VQ_BUF_RANGE);
	vt_fresh(8, 0);
	vt_desc(0, UINT64_MAX, 1 + RAM_GPA, 0, 0); /* ends at RAM_GPA once wrapped */
	vt_offer(0);
	vt_expect_broken(VQ_BUF_RANGE);
}

/* ROM and RAM are adjacent, but one buffer lies in one range. */
void test_refuse_buf_across_ranges(void **state)
{
	vt_fresh(8, 0);
	vt_desc(0, RAM_GPA - 8, 16, 0, 0);
	vt_offer(0);
	vt_expect_broken(VQ_BUF_RANGE);
}

void test_refuse_write_in_readonly(void **state)
{
	vt_fresh(8, 0);
	vt_desc(0, ROM_GPA + 0x100, 4, W, 0);
	vt_offer(0);
	vt_expect_broken(VQ_BUF_READONLY);
	vt_fresh(8, 0);
	vt_desc(0, BUF, 16, N, 1);
	vt_desc(1, BUF + 16, 16, W | N, 2);
	vt_desc(2, RAM_GPA - 1, 1, W, 0);
	vt_offer(0);
	vt_expect_broken(VQ_BUF_READONLY);
}

void test_refuse_zero_len(void **state)
{
	vt_fresh(8, 0);
	vt_desc(0, BUF, 16, N, 1);
	vt_desc(1, BUF, 0, W, 0);
	vt_offer(0);
	vt_expect_broken(VQ_BUF_EMPTY);
	vt_fresh(8, VIRTIO_RING_F_INDIRECT_DESC);
	vt_idesc(TBL, 0, BUF, 0, 0, 0);
	vt_desc(0, TBL, 16, I, 0);
	vt_offer(0);
	vt_expect_broken(VQ_BUF_EMPTY);
}

/* "The driver MUST place any device-writable descriptor elements after any device-readable
 * descriptor elements": directly, in a table, and from the queue into a table. */
void test_refuse_read_after_write(void **state)
{
	vt_fresh(8, 0);
	vt_desc(0, BUF, 16, W | N, 1);
	vt_desc(1, BUF + 16, 16, 0, 0);
	vt_offer(0);
	vt_expect_broken(VQ_READ_AFTER_WRITE);
	vt_fresh(8, VIRTIO_RING_F_INDIRECT_DESC);
	vt_idesc(TBL, 0, BUF, 16, W | N, 1);
	vt_idesc(TBL, 1, BUF + 16, 16, 0, 0);
	vt_desc(0, TBL, 32, I, 0);
	vt_offer(0);
	vt_expect_broken(VQ_READ_AFTER_WRITE);
	vt_fresh(8, VIRTIO_RING_F_INDIRECT_DESC);
	vt_idesc(TBL, 0, BUF, 16, 0, 0);
	vt_desc(0, BUF + 16, 16, W | N, 1);
	vt_desc(1, TBL, 16, I | W, 0);
	vt_offer(0);
	vt_expect_broken(VQ_READ_AFTER_WRITE);
}

void test_refuse_indirect_off(void **state)
{
	vt_fresh(8, VIRTIO_RING_F_EVENT_IDX);
	vt_idesc(TBL, 0, BUF, 16, 0, 0);
	vt_desc(0, TBL, 16, I, 0);
	vt_offer(0);
	vt_expect_broken(VQ_INDIRECT_OFF);
}

/* "A driver MUST NOT set both VIRTQ_DESC_F_INDIRECT and VIRTQ_DESC_F_NEXT". */
void test_refuse_indirect_next(void **state)
{
	vt_fresh(8, VIRTIO_RING_F_INDIRECT_DESC);
	vt_idesc(TBL, 0, BUF, 16, 0, 0);
	vt_desc(0, TBL, 16, I | N, 1);
	vt_desc(1, BUF, 16, 0, 0);
	vt_offer(0);
	vt_expect_broken(VQ_INDIRECT_NEXT);
}

void test_refuse_indirect_len(void **state)
{
	static const uint32_t bad[] = { 0, 8, 24, 17, 16 * (VQ_SEG_MAX + 1), 0xfffffff0u };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		vt_fresh(8, VIRTIO_RING_F_INDIRECT_DESC);
		vt_idesc(TBL, 0, BUF, 16, 0, 0);
		vt_desc(0, TBL, bad[i], I, 0);
		vt_offer(0);
		vt_expect_broken(VQ_INDIRECT_LEN);
	}
}

void test_refuse_indirect_outside(void **state)
{
	static const uint64_t bad[] = { 0, RAM_END - 16, UINT64_MAX - 15, RAM_GPA - 16 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		vt_fresh(8, VIRTIO_RING_F_INDIRECT_DESC);
		vt_desc(0, bad[i], 32, I, 0);
		vt_offer(0);
		vt_expect_broken(VQ_INDIRECT_RANGE);
	}
}

/* "The driver MUST NOT set the VIRTQ_DESC_F_INDIRECT flag within an indirect descriptor". */
void test_refuse_indirect_nested(void **state)
{
	vt_fresh(8, VIRTIO_RING_F_INDIRECT_DESC);
	vt_idesc(TBL, 0, BUF, 16, N, 1);
	vt_idesc(TBL, 1, TBL, 32, I, 0);
	vt_desc(0, TBL, 32, I, 0);
	vt_offer(0);
	vt_expect_broken(VQ_INDIRECT_NESTED);
}

void test_refuse_indirect_loop(void **state)
{
	vt_fresh(8, VIRTIO_RING_F_INDIRECT_DESC);
	vt_idesc(TBL, 0, BUF, 16, N, 1);
	vt_idesc(TBL, 1, BUF, 16, N, 0);
	vt_desc(0, TBL, 32, I, 0);
	vt_offer(0);
	vt_expect_broken(VQ_LOOP);
	vt_fresh(8, VIRTIO_RING_F_INDIRECT_DESC);
	vt_idesc(TBL, 0, BUF, 16, N, 2); /* entry 2 is past the table's 32 bytes */
	vt_idesc(TBL, 2, BUF, 16, 0, 0);
	vt_desc(0, TBL, 32, I, 0);
	vt_offer(0);
	vt_expect_broken(VQ_NEXT_RANGE);
}

/* "Drivers MUST NOT add a descriptor chain longer than 2^32 bytes in total": 4 GiB of guest
 * address space reserved (never touched) to have buffers that large. */
void test_refuse_total_overflow(void **state)
{
	const uint64_t big_gpa = 1ull << 32, big_size = 1ull << 32;
	uint8_t *big = mmap(NULL, big_size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			    -1, 0);
	struct vq_range r[3];
	struct vq_mem m = { r, 3 };

	assert_true(big != MAP_FAILED);
	vt_fresh(8, 0);
	r[0] = T.r[0];
	r[1] = T.r[1];
	r[2] = (struct vq_range){ big_gpa, big_size, big, VQ_MEM_W };
	T.m = m;
	vt_desc(0, big_gpa, 0xffffffffu, 0, 0);
	vt_desc(1, big_gpa, 0x80000000u, N, 2);
	vt_desc(2, big_gpa, 0x7fffffffu, W | N, 3);
	vt_desc(3, BUF, 1, W, 0);
	vt_offer(0);
	vt_offer(1);
	assert_int_equal(vq_pop(&T.q, &T.m, &T.c), 1);
	assert_int_equal(T.c.out_len, 0xffffffffu);
	vt_expect_broken(VQ_TOO_LONG);
	munmap(big, big_size);
}

static void long_chain(uint16_t n)
{
	for (uint16_t i = 0; i < n; i++)
		vt_desc(i, BUF + i, 1, i + 1 < n ? N : 0, i + 1);
	vt_offer(0);
}

void test_refuse_too_many_segments(void **state)
{
	vt_fresh(512, 0);
	long_chain(VQ_SEG_MAX);
	assert_int_equal(vq_pop(&T.q, &T.m, &T.c), 1);
	assert_int_equal(T.c.nseg, VQ_SEG_MAX);
	vt_fresh(512, 0);
	long_chain(VQ_SEG_MAX + 1);
	vt_expect_broken(VQ_TOO_MANY);
	/* one direct segment and a full table */
	vt_fresh(8, VIRTIO_RING_F_INDIRECT_DESC);
	for (uint16_t i = 0; i < VQ_SEG_MAX; i++)
		vt_idesc(TBL, i, BUF + i, 1, i + 1 < VQ_SEG_MAX ? N : 0, i + 1);
	vt_desc(0, BUF, 1, N, 1);
	vt_desc(1, TBL, 16 * VQ_SEG_MAX, I, 0);
	vt_offer(0);
	vt_expect_broken(VQ_TOO_MANY);
}

/* Broken, the queue gives nothing back, raises nothing, asks nothing, until set up again. */
void test_broken_stays_broken(void **state)
{
	vt_fresh(8, VIRTIO_RING_F_EVENT_IDX);
	vt_desc(0, BUF, 1, 0, 0);
	vt_offer(0);
	assert_int_equal(vq_pop(&T.q, &T.m, &T.c), 1);
	vt_offer(8);
	vt_expect_broken(VQ_HEAD_RANGE);
	T.d.avail->ring[1] = 0; /* the guest "fixes" it */
	assert_int_equal(vq_pop(&T.q, &T.m, &T.c), -BH_EIO);
	assert_int_equal(T.q.fault, VQ_HEAD_RANGE);
	assert_int_equal(T.q.stats.refused, 3);
	assert_int_equal(T.q.last_avail, 1);
	vq_push(&T.q, 0, 1);
	assert_int_equal(T.d.used->idx, 0);
	assert_int_equal(T.q.stats.pushed, 0);
	assert_false(vq_should_interrupt(&T.q));
	*T.d.avail_event = 0x4242;
	vq_notify_off(&T.q);
	assert_false(vq_notify_on(&T.q));
	assert_int_equal(*T.d.avail_event, 0x4242);
	assert_int_equal(T.d.used->flags, 0);
	assert_int_equal(vq_setup_legacy(&T.q, &T.m, PFN, 8, 0), 0);
	assert_false(T.q.broken);
	assert_int_equal(vq_pop(&T.q, &T.m, &T.c), 1); /* avail 2 ahead of a fresh 0 */
}

/* Every guest load watched: the descriptor page and the avail page (queue size 256) are
 * PROT_NONE; each fault logs its offset, lets the guest move (w.guest), opens the pages and
 * single-steps the load (EFLAGS.TF), and the trap closes them again. */
#define WATCH_LEN 8192
#define LOG_MAX   2048
#define TF        0x100

static struct {
	uint8_t *base;
	unsigned n;
	uint32_t off[LOG_MAX];
	void (*guest)(unsigned n);
	struct sigaction segv, trap;
} w;

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	uint8_t *a = si->si_addr;

	if (a < w.base || a >= w.base + WATCH_LEN)
		abort(); /* a real fault */
	if (w.n < LOG_MAX)
		w.off[w.n] = (uint32_t)(a - w.base);
	mprotect(w.base, WATCH_LEN, PROT_READ | PROT_WRITE);
	if (w.guest)
		w.guest(w.n);
	w.n++;
	uc->uc_mcontext.gregs[REG_EFL] |= TF;
}

static void on_trap(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;

	uc->uc_mcontext.gregs[REG_EFL] &= ~TF;
	mprotect(w.base, WATCH_LEN, PROT_NONE);
}

static void watch(void (*guest)(unsigned n))
{
	struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO };

	w.base = T.ram;
	w.n = 0;
	w.guest = guest;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGSEGV, &sa, &w.segv), 0);
	sa.sa_sigaction = on_trap;
	assert_int_equal(sigaction(SIGTRAP, &sa, &w.trap), 0);
	assert_int_equal(mprotect(w.base, WATCH_LEN, PROT_NONE), 0);
}

static void unwatch(void)
{
	assert_int_equal(mprotect(w.base, WATCH_LEN, PROT_READ | PROT_WRITE), 0);
	sigaction(SIGSEGV, &w.segv, NULL);
	sigaction(SIGTRAP, &w.trap, NULL);
	assert_true(w.n < LOG_MAX);
}

static unsigned times_read(uint32_t off)
{
	unsigned k = 0;

	for (unsigned i = 0; i < w.n; i++)
		k += w.off[i] == off;
	return k;
}

#define AVAIL_IDX  (4096 + 2)
#define AVAIL_RING (4096 + 4)
#define USED_EVENT (4096 + 4 + 2 * 256)
#define ITBL       (RAM_GPA + 4096 + 2048 + 3) /* in the avail page, unaligned */

/* Chain 0 -> 5 -> 9 -> indirect table of two: every load logged, none twice. */
void test_read_once(void **state)
{
	int rc;
	bool irq, more;

	vt_fresh(256, VIRTIO_RING_F_INDIRECT_DESC | VIRTIO_RING_F_EVENT_IDX);
	vt_idesc(ITBL, 0, BUF + 0x30, 16, N, 1);
	vt_idesc(ITBL, 1, BUF + 0x40, 16, W, 0);
	vt_desc(0, BUF, 16, N, 5);
	vt_desc(5, BUF + 0x10, 16, N, 9);
	vt_desc(9, ITBL, 32, I, 0);
	vt_offer(0);

	watch(NULL);
	rc = vq_pop(&T.q, &T.m, &T.c);
	unwatch();
	assert_int_equal(rc, 1);
	assert_int_equal(T.c.nseg, 4);
	assert_int_equal(times_read(AVAIL_IDX), 1);
	assert_int_equal(times_read(AVAIL_RING), 1);
	for (unsigned i = 0; i < w.n; i++) {
		uint32_t o = w.off[i];
		bool in_desc = o < 4096 && (o / 16 == 0 || o / 16 == 5 || o / 16 == 9);
		bool in_tbl = o >= ITBL - RAM_GPA && o < ITBL - RAM_GPA + 32;

		assert_true(in_desc || in_tbl || o == AVAIL_IDX || o == AVAIL_RING);
		assert_int_equal(times_read(o), 1);
	}
	assert_int_equal(times_read((uint32_t)(ITBL - RAM_GPA) + 31), 1); /* all 32 bytes */

	watch(NULL); /* nothing more: avail->idx alone, once */
	rc = vq_pop(&T.q, &T.m, &T.c);
	unwatch();
	assert_int_equal(rc, 0);
	assert_int_equal(w.n, 1);
	assert_int_equal(w.off[0], AVAIL_IDX);

	vq_push(&T.q, 0, 16);
	watch(NULL); /* used_event once, then avail->idx once */
	irq = vq_should_interrupt(&T.q);
	more = vq_notify_on(&T.q);
	unwatch();
	assert_true(irq);
	assert_false(more);
	assert_int_equal(w.n, 2);
	assert_int_equal(w.off[0], USED_EVENT);
	assert_int_equal(w.off[1], AVAIL_IDX);
}

/* The guest flips one field between a good and a bad value before every load. */
static const struct vq_desc good0 = { ROM_GPA, 64, N, 1 };
static const struct vq_desc bad0 = { RAM_END - 8, 0x7fffffff, N | W, 300 };
static int flip_field, flip_phase;

static void flip(unsigned n)
{
	bool bad = (n + flip_phase) & 1;
	struct vq_desc *d = &T.d.desc[0];
	const struct vq_desc *v = bad ? &bad0 : &good0;

	switch (flip_field) {
	case 0: d->addr = v->addr; break;
	case 1: d->len = v->len; break;
	case 2: d->flags = v->flags; break;
	case 3: d->next = v->next; break;
	default: T.d.avail->ring[0] = bad ? 300 : 0; break;
	}
}

/* A chain taken is whole: each segment where vq_mem_at puts it, the totals its sums. */
static void expect_consistent(void)
{
	uint32_t out = 0, in = 0;

	for (unsigned i = 0; i < T.c.nseg; i++) {
		const struct vq_seg *s = &T.c.seg[i];

		assert_ptr_equal(vq_mem_at(&T.m, s->gpa, s->len, s->write), s->host);
		*(s->write ? &in : &out) += s->len;
	}
	assert_int_equal(out, T.c.out_len);
	assert_int_equal(in, T.c.in_len);
}

/* Each field's one load sees the good value in one phase and the bad one in the other: five
 * chains taken whole, five refused. A second load of any field would either use a value that
 * was not checked (a segment outside its memory, or a descriptor or head past the table in
 * the log) or upset the count. */
void test_guest_rewrites_every_read(void **state)
{
	unsigned taken = 0, refused = 0;
	int rc;

	for (flip_field = 0; flip_field < 5; flip_field++) {
		for (flip_phase = 0; flip_phase < 2; flip_phase++) {
			vt_fresh(256, 0);
			T.d.desc[0] = good0;
			vt_desc(1, BUF, 32, W, 0);
			vt_offer(0);
			watch(flip);
			rc = vq_pop(&T.q, &T.m, &T.c);
			unwatch();
			for (unsigned i = 0; i < w.n; i++) /* descriptors 0 and 1, the avail page */
				assert_true(w.off[i] < 32 || w.off[i] == AVAIL_IDX ||
					    w.off[i] == AVAIL_RING);
			if (rc == 1)
				expect_consistent();
			else
				assert_int_equal(rc, -BH_EIO);
			taken += rc == 1;
			refused += rc < 0;
		}
	}
	assert_int_equal(taken, 5);
	assert_int_equal(refused, 5);
}

static unsigned loads_in(uint32_t lo, uint32_t hi, uint32_t stride)
{
	unsigned k = 0;

	for (unsigned i = 0; i < w.n; i++)
		k += w.off[i] >= lo && w.off[i] < hi && (w.off[i] - lo) % stride == 0;
	return k;
}

/* A loop is followed exactly as far as the bound: size descriptors of the queue (here 256),
 * the table's entries in a table (here 4), not one more. */
void test_loop_bound_exact(void **state)
{
	uint32_t tbl = (uint32_t)(ITBL - RAM_GPA);
	int rc;

	vt_fresh(256, 0);
	vt_desc(3, BUF, 1, N, 3);
	vt_offer(3);
	watch(NULL);
	rc = vq_pop(&T.q, &T.m, &T.c);
	unwatch();
	assert_int_equal(rc, -BH_EIO);
	assert_int_equal(T.q.fault, VQ_LOOP);
	assert_int_equal(loads_in(0, 4096, 16), 256); /* addr of descriptor 3, 256 times */

	vt_fresh(256, VIRTIO_RING_F_INDIRECT_DESC);
	vt_idesc(ITBL, 0, BUF, 1, N, 2);
	vt_idesc(ITBL, 2, BUF, 1, N, 2);
	vt_desc(0, ITBL, 64, I, 0);
	vt_offer(0);
	watch(NULL);
	rc = vq_pop(&T.q, &T.m, &T.c);
	unwatch();
	assert_int_equal(rc, -BH_EIO);
	assert_int_equal(T.q.fault, VQ_LOOP);
	assert_int_equal(loads_in(tbl, tbl + 64, 16), 4); /* first byte of entries 0, 2, 2, 2 */
}
