# SPDX-License-Identifier: MIT
# iopart/: the I/O partition (lib/rt): NVMe, e1000 and 16550 drivers, the console, block and
# net services over channels → $(BUILD)/partitions/iopart.elf. Include after lib/rt/rt.mk.
IOPART_SRCS := iopart/main.c iopart/platform.c iopart/dma-attack.c iopart/pci.c iopart/nvme.c \
	iopart/uart.c iopart/console.c iopart/console-attach.c iopart/console-hc.c \
	iopart/console-line.c iopart/msix-attack.c \
	iopart/e1000.c iopart/netsvc.c iopart/netswitch.c \
	lib/blk/blk-server.c lib/blk/blk-window.c lib/net/net-server.c lib/chan/chan.c
$(eval $(call PARTITION,iopart,$(IOPART_SRCS)))
# netswitch.c shares the monitor's token bucket (monitor/ratelimit.h, pure)
$(PART_OBJ)/iopart/netswitch.o $(PART_OBJ)/iopart/netsvc.o: PART_CFLAGS += -I.
