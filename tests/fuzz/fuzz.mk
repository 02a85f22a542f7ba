# SPDX-License-Identifier: MIT
# tests/fuzz/: libFuzzer harnesses (clang, ASan + UBSan) for every parser of untrusted input.
#
#   make fuzz          every harness for FUZZ_SECONDS (default 600) each, new inputs kept in
#                      $(BUILD)/fuzz/corpus-<name>, crashes in $(BUILD)/fuzz/<name>-crash-*
#   make fuzz-smoke    a short bounded pass of each over its committed corpus (make test)
#
# The committed seeds live in tests/fuzz/corpus/<name>/ and are only read, never written.
include lib/config/config.mk

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 600
FUZZ_RUNS    ?= 20000
FUZZ_OUT     := $(BUILD)/fuzz
FUZZ_CFLAGS  := -std=c11 -O1 -g -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -fno-omit-frame-pointer -Iinclude -Ilib -D_DEFAULT_SOURCE

$(FUZZ_OUT)/fuzz_config: tests/fuzz/fuzz_config.c $(CONFIG_HOST_SRCS) $(wildcard lib/config/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(filter %.c,$^) -o $@

# $(1): harness name, $(2): working corpus directory (libFuzzer writes new inputs to the
# first one it is given), $(3): limits.
define fuzz_run
	@mkdir -p $(2)
	$(FUZZ_OUT)/fuzz_$(1) -artifact_prefix=$(FUZZ_OUT)/$(1)-crash- -print_final_stats=1 \
		$(3) $(2) tests/fuzz/corpus/$(1)
endef

fuzz-config: $(FUZZ_OUT)/fuzz_config
	$(call fuzz_run,config,$(FUZZ_OUT)/corpus-config,-max_total_time=$(FUZZ_SECONDS))

# A fresh working corpus each time, so the pass stays short and repeatable.
fuzz-smoke-config: $(FUZZ_OUT)/fuzz_config
	@rm -rf $(FUZZ_OUT)/smoke-config
	$(call fuzz_run,config,$(FUZZ_OUT)/smoke-config,-runs=$(FUZZ_RUNS) -seed=1)

fuzz: fuzz-config
fuzz-smoke: fuzz-smoke-config

.PHONY: fuzz fuzz-smoke fuzz-config fuzz-smoke-config
