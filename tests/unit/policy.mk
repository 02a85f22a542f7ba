# SPDX-License-Identifier: MIT
# tests/unit/policy.mk: host tests of the operations partition's policy engine
# (opspolicy/policy*.c) with the shared config validator. Include after tests/unit/unit.mk,
# lib/config/config.mk and opspolicy/opspolicy.mk (OPSPOLICY_SRCS).
#
#   $(BUILD)/tests/unit/test_policy     every POL_CHECK rule with its reason, POL_SET of every
#                                       key (applied, or refused with the violators and the
#                                       database unchanged), malformed requests, POL_SHOW
#
# The examples' blobs are found in $BH_CFG_EXAMPLES at run time, else in POLICY_EXAMPLES_DIR.
POLICY_EXAMPLES_DIR  ?= $(BUILD)/examples
POLICY_EXAMPLE_BLOBS := $(patsubst examples/%.yaml,$(BUILD)/examples/%.bin,\
	$(wildcard examples/*.yaml))

UNIT_SRCS_policy := tests/unit/test_policy.c $(OPSPOLICY_SRCS) $(CONFIG_HOST_SRCS)
$(eval $(call unit_test_rule,policy))

$(UNIT_HOST)/tests/unit/test_policy.o: \
	UNIT_CFLAGS += -DPOLICY_EXAMPLES_DIR='"$(POLICY_EXAMPLES_DIR)"'

UNIT_TESTS += $(UNIT_OUT)/test_policy

# The tests read the compiled examples: build them with the tests.
unit-tests: $(UNIT_OUT)/test_policy $(POLICY_EXAMPLE_BLOBS)
policy-tests: $(UNIT_OUT)/test_policy $(POLICY_EXAMPLE_BLOBS)

.PHONY: policy-tests
