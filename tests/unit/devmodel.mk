# SPDX-License-Identifier: MIT
# tests/unit/devmodel.mk: the device model's devices and ring (devmodel/) on the host, with a
# fake hypercall layer; include after tests/unit/unit.mk.
#   test_devmodel.c       the 16550A, the 8259A pair, the RTC, PCI configuration
#   test_devmodel_ring.c  the ring drain and the board (ports, interrupts to the monitor,
#                         console batching), the runtime's byte-oriented console read

UNIT_SRCS_devmodel := tests/unit/test_devmodel.c tests/unit/test_devmodel_ring.c \
	devmodel/uart.c devmodel/pic.c devmodel/rtc.c devmodel/pci.c devmodel/board.c \
	devmodel/ring.c devmodel/virtio-pci.c devmodel/virtq.c lib/rt/console.c lib/rt/args.c lib/chan/chan.c
$(eval $(call unit_test_rule,devmodel))
UNIT_TESTS += $(UNIT_OUT)/test_devmodel

unit-tests: $(UNIT_OUT)/test_devmodel
