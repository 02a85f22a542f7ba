/* SPDX-License-Identifier: MIT */
/* virtq_test.h - the fake guest of test_virtq*.c: its RAM, its rings laid out as Linux's
 * legacy virtio-pci driver lays them out (vring_init, align 4096), and the tests of
 * test_virtq_hostile.c, run by test_virtq.c's main.
 *
 *   ROM_GPA  0x0fc000  16 KiB   read-only to the device (no VQ_MEM_W)
 *   RAM_GPA  0x100000  1 MiB    writable; the ring at its first page (PFN),
 *                               indirect tables from TBL, buffers from BUF
 */
#ifndef TESTS_UNIT_VIRTQ_TEST_H
#define TESTS_UNIT_VIRTQ_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "devmodel/virtq.h"

#define RAM_GPA  0x100000ull
#define RAM_SIZE 0x100000ull
#define RAM_END  (RAM_GPA + RAM_SIZE)
#define ROM_SIZE 0x4000ull
#define ROM_GPA  (RAM_GPA - ROM_SIZE)
#define PFN      ((uint32_t)(RAM_GPA >> 12))
#define TBL      (RAM_GPA + 0x40000)
#define BUF      (RAM_GPA + 0x80000)

/* The driver's view of the queue. */
struct drv {
	uint16_t size;
	struct vq_desc *desc;
	struct vq_avail *avail;
	struct vq_used *used;
	uint16_t *used_event, *avail_event;
	uint16_t avail_idx; /* the driver's own count, published to avail->idx by vt_offer */
};

struct vt {
	uint8_t *ram, *rom;
	struct vq_range r[2];
	struct vq_mem m;
	struct vq q;
	struct vq_chain c;
	struct drv d;
};
extern struct vt T;

/* Fresh RAM (zeroed, as Linux allocates rings), the rings of a queue of size at PFN, and
 * the device's setup with features (VIRTIO_RING_F_*), which must succeed. */
void vt_fresh(uint16_t size, uint32_t features);
/* The test's own pointer to guest address gpa (RAM or ROM). */
void *vt_host(uint64_t gpa);
void vt_desc(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next);
/* An indirect table entry at table gpa tbl. */
void vt_idesc(uint64_t tbl, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags,
	      uint16_t next);
/* Head into the next avail entry, then avail->idx (release), as virtqueue_add does. */
void vt_offer(uint16_t head);
/* vq_pop refuses with fault f, and again on the next call; nothing was taken. */
void vt_expect_broken(enum vq_fault f);

void test_refuse_avail_ahead(void **state);
void test_refuse_avail_behind(void **state);
void test_refuse_head_range(void **state);
void test_refuse_next_range(void **state);
void test_refuse_loop(void **state);
void test_refuse_buf_outside_ram(void **state);
void test_refuse_buf_past_end(void **state);
void test_refuse_buf_wrap(void **state);
void test_refuse_buf_across_ranges(void **state);
void test_refuse_write_in_readonly(void **state);
void test_refuse_zero_len(void **state);
void test_refuse_read_after_write(void **state);
void test_refuse_indirect_off(void **state);
void test_refuse_indirect_next(void **state);
void test_refuse_indirect_len(void **state);
void test_refuse_indirect_outside(void **state);
void test_refuse_indirect_nested(void **state);
void test_refuse_indirect_loop(void **state);
void test_refuse_total_overflow(void **state);
void test_refuse_too_many_segments(void **state);
void test_broken_stays_broken(void **state);
void test_read_once(void **state);
void test_guest_rewrites_every_read(void **state);
void test_loop_bound_exact(void **state);

#define VIRTQ_HOSTILE_TESTS                                                                   \
	cmocka_unit_test(test_refuse_avail_ahead), cmocka_unit_test(test_refuse_avail_behind), \
	cmocka_unit_test(test_refuse_head_range), cmocka_unit_test(test_refuse_next_range),     \
	cmocka_unit_test(test_refuse_loop), cmocka_unit_test(test_refuse_buf_outside_ram),      \
	cmocka_unit_test(test_refuse_buf_past_end), cmocka_unit_test(test_refuse_buf_wrap),     \
	cmocka_unit_test(test_refuse_buf_across_ranges),                                        \
	cmocka_unit_test(test_refuse_write_in_readonly), cmocka_unit_test(test_refuse_zero_len),\
	cmocka_unit_test(test_refuse_read_after_write),                                         \
	cmocka_unit_test(test_refuse_indirect_off), cmocka_unit_test(test_refuse_indirect_next),\
	cmocka_unit_test(test_refuse_indirect_len),                                             \
	cmocka_unit_test(test_refuse_indirect_outside),                                         \
	cmocka_unit_test(test_refuse_indirect_nested),                                          \
	cmocka_unit_test(test_refuse_indirect_loop),                                            \
	cmocka_unit_test(test_refuse_total_overflow),                                           \
	cmocka_unit_test(test_refuse_too_many_segments),                                        \
	cmocka_unit_test(test_broken_stays_broken), cmocka_unit_test(test_read_once),           \
	cmocka_unit_test(test_guest_rewrites_every_read), cmocka_unit_test(test_loop_bound_exact)

#endif
