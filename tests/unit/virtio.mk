# SPDX-License-Identifier: MIT
# tests/unit/virtio.mk: the device model's virtio-pci transport and virtio-blk device
# (devmodel/virtio-pci.c, virtio-blk.c) driven as Linux's legacy driver drives them, the disk
# lib/blk's client over real channels to fake I/O partitions; include after unit.mk.
#   test_virtio.c      the harness; probe and registers, data path (multi-segment, indirect,
#                      FLUSH, GET_ID, read-only, capacity, write order)
#   test_virtio_irq.c  MSI-X (masked, bad entry), INTx, event-idx, malformed chains, ring
#                      violations and the reset after them, a reset in flight

UNIT_SRCS_virtio := tests/unit/test_virtio.c tests/unit/test_virtio_irq.c devmodel/virtio-blk.c \
	devmodel/virtio-pci.c devmodel/virtq.c lib/blk/blk-server.c lib/blk/blk-client.c lib/chan/chan.c
$(eval $(call unit_test_rule,virtio))
UNIT_TESTS += $(UNIT_OUT)/test_virtio

unit-tests: $(UNIT_OUT)/test_virtio
