# SPDX-License-Identifier: MIT
# boot/efi/: bulkhead.efi, the GNU-EFI application that starts Bulkhead without GRUB.
#   make efi         $(BUILD)/bulkhead.efi
#   make efi-image   $(BUILD)/bulkhead-esp.img: a FAT ESP image (tools/mkesp.sh) holding
#                    EFI/BOOT/BOOTX64.EFI, bulkhead.elf, bulkhead.cfg, the example config
#                    blob (examples/default.yaml) and one guest-pv partition
#   make run-efi     boot that image in QEMU with OVMF: COM1 here, COM2 in $(BUILD)/monitor.log
#
# The application is position independent (-fpic), calls firmware with the Microsoft x64
# convention through gnu-efi's EFIAPI (GNU_EFI_USE_MS_ABI), and links gnu-efi's crt0 and
# self-relocator only: libefi is not needed (and its memcpy/memset would clash with
# lib/string.c). Shared freestanding code (lib/fmt.c, lib/string.c, the ELF validator, the
# config-blob validator, monitor/memmap.c) is compiled a second time with these flags into
# $(BUILD)/efi/. The link refuses undefined symbols, and the relocation check refuses any
# relocation but R_X86_64_RELATIVE (the only kind gnu-efi's _relocate applies).
include lib/config/config.mk

EFI_INC  := /usr/include/efi
EFI_LIBS := /usr/lib
EFI_APP  := $(BUILD)/bulkhead.efi
EFI_ESP  := $(BUILD)/bulkhead-esp.img
MKESP    := tools/mkesp.sh

EFI_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	-ffreestanding -fno-builtin -nostdinc -fpic -fshort-wchar -mno-red-zone \
	-mgeneral-regs-only -fno-stack-protector -fno-asynchronous-unwind-tables -fno-common \
	-DGNU_EFI_USE_MS_ABI -Iinclude -Ilib -Ilib/include -Imonitor -Iboot/efi \
	-isystem $(EFI_INC) -isystem $(EFI_INC)/x86_64 \
	-isystem $(shell $(CC) -print-file-name=include)

EFI_SRCS := boot/efi/main.c boot/efi/console.c boot/efi/volume.c boot/efi/bhcfg.c \
	boot/efi/kernel.c boot/efi/modules.c boot/efi/sysinfo.c boot/efi/handover.c \
	lib/fmt.c lib/string.c lib/elf/elf-load.c monitor/memmap.c $(CONFIG_LIB_SRCS)
EFI_OBJS := $(patsubst %.c,$(BUILD)/efi/%.o,$(EFI_SRCS))

$(BUILD)/efi/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC efi  $<")
	$(Q)$(CC) $(EFI_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/efi/bulkhead.so: $(EFI_OBJS) boot/efi/efi.mk
	$(Q)$(LD) -shared -Bsymbolic -nostdlib -znocombreloc --no-undefined \
		-T $(EFI_LIBS)/elf_x86_64_efi.lds $(EFI_LIBS)/crt0-efi-x86_64.o $(EFI_OBJS) \
		-L$(EFI_LIBS) -lgnuefi -o $@
	@bad=$$(readelf -rW $@ | awk '/^[0-9a-f]+ +[0-9a-f]+ R_X86_64_/ && $$3 != "R_X86_64_RELATIVE" {print $$3}' | sort -u); \
		if [ -n "$$bad" ]; then echo "$@: relocations gnu-efi cannot apply: $$bad" >&2; rm -f $@; exit 1; fi

$(EFI_APP): $(BUILD)/efi/bulkhead.so
	@$(if $(Q),echo "  EFI     $@")
	$(Q)$(OBJCOPY) -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela \
		-j .rel.* -j .rela.* -j .reloc --target efi-app-x86_64 --subsystem=10 $< $@

EFI_ESP_BLOB  := $(BUILD)/examples/default.bin
EFI_ESP_GUEST := $(BUILD)/partitions/guest-pv.elf

$(EFI_ESP): $(EFI_APP) $(BUILD)/bulkhead.elf $(MKESP) $(EFI_ESP_BLOB) $(EFI_ESP_GUEST)
	$(MKESP) $@ $(EFI_APP) $(BUILD)/bulkhead.elf \
		--module $(EFI_ESP_BLOB) "config.bin config" \
		--module $(EFI_ESP_GUEST) "guest-pv.elf partition name=g1 cpus=0 mem=16"

QEMU_RUN_EFI := qemu-system-x86_64 -cpu max -smp 4 -m 512 -bios /usr/share/ovmf/OVMF.fd \
	-drive if=none,id=esp,format=raw,file=$(EFI_ESP) -device ide-hd,drive=esp,bootindex=0 \
	-nic none -serial mon:stdio -serial file:$(BUILD)/monitor.log -display none -no-reboot \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04

efi: $(EFI_APP)
efi-image: $(EFI_ESP)

run-efi: deps-check
	@$(MAKE) --no-print-directory $(EFI_ESP)
	@echo "run-efi: COM1 below, COM2 in $(BUILD)/monitor.log; quit with Ctrl-A X"
	@$(QEMU_RUN_EFI); echo "run-efi: qemu exited with status $$?"

all: efi efi-image

.PHONY: efi efi-image run-efi
