# SPDX-License-Identifier: MIT
# bench/: benchmark partitions and `make bench` (never part of make test).
$(eval $(call PARTITION,hcbench,bench/hcbench.c))

bench: deps-check
	@$(MAKE) --no-print-directory all
	@$(PYTHON) tools/bench.py

.PHONY: bench
$(eval $(call PARTITION,sigbench,bench/sigbench.c))
