# SPDX-License-Identifier: MIT
# command/: the command partition (lib/rt): the operator CLI (docs/cli.md) over the
# ultravisor's command channel and the operations partition's policy channel. The CLI
# (COMMAND_CLI_SRCS) is freestanding and host-tested by tests/unit/cli.mk. Include after
# lib/rt/rt.mk; lib/config gives the names of kinds, restart rules, classes.
include lib/config/config.mk

COMMAND_CLI_SRCS := command/cli.c command/cli-parse.c command/cli-uv.c command/cli-show.c \
	command/cli-act.c command/table.c
COMMAND_SRCS := command/main.c $(COMMAND_CLI_SRCS) $(CONFIG_LIB_SRCS) lib/fmt.c lib/chan/chan.c
$(eval $(call PARTITION,command,$(COMMAND_SRCS)))
