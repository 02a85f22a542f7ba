# SPDX-License-Identifier: MIT
# tests/unit/policy.mk: host tests of the operations partition's policy engine
# (opspolicy/policy*.c) with the shared config validator. Include after tests/unit/unit.mk,
# lib/config/config.mk and opspolicy/opspolicy.mk (OPSPOLICY_SRCS).
#
#   $(BUILD)/tests/unit/test_policy     every POL_CHECK rule with its reason, malformed
#                                       requests, POL_SHOW
#   $(BUILD)/tests/unit/test_policy_set POL_SET of every key (applied, or refused with the
#                                       violators and the database unchanged)
#
# The examples' blobs are found in $BH_CFG_EXAMPLES at run time, else in POLICY_EXAMPLES_DIR.
POLICY_EXAMPLES_DIR  ?= $(BUILD)/examples
POLICY_EXAMPLE_BLOBS := $(patsubst examples/%.yaml,$(BUILD)/examples/%.bin,\
	$(wildcard examples/*.yaml))

UNIT_SRCS_policy     := tests/unit/test_policy.c $(OPSPOLICY_SRCS) $(CONFIG_HOST_SRCS)
UNIT_SRCS_policy_set := tests/unit/test_policy_set.c $(OPSPOLICY_SRCS) $(CONFIG_HOST_SRCS)
$(eval $(call unit_test_rule,policy))
$(eval $(call unit_test_rule,policy_set))

$(UNIT_HOST)/tests/unit/test_policy.o $(UNIT_HOST)/tests/unit/test_policy_set.o: \
	UNIT_CFLAGS += -DPOLICY_EXAMPLES_DIR='"$(POLICY_EXAMPLES_DIR)"'

POLICY_TEST_BINS := $(UNIT_OUT)/test_policy $(UNIT_OUT)/test_policy_set
UNIT_TESTS += $(POLICY_TEST_BINS)

# The tests read the compiled examples: build them with the tests.
unit-tests: $(POLICY_TEST_BINS) $(POLICY_EXAMPLE_BLOBS)
policy-tests: $(POLICY_TEST_BINS) $(POLICY_EXAMPLE_BLOBS)

.PHONY: policy-tests
