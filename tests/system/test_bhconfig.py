# SPDX-License-Identifier: MIT
"""test_bhconfig.py - the config compiler on the host, no emulator.

Every example compiles, checks and round-trips through dump byte for byte; every bad source in
tests/config-bad/ fails `bhconfig check` with the message its first line names
(`# expect: MESSAGE`) at the line marked `# <-`; bad blobs are reported by table, index and
field. The tool is $BHCONFIG, else build/tools/bhconfig (make bhconfig)."""

import os
import re
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
BAD = sorted((ROOT / "tests" / "config-bad").glob("*.yaml"))
MIB = 1 << 20

HEADER = struct.Struct("<IHHIIIIQ")  # magic .. reserved_0x18: the fixed part, 0x20 bytes
TABLE = struct.Struct("<IIII")       # offset, count, entry_size, reserved
PARTITIONS, POOL = 0, 1


@pytest.fixture(scope="session")
def bhconfig():
    path = Path(os.environ.get("BHCONFIG", ROOT / "build" / "tools" / "bhconfig"))
    if not path.exists():
        pytest.fail(f"{path} missing: build it with `make bhconfig`")
    return path


def run(tool, *args):
    return subprocess.run([str(tool), *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)


def compile_(tool, src, out):
    r = run(tool, "compile", src, "-o", out)
    assert r.returncode == 0, r.stderr
    return out.read_bytes()


def table(blob, t):
    return TABLE.unpack_from(blob, 0x20 + t * TABLE.size)


def fix_checksum(blob):
    blob = bytearray(blob)
    total = struct.unpack_from("<I", blob, 8)[0]
    struct.pack_into("<I", blob, 12, zlib.crc32(bytes(blob[16:total])))
    return bytes(blob)


@pytest.mark.parametrize("src", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_round_trip(bhconfig, src, tmp_path):
    blob = compile_(bhconfig, src.relative_to(ROOT), tmp_path / "a.bin")
    assert run(bhconfig, "check", src.relative_to(ROOT)).returncode == 0
    assert run(bhconfig, "check", tmp_path / "a.bin").returncode == 0
    dump = run(bhconfig, "dump", tmp_path / "a.bin")
    assert dump.returncode == 0, dump.stderr
    (tmp_path / "dump.yaml").write_text(dump.stdout)
    again = compile_(bhconfig, tmp_path / "dump.yaml", tmp_path / "b.bin")
    assert again == blob, "compile(dump(blob)) differs from blob"
    assert run(bhconfig, "dump", tmp_path / "b.bin").stdout == dump.stdout


@pytest.mark.parametrize("src", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_blob_layout(bhconfig, src, tmp_path):
    """The blob as another reader sees it: magic, size, CRC-32 as zlib computes it."""
    blob = compile_(bhconfig, src.relative_to(ROOT), tmp_path / "a.bin")
    magic, version, tables, total, checksum, cpus, flags, _ = HEADER.unpack_from(blob)
    assert (magic, version, tables, total, flags) == (0x47464342, 2, 6, len(blob), 0)
    assert blob[:4] == b"BCFG"
    assert checksum == zlib.crc32(blob[16:])
    assert 1 <= cpus <= 64


# (example, MiB of RAM of the QEMU machine that boots it, MiB left below the pool to the
# monitor and the boot modules GRUB loads low). default's modules include linux's 66 MB
# vmlinux and its initramfs: its pool starts at 128 MiB and ends at 896, for the 1 GiB
# machine of `make run` (tools/tools.mk), test_iopart.py and test_bootcfg.py.
@pytest.mark.parametrize("name,mib,low", [("default", 1024, 128), ("minimal", 256, 32)])
def test_example_fits_machine(bhconfig, name, mib, low, tmp_path):
    blob = compile_(bhconfig, Path("examples") / f"{name}.yaml", tmp_path / "a.bin")
    off, count, size, _ = table(blob, POOL)
    for i in range(count):
        base, length = struct.unpack_from("<QQ", blob, off + i * size)
        assert base >= low * MIB, f"pool range {i} starts below {low} MiB"
        assert base + length <= mib * MIB, f"pool range {i} ends past {mib} MiB"


def expectation(path):
    lines = path.read_text().splitlines()
    m = re.match(r"# expect: (.*)$", lines[0])
    assert m, f"{path}: first line must be '# expect: MESSAGE'"
    marked = [i + 1 for i, line in enumerate(lines) if line.rstrip().endswith("# <-")]
    assert len(marked) <= 1, f"{path}: more than one '# <-' marker"
    return m.group(1), marked[0] if marked else None


@pytest.mark.parametrize("src", BAD, ids=[p.stem for p in BAD])
def test_bad_source(bhconfig, src, tmp_path):
    message, line = expectation(src)
    rel = src.relative_to(ROOT)
    r = run(bhconfig, "check", rel)
    assert r.returncode == 1, r.stderr
    where = f"{rel}:{line}:\\d+: " if line else f"{rel}: "
    pattern = re.compile("^" + where + re.escape(message) + "$", re.M)
    assert pattern.search(r.stderr), f"want {where}{message}\ngot:\n{r.stderr}"
    r = run(bhconfig, "compile", rel, "-o", tmp_path / "out.bin")
    assert r.returncode == 1 and not (tmp_path / "out.bin").exists()


def test_every_check_has_a_bad_source():
    names = {p.stem for p in BAD}
    checks = ["version", "names", "names-unique", "strings", "image", "reserved", "align",
              "ref-zone", "ref-policy", "kind-singletons", "iopart-present",
              "device-owner-kind", "device-twice", "channel-endpoints", "channel-kinds",
              "channel-device", "cpu-range", "cpu-twice", "cpu-dedicated",
              "zone-cpus-disjoint", "zone-cpu-budget", "zone-memory-budget", "pool-overlap",
              "fixed-in-pool", "fixed-overlap", "pool-capacity", "mmio-overlap",
              "ports-overlap", "irq-shared", "policy-kinds", "policy-max-partitions",
              "policy-restart", "policy-failover", "devmodel-guest", "linux-devmodel",
              "linux-server", "linux-console", "devmodel-channels", "linux-memory"]
    missing = [c for c in checks if c not in names]
    assert not missing and "limits-vcpus" in names and "limits-table-count" in names, missing


# A linux partition and its device model (docs/config.md, "Full virtualization"), beside
# the system partitions and a paravirtual guest; the same as tests/unit/config_build.h's
# good_linux() and the base of tests/config-bad/{linux,devmodel}-*.yaml.
LINUX_SOURCE = """\
version: 2
cpus: 6
memory-pool:
  - {base: 0x4000000, size: 704M}
policies:
  - {name: system, kinds: [ultravisor, command, opspolicy, iopart], restart: restart, restart-max: 3}
  - {name: guests, kinds: [guest], max-partitions: 2, restart: restart, restart-max: 5, failover: iopart}
  - {name: vms, kinds: [linux, devmodel], restart: restart, restart-max: 5, failover: iopart}
zones:
  - {name: system, cpus: [0, 1], memory: 256M, policy: system}
  - {name: guests, cpus: [2, 3], memory: 128M, policy: guests}
  - {name: vms, cpus: [4, 5], memory: 320M, policy: vms}
partitions:
  - {name: ultravisor, kind: ultravisor, zone: system, cpus: [0], memory: 32M}
  - {name: command, kind: command, zone: system, cpus: [0], memory: 16M, image: command}
  - {name: opspolicy, kind: opspolicy, zone: system, cpus: [0], memory: 16M, image: opspolicy}
  - {name: iopart-a, kind: iopart, zone: system, cpus: [1], memory: 64M, image: iopart}
  - {name: iopart-b, kind: iopart, zone: system, cpus: [1], memory: 64M, image: iopart}
  - {name: guest-1, kind: guest, zone: guests, cpus: [2, 3], memory: 64M, restart: restart, restart-max: 3, image: guest-pv}
  - {name: linux, kind: linux, zone: vms, cpus: [4, 5], memory: 256M, image: vmlinux, initrd: initramfs, cmdline: "console=ttyS0"}
  - {name: linux-dm, guest: linux, kind: devmodel, zone: vms, cpus: [5], memory: 16M, image: devmodel}
devices:
  - {name: com1, class: serial, owner: iopart-a, ports: [0x3f8-0x3ff], irqs: [4]}
  - {name: nvme-a, class: storage, owner: iopart-a, pci: "00:04.0"}
  - {name: nvme-b, class: storage, owner: iopart-b, pci: "00:05.0"}
channels:
  - {name: console-guest-1, type: console, server: iopart-a, client: guest-1, device: com1, size: 64K}
  - {name: block-a, type: block, server: iopart-a, client: guest-1, device: nvme-a, size: 1M}
  - {name: block-b, type: block, server: iopart-b, client: guest-1, device: nvme-b, size: 1M}
  - {name: console-linux, type: console, server: iopart-a, client: linux, device: com1, size: 64K}
  - {name: block-linux, type: block, server: iopart-a, client: linux, device: nvme-a, size: 1M}
"""
P_KIND, P_GUEST, P_INITRD = 0x20, 0x58, 0x1a0  # bh_cfg_partition offsets


@pytest.fixture
def linux_blob(bhconfig, tmp_path):
    (tmp_path / "linux.yaml").write_text(LINUX_SOURCE)
    return compile_(bhconfig, tmp_path / "linux.yaml", tmp_path / "linux.bin")


def test_linux_round_trip(bhconfig, tmp_path, linux_blob):
    """Both kinds compile, check, dump with their own keys only, and come back identical."""
    assert run(bhconfig, "check", tmp_path / "linux.yaml").returncode == 0
    assert run(bhconfig, "check", tmp_path / "linux.bin").returncode == 0
    dump = run(bhconfig, "dump", tmp_path / "linux.bin")
    assert dump.returncode == 0, dump.stderr
    entries = [e + "\n" for e in dump.stdout.split("\n- ")]
    linux = next(e for e in entries if e.startswith("name: linux\n"))
    dm = next(e for e in entries if e.startswith("name: linux-dm\n"))
    assert "  kind: linux\n" in linux and "  image: vmlinux\n" in linux
    assert "  initrd: initramfs\n" in linux and "  cmdline: console=ttyS0\n" in linux
    assert "guest:" not in linux
    assert "  kind: devmodel\n  guest: linux\n" in dm and "initrd" not in dm
    assert dump.stdout.count("guest: ") == 1 and dump.stdout.count("initrd: ") == 1
    (tmp_path / "dump.yaml").write_text(dump.stdout)
    again = compile_(bhconfig, tmp_path / "dump.yaml", tmp_path / "again.bin")
    assert again == linux_blob, "compile(dump(blob)) differs from blob"
    assert run(bhconfig, "dump", tmp_path / "again.bin").stdout == dump.stdout


def test_linux_blob_fields(linux_blob):
    """guest is the linux partition's index, zero elsewhere; initrd only on linux."""
    off, count, size, _ = table(linux_blob, PARTITIONS)
    assert (count, size) == (8, 0x200)
    kinds = [struct.unpack_from("<I", linux_blob, off + i * size + P_KIND)[0] for i in range(8)]
    guests = [struct.unpack_from("<I", linux_blob, off + i * size + P_GUEST)[0] for i in range(8)]
    assert kinds[6:] == [6, 7] and guests == [0] * 7 + [6]
    initrd = linux_blob[off + 6 * size + P_INITRD:off + 6 * size + P_INITRD + 64]
    assert initrd == b"initramfs".ljust(64, b"\0")


def patched(blob, index, field, data):
    blob = bytearray(blob)
    off, _, size, _ = table(blob, PARTITIONS)
    blob[off + index * size + field:off + index * size + field + len(data)] = data
    return fix_checksum(blob)


@pytest.mark.parametrize("index,field,data,message", [
    (5, P_GUEST, struct.pack("<I", 6), "partitions[5].guest: 6 on a partition of kind guest, "
     "must be zero; only a devmodel names a guest"),
    (7, P_INITRD, b"initramfs", "partitions[7].initrd: set on a partition of kind devmodel, "
     "must be empty; only a linux partition boots an initramfs"),
    (7, P_GUEST, struct.pack("<I", 5), "partitions[7].guest: \"guest-1\" is a partition of kind "
     "guest; a device model serves a linux partition"),
    (7, P_GUEST, struct.pack("<I", 8), "partitions[7].guest: index 8 but there are 8 partitions"),
], ids=["guest-on-guest", "initrd-on-devmodel", "devmodel-of-guest", "devmodel-out-of-range"])
def test_linux_blob_refused(bhconfig, tmp_path, linux_blob, index, field, data, message):
    """What a source cannot say, a blob can: the validator refuses it by table and field."""
    path, err = check_blob(bhconfig, tmp_path, patched(linux_blob, index, field, data))
    assert f"{path}: {message}\n" in err


@pytest.fixture
def default_blob(bhconfig, tmp_path):
    return compile_(bhconfig, Path("examples/default.yaml"), tmp_path / "default.bin")


def check_blob(bhconfig, tmp_path, blob):
    path = tmp_path / "bad.bin"
    path.write_bytes(blob)
    r = run(bhconfig, "check", path)
    assert r.returncode == 1
    assert run(bhconfig, "dump", path).returncode == 1
    return path, r.stderr


def test_blob_truncated(bhconfig, tmp_path, default_blob):
    path, err = check_blob(bhconfig, tmp_path, default_blob[:1000])
    assert err == (f"{path}: header.total-size: 0x{len(default_blob):x} but only 0x3e8 bytes "
                   "are present (truncated)\n")


def test_blob_bad_checksum(bhconfig, tmp_path, default_blob):
    blob = bytearray(default_blob)
    blob[200] ^= 0x40
    path, err = check_blob(bhconfig, tmp_path, bytes(blob))
    assert f"{path}: header.checksum: 0x" in err and "(corrupted or edited)" in err


def test_blob_unknown_version(bhconfig, tmp_path, default_blob):
    blob = bytearray(default_blob)
    blob[4] = 9
    path, err = check_blob(bhconfig, tmp_path, bytes(blob))
    assert err == f"{path}: header.version: unknown version 9 (this build reads 2)\n"


def test_blob_table_outside(bhconfig, tmp_path, default_blob):
    blob = bytearray(default_blob)
    struct.pack_into("<I", blob, 0x20 + POOL * TABLE.size, len(blob))
    path, err = check_blob(bhconfig, tmp_path, fix_checksum(blob))
    assert f"{path}: memory-pool: table 0x{len(blob):x}-" in err and "lies outside" in err


def test_blob_semantic_error(bhconfig, tmp_path, default_blob):
    """A field patched in place: reported by table, index and field, like the boot console."""
    blob = bytearray(default_blob)
    off, count, size, _ = table(blob, PARTITIONS)
    struct.pack_into("<Q", blob, off + 3 * size + 0x40, 3 * MIB)  # partitions[3].memory
    path, err = check_blob(bhconfig, tmp_path, fix_checksum(blob))
    assert f"{path}: partitions[3].memory: 0x300000 not a multiple of 2 MiB\n" in err


def test_usage(bhconfig, tmp_path):
    assert run(bhconfig).returncode == 2
    assert run(bhconfig, "compile", "examples/default.yaml").returncode == 2
    assert run(bhconfig, "frobnicate", "x").returncode == 2
    r = run(bhconfig, "check", tmp_path / "missing.yaml")
    assert r.returncode == 1 and "No such file" in r.stderr
    r = run(bhconfig, "dump", "examples/default.yaml")
    assert r.returncode == 1 and "not a config blob" in r.stderr
