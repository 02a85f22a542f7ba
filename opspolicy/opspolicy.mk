# SPDX-License-Identifier: MIT
# opspolicy/: the operations partition (lib/rt): the zones and their policies from the config
# blob, served on its control channel (include/bulkhead/policy.h, docs/policy.md). The engine
# (OPSPOLICY_SRCS) is freestanding and host-tested by tests/unit/policy.mk. Include after
# lib/rt/rt.mk and lib/config/config.mk (CONFIG_LIB_SRCS).
OPSPOLICY_SRCS := opspolicy/policy.c opspolicy/policy-set.c
OPSPOLICY_PART_SRCS := opspolicy/main.c $(OPSPOLICY_SRCS) $(CONFIG_LIB_SRCS) lib/fmt.c \
	lib/chan/chan.c
$(eval $(call PARTITION,opspolicy,$(OPSPOLICY_PART_SRCS)))
