# SPDX-License-Identifier: MIT
# tools/: boot media, and the run and test entry points.
#   make iso    $(BUILD)/bulkhead.iso (BIOS+UEFI) and $(BUILD)/bulkhead-bios.iso (for Bochs)
#   make run    boot the default scenario in QEMU: COM1 here, COM2 in $(BUILD)/monitor.log.
#               examples/default.yaml as the config blob, the command and operations
#               partitions (the CLI answers on this terminal), guest-pv as the guests' image
#               (the I/O partitions' image does not exist yet)
#   make test   install missing packages, build everything, run unit and system tests
# run and test build through a second make so that missing packages (nasm, grub, ...)
# are installed before anything is built, also under make -j.

MKISO := tools/mkiso.sh

QEMU_RUN := qemu-system-x86_64 -cpu max -smp 4 -m 512 -cdrom $(BUILD)/run.iso \
	-serial mon:stdio -serial file:$(BUILD)/monitor.log -display none -no-reboot \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04

iso: $(BUILD)/bulkhead.iso $(BUILD)/bulkhead-bios.iso

$(BUILD)/bulkhead.iso: $(BUILD)/bulkhead.elf $(MKISO)
	$(MKISO) $@ $<

$(BUILD)/bulkhead-bios.iso: $(BUILD)/bulkhead.elf $(MKISO)
	$(MKISO) $@ $< --bios-only

$(BUILD)/run.iso: $(BUILD)/bulkhead.elf $(BUILD)/examples/default.bin \
		$(BUILD)/partitions/guest-pv.elf $(BUILD)/partitions/command.elf \
		$(BUILD)/partitions/opspolicy.elf $(MKISO)
	$(MKISO) $@ $< --module $(BUILD)/examples/default.bin "default.bin config" \
		--module $(BUILD)/partitions/command.elf "command.elf command" \
		--module $(BUILD)/partitions/opspolicy.elf "opspolicy.elf opspolicy" \
		--module $(BUILD)/partitions/guest-pv.elf "guest-pv.elf guest-pv"

deps-check:
	@tools/install-deps.sh

# QEMU exits with (status << 1) | 1 when the kernel stops itself: report it, no make error.
run: deps-check
	@$(MAKE) --no-print-directory $(BUILD)/run.iso
	@echo "run: COM1 below, COM2 in $(BUILD)/monitor.log; quit with Ctrl-A X"
	@$(QEMU_RUN); echo "run: qemu exited with status $$?"

test: deps-check
	@$(MAKE) --no-print-directory all $(UNIT_TESTS) $(FUZZ_OUT)/fuzz_config
	$(PYTHON) tools/run-tests.py --build $(BUILD) $(UNIT_TESTS)

.PHONY: iso deps-check run test
