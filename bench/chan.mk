# SPDX-License-Identifier: MIT
# bench/chan.mk: the channel benchmark partition (include after lib/rt/rt.mk). Both ends of
# one channel in one partition: throughput against memcpy, notifications at saturation.
$(eval $(call PARTITION,chanbench,bench/chan-bench.c lib/chan/chan.c))
