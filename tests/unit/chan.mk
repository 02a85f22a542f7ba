# SPDX-License-Identifier: MIT
# tests/unit/chan.mk: the channel library's unit tests; include after tests/unit/unit.mk.
#   test_chan          one thread: layout, rings, notification, hostile peer
#   test_chan_threads  real concurrency: scribbling peer, two threads, lost-wakeup race

UNIT_SRCS_chan := tests/unit/test_chan.c lib/chan/chan.c
UNIT_SRCS_chan_threads := tests/unit/test_chan_threads.c lib/chan/chan.c
$(eval $(call unit_test_rule,chan))
$(eval $(call unit_test_rule,chan_threads))
UNIT_TESTS += $(UNIT_OUT)/test_chan $(UNIT_OUT)/test_chan_threads

unit-tests: $(UNIT_OUT)/test_chan $(UNIT_OUT)/test_chan_threads
