# SPDX-License-Identifier: MIT
# tests/pingpong/: two partitions over one channel (needs lib/rt/rt.mk and lib/chan).
$(eval $(call PARTITION,pingpong,tests/pingpong/pingpong.c lib/chan/chan.c))
