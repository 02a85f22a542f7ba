# SPDX-License-Identifier: MIT
# tests/hcfuzz/: random hypercalls from a partition (needs lib/rt/rt.mk).
$(eval $(call PARTITION,hcfuzz,tests/hcfuzz/hcfuzz.c))
