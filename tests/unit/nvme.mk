# SPDX-License-Identifier: MIT
# tests/unit/nvme.mk: the I/O partition's PCI and NVMe drivers (iopart/pci.c, iopart/nvme.c)
# against a fake function and controller; include after tests/unit/unit.mk.

UNIT_SRCS_nvme := tests/unit/test_nvme.c iopart/pci.c iopart/nvme.c
$(eval $(call unit_test_rule,nvme))
UNIT_TESTS += $(UNIT_OUT)/test_nvme

unit-tests: $(UNIT_OUT)/test_nvme
