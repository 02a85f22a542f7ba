# SPDX-License-Identifier: MIT
# ultravisor/: the ultravisor partition (lib/rt) with the resource database, the shared
# config validator, the ELF loader and the channel library. Built into bulkhead.elf
# (monitor/uv-image.asm). Include after tests/unit/db.mk (DB_SRCS) and lib/config/config.mk.
UV_SRCS := ultravisor/main.c ultravisor/machine.c ultravisor/loader.c ultravisor/cmdchan.c \
	ultravisor/loader-linux.c ultravisor/linux-boot.c ultravisor/acpi-tables.c \
	$(DB_SRCS) $(CONFIG_LIB_SRCS) lib/fmt.c lib/elf/elf-load.c lib/chan/chan.c
$(eval $(call PARTITION,ultravisor,$(UV_SRCS)))
