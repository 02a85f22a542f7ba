# SPDX-License-Identifier: MIT
# monitor/: the host-mode code, linked with boot/ and lib/ into build/bulkhead.elf.
include lib/config/config.mk
MONITOR_C := main cmdline log serial stop trap percpu cpu cpufeat palloc frame memmap mb2 \
	pgtable paging acpi acpi-mmio lapic timer smp testhook clock insn exit hypercall part sched \
	svm/svm vmx/vmx vmx/vmx-exit pic boot-efi enforce view modspec bootpart uvcall pci msix \
	hvm hvm-cpu vmx/vmx-hvm mitigate iommu/iommu iommu/iommu-acpi iommu/dmamap iommu/vtd \
	iommu/vtd-ir iommu/amdvi
MONITOR_OBJS += $(patsubst %,$(BUILD)/monitor/%.o,$(MONITOR_C)) $(BUILD)/monitor/trap-entry.o \
	$(BUILD)/monitor/svm/svm-entry.o $(BUILD)/monitor/vmx/vmx-entry.o $(BUILD)/monitor/uv-image.o $(BUILD)/lib/elf/elf-load.o \
	$(patsubst %.c,$(BUILD)/%.o,$(CONFIG_LIB_SRCS))
MONITOR_OBJS += $(BUILD)/monitor/vlapic.o

$(BUILD)/bulkhead.elf: $(MONITOR_OBJS) monitor/linker.ld
	$(LD) -nostdlib -z max-page-size=0x1000 -z noexecstack -T monitor/linker.ld -o $@ $(MONITOR_OBJS)

# The ultravisor partition is part of the boot image (ARCHITECTURE.md, Boot step 2).
$(BUILD)/monitor/uv-image.o: monitor/uv-image.asm $(BUILD)/partitions/ultravisor.elf
	@mkdir -p $(dir $@)
	$(NASM) -f elf64 -DUV_ELF='"$(BUILD)/partitions/ultravisor.elf"' -o $@ $<
