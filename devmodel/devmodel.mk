# SPDX-License-Identifier: MIT
# devmodel/: the device model of a Linux partition → $(BUILD)/partitions/devmodel.elf
# (needs lib/rt/rt.mk). Its devices are pure and tested on the host (tests/unit/devmodel.mk).
DEVMODEL_SRCS := devmodel/uart.c devmodel/pic.c devmodel/rtc.c devmodel/pci.c \
	devmodel/board.c devmodel/ring.c devmodel/virtio-pci.c devmodel/virtio-blk.c \
	devmodel/virtio-net.c lib/net/net-client.c \
	lib/blk/blk-client.c lib/chan/chan.c devmodel/virtq.c
$(eval $(call PARTITION,devmodel,devmodel/main.c $(DEVMODEL_SRCS)))
