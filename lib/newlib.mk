# SPDX-License-Identifier: MIT
# lib/newlib.mk: newlib's libc and libm for partitions, built once by tools/build-newlib.sh.
#
#   make newlib     $(NEWLIB_DIR)/include/, $(NEWLIB_DIR)/lib/{libc.a,libm.a}
#
# The stamp holds the script's sha256: the build reruns only when the script changes
# (about 1.5 minutes on 2 cores). NEWLIB_JOBS sets the parallelism of that one build.

NEWLIB_DIR   := $(BUILD)/newlib
NEWLIB_STAMP := $(NEWLIB_DIR)/.stamp
NEWLIB_LIBS  := $(NEWLIB_DIR)/lib/libc.a $(NEWLIB_DIR)/lib/libm.a
NEWLIB_JOBS  ?= $(shell nproc 2>/dev/null || echo 2)

$(NEWLIB_STAMP): tools/build-newlib.sh
	tools/build-newlib.sh $(NEWLIB_DIR) $(NEWLIB_JOBS)

$(NEWLIB_LIBS): $(NEWLIB_STAMP)

newlib: $(NEWLIB_STAMP)

.PHONY: newlib
