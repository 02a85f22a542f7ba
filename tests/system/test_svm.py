# SPDX-License-Identifier: MIT
"""SVM monitor under QEMU (-cpu max -smp 4, SeaBIOS and OVMF): partitions run beside each
other under nested paging, and hostile ones are contained without harming the others.

The partitions are the runtime-free probes of tests/probes/ (probe.asm, hostile.asm),
started from boot modules ("partition name=... cpus=... mem=... -- args", docs/abi.md).
"""
import re

import pytest

import bhrun

ROOT = bhrun.ROOT
PROBE = bhrun.BUILD / "probes" / "probe.elf"
HOSTILE = bhrun.BUILD / "probes" / "hostile.elf"
FIRMWARES = ["bios", "ovmf"]


def module(path, spec):
    return (path, f"{path.name} partition {spec}")


def boot(firmware, name, cmdline, modules):
    iso = bhrun.iso_for(cmdline, modules=modules)
    return bhrun.Qemu(firmware=firmware, iso=iso, timeout=90).run(f"svm-{firmware}-{name}")


# Six partitions on four CPUs; CPUs 0, 1 and 3 are shared, p3 has vCPUs on CPUs 2 and 3.
SIX = [("p1", "0"), ("p2", "1"), ("p3", "2,3"), ("p4", "3"), ("p5", "0"), ("p6", "1")]


@pytest.fixture(scope="module", params=FIRMWARES)
def six(request):
    mods = [module(PROBE, f"name={n} cpus={c} mem=8") for n, c in SIX]
    return boot(request.param, "six", "test=run", mods)


def test_six_partitions_run_to_completion(six):
    assert six.status == 0, six.describe()
    for name, cpus in SIX:
        out = [l for l in six.lines() if l.startswith(f"[{name}] ")]
        assert f"[{name}] probe: vmcall ok" in out, six.describe()
        sig = [l for l in out if "probe: signature BulkheadHV" in l]
        # every vCPU of the partition ran; the first to finish ends it, so at least one
        assert sig, six.describe()
        assert re.search(rf"^part: partition {name}: exited, status 0$", six.com1, re.M)
        ncpu = len(cpus.split(","))
        assert re.search(rf"^part: partition {name}: id \d+, 8 MiB at 0x[0-9a-f]+, "
                         rf"{ncpu} vCPU\(s\)", six.com1, re.M)
    assert "sched: all partitions ended" in six.com1


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
