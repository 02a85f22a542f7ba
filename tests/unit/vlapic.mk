# SPDX-License-Identifier: MIT
# tests/unit/vlapic.mk: the virtual x2APIC register model (monitor/vlapic.c); include after
# tests/unit/unit.mk.

UNIT_SRCS_vlapic := tests/unit/test_vlapic.c monitor/vlapic.c
$(eval $(call unit_test_rule,vlapic))
UNIT_TESTS += $(UNIT_OUT)/test_vlapic

unit-tests: $(UNIT_OUT)/test_vlapic
