# SPDX-License-Identifier: MIT
# tests/unit/net.mk: the net channel protocol and the I/O partition's switch; include after
# tests/unit/unit.mk.
#   test_net        lib/net client and server on real channels: frames both ways, the
#                   standby filter, failover, malformed messages, scribbled channels
#   test_netswitch  iopart/netswitch.c over fake ports: forwarding rules, forged source
#                   MACs, learning, fairness, full queues, rate-limited logs
#   test_e1000      iopart/e1000.c against a fake 82540EM: bring-up, both rings, the
#                   address filter, refusals

UNIT_SRCS_net := tests/unit/test_net.c lib/net/net-client.c lib/net/net-server.c lib/chan/chan.c
UNIT_SRCS_netswitch := tests/unit/test_netswitch.c iopart/netswitch.c
UNIT_SRCS_e1000 := tests/unit/test_e1000.c iopart/e1000.c iopart/pci.c
$(eval $(call unit_test_rule,net))
$(eval $(call unit_test_rule,netswitch))
$(eval $(call unit_test_rule,e1000))
UNIT_TESTS += $(UNIT_OUT)/test_net $(UNIT_OUT)/test_netswitch $(UNIT_OUT)/test_e1000

unit-tests: $(UNIT_OUT)/test_net $(UNIT_OUT)/test_netswitch $(UNIT_OUT)/test_e1000
