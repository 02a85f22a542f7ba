# SPDX-License-Identifier: MIT
"""The partition suites of test_svm.py under Bochs 2.7 with 2 CPUs: the VMX backend (EPT,
VPID, preemption timer) on `corei7_skylake_x`, and the SVM backend again on `ryzen`, a
stricter SVM than QEMU's (NRIPS, flush-by-ASID, more VMCB checks).

Same cases and same assertions: each test below hands this module's runs to test_svm.py's
test function. Only the CPU placements change: CPU n of the four-CPU tables becomes n % 2,
so p6's four vCPUs share two CPUs and each CPU runs several partitions. The hostile probes
use VMMCALL, which raises #UD on Intel: the VMX runs also cover that hypercall path.
"""
import re

import pytest

import bhrun
import test_svm as svm
from test_svm import GOOD, GUEST_PV, HOSTILE, HOSTILE_CASES, PROBE, SIX, module

CPUS = 2
MODELS = {"vmx": "corei7_skylake_x", "svm-ryzen": "ryzen"}
TIMEOUT = 90  # seconds; measured on 2 cores: six ≈ 20 s, hostile ≈ 10 s per model
# The hostile run ends at a time limit (the spinner never stops). Bochs' clock is emulated
# (ips=10M): building the 15 partitions alone takes about 3 s of it, QEMU's whole limit.
LIMIT_MS = 20000
# Cases Bochs' SVM cannot run (docs/testing.md); they run under QEMU (test_svm.py) and VMX:
# - s: Bochs 2.7 takes no interrupt exit while the guest runs with RFLAGS.IF=0. VMX ends
#   slices with its preemption timer; SVM has none, so the cli spinner keeps its CPUs.
# - t: Bochs' SVM has no SHUTDOWN intercept: a guest triple fault stops the whole emulator.
NOT_ON = {"s": {"svm-ryzen": "no interrupt exit from a guest with IF=0"},
          "t": {"svm-ryzen": "a guest triple fault ends the emulator (no SHUTDOWN intercept)"}}


def on_two(cpus):
    """A placement of the four-CPU tables on CPUs 0 and 1."""
    return ",".join(str(int(c) % CPUS) for c in cpus.split(","))


def boot(backend, name, cmdline, modules):
    iso = bhrun.iso_for(cmdline, bios_only=True, modules=modules)
    r = bhrun.Bochs(model=MODELS[backend], cpus=CPUS, iso=iso, timeout=TIMEOUT).run(
        f"bochs-{backend}-{name}")
    r.backend = backend
    return r


@pytest.fixture(scope="module", params=list(MODELS))
def six(request):
    mods = [module(GUEST_PV, f"name={n} cpus={on_two(c)} mem={m} -- exit={e}")
            for n, c, m, e in SIX]
    return boot(request.param, "six", "test=run", mods)


@pytest.fixture(scope="module", params=list(MODELS))
def hostile(request):
    mods = [module(HOSTILE, f"name=h-{c} cpus={on_two(cpus)} mem=8 -- {c}")
            for c, cpus, _ in HOSTILE_CASES if request.param not in NOT_ON.get(c, ())]
    mods += [module(PROBE, f"name={n} cpus={on_two(c)} mem=8") for n, c in GOOD]
    return boot(request.param, "hostile", f"test=run limit={LIMIT_MS}", mods)


@pytest.mark.parametrize("name,cpus,mib,status", SIX, ids=[p[0] for p in SIX])
def test_guest_pv_runs_to_completion(six, name, cpus, mib, status):
    svm.test_guest_pv_runs_to_completion(six, name, on_two(cpus), mib, status)


def test_all_six_end_and_the_machine_stops(six):
    svm.test_all_six_end_and_the_machine_stops(six)


@pytest.mark.parametrize("case,cpus,line", HOSTILE_CASES, ids=[c[0] for c in HOSTILE_CASES])
def test_hostile_partition_is_contained(hostile, case, cpus, line):
    if hostile.backend in NOT_ON.get(case, ()):
        pytest.skip(f"Bochs {MODELS[hostile.backend]}: {NOT_ON[case][hostile.backend]}")
    svm.test_hostile_partition_is_contained(hostile, case, on_two(cpus), line)


def test_well_behaved_partitions_finish_beside_hostile_ones(hostile):
    if hostile.backend not in NOT_ON["s"]:
        svm.test_well_behaved_partitions_finish_beside_hostile_ones(hostile)
        return
    # no spinner in this run: it may end before the time limit, once all have ended
    assert hostile.status == 0, hostile.describe()
    for name, _ in GOOD:
        assert f"[{name}] probe: vmcall ok" in hostile.lines(), hostile.describe()
        assert re.search(rf"^part: partition {name}: exited, status 0$", hostile.com1, re.M)
