# SPDX-License-Identifier: MIT
# tests/uvtest/: the ultravisor system tests' partitions (beat, client, hostile).
$(eval $(call PARTITION,uvtest,tests/uvtest/uvtest.c lib/chan/chan.c))
