# SPDX-License-Identifier: MIT
# tests/unit/chan.mk: the channel library's unit test (layout, rings, notification, hostile
# peer, two threads); include after tests/unit/unit.mk.

UNIT_SRCS_chan := tests/unit/test_chan.c lib/chan/chan.c
$(eval $(call unit_test_rule,chan))
UNIT_TESTS += $(UNIT_OUT)/test_chan

unit-tests: $(UNIT_OUT)/test_chan
