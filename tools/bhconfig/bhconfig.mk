# SPDX-License-Identifier: MIT
# tools/bhconfig/: the config compiler (host C, libyaml) and the examples it compiles.
#
#   make bhconfig          $(BUILD)/tools/bhconfig (HOSTCC, HOSTCFLAGS: ASan and UBSan on)
#   make config-examples   $(BUILD)/examples/<name>.bin for every examples/<name>.yaml
#
# Host objects go to $(BUILD)/host/bhconfig/ so they never mix with freestanding ones.
include lib/config/config.mk

BHCONFIG      := $(BUILD)/tools/bhconfig
BHCONFIG_OBJ  := $(BUILD)/host/bhconfig
BHCONFIG_SRCS := tools/bhconfig/main.c tools/bhconfig/source.c tools/bhconfig/fields.c \
	tools/bhconfig/schema.c tools/bhconfig/compile.c tools/bhconfig/dump.c \
	$(CONFIG_HOST_SRCS)
BHCONFIG_OBJS := $(patsubst %.c,$(BHCONFIG_OBJ)/%.o,$(BHCONFIG_SRCS))

CONFIG_EXAMPLES      := $(wildcard examples/*.yaml)
CONFIG_EXAMPLE_BLOBS := $(patsubst examples/%.yaml,$(BUILD)/examples/%.bin,$(CONFIG_EXAMPLES))

$(BHCONFIG_OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOSTCFLAGS) -MMD -MP -c $< -o $@

$(BHCONFIG): $(BHCONFIG_OBJS)
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOSTCFLAGS) $^ -lyaml -o $@

$(BUILD)/examples/%.bin: examples/%.yaml $(BHCONFIG)
	@mkdir -p $(dir $@)
	$(BHCONFIG) compile $< -o $@

bhconfig: $(BHCONFIG)
config-examples: $(CONFIG_EXAMPLE_BLOBS)

.PHONY: bhconfig config-examples
