# SPDX-License-Identifier: MIT
# tests/fuzz/: libFuzzer harnesses (clang, ASan + UBSan) for every parser of untrusted input.
#
#   make fuzz          every harness for FUZZ_SECONDS (default 600) each, new inputs kept in
#                      $(BUILD)/fuzz/corpus-<name>, crashes in $(BUILD)/fuzz/<name>-crash-*
#   make fuzz-smoke    a short bounded pass of each over its committed corpus (make test)
#   make fuzz-<name>, fuzz-smoke-<name>   one harness: config (the config blob), virtq (the
#                      device model's virtqueue walker over guest RAM made of the input)
#
# The committed seeds live in tests/fuzz/corpus/<name>/ and are only read, never written
# (corpus/virtq/ is written by tests/fuzz/virtq_seeds.py).
include lib/config/config.mk

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 600
FUZZ_RUNS    ?= 20000
FUZZ_OUT     := $(BUILD)/fuzz
FUZZ_CFLAGS  := -std=c11 -O1 -g -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -fno-omit-frame-pointer -Iinclude -Ilib -D_DEFAULT_SOURCE

FUZZ_BINS    := $(FUZZ_OUT)/fuzz_config $(FUZZ_OUT)/fuzz_virtq

$(FUZZ_OUT)/fuzz_config: tests/fuzz/fuzz_config.c $(CONFIG_HOST_SRCS) $(wildcard lib/config/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(filter %.c,$^) -o $@

$(FUZZ_OUT)/fuzz_virtq: tests/fuzz/fuzz_virtq.c devmodel/virtq.c devmodel/virtq.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -I. $(filter %.c,$^) -o $@

# A header and all of guest RAM (both ranges): 24 + 0x3000 + 4080 bytes.
FUZZ_VIRTQ_LEN := -max_len=16392

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

fuzz-virtq: $(FUZZ_OUT)/fuzz_virtq
	$(call fuzz_run,virtq,$(FUZZ_OUT)/corpus-virtq,-max_total_time=$(FUZZ_SECONDS) \
		$(FUZZ_VIRTQ_LEN))

fuzz-smoke-virtq: $(FUZZ_OUT)/fuzz_virtq
	@rm -rf $(FUZZ_OUT)/smoke-virtq
	$(call fuzz_run,virtq,$(FUZZ_OUT)/smoke-virtq,-runs=$(FUZZ_RUNS) -seed=1 $(FUZZ_VIRTQ_LEN))

fuzz: fuzz-config fuzz-virtq
fuzz-smoke: fuzz-smoke-config fuzz-smoke-virtq

.PHONY: fuzz fuzz-smoke fuzz-config fuzz-smoke-config fuzz-virtq fuzz-smoke-virtq
