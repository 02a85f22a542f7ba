# SPDX-License-Identifier: MIT
# tools/: boot media, and the run and test entry points.
#   make iso    $(BUILD)/bulkhead.iso (BIOS+UEFI) and $(BUILD)/bulkhead-bios.iso (for Bochs)
#   make run    boot the default scenario in QEMU (1 GiB): COM1 here, COM2 in
#               $(BUILD)/monitor.log. examples/default.yaml as the config blob, the command,
#               operations and I/O partitions (iopart-a serves COM1: the CLI answers on this
#               terminal), guest-pv as the guests' image, the device model and the Debian
#               kernel and initramfs of `make linux` (downloaded the first time) for linux
#               (`console linux` at the CLI); one disk ($(BUILD)/run-disk.img, 512 MiB) behind
#               two NVMe controllers of one subsystem, like a dual-ported disk (linux's
#               /dev/vda is [256 MiB, 512 MiB) of it), and an e1000 per I/O partition
#   make test   install missing packages, build everything, run unit and system tests
# run and test build through a second make so that missing packages (nasm, grub, ...)
# are installed before anything is built, also under make -j.

MKISO := tools/mkiso.sh

# The shared disk: one namespace attached to both controllers (00:04.0 for iopart-a,
# 00:05.0 for iopart-b, as examples/default.yaml assigns them).
QEMU_DISK = -drive file=$(1),if=none,id=disk0,format=raw \
	-device nvme-subsys,id=subsys0,nqn=bulkhead \
	-device nvme,serial=bulkhead0,subsys=subsys0,addr=4 \
	-device nvme,serial=bulkhead0,subsys=subsys0,addr=5 \
	-device nvme-ns,drive=disk0,nsid=1,shared=on
# Each I/O partition's e1000 on a user network of its own, restricted: nothing leaves this
# machine; the guests' 10.0.2.100:80 is this machine's 127.0.0.1:$(RUN_HTTP_PORT) (through
# iopart-a's NIC), e.g. `python3 -m http.server $(RUN_HTTP_PORT) --bind 127.0.0.1`.
RUN_HTTP_PORT ?= 8000
QEMU_NET = -netdev "user,id=n0,restrict=on,guestfwd=tcp:10.0.2.100:80-cmd:$(CURDIR)/tools/stdio-tcp.py 127.0.0.1 $(RUN_HTTP_PORT)" \
	-device e1000,netdev=n0,addr=6 -netdev user,id=n1,restrict=on -device e1000,netdev=n1,addr=7
QEMU_RUN := qemu-system-x86_64 -cpu max -smp 4 -m 1024 -cdrom $(BUILD)/run.iso \
	-serial mon:stdio -serial file:$(BUILD)/monitor.log -display none -no-reboot \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 $(call QEMU_DISK,$(BUILD)/run-disk.img) \
	$(QEMU_NET)

iso: $(BUILD)/bulkhead.iso $(BUILD)/bulkhead-bios.iso

$(BUILD)/bulkhead.iso: $(BUILD)/bulkhead.elf $(MKISO)
	$(MKISO) $@ $<

$(BUILD)/bulkhead-bios.iso: $(BUILD)/bulkhead.elf $(MKISO)
	$(MKISO) $@ $< --bios-only

# GRUB loads the modules low in RAM, under the pool of default.yaml (from 128 MiB): the
# 66 MB vmlinux among them.
$(BUILD)/run.iso: $(BUILD)/bulkhead.elf $(BUILD)/examples/default.bin \
		$(BUILD)/partitions/guest-pv.elf $(BUILD)/partitions/command.elf \
		$(BUILD)/partitions/opspolicy.elf $(BUILD)/partitions/iopart.elf \
		$(BUILD)/partitions/devmodel.elf $(BUILD)/linux/vmlinux \
		$(BUILD)/linux/initramfs.cpio.gz $(MKISO)
	$(MKISO) $@ $< --module $(BUILD)/examples/default.bin "default.bin config" \
		--module $(BUILD)/partitions/command.elf "command.elf command" \
		--module $(BUILD)/partitions/opspolicy.elf "opspolicy.elf opspolicy" \
		--module $(BUILD)/partitions/iopart.elf "iopart.elf iopart" \
		--module $(BUILD)/partitions/guest-pv.elf "guest-pv.elf guest-pv" \
		--module $(BUILD)/partitions/devmodel.elf "devmodel.elf devmodel" \
		--module $(BUILD)/linux/vmlinux "vmlinux vmlinux" \
		--module $(BUILD)/linux/initramfs.cpio.gz "initramfs initramfs"

deps-check:
	@tools/install-deps.sh

# QEMU exits with (status << 1) | 1 when the kernel stops itself: report it, no make error.
run: deps-check
	@$(MAKE) --no-print-directory $(BUILD)/run.iso
	@test "$$(stat -c %s $(BUILD)/run-disk.img 2>/dev/null)" = 536870912 || \
		truncate -s 512M $(BUILD)/run-disk.img
	@echo "run: COM1 below, COM2 in $(BUILD)/monitor.log; quit with Ctrl-A X"
	@$(QEMU_RUN); echo "run: qemu exited with status $$?"

test: deps-check
	@$(MAKE) --no-print-directory all linux $(UNIT_TESTS) $(FUZZ_BINS)
	$(PYTHON) tools/run-tests.py --build $(BUILD) $(UNIT_TESTS)

.PHONY: iso deps-check run test
