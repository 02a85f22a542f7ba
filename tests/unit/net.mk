# SPDX-License-Identifier: MIT
# tests/unit/net.mk: the net channel protocol and the I/O partition's switch; include after
# tests/unit/unit.mk.
#   test_net        lib/net client and server on real channels: frames both ways, the
#                   standby filter, failover, malformed messages, scribbled channels
#   test_netswitch  iopart/netswitch.c over fake ports: forwarding rules, forged source
#                   MACs, learning, fairness, full queues, rate-limited logs

UNIT_SRCS_net := tests/unit/test_net.c lib/net/net-client.c lib/net/net-server.c lib/chan/chan.c
UNIT_SRCS_netswitch := tests/unit/test_netswitch.c iopart/netswitch.c
$(eval $(call unit_test_rule,net))
$(eval $(call unit_test_rule,netswitch))
UNIT_TESTS += $(UNIT_OUT)/test_net $(UNIT_OUT)/test_netswitch

unit-tests: $(UNIT_OUT)/test_net $(UNIT_OUT)/test_netswitch
