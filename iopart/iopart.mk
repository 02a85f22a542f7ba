# SPDX-License-Identifier: MIT
# iopart/: the I/O partition (lib/rt): NVMe and 16550 drivers, the console and block
# services over channels → $(BUILD)/partitions/iopart.elf. Include after lib/rt/rt.mk.
IOPART_SRCS := iopart/main.c iopart/platform.c iopart/dma-attack.c iopart/pci.c iopart/nvme.c \
	iopart/uart.c iopart/console.c iopart/console-attach.c iopart/console-hc.c \
	iopart/console-line.c iopart/msix-attack.c \
	lib/blk/blk-server.c lib/blk/blk-window.c lib/chan/chan.c
$(eval $(call PARTITION,iopart,$(IOPART_SRCS)))
