# SPDX-License-Identifier: MIT
# tests/unit/db.mk: host tests of the ultravisor's resource database (ultravisor/db*.c),
# linked with the shared config validator and the monitor's view checks. Include after
# tests/unit/unit.mk.
#
#   $(BUILD)/tests/unit/test_db         boot every example, one test per rejection reason,
#                                       lifecycle (stop/restart x20), views, journal, reads
#   $(BUILD)/tests/unit/test_db_random  seeded random transactions, invariants after each,
#                                       journal replay to a byte-identical database
#   $(BUILD)/tests/unit/test_db_map     layouts past what the start state maps are refused
#   $(BUILD)/tests/unit/test_db_linux   a linux partition and its device model: booted with
#                                       their initrd and guest, kept a pair by transactions
#
# The examples' blobs are found in $BH_CFG_EXAMPLES at run time, else in DB_EXAMPLES_DIR.
include lib/config/config.mk

DB_SRCS := ultravisor/db.c ultravisor/db-boot.c ultravisor/db-check.c \
	ultravisor/db-journal.c ultravisor/db-layout.c ultravisor/db-mem.c ultravisor/db-ops.c \
	ultravisor/db-query.c
DB_EXAMPLES_DIR   ?= $(BUILD)/examples
DB_EXAMPLE_BLOBS  := $(patsubst examples/%.yaml,$(BUILD)/examples/%.bin,$(wildcard examples/*.yaml))
DB_TEST_SRCS      := $(DB_SRCS) $(CONFIG_HOST_SRCS) monitor/view.c

UNIT_SRCS_db        := tests/unit/test_db.c $(DB_TEST_SRCS)
UNIT_SRCS_db_random := tests/unit/test_db_random.c $(DB_TEST_SRCS)
UNIT_SRCS_db_map    := tests/unit/test_db_map.c $(DB_TEST_SRCS)
UNIT_SRCS_db_linux  := tests/unit/test_db_linux.c $(DB_TEST_SRCS)
$(eval $(call unit_test_rule,db))
$(eval $(call unit_test_rule,db_random))
$(eval $(call unit_test_rule,db_map))
$(eval $(call unit_test_rule,db_linux))

$(UNIT_HOST)/tests/unit/test_db.o $(UNIT_HOST)/tests/unit/test_db_random.o \
		$(UNIT_HOST)/tests/unit/test_db_linux.o: \
	UNIT_CFLAGS += -DDB_EXAMPLES_DIR='"$(DB_EXAMPLES_DIR)"'

DB_TEST_BINS := $(UNIT_OUT)/test_db $(UNIT_OUT)/test_db_random $(UNIT_OUT)/test_db_map \
	$(UNIT_OUT)/test_db_linux
UNIT_TESTS += $(DB_TEST_BINS)

# The tests boot the compiled examples: build them with the tests.
unit-tests: $(DB_TEST_BINS) $(DB_EXAMPLE_BLOBS)
db-tests: $(DB_TEST_BINS) $(DB_EXAMPLE_BLOBS)

.PHONY: db-tests
