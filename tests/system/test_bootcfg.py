# SPDX-License-Identifier: MIT
"""The config blob is validated at boot, before anything starts (issue 5): a valid blob is
accepted and partitions run; a corrupted or semantically bad blob is refused with errors
naming table, index and field, and no partition starts. QEMU -cpu max -smp 4, SeaBIOS."""
import re
import struct
import zlib

import pytest

import bhrun

GUEST_PV = bhrun.BUILD / "partitions" / "guest-pv.elf"
DEFAULT_BLOB = bhrun.BUILD / "examples" / "default.bin"
PARTITION_TABLE, CHECKSUM_START = 0, 0x10


def with_crc(blob: bytearray) -> bytes:
    total = struct.unpack_from("<I", blob, 0x08)[0]
    struct.pack_into("<I", blob, 0x0c, zlib.crc32(bytes(blob[CHECKSUM_START:total])))
    return bytes(blob)


def partition_offset(blob: bytes, index: int) -> int:
    off, count, size = struct.unpack_from("<III", blob, 0x20 + 16 * PARTITION_TABLE)
    assert index < count
    return off + index * size


def boot(name, blob_path):
    mods = [(blob_path, f"{blob_path.name} config"),
            (GUEST_PV, f"{GUEST_PV.name} partition name=g1 cpus=1 mem=16 -- exit=0")]
    iso = bhrun.iso_for("test=run", modules=mods)
    return bhrun.Qemu(iso=iso, timeout=60).run(f"bootcfg-{name}")


def started(r):
    return re.findall(r"^part: partition \S+: id", r.com1, re.M)


def test_valid_blob_is_accepted():
    r = boot("valid", DEFAULT_BLOB)
    assert re.search(r"^config: blob valid: 7 partitions, \d+ channels, \d+ devices, \d+ zones$",
                     r.com1, re.M), r.describe()
    assert "[g1] GUEST_DONE exit=0" in r.lines()
    assert r.status == 0


def test_bad_checksum_is_refused(tmp_path):
    blob = bytearray(DEFAULT_BLOB.read_bytes())
    blob[0x200] ^= 0x40  # inside the tables, checksum left stale
    bad = tmp_path / "bad-crc.bin"
    bad.write_bytes(blob)
    r = boot("bad-crc", bad)
    assert re.search(r"^config: header.*checksum", r.com1, re.M), r.describe()
    assert re.search(r"^config: blob \[0x[0-9a-f]+-0x[0-9a-f]+\) refused with 1 error\(s\): "
                     r"no partition started$", r.com1, re.M)
    assert not started(r) and "GUEST_DONE" not in r.com1
    assert r.status == 2


def test_semantic_error_is_refused(tmp_path):
    blob = bytearray(DEFAULT_BLOB.read_bytes())
    off = partition_offset(blob, 1)
    struct.pack_into("<Q", blob, off + 0x40, 0x1000)  # partitions[1].memory: not 2 MiB aligned
    bad = tmp_path / "bad-memory.bin"
    bad.write_bytes(with_crc(blob))
    r = boot("bad-memory", bad)
    assert re.search(r"^config: partitions\[1\]\.memory: ", r.com1, re.M), r.describe()
    assert "refused with" in r.com1 and "no partition started" in r.com1
    assert not started(r) and "GUEST_DONE" not in r.com1
    assert r.status == 2
