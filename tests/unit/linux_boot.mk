# SPDX-License-Identifier: MIT
# tests/unit/linux_boot.mk: a linux partition's boot structures (ultravisor/linux-boot.c,
# ultravisor/acpi-tables.c) and its whole load into fake RAM; include after tests/unit/unit.mk.
# Debian's vmlinux, when the build has it ($(BUILD)/linux/vmlinux), is also planned; the test
# is skipped without it.

UNIT_SRCS_linux_boot := tests/unit/test_linux_boot.c ultravisor/linux-boot.c \
	ultravisor/acpi-tables.c lib/elf/elf-load.c lib/fmt.c
$(eval $(call unit_test_rule,linux_boot))
UNIT_TESTS += $(UNIT_OUT)/test_linux_boot

$(UNIT_HOST)/tests/unit/test_linux_boot.o: UNIT_CFLAGS += \
	-DLINUX_VMLINUX='"$(BUILD)/linux/vmlinux"'

unit-tests: $(UNIT_OUT)/test_linux_boot
