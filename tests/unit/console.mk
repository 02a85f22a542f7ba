# SPDX-License-Identifier: MIT
# tests/unit/console.mk: the console over channels; include after tests/unit/unit.mk.
#   test_console   line assembly and line discipline (iopart/console-line.c), the mux
#                  (iopart/console.c) over real channels with a fake UART, and the runtime's
#                  client end (lib/rt/console.c) with a fake clock and fallback
#                  test_console.c        lines, line discipline, the mux
#                  test_console_attach.c attached mode: "console <p>", Ctrl-], refusals
#                  test_console_rt.c     the client: find, fallback, chunks, waits, deaths
#                  console_fake.c        the UART, the machine, the clients' ops

UNIT_SRCS_console := tests/unit/test_console.c tests/unit/test_console_attach.c \
	tests/unit/test_console_rt.c tests/unit/console_fake.c iopart/console.c \
	iopart/console-attach.c iopart/console-line.c lib/rt/console.c lib/rt/args.c \
	lib/chan/chan.c
$(eval $(call unit_test_rule,console))
UNIT_TESTS += $(UNIT_OUT)/test_console

unit-tests: $(UNIT_OUT)/test_console
