# SPDX-License-Identifier: MIT
# ultravisor/: the ultravisor partition (lib/rt) with the resource database and the shared
# config validator. Include after tests/unit/db.mk (DB_SRCS) and lib/config/config.mk.
$(eval $(call PARTITION,ultravisor,ultravisor/main.c $(DB_SRCS) $(CONFIG_LIB_SRCS) lib/fmt.c))
