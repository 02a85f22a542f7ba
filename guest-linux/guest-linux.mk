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

linux: $(LINUX_DIR)/vmlinux $(LINUX_DIR)/initramfs.cpio.gz

# One run makes both; touch: the script leaves an up-to-date output alone.
$(LINUX_DIR)/vmlinux $(LINUX_DIR)/initramfs.cpio.gz &: $(LINUX_INPUTS)
	@$(if $(Q),echo "  LINUX   $(LINUX_DIR)")
	$(Q)tools/linux-fetch.sh $(LINUX_DIR)
	$(Q)touch $(LINUX_DIR)/vmlinux $(LINUX_DIR)/initramfs.cpio.gz

.PHONY: linux
