# SPDX-License-Identifier: MIT
# tests/unit/rt.mk: host tests of the partition runtime's pure logic (sbrk bounds, command
# line); include after tests/unit/unit.mk. The rest of lib/rt needs a partition to run.

UNIT_SRCS_rt := tests/unit/test_rt.c lib/rt/heap.c lib/rt/args.c
$(eval $(call unit_test_rule,rt))
UNIT_TESTS += $(UNIT_OUT)/test_rt

unit-tests: $(UNIT_OUT)/test_rt
