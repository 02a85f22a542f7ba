# SPDX-License-Identifier: MIT
# tests/unit/: host C unit tests with cmocka and sanitizers.
#
#   make unit-tests     build every $(BUILD)/tests/unit/test_<name>
#   make run-unit       build and run them all; ends with "unit test binaries: N passed, M failed"
#
# Each test links the monitor sources it covers, compiled for the host with $(HOSTCFLAGS)
# into $(BUILD)/tests/unit/host/ so they never mix with freestanding objects.
# Recorded boot data (tests/unit/data/mbi-*.bin) is looked up in $BH_TEST_DATA at run time,
# else in the directory compiled in below (relative to the top of the tree, where make runs).
# A test is added by naming it in UNIT_NAMES and listing its sources in UNIT_SRCS_<name>.

UNIT_OUT      := $(BUILD)/tests/unit
UNIT_HOST     := $(UNIT_OUT)/host
UNIT_DATA_DIR ?= tests/unit/data
UNIT_CFLAGS   := -I. -DBH_TEST_DATA_DIR='"$(UNIT_DATA_DIR)"'

UNIT_NAMES := mb2 mb2_errors memmap frame view bhcfg fmt pgtable msix acpi_mmio ratelimit
UNIT_SRCS_mb2        := tests/unit/test_mb2.c monitor/mb2.c monitor/memmap.c lib/fmt.c
UNIT_SRCS_mb2_errors := tests/unit/test_mb2_errors.c monitor/mb2.c monitor/memmap.c lib/fmt.c
UNIT_SRCS_memmap     := tests/unit/test_memmap.c monitor/memmap.c
UNIT_SRCS_frame      := tests/unit/test_frame.c monitor/frame.c monitor/memmap.c
UNIT_SRCS_view       := tests/unit/test_view.c monitor/view.c lib/fmt.c
UNIT_SRCS_bhcfg      := tests/unit/test_bhcfg.c boot/efi/bhcfg.c lib/fmt.c
UNIT_SRCS_fmt        := tests/unit/test_fmt.c lib/fmt.c
UNIT_SRCS_pgtable    := tests/unit/test_pgtable.c monitor/pgtable.c
UNIT_SRCS_ratelimit  := tests/unit/test_ratelimit.c
UNIT_SRCS_msix       := tests/unit/test_msix.c monitor/msix.c
UNIT_SRCS_acpi_mmio  := tests/unit/test_acpi_mmio.c monitor/acpi.c monitor/acpi-mmio.c

UNIT_BINS  := $(UNIT_NAMES:%=$(UNIT_OUT)/test_%)
UNIT_TESTS += $(UNIT_BINS)

$(UNIT_HOST)/%.o: %.c
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOSTCFLAGS) $(UNIT_CFLAGS) -MMD -MP -c $< -o $@

define unit_test_rule
$(UNIT_OUT)/test_$(1): $(patsubst %.c,$(UNIT_HOST)/%.o,$(UNIT_SRCS_$(1)))
	@mkdir -p $$(dir $$@)
	$$(HOSTCC) $$(HOSTCFLAGS) $$^ -lcmocka -o $$@
endef
$(foreach n,$(UNIT_NAMES),$(eval $(call unit_test_rule,$(n))))

unit-tests: $(UNIT_BINS)

# Runs $(UNIT_TESTS) as it stands when the recipe runs, so tests other .mk files append
# later are run too (build them by naming them as prerequisites of unit-tests there).
run-unit: unit-tests
	@pass=0; fail=0; \
	for t in $(UNIT_TESTS); do \
		if $$t; then pass=$$((pass + 1)); else fail=$$((fail + 1)); echo "FAILED: $$t"; fi; \
	done; \
	echo "unit test binaries: $$pass passed, $$fail failed"; \
	test $$fail -eq 0

.PHONY: unit-tests run-unit
