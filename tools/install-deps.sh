#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# install-deps.sh - install every Debian package the build, run and tests need.
# Idempotent: installs only what is missing, by package name, with apt-get.
set -euo pipefail

PACKAGES=(
	# build
	build-essential nasm binutils clang lld
	# host tools and unit tests
	libyaml-dev libcmocka-dev pkg-config
	# boot media
	grub-common grub-pc-bin grub-efi-amd64-bin xorriso mtools dosfstools
	# emulators and firmware
	qemu-system-x86 ovmf seabios bochs bochs-term bochsbios vgabios
	# system tests
	python3 python3-pytest python3-pexpect
	# partitions (newlib built from source) and the EFI application
	newlib-source gnu-efi
	# the Linux partition's kernel and initramfs (tools/linux-fetch.sh)
	kmod xz-utils file
)

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
