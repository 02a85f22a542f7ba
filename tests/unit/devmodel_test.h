/* SPDX-License-Identifier: MIT */
/* devmodel_test.h - the tests of test_devmodel_ring.c, run by test_devmodel.c's main. */
#ifndef TESTS_UNIT_DEVMODEL_TEST_H
#define TESTS_UNIT_DEVMODEL_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

void test_ring_in_answered(void **state);
void test_ring_outs_in_order(void **state);
void test_ring_bad_requests(void **state);
void test_ring_budget_resync(void **state);
void test_board_ports(void **state);
void test_board_intr_flow(void **state);
void test_board_rtc_irq(void **state);
void test_board_log_mid_line(void **state);
void test_con_read_bytes(void **state);

#define DEVMODEL_RING_TESTS                                                                 \
	cmocka_unit_test(test_ring_in_answered), cmocka_unit_test(test_ring_outs_in_order),   \
	cmocka_unit_test(test_ring_bad_requests), cmocka_unit_test(test_ring_budget_resync),  \
	cmocka_unit_test(test_board_ports), cmocka_unit_test(test_board_intr_flow),           \
	cmocka_unit_test(test_board_rtc_irq), cmocka_unit_test(test_board_log_mid_line),      \
	cmocka_unit_test(test_con_read_bytes)

#endif
