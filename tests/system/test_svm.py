# SPDX-License-Identifier: MIT
"""SVM monitor under QEMU (-cpu max -smp 4, SeaBIOS and OVMF): partitions run beside each
other under nested paging, and hostile ones are contained without harming the others.

The six-partition test runs guest-pv (C, newlib, lib/rt); the hostile suite uses the
runtime-free probes of tests/probes/ (probe.asm, hostile.asm). Partitions are started from
boot modules ("partition name=... cpus=... mem=... -- args", docs/abi.md).
"""
import re

import pytest

import bhrun

ROOT = bhrun.ROOT
PROBE = bhrun.BUILD / "probes" / "probe.elf"
GUEST_PV = bhrun.BUILD / "partitions" / "guest-pv.elf"
HOSTILE = bhrun.BUILD / "probes" / "hostile.elf"
FIRMWARES = ["bios", "ovmf"]


def module(path, spec):
    return (path, f"{path.name} partition {spec}")


def boot(firmware, name, cmdline, modules):
    iso = bhrun.iso_for(cmdline, modules=modules)
    return bhrun.Qemu(firmware=firmware, iso=iso, timeout=90).run(f"svm-{firmware}-{name}")


# Six guest-pv partitions on four CPUs: CPUs 0, 1 and 3 are shared, p3 runs on CPUs 2 and 3,
# p6 on all four. (name, cpus, MiB, exit status asked for on its command line)
SIX = [("p1", "0", 16, 0), ("p2", "1", 16, 2), ("p3", "2,3", 24, 3), ("p4", "3", 16, 4),
       ("p5", "0", 32, 5), ("p6", "1,0,2,3", 16, 6)]


@pytest.fixture(scope="module", params=FIRMWARES)
def six(request):
    mods = [module(GUEST_PV, f"name={n} cpus={c} mem={m} -- exit={e}") for n, c, m, e in SIX]
    return boot(request.param, "six", "test=run", mods)


@pytest.mark.parametrize("name,cpus,mib,status", SIX, ids=[p[0] for p in SIX])
def test_guest_pv_runs_to_completion(six, name, cpus, mib, status):
    out = [l[len(name) + 3:] for l in six.lines() if l.startswith(f"[{name}] ")]
    assert six.status == 0, six.describe()
    assert not [l for l in out if "GUEST_ASSERT" in l], out
    assert f"GUEST_DONE exit={status}" in out, six.describe()
    assert re.search(rf"^part: partition {name}: exited, status {status}$", six.com1, re.M)
    ncpu = len(cpus.split(","))
    # its own memory map, read from its info page
    assert f"guest-pv: name={name} id=" in " ".join(out)
    assert f"guest-pv: name={name} id={out[0].split('id=')[1].split()[0]} vcpus={ncpu} abi=1" \
        in out
    assert f"mem[0] gpa=0x0 size={hex(mib << 20)} flags=rwx" in out
    assert f"guest-pv: {ncpu - 1} secondary vCPUs checked in" in out
    # deterministic computation and every line of a write() larger than one console call
    assert "guest-pv: primes below 1000000: 78498; crc32(\"123456789\")=0xcbf43926" in out
    assert "guest-pv: the ultravisor's and the console's calls -> EPERM" in out
    chunks = [l for l in out if l.startswith("guest-pv: chunk ")]
    assert chunks == [f"guest-pv: chunk {i:02d}/40 " + "." * 97 for i in range(1, 41)]


def test_all_six_end_and_the_machine_stops(six):
    assert "sched: all partitions ended" in six.com1
    assert len(re.findall(r"^part: partition p\d: exited", six.com1, re.M)) == 6


# (case, cpus, expected containment line or None when the partition must survive)
HOSTILE_CASES = [
    ("r", "0", r"access outside its memory \(nested page fault\): rip=0x[0-9a-f]+ addr=0x30000000"),
    ("w", "1", r"access outside its memory \(nested page fault\): rip=0x[0-9a-f]+ addr=0x1fe00000"),
    ("p", "2", r"forbidden I/O port: rip=0x[0-9a-f]+ addr=0x3f8"),
    ("c", "3", r"forbidden I/O port: rip=0x[0-9a-f]+ addr=0xcf8"),
    ("n", "0", r"forbidden I/O port: rip=0x[0-9a-f]+ addr=0x70 "),
    ("e", "1", r"forbidden MSR write: rip=0x[0-9a-f]+ addr=0xc0000080"),
    ("a", "2", r"forbidden MSR read: rip=0x[0-9a-f]+ addr=0x1b "),
    ("v", "3", r"forbidden MSR write: rip=0x[0-9a-f]+ addr=0xc0010117"),
    ("t", "0", r"triple fault"),
    ("d", "1", r"forbidden instruction: rip=0x[0-9a-f]+ "),
    ("h", "1", None),
    ("s", "2,3", None),
]
GOOD = [("good0", "0"), ("good1", "1"), ("good2", "2"), ("good3", "3")]


@pytest.fixture(scope="module", params=FIRMWARES)
def hostile(request):
    mods = [module(HOSTILE, f"name=h-{c} cpus={cpus} mem=8 -- {c}")
            for c, cpus, _ in HOSTILE_CASES]
    mods += [module(PROBE, f"name={n} cpus={c} mem=8") for n, c in GOOD]
    return boot(request.param, "hostile", "test=run limit=3000", mods)


@pytest.mark.parametrize("case,cpus,line", HOSTILE_CASES, ids=[c[0] for c in HOSTILE_CASES])
def test_hostile_partition_is_contained(hostile, case, cpus, line):
    name = f"h-{case}"
    assert hostile.status == 0, hostile.describe()
    assert f"[{name}] hostile: {case}" in hostile.lines(), hostile.describe()
    if line:
        assert re.search(rf"^part: partition {name}: vcpu 0: {line}", hostile.com1, re.M), \
            hostile.describe()
        assert re.search(rf"^part: partition {name}: crashed, status -1$", hostile.com1, re.M)
    elif case == "h":
        assert f"[{name}] hostile: hypercall errors ok" in hostile.lines()
        assert re.search(rf"^part: partition {name}: exited, status 42$", hostile.com1, re.M)
    else:  # the spinner is preempted, never stopped: it runs until the time limit
        assert not re.search(rf"^part: partition {name}: (crashed|exited)", hostile.com1, re.M)


def test_well_behaved_partitions_finish_beside_hostile_ones(hostile):
    for name, _ in GOOD:
        assert f"[{name}] probe: vmcall ok" in hostile.lines(), hostile.describe()
        assert re.search(rf"^part: partition {name}: exited, status 0$", hostile.com1, re.M)
    assert "test: time limit reached" in hostile.com1


def test_more_vcpus_on_a_cpu_than_asids():
    """QEMU offers 16 ASIDs: 16 partitions on CPU 0 use 1..14 alone and share the last one,
    flushing it at every entry. All of them must run correctly."""
    names = [f"a{i:02d}" for i in range(16)]
    mods = [module(PROBE, f"name={n} cpus=0 mem=4") for n in names]
    r = boot("bios", "asids", "test=run", mods)
    assert r.status == 0, r.describe()
    for n in names:
        assert f"[{n}] probe: vmcall ok" in r.lines(), r.describe()
        assert re.search(rf"^part: partition {n}: exited, status 0$", r.com1, re.M)
