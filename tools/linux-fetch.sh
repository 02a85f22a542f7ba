#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# linux-fetch.sh - the stock Debian 12 kernel and a busybox initramfs for a Linux partition.
#
#   tools/linux-fetch.sh [OUT]          OUT defaults to build/linux
#   LINUX_PKG=linux-image-6.1.0-NN-amd64 tools/linux-fetch.sh    pin the kernel package
#
# Downloads (never installs) the kernel package linux-image-amd64 depends on and
# busybox-static into OUT/debs/, unpacks them into OUT/root-kernel/ and OUT/root-busybox/,
# and writes:
#   OUT/vmlinux            the ELF kernel, XZ payload of the bzImage (entry 0x1000000)
#   OUT/bzImage            the kernel as shipped (for the plain-QEMU baseline)
#   OUT/release            e.g. 6.1.0-57-amd64
#   OUT/init_size          the bzImage header's init_size (0x260), decimal
#   OUT/initramfs.cpio.gz  busybox, the virtio and ext4 modules, dev/console, guest-linux/init
# Incremental: a step runs only when its input changed (kernel package, busybox package,
# guest-linux/init, this script, tools/mkinitramfs.py); with everything there it takes
# about a second. Offline, it goes on with the packages already in OUT/debs/.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SELF=$REPO/tools/linux-fetch.sh
INIT=$REPO/guest-linux/init
MKINITRAMFS=$REPO/tools/mkinitramfs.py
mkdir -p "${1:-$REPO/build/linux}"
OUT=$(cd "${1:-$REPO/build/linux}" && pwd)
DEBS=$OUT/debs

# What guest-linux/init loads; their dependencies come from modules.dep.
MODULES="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk
	failover net_failover virtio_net virtio_console crc16 mbcache jbd2 crc32c_generic ext4"

log() { echo "linux-fetch: $*"; }
die() {
	echo "linux-fetch: $*" >&2
	exit 1
}

# le FILE OFFSET SIZE: the little-endian unsigned SIZE-byte number at OFFSET, in decimal.
le() { od -An --endian=little -t "u$3" -j "$(($2))" -N "$3" "$1" | tr -d ' '; }
# hexbytes FILE OFFSET COUNT: "7f 45 4c 46"
hexbytes() { od -An -t x1 -j "$(($2))" -N "$3" "$1" | xargs; }

# The .deb of package $1 in $DEBS, or nothing.
deb_of() { compgen -G "$DEBS/${1}_*.deb" | head -n1 || true; }

# The kernel package: $LINUX_PKG, else what linux-image-amd64 depends on, else (offline)
# the one already downloaded.
kernel_pkg() {
	local pkg deb
	[ -n "${LINUX_PKG:-}" ] && { echo "$LINUX_PKG"; return; }
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }')
	if [ -z "$pkg" ]; then
		deb=$(compgen -G "$DEBS/linux-image-*.deb" | head -n1 || true)
		[ -n "$deb" ] || die "apt-cache knows no linux-image-amd64 (apt-get update?), none in $DEBS"
		pkg=$(dpkg-deb -f "$deb" Package)
	fi
	echo "$pkg"
}

# fetch PKG...: apt-get download the packages that have no .deb in $DEBS yet. Into a
# scratch directory first, so that an interrupted download leaves no half .deb behind.
fetch() {
	local p missing=() t0=$SECONDS
	for p in "$@"; do [ -n "$(deb_of "$p")" ] || missing+=("$p"); done
	[ ${#missing[@]} -gt 0 ] || return 0
	log "downloading ${missing[*]}"
	rm -rf "$DEBS/partial" && mkdir -p "$DEBS/partial"
	(cd "$DEBS/partial" && apt-get download -q "${missing[@]}")
	mv "$DEBS"/partial/*.deb "$DEBS"/ && rmdir "$DEBS/partial"
	log "downloaded in $((SECONDS - t0)) s"
}

# unpack DEB DIR: dpkg-deb -x DEB into a fresh DIR unless DIR/.deb names DEB already.
# Returns 0 when it unpacked (DIR/.deb is then newer than everything built from DIR).
unpack() {
	[ "$(cat "$2/.deb" 2>/dev/null)" != "$(basename "$1")" ] || return 1
	log "unpacking $(basename "$1")"
	rm -rf "$2" && mkdir -p "$2"
	dpkg-deb -x "$1" "$2"
	basename "$1" >"$2/.deb"
}

# extract_vmlinux BZIMAGE OUT: the ELF vmlinux inside the bzImage (Documentation/x86/
# boot.rst): the protected-mode code starts at (setup_sects + 1) * 512; the compressed
# kernel is at payload_offset (0x248) from there, payload_length (0x24c) bytes long, an XZ
# stream followed by its 4-byte uncompressed size (hence --single-stream).
extract_vmlinux() {
	local bz=$1 pm off len
	[ "$(hexbytes "$bz" 0x202 4)" = "48 64 72 53" ] || die "$bz: no \"HdrS\" setup header"
	pm=$((($(le "$bz" 0x1f1 1) + 1) * 512))
	off=$((pm + $(le "$bz" 0x248 4)))
	len=$(le "$bz" 0x24c 4)
	[ "$(hexbytes "$bz" "$off" 6)" = "fd 37 7a 58 5a 00" ] ||
		die "$bz: payload at $off is not XZ (kernel built with another compressor?)"
	dd if="$bz" bs=1M iflag=skip_bytes,count_bytes skip="$off" count="$len" status=none |
		xz -dc --single-stream >"$2.tmp"
	# ELF magic, ELFCLASS64, little endian, ET_EXEC, x86-64
	if [ "$(hexbytes "$2.tmp" 0 6)" != "7f 45 4c 46 02 01" ] ||
		[ "$(le "$2.tmp" 0x10 2)" != 2 ] || [ "$(le "$2.tmp" 0x12 2)" != 62 ]; then
		die "$bz: payload is not an ELF64 x86-64 executable"
	fi
	mv "$2.tmp" "$2"
	log "vmlinux: $(stat -c %s "$2") bytes, entry $(printf %#x "$(le "$2" 0x18 8)"): $(file -b "$2")"
}

# module_paths ROOT REL: the paths (under lib/modules/REL) of $MODULES and everything they
# depend on, from ROOT's modules.dep (whose lines list all dependencies, transitively).
# Built-in modules need no file.
module_paths() {
	local dir=$1/lib/modules/$2 m line found
	for m in $MODULES; do
		line=$(awk -F: -v m="$m" '{ n = $1; sub(/.*\//, "", n); sub(/\.ko.*/, "", n);
			gsub(/-/, "_", n); if (n == m) { print; exit } }' "$dir/modules.dep")
		if [ -n "$line" ]; then
			echo "${line/:/}" | tr ' ' '\n'
			continue
		fi
		found=$(sed 's/.*\///; s/\.ko.*//; s/-/_/g' "$dir/modules.builtin" | grep -xF "$m" || true)
		[ -n "$found" ] || die "module $m: neither in modules.dep nor built in ($2)"
	done | grep -v '^$' | sort -u
}

# build_initramfs REL: OUT/initramfs-root/ (kept for inspection) -> OUT/initramfs.cpio.gz
build_initramfs() {
	local rel=$1 st=$OUT/initramfs-root kmods=$OUT/root-kernel/lib/modules/$1 bb applets mods a p
	bb=$OUT/root-busybox/bin/busybox
	applets=$("$bb" --list-full) # bin/sh, sbin/modprobe, usr/bin/...
	mods=$(module_paths "$OUT/root-kernel" "$rel")
	rm -rf "$st" && mkdir -p "$st"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,root,etc}
	install -m 0755 "$bb" "$st/bin/busybox"
	for a in $applets; do
		[ -e "$st/$a" ] || ln -s /bin/busybox "$st/$a"
	done
	for p in $mods; do
		install -D -m 0644 "$kmods/$p" "$st/lib/modules/$rel/$p"
	done
	for p in modules.order modules.builtin modules.builtin.modinfo; do
		[ ! -f "$kmods/$p" ] || cp "$kmods/$p" "$st/lib/modules/$rel/"
	done
	depmod -b "$st" "$rel"
	install -m 0755 "$INIT" "$st/init"
	/usr/bin/python3 "$MKINITRAMFS" "$st" "$OUT/initramfs.cpio.gz" --node dev/console:c:5:1
	log "initramfs: $(stat -c %s "$OUT/initramfs.cpio.gz") bytes," \
		"$(find "$st/lib/modules" -name '*.ko*' | wc -l) modules"
}

# newer TARGET FILE...: true when TARGET is missing or a FILE is newer.
newer() {
	local t=$1 f
	shift
	[ -e "$t" ] || return 0
	for f in "$@"; do [ "$f" -nt "$t" ] && return 0; done
	return 1
}

main() {
	local pkg kdeb bdeb rel bz
	pkg=$(kernel_pkg)
	mkdir -p "$DEBS"
	fetch "$pkg" busybox-static
	kdeb=$(deb_of "$pkg")
	bdeb=$(deb_of busybox-static)
	[ -n "$kdeb" ] || die "apt-get download left no .deb for $pkg"
	[ -n "$bdeb" ] || die "apt-get download left no .deb for busybox-static"

	# A new kernel package: the modules get their modules.dep (Debian ships none).
	if unpack "$kdeb" "$OUT/root-kernel"; then
		rel=$(basename "$(compgen -G "$OUT/root-kernel/lib/modules/*" | head -n1)")
		depmod -b "$OUT/root-kernel" "$rel"
	fi
	unpack "$bdeb" "$OUT/root-busybox" || true
	rel=$(basename "$(compgen -G "$OUT/root-kernel/lib/modules/*" | head -n1)")
	bz=$OUT/root-kernel/boot/vmlinuz-$rel
	[ -f "$bz" ] || die "$kdeb: no boot/vmlinuz-$rel"

	if newer "$OUT/vmlinux" "$OUT/root-kernel/.deb" "$SELF"; then
		extract_vmlinux "$bz" "$OUT/vmlinux"
		cp "$bz" "$OUT/bzImage"
		echo "$rel" >"$OUT/release"
		le "$bz" 0x260 4 >"$OUT/init_size"
	fi
	if newer "$OUT/initramfs.cpio.gz" "$OUT/root-kernel/.deb" "$OUT/root-busybox/.deb" \
		"$INIT" "$SELF" "$MKINITRAMFS"; then
		build_initramfs "$rel"
	fi
	log "$rel ready in $OUT (vmlinux, bzImage, initramfs.cpio.gz)"
}

main
