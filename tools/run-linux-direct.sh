#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run-linux-direct.sh - boot build/linux/bzImage + initramfs.cpio.gz under plain QEMU (TCG),
# without Bulkhead: the baseline the Linux-partition benchmarks compare with.
#
#   tools/run-linux-direct.sh [QEMU ARGS...]     e.g. -drive file=d.img,if=virtio,format=raw
#   LINUX_DIR=build/linux  LINUX_APPEND="..."   (extra kernel command line)
#
# The serial console (ttyS0) is this terminal (Ctrl-A X quits QEMU). No network: -nic none.
# panic=-1 + -no-reboot: a kernel panic ends QEMU instead of hanging.
# Build the inputs first: make linux (or tools/linux-fetch.sh).
set -euo pipefail

dir=${LINUX_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build/linux}
for f in bzImage initramfs.cpio.gz; do
	[ -f "$dir/$f" ] || { echo "run-linux-direct: no $dir/$f (make linux)" >&2; exit 1; }
done

exec qemu-system-x86_64 -M pc -accel tcg -cpu max -m 512 -smp 2 \
	-kernel "$dir/bzImage" -initrd "$dir/initramfs.cpio.gz" \
	-append "console=ttyS0 panic=-1 ${LINUX_APPEND:-}" \
	-nographic -no-reboot -nic none "$@"
