# SPDX-License-Identifier: MIT
# lib/: freestanding code shared by the monitor, partitions, tools and tests.
LIB_SRCS := lib/string.c lib/fmt.c
MONITOR_OBJS += $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRCS))
