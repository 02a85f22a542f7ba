# SPDX-License-Identifier: MIT
# guest-pv/: the first paravirtual guest → $(BUILD)/partitions/guest-pv.elf (needs lib/rt/rt.mk).
$(eval $(call PARTITION,guest-pv,guest-pv/main.c guest-pv/regs.c guest-pv/disk.c guest-pv/hostile.c \
	guest-pv/net.c guest-pv/net-ip.c lib/net/net-client.c lib/blk/blk-client.c lib/chan/chan.c))
