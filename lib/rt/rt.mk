# SPDX-License-Identifier: MIT
# lib/rt/rt.mk: build partition images (static ELF at 0x200000) from C with newlib.
#
#   $(eval $(call PARTITION,name,sources...))  →  $(BUILD)/partitions/name.elf
#   make partitions                            every partition declared that way
#
# Needs lib/newlib.mk (NEWLIB_DIR, NEWLIB_STAMP). Partitions run at CPL 0 with SSE on
# (crt0.asm) and no interrupts; they are hosted C programs against newlib, so no
# -ffreestanding. No red zone all the same: a later interrupt or exception delivered on the
# same stack must not clobber it. Objects live in $(PART_OBJ), apart from monitor objects.
# Only -Ilib (not lib/include, the monitor's string.h): partitions use newlib's headers.

PART_OUT := $(BUILD)/partitions
PART_OBJ := $(PART_OUT)/obj
PART_CC  := $(CC)
PART_LD  := $(LD)

PART_CFLAGS := -std=c11 -D_DEFAULT_SOURCE -D_POSIX_TIMERS=1 -D_POSIX_MONOTONIC_CLOCK=200112L \
	-O2 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	-mno-red-zone -fno-pic -fno-pie -fno-stack-protector -mcmodel=small \
	-fno-asynchronous-unwind-tables -fno-common -ffunction-sections -fdata-sections \
	-nostdinc -isystem $(shell $(PART_CC) -print-file-name=include) \
	-isystem $(NEWLIB_DIR)/include -Iinclude -Ilib
PART_ASFLAGS := -f elf64 -g -F dwarf
PART_LDFLAGS := -nostdlib -static -T lib/rt/partition.ld --gc-sections -z max-page-size=4096 \
	-z noexecstack --build-id=none
PART_LIBS    := $(NEWLIB_DIR)/lib/libc.a $(NEWLIB_DIR)/lib/libm.a \
	$(shell $(PART_CC) -print-libgcc-file-name)

RT_SRCS := lib/rt/crt0.asm lib/rt/start.c lib/rt/hypercall.c lib/rt/syscalls.c lib/rt/heap.c \
	lib/rt/args.c lib/rt/console.c lib/rt/console-hc.c lib/chan/chan.c
RT_OBJS := $(patsubst %,$(PART_OBJ)/%.o,$(basename $(RT_SRCS)))

# Objects wait for newlib's headers and rebuild when newlib does.
$(PART_OBJ)/%.o: %.c $(NEWLIB_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $< (partition)")
	$(Q)$(PART_CC) $(PART_CFLAGS) -MMD -MP -c $< -o $@

$(PART_OBJ)/%.o: %.asm
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  NASM    $< (partition)")
	$(Q)$(NASM) $(PART_ASFLAGS) -MD $(@:.o=.d) $< -o $@

# $(1) = name, $(2) = C sources (the runtime's own, e.g. lib/chan/chan.c, are dropped: it
# links them already). The runtime links first so crt0's _start leads .text.
define PARTITION
PARTITION_ELFS += $(PART_OUT)/$(1).elf
$(PART_OUT)/$(1).elf: $(RT_OBJS) $(patsubst %.c,$(PART_OBJ)/%.o,$(filter-out $(RT_SRCS),$(2))) lib/rt/partition.ld $(NEWLIB_STAMP)
	@$$(if $$(Q),echo "  LD      $$@")
	$$(Q)$$(PART_LD) $$(PART_LDFLAGS) -Map $$(@:.elf=.map) -o $$@ $(RT_OBJS) \
		$(patsubst %.c,$(PART_OBJ)/%.o,$(filter-out $(RT_SRCS),$(2))) --start-group $$(PART_LIBS) --end-group
partitions: $(PART_OUT)/$(1).elf
endef

partitions:

.PHONY: partitions
