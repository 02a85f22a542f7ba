# SPDX-License-Identifier: MIT
"""The config blob is validated at boot, before anything starts (issues 5 and 6): the
ultravisor, the first partition, validates it with the shared validator. A valid blob is
accepted and the partitions it names run; a corrupted or semantically bad blob is refused
with errors naming table, index and field, and no other partition starts.
QEMU -cpu max -smp 4, SeaBIOS."""
import re
import struct
import zlib

import pytest

import bhrun

GUEST_PV = bhrun.BUILD / "partitions" / "guest-pv.elf"
IOPART = bhrun.BUILD / "partitions" / "iopart.elf"
DEFAULT_BLOB = bhrun.BUILD / "examples" / "default.bin"
MEM_MIB = 1024  # default.yaml's pool: 128 MiB .. 896 MiB
PARTITION_TABLE, CHECKSUM_START = 0, 0x10


def with_crc(blob: bytearray) -> bytes:
    total = struct.unpack_from("<I", blob, 0x08)[0]
    struct.pack_into("<I", blob, 0x0c, zlib.crc32(bytes(blob[CHECKSUM_START:total])))
    return bytes(blob)


def partition_offset(blob: bytes, index: int) -> int:
    off, count, size = struct.unpack_from("<III", blob, 0x20 + 16 * PARTITION_TABLE)
    assert index < count
    return off + index * size


def boot(name, blob_path, limit=""):
    mods = [(blob_path, f"{blob_path.name} config"), (GUEST_PV, f"{GUEST_PV.name} guest-pv"),
            (IOPART, f"{IOPART.name} iopart")]
    iso = bhrun.iso_for("test=run" + limit, modules=mods)
    return bhrun.Qemu(iso=iso, mem_mib=MEM_MIB, timeout=90).run(f"bootcfg-{name}")


def started(r):
    """Partitions other than the ultravisor that were given a view (the monitor log)."""
    return re.findall(r"^uv: partition \S+: id \d+ view installed", r.com2, re.M)


def refused(r, errors):
    assert f"[ultravisor] ultravisor: config refused with {errors} error(s): nothing started" \
        in r.lines(), r.describe()
    assert "part: partition ultravisor: exited, status 2" in r.lines()
    assert not started(r) and "GUEST_DONE" not in r.com1


def test_valid_blob_is_accepted():
    r = boot("valid", DEFAULT_BLOB, " limit=12000")
    assert re.search(r"^\[ultravisor\] ultravisor: database generation 1, pool 768 MiB, \d+ "
                     r"MiB free$", r.com1, re.M), r.describe()
    assert len(started(r)) == 8  # every partition but the ultravisor, loaded or not
    for part, image in (("linux-dm", "devmodel"), ("linux", "vmlinux")):  # no such modules
        assert f'[ultravisor] ultravisor: {part}: image "{image}" is not among the boot ' \
            "modules: not loaded" in r.lines(), r.describe()
    # iopart-a owns COM1 from then on: the partitions' console channels come out there, the
    # lines they write through the monitor's hypercall (GUEST_DONE) on COM2
    for guest in ("guest-1", "guest-2"):  # the two whose image is a module
        assert f"[{guest}] GUEST_DONE exit=0" in r.lines("com2"), r.describe()
        assert f"[ultravisor] ultravisor: {guest} exited (status 0)" in r.lines()


def test_bad_checksum_is_refused(tmp_path):
    blob = bytearray(DEFAULT_BLOB.read_bytes())
    blob[0x200] ^= 0x40  # inside the tables, checksum left stale
    bad = tmp_path / "bad-crc.bin"
    bad.write_bytes(blob)
    r = boot("bad-crc", bad)
    assert re.search(r"^\[ultravisor\] ultravisor: config: header.*checksum", r.com1, re.M), \
        r.describe()
    refused(r, 1)


def test_semantic_error_is_refused(tmp_path):
    blob = bytearray(DEFAULT_BLOB.read_bytes())
    off = partition_offset(blob, 1)
    struct.pack_into("<Q", blob, off + 0x40, 0x1000)  # partitions[1].memory: not 2 MiB aligned
    bad = tmp_path / "bad-memory.bin"
    bad.write_bytes(with_crc(blob))
    r = boot("bad-memory", bad)
    assert re.search(r"^\[ultravisor\] ultravisor: config: partitions\[1\]\.memory: ", r.com1,
                     re.M), r.describe()
    assert "config refused with" in r.com1
    refused(r, len(re.findall(r"^\[ultravisor\] ultravisor: config: ", r.com1, re.M)))
