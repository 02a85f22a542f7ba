# SPDX-License-Identifier: MIT
# tests/partitions/: partitions that exist for the system tests (needs lib/rt/rt.mk).
#   hostile: one misbehaviour per run, chosen by its command line (see hostile/hostile.c)
$(eval $(call PARTITION,hostile,tests/partitions/hostile/hostile.c))
