# SPDX-License-Identifier: MIT
# Bulkhead top-level Makefile: includes one small .mk per directory, builds out of tree in build/.
#   make            build/bulkhead.elf and the boot media
#   make run        boot the default scenario in QEMU, COM1 on this terminal
#   make test       unit + system tests, ends with "N passed, M failed"
#   make bench      benchmarks (BENCH lines)

BUILD     ?= build
CC        := gcc
LD        := ld
NASM      := nasm
OBJCOPY   := objcopy
HOSTCC    := gcc
PYTHON    := /usr/bin/python3

# Host-mode (monitor) and freestanding code: no red zone, no FPU/SSE, no PIC, no stack protector.
KCFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	-ffreestanding -fno-builtin -nostdinc -mno-red-zone -mgeneral-regs-only -fno-pic -fno-pie \
	-fno-stack-protector -fno-asynchronous-unwind-tables -fno-common -mcmodel=small \
	-Iinclude -Ilib -Ilib/include -I$(BUILD)/gen -isystem $(shell $(CC) -print-file-name=include)
KASFLAGS := -f elf64 -g -F dwarf -Iboot/ -Imonitor/

# Host programs and unit tests: sanitizers on.
HOSTCFLAGS := -std=c11 -O1 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all \
	-Iinclude -Ilib -D_DEFAULT_SOURCE

MONITOR_OBJS :=
UNIT_TESTS   :=

all: $(BUILD)/bulkhead.elf iso

include lib/lib.mk
include boot/boot.mk
include monitor/monitor.mk
include tools/tools.mk
include tests/tests.mk
include tests/probes/probes.mk
include lib/newlib.mk lib/rt/rt.mk guest-pv/guest-pv.mk devmodel/devmodel.mk tests/pingpong/pingpong.mk tests/hcfuzz/hcfuzz.mk \
	tests/uvtest/uvtest.mk
include tests/unit/elf.mk tests/unit/rt.mk tests/unit/db.mk tests/unit/chan.mk
include tests/unit/console.mk
include tests/unit/nvme.mk tests/unit/blk.mk tests/unit/net.mk tests/unit/devmodel.mk \
	tests/unit/virtq.mk tests/unit/virtio.mk
include tests/unit/linux_boot.mk
include tests/unit/vlapic.mk tests/unit/iommu.mk
include ultravisor/ultravisor.mk
include opspolicy/opspolicy.mk tests/unit/policy.mk
include command/command.mk tests/unit/cli.mk
include iopart/iopart.mk
include guest-linux/guest-linux.mk
include bench/bench.mk bench/chan.mk
include tools/bhconfig/bhconfig.mk tests/unit/config.mk tests/fuzz/fuzz.mk
all: bhconfig config-examples
all: partitions

# V=1 shows whole commands.
Q := $(if $(V),,@)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(KCFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/%.o: %.asm
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  NASM    $<")
	$(Q)$(NASM) $(KASFLAGS) -MD $(@:.o=.d) $< -o $@

deps:
	@tools/install-deps.sh

clean:
	rm -rf $(BUILD)

.PHONY: all deps clean
-include $(shell find $(BUILD) -name '*.d' -type f 2>/dev/null)
