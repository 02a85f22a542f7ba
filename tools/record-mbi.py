#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""record-mbi.py - record real Multiboot2 information blocks as unit-test fixtures.

Boots the image with test=dump-mbi under QEMU with SeaBIOS and with OVMF, reads the hex
dump the monitor prints on COM2 (monitor/testhook.c) and writes
tests/unit/data/mbi-bios.bin and tests/unit/data/mbi-uefi.bin. Run after `make`:

    /usr/bin/python3 tools/record-mbi.py
"""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "system"))
import bhrun  # noqa: E402

LINE = re.compile(r"^mbi-dump ([0-9a-f]{6}) ([0-9a-f]*)$", re.M)
BEGIN = re.compile(r"^mbi-dump begin (\d+)$", re.M)


def record(firmware: str, out: Path) -> None:
    r = bhrun.Qemu(firmware=firmware, iso=bhrun.iso_for("test=dump-mbi")).run(
        f"record-mbi-{firmware}")
    begin = BEGIN.search(r.com2)
    if not begin or "mbi-dump end" not in r.com2:
        sys.exit(f"record-mbi: no complete dump from {firmware}: {r.describe()}")
    data = bytearray()
    for off, hexbytes in LINE.findall(r.com2):
        if int(off, 16) != len(data):
            sys.exit(f"record-mbi: {firmware}: gap at offset {off}")
        data += bytes.fromhex(hexbytes)
    if len(data) != int(begin.group(1)):
        sys.exit(f"record-mbi: {firmware}: {len(data)} bytes, expected {begin.group(1)}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(bytes(data))
    print(f"record-mbi: {firmware}: {len(data)} bytes -> {out.relative_to(ROOT)}")


if __name__ == "__main__":
    record("bios", ROOT / "tests/unit/data/mbi-bios.bin")
    record("ovmf", ROOT / "tests/unit/data/mbi-uefi.bin")
