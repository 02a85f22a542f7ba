# SPDX-License-Identifier: MIT
# tests/unit/cli.mk: host tests of the command partition's CLI (command/cli*.c, table.c)
# against a scripted ultravisor and operations partition. Include after tests/unit/unit.mk
# and command/command.mk (COMMAND_CLI_SRCS).
#
#   $(BUILD)/tests/unit/test_cli   every verb (the requests it sends, the table and the JSON
#                                  it prints), every error class, the line rules, the boot
#                                  intent, and seeded random garbage (CLI_RANDOM_SEED)
#                                  test_cli.c        list, show, policy show, journal
#                                  test_cli_act.c    lifecycle, create, assign, policy set
#                                  test_cli_lines.c  help, dispatch, line rules, garbage
#                                  cli_fake.c        the scripted ultravisor and opspolicy

UNIT_SRCS_cli := tests/unit/test_cli.c tests/unit/test_cli_lines.c tests/unit/test_cli_act.c \
	tests/unit/cli_fake.c $(COMMAND_CLI_SRCS) $(CONFIG_HOST_SRCS)
$(eval $(call unit_test_rule,cli))
UNIT_TESTS += $(UNIT_OUT)/test_cli

unit-tests: $(UNIT_OUT)/test_cli
