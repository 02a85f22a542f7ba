# SPDX-License-Identifier: MIT
# bench/: benchmark partitions and `make bench` (never part of make test).
#   make bench                      every benchmark (tools/bench.py, docs/bench.md)
#   make bench BENCH_ONLY="linux.boot svm"   those named
# The Linux benchmarks need the kernel and initramfs (make linux, which downloads them the
# first time) and bhexits, the guest-side exit counter they type into the guest.
$(eval $(call PARTITION,hcbench,bench/hcbench.c))

BHEXITS := $(BUILD)/linux/bhexits

# A static Linux x86-64 program without libc, one RWX segment (-N) to stay ~1.3 KB: it is
# typed into the guest through the console.
$(BHEXITS): guest-linux/bhexits.c bench/bench.mk
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) -std=c11 -Os -Wall -Wextra -Werror -static -nostdlib -ffreestanding \
		-fno-builtin -fno-pie -no-pie -fno-stack-protector -fno-asynchronous-unwind-tables \
		-mgeneral-regs-only -Wl,-N,--build-id=none,--no-warn-rwx-segments -s -o $@ $<

bench: deps-check
	@$(MAKE) --no-print-directory all linux $(BHEXITS)
	@$(PYTHON) tools/bench.py $(BENCH_ONLY)

.PHONY: bench
$(eval $(call PARTITION,sigbench,bench/sigbench.c))
