# SPDX-License-Identifier: MIT
# tests/probes/: runtime-free test partitions in NASM (probe, hostile), loaded at 0x200000.
PROBES := $(BUILD)/probes/probe.elf $(BUILD)/probes/hostile.elf

$(BUILD)/probes/%.o: tests/probes/%.asm
	@mkdir -p $(dir $@)
	$(Q)$(NASM) -f elf64 $< -o $@

$(BUILD)/probes/%.elf: $(BUILD)/probes/%.o
	$(Q)$(LD) -nostdlib -static -z max-page-size=0x1000 -z noseparate-code \
		-z noexecstack -Ttext-segment=0x200000 -e _start $< -o $@

probes: $(PROBES)
all: probes
.PHONY: probes
