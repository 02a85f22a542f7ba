#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# build-newlib.sh - build newlib's libc and libm once, for Bulkhead partitions, with host gcc.
#
#   tools/build-newlib.sh OUT [JOBS]
#
# Installs OUT/include/ and OUT/lib/{libc.a,libm.a} and writes OUT/.stamp holding this
# script's sha256: when the stamp matches, the script only touches it and exits, so newlib
# is built once per version of this script. Work happens in OUT.work/ and the result is
# renamed into place at the end, so an interrupted build never leaves a half OUT behind.
#
# How: newlib's top-level configure with --target=x86_64-elf and every *_FOR_TARGET tool
# set to the host's gcc and binutils (they emit ELF64 x86-64 code; only the C library
# differs). -nostdinc keeps glibc's /usr/include out; gcc's own include/ comes first, as for
# a real cross compiler. Code model of partitions (see lib/rt/rt.mk): static, non-PIC, linked
# at 0x200000, CPL 0 with interrupts possible on the same stack (hence no red zone).
# SSE stays on: the x86-64 ABI passes double in XMM registers, so libm and printf's %f cannot
# be built without SSE (gcc: "SSE register return with SSE disabled"); the monitor keeps
# each vCPU's x87/SSE state instead.
set -euo pipefail

# Called from make: keep the outer make's flags and variables (BUILD=, CC=, V=, -j) and any
# compiler settings in the environment out of newlib's own configure and make.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES GNUMAKEFLAGS CC CFLAGS CPPFLAGS LDFLAGS LIBS \
	CPP CXX CXXFLAGS AR AS LD NM RANLIB OBJCOPY OBJDUMP STRIP

out=${1:?usage: build-newlib.sh OUT [JOBS]}
jobs=${2:-2}
tarball=${NEWLIB_TARBALL:-/usr/src/newlib/newlib-3.3.0.tar.xz}
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
hash=$(sha256sum "$self" | cut -d' ' -f1)

mkdir -p "$(dirname "$out")"
out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
if [ -f "$out/.stamp" ] && [ "$(cat "$out/.stamp")" = "$hash" ]; then
	touch "$out/.stamp"
	exit 0
fi
[ -f "$tarball" ] || { echo "build-newlib: $tarball missing (apt-get install newlib-source)" >&2; exit 1; }

work=$out.work
rm -rf "$work"
mkdir -p "$work/src" "$work/obj" "$work/inst"
echo "  NEWLIB  unpacking $tarball"
tar -xJf "$tarball" -C "$work/src" --strip-components=1

gccinc=$(gcc -print-file-name=include)
cflags="-O2 -g -mno-red-zone -fno-pic -fno-pie -fno-stack-protector -mcmodel=small"
cflags+=" -fno-asynchronous-unwind-tables -ffunction-sections -fdata-sections"

echo "  NEWLIB  configure (log: $work/configure.log)"
(
	cd "$work/obj"
	../src/configure --target=x86_64-elf --prefix="$work/inst" \
		CC_FOR_TARGET="gcc -nostdinc -isystem $gccinc" \
		AS_FOR_TARGET=as AR_FOR_TARGET=ar LD_FOR_TARGET=ld NM_FOR_TARGET=nm \
		RANLIB_FOR_TARGET=ranlib OBJDUMP_FOR_TARGET=objdump READELF_FOR_TARGET=readelf \
		STRIP_FOR_TARGET=strip \
		CFLAGS_FOR_TARGET="$cflags" \
		--disable-multilib --disable-nls \
		--disable-newlib-supplied-syscalls \
		--disable-newlib-multithread \
		--enable-newlib-nano-malloc \
		--enable-newlib-reent-small \
		--enable-newlib-global-atexit \
		--enable-lite-exit \
		--disable-newlib-fvwrite-in-streamio \
		--disable-newlib-wide-orient \
		--enable-newlib-io-long-long \
		--enable-newlib-io-c99-formats
) >"$work/configure.log" 2>&1 || { tail -30 "$work/configure.log" >&2; exit 1; }

echo "  NEWLIB  make -j$jobs (log: $work/make.log)"
make -C "$work/obj" -j"$jobs" all-target-newlib >"$work/make.log" 2>&1 ||
	{ tail -40 "$work/make.log" >&2; exit 1; }
make -C "$work/obj" install-target-newlib >>"$work/make.log" 2>&1 ||
	{ tail -40 "$work/make.log" >&2; exit 1; }

stage=$work/out
mkdir -p "$stage/lib"
cp -a "$work/inst/x86_64-elf/include" "$stage/include"
cp "$work/inst/x86_64-elf/lib/libc.a" "$work/inst/x86_64-elf/lib/libm.a" "$stage/lib/"
echo "$hash" >"$stage/.stamp"
rm -rf "$out"
mv "$stage" "$out"
rm -rf "$work"
echo "  NEWLIB  installed in $out"
