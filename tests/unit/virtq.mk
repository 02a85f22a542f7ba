# SPDX-License-Identifier: MIT
# tests/unit/virtq.mk: the device model's virtqueue walker (devmodel/virtq.c) against a fake
# guest; include after tests/unit/unit.mk.
#   test_virtq.c          guest-memory resolution, legacy setup, direct and indirect chains,
#                         index wrap, interrupt and kick suppression
#   test_virtq_hostile.c  one test per refusal, a broken queue staying broken, every guest
#                         load watched (read once; rewritten between any two loads)

UNIT_SRCS_virtq := tests/unit/test_virtq.c tests/unit/test_virtq_hostile.c devmodel/virtq.c
$(eval $(call unit_test_rule,virtq))
UNIT_TESTS += $(UNIT_OUT)/test_virtq

unit-tests: $(UNIT_OUT)/test_virtq
