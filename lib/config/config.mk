# SPDX-License-Identifier: MIT
# lib/config/: the config-blob validator, freestanding; bhconfig, tests and the image link it.
# Included by tools/bhconfig/bhconfig.mk, tests/unit/config.mk and tests/fuzz/fuzz.mk (any
# order, any number of times). The boot image adds $(CONFIG_LIB_SRCS) to its objects.
ifndef CONFIG_LIB_SRCS
CONFIG_LIB_SRCS := lib/config/validate.c lib/config/blob.c lib/config/check-fields.c \
	lib/config/check-sizes.c lib/config/check-refs.c lib/config/check-cpus.c \
	lib/config/check-memory.c lib/config/check-policy.c lib/config/check-linux.c \
	lib/config/check-disk.c
# Host builds also need the formatter the image already links.
CONFIG_HOST_SRCS := $(CONFIG_LIB_SRCS) lib/fmt.c
endif
