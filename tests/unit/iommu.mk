# SPDX-License-Identifier: MIT
# tests/unit/iommu.mk: DMAR/IVRS parsing and DMA tables from a view (monitor/iommu/);
# include after tests/unit/unit.mk.

UNIT_SRCS_iommu_acpi := tests/unit/test_iommu_acpi.c monitor/iommu/iommu-acpi.c lib/fmt.c
UNIT_SRCS_dmamap     := tests/unit/test_dmamap.c monitor/iommu/dmamap.c monitor/pgtable.c lib/fmt.c
$(eval $(call unit_test_rule,iommu_acpi))
$(eval $(call unit_test_rule,dmamap))
UNIT_TESTS += $(UNIT_OUT)/test_iommu_acpi $(UNIT_OUT)/test_dmamap

unit-tests: $(UNIT_OUT)/test_iommu_acpi $(UNIT_OUT)/test_dmamap
