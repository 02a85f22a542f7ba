# SPDX-License-Identifier: MIT
# tests/unit/elf.mk: the ELF loader's unit test; include after tests/unit/unit.mk.
#
# Besides images built in memory, the test loads a real executable linked here with
# lib/rt/partition.ld (no libc needed), so the linker script and the loader are checked
# against each other. Its path is compiled in, relative to the top of the tree.

ELF_FIXTURE := $(UNIT_OUT)/elf-fixture.elf

UNIT_SRCS_elf := tests/unit/test_elf.c lib/elf/elf-load.c lib/fmt.c
$(eval $(call unit_test_rule,elf))
UNIT_TESTS += $(UNIT_OUT)/test_elf

$(UNIT_HOST)/tests/unit/test_elf.o: UNIT_CFLAGS += -DELF_FIXTURE='"$(ELF_FIXTURE)"'
$(UNIT_OUT)/test_elf: | $(ELF_FIXTURE)

$(ELF_FIXTURE): tests/unit/elf_fixture.c lib/rt/partition.ld
	@mkdir -p $(dir $@)
	$(HOSTCC) -std=c11 -O2 -Wall -Wextra -Werror -ffreestanding -fno-pic -fno-pie \
		-mno-red-zone -fno-asynchronous-unwind-tables -fno-stack-protector -nostdlib \
		-static -no-pie -Wl,-T,lib/rt/partition.ld -Wl,--build-id=none $< -o $@

unit-tests: $(UNIT_OUT)/test_elf
