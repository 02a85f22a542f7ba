#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# mkesp.sh - a FAT image of an EFI system partition that boots Bulkhead through bulkhead.efi.
#
#   tools/mkesp.sh OUT.img EFIAPP KERNEL [--cmdline "..."] [--module FILE "NAME [ARGS...]"]...
#                  [--cfg FILE] [--file FILE NAME]...
#
# The image holds EFI/BOOT/BOOTX64.EFI (EFIAPP, the removable-media path every UEFI firmware
# tries), and beside it bulkhead.elf (KERNEL), each module as NAME, and bulkhead.cfg:
#   kernel bulkhead.elf, cmdline ..., one "module NAME ARGS" line per module (ARGS, the
#   module's command line, default to NAME, as in mkiso.sh)
# --cfg FILE: use FILE as bulkhead.cfg instead (its files must be given with --module or
# --file); --file FILE NAME: copy FILE beside the application as NAME, nothing else.
# FAT32, sized to the contents (64 MiB at least). Built with mtools: no root, no loop device.
# OUT.img is written under a temporary name and renamed, so a reader never sees half of it.
set -euo pipefail

usage() {
	echo "usage: $0 OUT.img EFIAPP KERNEL [--cmdline \"...\"] [--module FILE \"NAME [ARGS]\"]..." \
		"[--cfg FILE] [--file FILE NAME]..." >&2
	exit 2
}

die() {
	echo "mkesp: $*" >&2
	exit 1
}

[ $# -ge 3 ] || usage
out=$1
app=$2
kernel=$3
shift 3
cmdline=
cfg=
files=()   # source files
names=()   # their names in EFI/BOOT
lines=()   # module lines of the generated bulkhead.cfg

while [ $# -gt 0 ]; do
	case $1 in
	--cmdline) [ $# -ge 2 ] || usage; cmdline=$2; shift 2 ;;
	--module) [ $# -ge 3 ] || usage; files+=("$2"); names+=("${3%% *}")
		lines+=("module $3"); shift 3 ;;
	--cfg) [ $# -ge 2 ] || usage; cfg=$2; shift 2 ;;
	--file) [ $# -ge 3 ] || usage; files+=("$2"); names+=("$3"); shift 3 ;;
	*) usage ;;
	esac
done

for f in "$app" "$kernel" "${files[@]}" ${cfg:+"$cfg"}; do
	[ -f "$f" ] || die "$f: no such file"
done
for n in "${names[@]}"; do
	[[ $n =~ ^[A-Za-z0-9._+-]+$ ]] || die "file name '$n': use letters, digits and . _ + - only"
done
[[ $cmdline != *$'\n'* ]] || die "the command line may not hold a line break"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mkesp.XXXXXX")
partial="$out.partial.$$"
trap 'rm -rf "$tmp" "$partial"' EXIT

if [ -n "$cfg" ]; then
	cp "$cfg" "$tmp/bulkhead.cfg"
else
	{
		echo "# bulkhead.cfg - written by tools/mkesp.sh; format: docs/boot.md"
		echo "kernel bulkhead.elf"
		[ -z "$cmdline" ] || echo "cmdline $cmdline"
		for l in "${lines[@]}"; do echo "$l"; done
	} >"$tmp/bulkhead.cfg"
fi

# Size: the contents, a quarter more and 16 MiB for FAT32 metadata; at least 64 MiB (FAT32
# needs 65525 clusters).
bytes=$(cat "$app" "$kernel" "${files[@]}" "$tmp/bulkhead.cfg" | wc -c)
mib=$(( bytes * 5 / 4 / 1048576 + 16 ))
[ $mib -ge 64 ] || mib=64

export MTOOLS_SKIP_CHECK=1
mkdir -p "$(dirname "$out")"
mformat -i "$partial" -C -T $(( mib * 2048 )) -h 64 -s 32 -F -v BULKHEAD :: ||
	die "mformat failed for $out"
mmd -i "$partial" ::/EFI ::/EFI/BOOT
mcopy -i "$partial" "$app" ::/EFI/BOOT/BOOTX64.EFI
mcopy -i "$partial" "$kernel" ::/EFI/BOOT/bulkhead.elf
mcopy -i "$partial" "$tmp/bulkhead.cfg" ::/EFI/BOOT/bulkhead.cfg
for i in "${!files[@]}"; do
	mcopy -o -i "$partial" "${files[$i]}" "::/EFI/BOOT/${names[$i]}"
done
mv -f "$partial" "$out"
