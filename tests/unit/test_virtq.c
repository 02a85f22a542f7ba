/* SPDX-License-Identifier: MIT */
/* test_virtq.c - the virtqueue walker (devmodel/virtq.c) against a fake guest that lays out
 * its rings as Linux does: guest-memory resolution, legacy setup, chains direct and
 * indirect, 16-bit index wrap, interrupt and kick suppression. The hostile guest's tests are
 * in test_virtq_hostile.c. */
#include <stdlib.h>
#include <string.h>
#include <bulkhead/errno.h>
#include "virtq_test.h"

struct vt T;

void *vt_host(uint64_t gpa)
{
	if (gpa >= RAM_GPA && gpa < RAM_END)
		return T.ram + (gpa - RAM_GPA);
	assert_true(gpa >= ROM_GPA && gpa < RAM_GPA);
	return T.rom + (gpa - ROM_GPA);
}

/* Linux's vring_init(vr, num, p, 4096): desc, avail, used at the next 4096 boundary. */
static void lay_out(uint16_t size)
{
	uint64_t avail = RAM_GPA + 16u * size, used = (avail + 6 + 2u * size + 4095) & ~4095ull;

	T.d = (struct drv){ .size = size };
	T.d.desc = vt_host(RAM_GPA);
	T.d.avail = vt_host(avail);
	T.d.used = vt_host(used);
	T.d.used_event = &T.d.avail->ring[size];
	T.d.avail_event = (uint16_t *)&T.d.used->ring[size];
}

static void map_ram(void)
{
	if (!T.ram) {
		T.ram = aligned_alloc(4096, RAM_SIZE);
		T.rom = aligned_alloc(4096, ROM_SIZE);
		assert_non_null(T.ram);
		assert_non_null(T.rom);
	}
	memset(T.ram, 0, RAM_SIZE);
	memset(T.rom, 0, ROM_SIZE);
	T.r[0] = (struct vq_range){ ROM_GPA, ROM_SIZE, T.rom, 0 };
	T.r[1] = (struct vq_range){ RAM_GPA, RAM_SIZE, T.ram, VQ_MEM_W };
	T.m = (struct vq_mem){ T.r, 2 };
}

void vt_fresh(uint16_t size, uint32_t features)
{
	map_ram();
	lay_out(size);
	assert_int_equal(vq_setup_legacy(&T.q, &T.m, PFN, size, features), 0);
	assert_false(T.q.broken);
}

void vt_desc(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	T.d.desc[i] = (struct vq_desc){ addr, len, flags, next };
}

void vt_idesc(uint64_t tbl, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags,
	      uint16_t next)
{
	struct vq_desc d = { addr, len, flags, next };

	memcpy((uint8_t *)vt_host(tbl) + 16u * i, &d, sizeof(d)); /* tbl may be unaligned */
}

void vt_offer(uint16_t head)
{
	T.d.avail->ring[T.d.avail_idx & (T.d.size - 1)] = head;
	T.d.avail_idx++;
	__atomic_store_n(&T.d.avail->idx, T.d.avail_idx, __ATOMIC_RELEASE);
}

void vt_expect_broken(enum vq_fault f)
{
	uint16_t last = T.q.last_avail;
	uint64_t chains = T.q.stats.chains;

	assert_int_equal(vq_pop(&T.q, &T.m, &T.c), -BH_EIO);
	assert_true(T.q.broken);
	assert_int_equal(T.q.fault, f);
	assert_string_equal(T.q.why, vq_fault_text[f]);
	assert_int_equal(vq_pop(&T.q, &T.m, &T.c), -BH_EIO);
	assert_int_equal(T.q.fault, f);
	assert_int_equal(T.q.last_avail, last);
	assert_int_equal(T.q.stats.chains, chains);
}

static void expect_seg(unsigned i, uint64_t gpa, uint32_t len, bool write)
{
	const struct vq_seg *s = &T.c.seg[i];

	assert_true(i < T.c.nseg);
	assert_int_equal(s->gpa, gpa);
	assert_int_equal(s->len, len);
	assert_int_equal(s->write, write);
	assert_ptr_equal(s->host, vt_host(gpa));
}

static void test_mem_at_edges(void **state)
{
	static uint8_t top[4096];
	const struct vq_range hi = { UINT64_MAX - 4095, 4096, top, VQ_MEM_W };
	const struct vq_mem m_hi = { &hi, 1 }, none = { NULL, 0 };

	map_ram();
	assert_ptr_equal(vq_mem_at(&T.m, RAM_GPA, RAM_SIZE, true), T.ram);
	assert_ptr_equal(vq_mem_at(&T.m, RAM_END - 1, 1, true), T.ram + RAM_SIZE - 1);
	assert_null(vq_mem_at(&T.m, RAM_END - 1, 2, false));      /* one past the end */
	assert_null(vq_mem_at(&T.m, RAM_END, 1, false));          /* nothing there */
	assert_null(vq_mem_at(&T.m, RAM_GPA, RAM_SIZE + 1, false));
	assert_null(vq_mem_at(&T.m, RAM_GPA, 0, false));          /* zero length */
	assert_null(vq_mem_at(&T.m, RAM_GPA - 1, 2, false));      /* across ROM and RAM */
	assert_ptr_equal(vq_mem_at(&T.m, RAM_GPA - 1, 1, false), T.rom + ROM_SIZE - 1);
	assert_null(vq_mem_at(&T.m, RAM_GPA - 1, 1, true));       /* ROM is not writable */
	assert_ptr_equal(vq_mem_at(&T.m, ROM_GPA, ROM_SIZE, false), T.rom);
	assert_null(vq_mem_at(&T.m, ROM_GPA - 1, 1, false));
	assert_null(vq_mem_at(&T.m, RAM_GPA + 8, UINT64_MAX - 7, false)); /* gpa + len wraps */
	assert_null(vq_mem_at(&T.m, UINT64_MAX, 2, false));
	assert_null(vq_mem_at(&none, RAM_GPA, 1, false));
	assert_ptr_equal(vq_mem_at(&m_hi, UINT64_MAX, 1, true), top + 4095); /* the last byte */
	assert_ptr_equal(vq_mem_at(&m_hi, UINT64_MAX - 4095, 4096, true), top);
	assert_null(vq_mem_at(&m_hi, UINT64_MAX, 2, true));
	assert_null(vq_mem_at(&m_hi, UINT64_MAX - 4095, 4097, true));
	assert_null(vq_mem_at(&m_hi, 0, 1, true));
}

/* The legacy layout for sizes 1, 8, 256 and 32768; setup writes the device's words. */
static void test_setup_layout(void **state)
{
	static const struct { uint16_t size; uint64_t used_off; } cases[] = {
		{ 1, 4096 }, { 8, 4096 }, { 256, 8192 }, { 32768, 593920 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint16_t n = cases[i].size;

		map_ram();
		memset(T.ram, 0xff, RAM_SIZE);
		assert_int_equal(vq_setup_legacy(&T.q, &T.m, PFN, n, VIRTIO_RING_F_EVENT_IDX), 0);
		assert_int_equal(T.q.size, n);
		assert_ptr_equal(T.q.desc, T.ram);
		assert_ptr_equal(T.q.avail, T.ram + 16u * n);
		assert_ptr_equal(T.q.used, T.ram + cases[i].used_off);
		assert_ptr_equal(T.q.used_event, T.ram + 16u * n + 4 + 2u * n);
		assert_ptr_equal(T.q.avail_event, T.ram + cases[i].used_off + 4 + 8u * n);
		assert_int_equal(T.q.used->flags, 0);
		assert_int_equal(T.q.used->idx, 0);
		assert_int_equal(*T.q.avail_event, 0);
		assert_true(T.q.event_idx);
		assert_false(T.q.indirect);
		assert_int_equal(T.q.last_avail, 0);
		assert_int_equal(vq_pop(&T.q, &T.m, &T.c), -BH_EIO); /* avail idx 0xffff */
	}
	vt_fresh(8, VIRTIO_RING_F_INDIRECT_DESC);
	assert_true(T.q.indirect);
	assert_false(T.q.event_idx);
}

static void test_setup_bad_size(void **state)
{
	static const uint16_t bad[] = { 0, 3, 12, 100, 32769, 49152, 65535 };

	map_ram();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(vq_setup_legacy(&T.q, &T.m, PFN, bad[i], 0), -BH_EINVAL);
		assert_true(T.q.broken);
		assert_int_equal(T.q.fault, VQ_BAD_SIZE);
		assert_int_equal(T.q.size, 0);
		assert_int_equal(vq_pop(&T.q, &T.m, &T.c), -BH_EIO);
	}
}

/* Desc and avail need only be readable; the used ring must be writable; all in RAM. */
static void test_setup_ring_placement(void **state)
{
	map_ram();
	/* desc and avail in the last ROM page, used in RAM's first */
	assert_int_equal(vq_setup_legacy(&T.q, &T.m, PFN - 1, 8, 0), 0);
	assert_ptr_equal(T.q.desc, T.rom + ROM_SIZE - 4096);
	assert_ptr_equal(T.q.used, T.ram);
	/* used ring in ROM */
	assert_int_equal(vq_setup_legacy(&T.q, &T.m, PFN - 2, 8, 0), -BH_ERANGE);
	assert_int_equal(T.q.fault, VQ_BAD_RING);
	/* used ring past the end of RAM; then desc table past it */
	assert_int_equal(vq_setup_legacy(&T.q, &T.m, (uint32_t)(RAM_END >> 12) - 1, 8, 0),
			 -BH_ERANGE);
	assert_int_equal(vq_setup_legacy(&T.q, &T.m, (uint32_t)(RAM_END >> 12), 8, 0),
			 -BH_ERANGE);
	assert_int_equal(vq_setup_legacy(&T.q, &T.m, 0xffffffffu, 8, 0), -BH_ERANGE);
	/* a 256-entry desc table that runs out of RAM's last page */
	assert_int_equal(vq_setup_legacy(&T.q, &T.m, (uint32_t)(RAM_END >> 12) - 1, 512, 0),
			 -BH_ERANGE);
	assert_true(T.q.broken);
	assert_int_equal(vq_pop(&T.q, &T.m, &T.c), -BH_EIO);
	vq_push(&T.q, 0, 0); /* no ring: nothing to write, no fault */
	assert_false(vq_should_interrupt(&T.q));
	vq_notify_off(&T.q);
	assert_false(vq_notify_on(&T.q));
}

static void test_setup_pfn0_resets(void **state)
{
	vt_fresh(8, VIRTIO_RING_F_EVENT_IDX);
	vt_offer(9);
	vt_expect_broken(VQ_HEAD_RANGE);
	assert_int_equal(vq_setup_legacy(&T.q, &T.m, 0, 8, 0), 0);
	assert_false(T.q.broken);
	assert_int_equal(T.q.size, 0);
	assert_int_equal(T.q.fault, VQ_OK);
	assert_int_equal(T.q.stats.refused, 0);
	assert_int_equal(vq_pop(&T.q, &T.m, &T.c), 0);
	vq_push(&T.q, 0, 0);
	assert_false(vq_should_interrupt(&T.q));
	assert_false(vq_notify_on(&T.q));
	/* the guest sets the queue up again: from index 0 */
	vt_fresh(8, 0);
	vt_desc(3, BUF, 10, 0, 0);
	vt_offer(3);
	assert_int_equal(vq_pop(&T.q, &T.m, &T.c), 1);
	assert_int_equal(T.c.head, 3);
}

static void test_pop_empty(void **state)
{
	vt_fresh(8, 0);
	assert_int_equal(vq_pop(&T.q, &T.m, &T.c), 0);
	assert_int_equal(vq_pop(&T.q, &T.m, &T.c), 0);
	assert_false(T.q.broken);
	assert_int_equal(T.q.stats.chains, 0);
	assert_int_equal(T.q.stats.refused, 0);
}

static void test_pop_simple(void **state)
{
	vt_fresh(8, 0);
	vt_desc(0, BUF, 100, 0, 0);
	vt_offer(0);
	assert_int_equal(vq_pop(&T.q, &T.m, &T.c), 1);
	assert_int_equal(T.c.head, 0);
	assert_int_equal(T.c.nseg, 1);
	expect_seg(0, BUF, 100, false);
	assert_int_equal(T.c.out_len, 100);
	assert_int_equal(T.c.in_len, 0);
	assert_int_equal(vq_pop(&T.q, &T.m, &T.c), 0);
	assert_int_equal(T.d.used->idx, 0);
	vq_push(&T.q, 0, 0);
	assert_int_equal(T.d.used->ring[0].id, 0);
	assert_int_equal(T.d.used->ring[0].len, 0);
	assert_int_equal(T.d.used->idx, 1);
	assert_int_equal(T.q.stats.chains, 1);
	assert_int_equal(T.q.stats.pushed, 1);
}

/* virtio-blk's shape: header and data out, data and status in, chained out of order. */
static void test_pop_out_in(void **state)
{
	vt_fresh(8, 0);
	vt_desc(2, BUF, 16, VIRTQ_DESC_F_NEXT, 5);
	vt_desc(5, ROM_GPA, 512, VIRTQ_DESC_F_NEXT, 1); /* readable from read-only memory */
	vt_desc(1, BUF + 0x1000, 4096, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 7);
	vt_desc(7, RAM_END - 1, 1, VIRTQ_DESC_F_WRITE, 0); /* RAM's last byte */
	vt_offer(2);
	assert_int_equal(vq_pop(&T.q, &T.m, &T.c), 1);
	assert_int_equal(T.c.head, 2);
	assert_int_equal(T.c.nseg, 4);
	expect_seg(0, BUF, 16, false);
	expect_seg(1, ROM_GPA, 512, false);
	expect_seg(2, BUF + 0x1000, 4096, true);
	expect_seg(3, RAM_END - 1, 1, true);
	assert_int_equal(T.c.out_len, 528);
	assert_int_equal(T.c.in_len, 4097);
	vq_push(&T.q, 2, 4097);
	assert_int_equal(T.d.used->ring[0].id, 2);
	assert_int_equal(T.d.used->ring[0].len, 4097);
	assert_int_equal(T.d.used->idx, 1);
}

/* Chains come in avail order and may go back in any order; a push too many is dropped. */
static void test_pop_batch_any_order(void **state)
{
	static const uint16_t heads[] = { 3, 1, 4, 0, 2 };

	vt_fresh(8, 0);
	for (uint16_t i = 0; i < 5; i++)
		vt_desc(i, BUF + 0x100u * i, 0x10 + i, VIRTQ_DESC_F_WRITE, 0);
	for (size_t i = 0; i < 5; i++)
		vt_offer(heads[i]);
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(vq_pop(&T.q, &T.m, &T.c), 1);
		assert_int_equal(T.c.head, heads[i]);
		expect_seg(0, BUF + 0x100u * heads[i], 0x10 + heads[i], true);
	}
	assert_int_equal(vq_pop(&T.q, &T.m, &T.c), 0);
	for (uint16_t i = 0; i < 5; i++)
		vq_push(&T.q, i, i * 3);
	for (uint16_t i = 0; i < 5; i++) {
		assert_int_equal(T.d.used->ring[i].id, i);
		assert_int_equal(T.d.used->ring[i].len, i * 3);
	}
	vq_push(&T.q, 7, 7);
	assert_int_equal(T.d.used->idx, 5);
	assert_int_equal(T.d.used->ring[5].id, 0);
	assert_int_equal(T.q.stats.overpushed, 1);
	assert_int_equal(T.q.stats.pushed, 5);
}

/* Indirect table (in read-only memory: it is only read), walked by next from entry 0; the
 * WRITE flag of the descriptor naming it is ignored. */
static void test_indirect_table(void **state)
{
	vt_fresh(8, VIRTIO_RING_F_INDIRECT_DESC);
	vt_idesc(ROM_GPA, 0, BUF, 64, VIRTQ_DESC_F_NEXT, 2);
	vt_idesc(ROM_GPA, 2, BUF + 0x100, 32, VIRTQ_DESC_F_NEXT, 1);
	vt_idesc(ROM_GPA, 1, BUF + 0x200, 128, VIRTQ_DESC_F_WRITE, 0);
	vt_desc(6, ROM_GPA, 48, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_WRITE, 0);
	vt_offer(6);
	assert_int_equal(vq_pop(&T.q, &T.m, &T.c), 1);
	assert_int_equal(T.c.head, 6);
	assert_int_equal(T.c.nseg, 3);
	expect_seg(0, BUF, 64, false);
	expect_seg(1, BUF + 0x100, 32, false);
	expect_seg(2, BUF + 0x200, 128, true);
	assert_int_equal(T.c.out_len, 96);
	assert_int_equal(T.c.in_len, 128);
}

/* "zero or more normal chained descriptors followed by a single descriptor with
 * flags&VIRTQ_DESC_F_INDIRECT"; the table at an odd address. */
static void test_indirect_after_direct_unaligned(void **state)
{
	uint64_t tbl = TBL + 3;

	vt_fresh(8, VIRTIO_RING_F_INDIRECT_DESC);
	vt_idesc(tbl, 0, BUF + 0x10, 20, VIRTQ_DESC_F_NEXT, 1);
	vt_idesc(tbl, 1, BUF + 0x20, 0x12345, VIRTQ_DESC_F_WRITE, 0);
	vt_desc(0, BUF, 8, VIRTQ_DESC_F_NEXT, 4);
	vt_desc(4, tbl, 32, VIRTQ_DESC_F_INDIRECT, 0);
	vt_offer(0);
	assert_int_equal(vq_pop(&T.q, &T.m, &T.c), 1);
	assert_int_equal(T.c.nseg, 3);
	expect_seg(0, BUF, 8, false);
	expect_seg(1, BUF + 0x10, 20, false);
	expect_seg(2, BUF + 0x20, 0x12345, true);
	assert_int_equal(T.c.out_len, 28);
	assert_int_equal(T.c.in_len, 0x12345);
}

/* The longest there may be: a direct chain of size descriptors, a table of VQ_SEG_MAX
 * entries, a full ring (avail idx exactly size ahead). */
static void test_limits_accepted(void **state)
{
	vt_fresh(8, 0);
	for (uint16_t i = 0; i < 8; i++)
		vt_desc(i, BUF + i, 1, i < 7 ? VIRTQ_DESC_F_NEXT : 0, i + 1);
	vt_offer(0);
	assert_int_equal(vq_pop(&T.q, &T.m, &T.c), 1);
	assert_int_equal(T.c.nseg, 8);
	expect_seg(7, BUF + 7, 1, false);

	vt_fresh(8, VIRTIO_RING_F_INDIRECT_DESC);
	for (uint16_t i = 0; i < VQ_SEG_MAX; i++)
		vt_idesc(TBL, i, BUF + i, 1, i + 1 < VQ_SEG_MAX ? VIRTQ_DESC_F_NEXT : 0, i + 1);
	vt_desc(0, TBL, 16 * VQ_SEG_MAX, VIRTQ_DESC_F_INDIRECT, 0);
	vt_offer(0);
	assert_int_equal(vq_pop(&T.q, &T.m, &T.c), 1);
	assert_int_equal(T.c.nseg, VQ_SEG_MAX);
	assert_int_equal(T.c.out_len, VQ_SEG_MAX);
	expect_seg(VQ_SEG_MAX - 1, BUF + VQ_SEG_MAX - 1, 1, false);

	vt_desc(7, BUF, 1, 0, 0);
	for (uint16_t i = 0; i < 8; i++)
		vt_offer(7);
	for (uint16_t i = 0; i < 8; i++)
		assert_int_equal(vq_pop(&T.q, &T.m, &T.c), 1);
	assert_int_equal(vq_pop(&T.q, &T.m, &T.c), 0);
	assert_false(T.q.broken);
}

/* 65530 chains through the queue, then a full ring across 65535 -> 0, with EVENT_IDX. */
static void test_index_wrap(void **state)
{
	vt_fresh(8, VIRTIO_RING_F_EVENT_IDX);
	vt_desc(0, BUF, 1, 0, 0);
	for (unsigned i = 0; i < 65530; i++) {
		vt_offer(0);
		assert_int_equal(vq_pop(&T.q, &T.m, &T.c), 1);
		vq_push(&T.q, 0, 1);
	}
	assert_int_equal(T.q.last_avail, 65530);
	assert_int_equal(T.d.used->idx, 65530);
	*T.d.used_event = 65535; /* the guest wants to hear of used entry 65535 */
	assert_false(vq_should_interrupt(&T.q)); /* entries 0..65529 */
	for (uint16_t i = 0; i < 8; i++) {
		vt_desc(i, BUF + i, 1 + i, VIRTQ_DESC_F_WRITE, 0);
		vt_offer(i);
	}
	assert_int_equal(T.d.avail->idx, 2);
	for (uint16_t i = 0; i < 8; i++) {
		assert_int_equal(vq_pop(&T.q, &T.m, &T.c), 1);
		assert_int_equal(T.c.head, i);
		assert_int_equal(*T.d.avail_event, (uint16_t)(65531 + i));
	}
	assert_int_equal(vq_pop(&T.q, &T.m, &T.c), 0);
	assert_int_equal(T.q.last_avail, 2);
	for (uint16_t i = 0; i < 5; i++)
		vq_push(&T.q, i, 1 + i);
	assert_int_equal(T.d.used->idx, 65535);
	assert_false(vq_should_interrupt(&T.q)); /* entry 65535 not written yet */
	for (uint16_t i = 5; i < 8; i++)
		vq_push(&T.q, i, 1 + i);
	assert_int_equal(T.d.used->idx, 2);
	assert_true(vq_should_interrupt(&T.q));
	for (uint16_t i = 0; i < 8; i++) {
		const struct vq_used_elem *e = &T.d.used->ring[(65530 + i) & 7];

		assert_int_equal(e->id, i);
		assert_int_equal(e->len, 1 + i);
	}
}

/* used_event: interrupt when used->idx passes it, once per passing. */
static void test_event_idx_interrupt(void **state)
{
	vt_fresh(8, VIRTIO_RING_F_EVENT_IDX);
	vt_desc(0, BUF, 1, 0, 0);
	for (int i = 0; i < 8; i++)
		vt_offer(0);
	for (int i = 0; i < 8; i++)
		assert_int_equal(vq_pop(&T.q, &T.m, &T.c), 1);
	assert_false(vq_should_interrupt(&T.q)); /* nothing pushed */
	vq_push(&T.q, 0, 0);                     /* used_event 0: entry 0 written */
	assert_true(vq_should_interrupt(&T.q));
	assert_false(vq_should_interrupt(&T.q)); /* nothing since */
	*T.d.used_event = 3;
	vq_push(&T.q, 0, 0);
	vq_push(&T.q, 0, 0);
	assert_false(vq_should_interrupt(&T.q)); /* entries 1, 2 */
	vq_push(&T.q, 0, 0);
	assert_true(vq_should_interrupt(&T.q));  /* entry 3 */
	*T.d.used_event = 5;
	T.d.avail->flags = VIRTQ_AVAIL_F_NO_INTERRUPT; /* ignored with EVENT_IDX */
	vq_push(&T.q, 0, 0);
	vq_push(&T.q, 0, 0);
	vq_push(&T.q, 0, 0);
	assert_true(vq_should_interrupt(&T.q));  /* 4, 5, 6: passed 5 */
	*T.d.used_event = 100;
	vq_push(&T.q, 0, 0);
	assert_false(vq_should_interrupt(&T.q));
	assert_int_equal(T.q.stats.irqs, 3);
	assert_int_equal(T.q.stats.suppressed, 2);
}

/* Without EVENT_IDX: NO_INTERRUPT alone decides; used_event means nothing. */
static void test_no_interrupt_flag(void **state)
{
	vt_fresh(8, 0);
	vt_desc(0, BUF, 1, 0, 0);
	for (int i = 0; i < 4; i++)
		vt_offer(0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(vq_pop(&T.q, &T.m, &T.c), 1);
	*T.d.used_event = 100;
	vq_push(&T.q, 0, 0);
	assert_true(vq_should_interrupt(&T.q));
	T.d.avail->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
	vq_push(&T.q, 0, 0);
	assert_false(vq_should_interrupt(&T.q));
	T.d.avail->flags = 0;
	assert_false(vq_should_interrupt(&T.q)); /* nothing pushed since */
	vq_push(&T.q, 0, 0);
	assert_true(vq_should_interrupt(&T.q));
	assert_int_equal(T.q.stats.irqs, 2);
	assert_int_equal(T.q.stats.suppressed, 1);
}

/* The driver's side of "Available Buffer Notification Suppression" with EVENT_IDX. */
static bool guest_kicks(uint16_t old, uint16_t new)
{
	return (uint16_t)(new - *T.d.avail_event - 1) < (uint16_t)(new - old);
}

static void offer_and_ask(uint16_t head, bool *kick)
{
	uint16_t old = T.d.avail_idx;

	vt_offer(head);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	*kick = guest_kicks(old, T.d.avail_idx);
}

/* avail_event follows the pops while kicks are wanted, stays behind while they are not;
 * turning them on again finds what came meanwhile. */
static void test_event_idx_avail_event(void **state)
{
	bool kick;

	vt_fresh(8, VIRTIO_RING_F_EVENT_IDX);
	vt_desc(0, BUF, 1, 0, 0);
	offer_and_ask(0, &kick);
	assert_true(kick); /* avail_event 0 after setup */
	offer_and_ask(0, &kick);
	assert_false(kick); /* the device has not caught up: no need */
	assert_int_equal(vq_pop(&T.q, &T.m, &T.c), 1);
	assert_int_equal(*T.d.avail_event, 1);
	assert_int_equal(vq_pop(&T.q, &T.m, &T.c), 1);
	assert_int_equal(*T.d.avail_event, 2);
	offer_and_ask(0, &kick);
	assert_true(kick); /* caught up: the next one is announced */
	vq_notify_off(&T.q);
	assert_int_equal(*T.d.avail_event, 1); /* last_avail - 1: no kick for a lap */
	assert_int_equal(T.d.used->flags, 0);  /* MUST stay 0 with EVENT_IDX */
	assert_int_equal(vq_pop(&T.q, &T.m, &T.c), 1);
	assert_int_equal(*T.d.avail_event, 1); /* pops leave it */
	offer_and_ask(0, &kick);
	assert_false(kick);
	assert_true(vq_notify_on(&T.q)); /* the one that came while off */
	assert_int_equal(*T.d.avail_event, 3);
	assert_int_equal(vq_pop(&T.q, &T.m, &T.c), 1);
	assert_int_equal(*T.d.avail_event, 4);
	assert_false(vq_notify_on(&T.q));
	offer_and_ask(0, &kick);
	assert_true(kick);
}

/* Without EVENT_IDX: USED_F_NO_NOTIFY set and cleared; avail_event untouched. */
static void test_notify_flags(void **state)
{
	vt_fresh(8, 0);
	vt_desc(0, BUF, 1, 0, 0);
	*T.d.avail_event = 0x5555;
	vq_notify_off(&T.q);
	assert_int_equal(T.d.used->flags, VIRTQ_USED_F_NO_NOTIFY);
	assert_false(vq_notify_on(&T.q));
	assert_int_equal(T.d.used->flags, 0);
	vq_notify_off(&T.q);
	vt_offer(0);
	assert_true(vq_notify_on(&T.q));
	assert_int_equal(T.d.used->flags, 0);
	assert_int_equal(vq_pop(&T.q, &T.m, &T.c), 1);
	assert_false(vq_notify_on(&T.q));
	assert_int_equal(*T.d.avail_event, 0x5555);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mem_at_edges),
		cmocka_unit_test(test_setup_layout),
		cmocka_unit_test(test_setup_bad_size),
		cmocka_unit_test(test_setup_ring_placement),
		cmocka_unit_test(test_setup_pfn0_resets),
		cmocka_unit_test(test_pop_empty),
		cmocka_unit_test(test_pop_simple),
		cmocka_unit_test(test_pop_out_in),
		cmocka_unit_test(test_pop_batch_any_order),
		cmocka_unit_test(test_indirect_table),
		cmocka_unit_test(test_indirect_after_direct_unaligned),
		cmocka_unit_test(test_limits_accepted),
		cmocka_unit_test(test_index_wrap),
		cmocka_unit_test(test_event_idx_interrupt),
		cmocka_unit_test(test_no_interrupt_flag),
		cmocka_unit_test(test_event_idx_avail_event),
		cmocka_unit_test(test_notify_flags),
		VIRTQ_HOSTILE_TESTS,
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	free(T.ram);
	free(T.rom);
	return rc;
}
