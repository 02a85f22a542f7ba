#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# mkiso.sh - wrap a Multiboot2 kernel (and modules) in a bootable GRUB ISO.
#
#   tools/mkiso.sh OUT.iso KERNEL.elf [--bios-only] [--cmdline "..."] [--module FILE NAME]...
#
# Default: hybrid BIOS+UEFI ISO (grub-mkrescue picks up every installed GRUB platform).
# --bios-only: small i386-pc-only ISO with the few modules the boot needs (for Bochs).
# NAME may be followed by the module's command line ("NAME ARGS..."): then ARGS, not NAME,
# is what the kernel sees (partition modules: "probe.elf partition name=p1 cpus=0 mem=8").
# The kernel is /boot/bulkhead.elf on the ISO; each module is /boot/NAME and gets NAME as
# its Multiboot2 command line. GRUB talks on COM1 (115200 8N1) as well as the console.
# Everything temporary lives in one directory that is removed on exit; OUT.iso is written
# under a temporary name and renamed, so a reader never sees a half-written image.
set -euo pipefail

usage() {
	echo "usage: $0 OUT.iso KERNEL.elf [--bios-only] [--cmdline \"...\"] [--module FILE NAME]..." >&2
	exit 2
}

die() {
	echo "mkiso: $*" >&2
	exit 1
}

[ $# -ge 2 ] || usage
out=$1
kernel=$2
shift 2
bios_only=0
cmdline=
mod_files=()
mod_names=()
mod_args=()

while [ $# -gt 0 ]; do
	case $1 in
	--bios-only) bios_only=1; shift ;;
	--cmdline) [ $# -ge 2 ] || usage; cmdline=$2; shift 2 ;;
	--module) [ $# -ge 3 ] || usage; mod_files+=("$2"); mod_names+=("${3%% *}")
		mod_args+=("$([[ $3 == *" "* ]] && echo "${3#* }" || echo "$3")"); shift 3 ;;
	*) usage ;;
	esac
done

[ -f "$kernel" ] || die "kernel $kernel: no such file"
for i in "${!mod_files[@]}"; do
	[ -f "${mod_files[$i]}" ] || die "module ${mod_files[$i]}: no such file"
	[[ ${mod_names[$i]} =~ ^[A-Za-z0-9._+-]+$ ]] ||
		die "module name '${mod_names[$i]}': use letters, digits and . _ + - only"
done

# GRUB's script parser would expand $ and split on ; | & etc.: quote every word of a
# command line on its own (quoting it whole would make GRUB pass the quotes on).
quote_words() {
	local out= w words
	read -r -a words <<<"$1"
	for w in ${words[@]+"${words[@]}"}; do
		[[ $w != *"'"* ]] || die "command line word $w: single quotes are not supported"
		out+=" '$w'"
	done
	echo "$out"
}
grub_words=$(quote_words "$cmdline")

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mkiso.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/iso/boot/grub"
cp "$kernel" "$tmp/iso/boot/bulkhead.elf"

# gfxpayload=text: GRUB-EFI otherwise tries to set a video mode for the kernel and prints
# "no suitable video mode found". No menuentry: the commands run as soon as GRUB reads them.
{
	echo "set timeout=0"
	echo "set gfxpayload=text"
	echo "serial --unit=0 --speed=115200"
	echo "terminal_input serial console"
	echo "terminal_output serial console"
	echo "multiboot2 /boot/bulkhead.elf$grub_words"
	for i in "${!mod_files[@]}"; do
		cp "${mod_files[$i]}" "$tmp/iso/boot/${mod_names[$i]}"
		echo "module2 /boot/${mod_names[$i]}$(quote_words "${mod_args[$i]}")"
	done
	echo "boot"
} >"$tmp/iso/boot/grub/grub.cfg"

args=(--fonts= --locales= --themes= --compress=no)
if [ $bios_only = 1 ]; then
	args+=(-d /usr/lib/grub/i386-pc
		--install-modules="multiboot2 normal serial terminal configfile echo boot")
fi

mkdir -p "$(dirname "$out")"
partial="$out.partial.$$"
trap 'rm -rf "$tmp" "$partial"' EXIT
if ! TMPDIR=$tmp grub-mkrescue "${args[@]}" -o "$partial" "$tmp/iso" >"$tmp/log" 2>&1; then
	cat "$tmp/log" >&2
	die "grub-mkrescue failed for $out"
fi
mv -f "$partial" "$out"
