# SPDX-License-Identifier: MIT
# boot/: Multiboot2 entry, the EFI hand-over entry, the AP trampoline; efi/: bulkhead.efi.
MONITOR_OBJS += $(BUILD)/boot/multiboot2.o $(BUILD)/boot/efi-entry.o $(BUILD)/boot/ap-trampoline.o
include boot/efi/efi.mk
