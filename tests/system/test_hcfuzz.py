# SPDX-License-Identifier: MIT
"""Random hypercalls (tests/hcfuzz/hcfuzz.c) from one partition per CPU, a guest-pv beside
each: the monitor answers every call and faults on none, the fuzzers run to their end, and
the neighbours finish their own work. 1 M calls under QEMU (SVM), 100 k under Bochs (VMX).
"""
import re

import pytest

import bhrun
import test_vmx
from test_svm import GUEST_PV, module

HCFUZZ = bhrun.BUILD / "partitions" / "hcfuzz.elf"


def modules(cpus, calls):
    mods = [module(HCFUZZ, f"name=fuzz{c} cpus={c} mem=8 -- n={calls} seed={c + 1}")
            for c in range(cpus)]
    return mods + [module(GUEST_PV, f"name=pv{c} cpus={c} mem=16 -- exit=0")
                   for c in range(cpus)]


def check(run, cpus, calls):
    assert run.status == 0, run.describe()
    assert "exception" not in run.com1 + run.com2, run.describe()
    for c in range(cpus):
        got = [l for l in run.lines() if l.startswith(f"[fuzz{c}] hcfuzz: {calls} calls: ok ")]
        assert got, run.describe()
        assert re.search(rf"^part: partition fuzz{c}: exited, status 0$", run.com1, re.M)
        assert f"[pv{c}] GUEST_DONE exit=0" in run.lines(), run.describe()
    assert "sched: all partitions ended" in run.com1


def test_a_million_random_calls_under_svm():
    calls = 250000
    iso = bhrun.iso_for("test=run", modules=modules(4, calls))
    run = bhrun.Qemu(firmware="bios", iso=iso, timeout=300).run("svm-hcfuzz")
    check(run, 4, calls)


def test_random_calls_under_bochs_vmx():
    calls = 50000
    run = test_vmx.boot("vmx", "hcfuzz", "test=run", modules(2, calls))
    check(run, 2, calls)
