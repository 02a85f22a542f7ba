# SPDX-License-Identifier: MIT
# boot/: Multiboot2 entry and the AP trampoline.
MONITOR_OBJS += $(BUILD)/boot/multiboot2.o $(BUILD)/boot/ap-trampoline.o
