# SPDX-License-Identifier: MIT
# tests/unit/blk.mk: the block channel protocol's unit tests; include after tests/unit/unit.mk.
#   test_blk  RAM disk through real channels: round trips, bad requests, corrupt channels,
#             round-robin fairness, failover and replay, hostile answers

UNIT_SRCS_blk := tests/unit/test_blk.c lib/blk/blk-server.c lib/blk/blk-client.c lib/blk/blk-window.c lib/chan/chan.c
$(eval $(call unit_test_rule,blk))
UNIT_TESTS += $(UNIT_OUT)/test_blk

unit-tests: $(UNIT_OUT)/test_blk
