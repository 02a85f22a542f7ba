# SPDX-License-Identifier: MIT
# guest-linux/: the stock Debian 12 kernel and a busybox initramfs for a Linux partition.
#   make linux   $(BUILD)/linux/vmlinux (the ELF kernel out of the bzImage, entered at
#                0x1000000 in long mode) and $(BUILD)/linux/initramfs.cpio.gz (busybox, the
#                virtio and ext4 modules, guest-linux/init); also bzImage, release, init_size.
# tools/linux-fetch.sh downloads the packages once into $(BUILD)/linux/debs/ (apt-get
# download, never installed) and is incremental itself; make reruns it when guest-linux/init
# or the tools change. A newer kernel package: LINUX_PKG=linux-image-... make -B linux.
# Not in `all`: it downloads ~72 MB the first time. See docs/linux.md.

LINUX_DIR    := $(BUILD)/linux
LINUX_INPUTS := guest-linux/init tools/linux-fetch.sh tools/mkinitramfs.py

linux: $(LINUX_DIR)/vmlinux $(LINUX_DIR)/initramfs.cpio.gz $(LINUX_DIR)/bhhostile

# The hostile guest's tools (test_virtio_net.py types it into the guest): static, no libc,
# one RWX segment, a few KB.
$(LINUX_DIR)/bhhostile: guest-linux/bhhostile.c guest-linux/guest-linux.mk
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) -std=c11 -Os -Wall -Wextra -Werror -static -nostdlib -ffreestanding \
		-fno-builtin -fno-pie -no-pie -fno-stack-protector -fno-asynchronous-unwind-tables \
		-mgeneral-regs-only -Wl,-N,--build-id=none,--no-warn-rwx-segments -s -o $@ $<

# One run makes both; touch: the script leaves an up-to-date output alone.
$(LINUX_DIR)/vmlinux $(LINUX_DIR)/initramfs.cpio.gz &: $(LINUX_INPUTS)
	@$(if $(Q),echo "  LINUX   $(LINUX_DIR)")
	$(Q)tools/linux-fetch.sh $(LINUX_DIR)
	$(Q)touch $(LINUX_DIR)/vmlinux $(LINUX_DIR)/initramfs.cpio.gz

.PHONY: linux
