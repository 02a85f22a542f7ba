# SPDX-License-Identifier: MIT
# tests/unit/ config tests: the shared validator on blobs built in C, and on the examples.
#
#   $(BUILD)/tests/unit/test_config        every semantic check, one edit of a good config each
#   $(BUILD)/tests/unit/test_config_linux  the same for linux partitions and device models
#   $(BUILD)/tests/unit/test_config_blob   structure: header, checksum, tables, truncation,
#                                          and every compiled example must pass
#
# All are appended to UNIT_TESTS (run by `make test` / run-unit) and built by unit-tests.
# The examples' blobs are found in $BH_CFG_EXAMPLES at run time, else in CONFIG_EXAMPLES_DIR.
include lib/config/config.mk

CONFIG_TEST_OUT      := $(BUILD)/tests/unit
CONFIG_TEST_OBJ      := $(BUILD)/host/config-tests
CONFIG_EXAMPLES_DIR  ?= $(BUILD)/examples
CONFIG_TEST_CFLAGS   := -DCONFIG_EXAMPLES_DIR='"$(CONFIG_EXAMPLES_DIR)"'
CONFIG_TEST_LIB_OBJS := $(patsubst %.c,$(CONFIG_TEST_OBJ)/%.o,$(CONFIG_HOST_SRCS))
CONFIG_TEST_BINS     := $(CONFIG_TEST_OUT)/test_config $(CONFIG_TEST_OUT)/test_config_blob \
	$(CONFIG_TEST_OUT)/test_config_linux

$(CONFIG_TEST_OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOSTCFLAGS) $(CONFIG_TEST_CFLAGS) -MMD -MP -c $< -o $@

$(CONFIG_TEST_OUT)/test_config: $(CONFIG_TEST_OBJ)/tests/unit/test_config.o $(CONFIG_TEST_LIB_OBJS)
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOSTCFLAGS) $^ -lcmocka -o $@

$(CONFIG_TEST_OUT)/test_config_blob: $(CONFIG_TEST_OBJ)/tests/unit/test_config_blob.o \
		$(CONFIG_TEST_LIB_OBJS)
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOSTCFLAGS) $^ -lcmocka -o $@

$(CONFIG_TEST_OUT)/test_config_linux: $(CONFIG_TEST_OBJ)/tests/unit/test_config_linux.o \
		$(CONFIG_TEST_LIB_OBJS)
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOSTCFLAGS) $^ -lcmocka -o $@

UNIT_TESTS += $(CONFIG_TEST_BINS)

# test_config_blob reads the compiled examples: build them with the tests.
unit-tests: $(CONFIG_TEST_BINS) $(CONFIG_EXAMPLE_BLOBS)
config-tests: unit-tests

.PHONY: unit-tests config-tests
