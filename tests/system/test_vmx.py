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
# - Y: it enables AVX with XSETBV, which QEMU alone lets through; Bochs stops it (case b).
NOT_ON = {"s": {"svm-ryzen": "no interrupt exit from a guest with IF=0"},
          "t": {"svm-ryzen": "a guest triple fault ends the emulator (no SHUTDOWN intercept)"},
          "Y": {"svm-ryzen": "XSETBV is intercepted (case b)", "vmx": "XSETBV is intercepted (case b)"}}


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


def hostile_run(backend, name, cases):
    mods = svm.hostile_modules(cases, NOT_ON, backend, on_two)
    return boot(backend, name, f"test=run limit={LIMIT_MS} storm={svm.STORM_MS}", mods)


@pytest.fixture(scope="module", params=list(MODELS))
def model(request):
    """The three hostile runs of one test share their model (no cross product)."""
    return request.param


@pytest.fixture(scope="module")
def hostile(model):
    return hostile_run(model, "hostile", HOSTILE_CASES)


@pytest.fixture(scope="module")
def hostile2(model):
    return hostile_run(model, "hostile2", svm.HOSTILE_CASES2)


@pytest.fixture(scope="module")
def hostile3(model):
    return hostile_run(model, "hostile3", svm.HOSTILE_CASES3)


@pytest.mark.parametrize("name,cpus,mib,status", SIX, ids=[p[0] for p in SIX])
def test_guest_pv_runs_to_completion(six, name, cpus, mib, status):
    svm.test_guest_pv_runs_to_completion(six, name, on_two(cpus), mib, status)


def test_all_six_end_and_the_machine_stops(six):
    svm.test_all_six_end_and_the_machine_stops(six)


def contained(run, case, line):
    if run.backend in NOT_ON.get(case, ()):
        pytest.skip(f"Bochs {MODELS[run.backend]}: {NOT_ON[case][run.backend]}")
    svm.check_contained(run, case, line)


@pytest.mark.parametrize("case,cpus,line", HOSTILE_CASES, ids=[c[0] for c in HOSTILE_CASES])
def test_hostile_partition_is_contained(hostile, case, cpus, line):
    contained(hostile, case, line)


@pytest.mark.parametrize("case,cpus,line", svm.HOSTILE_CASES2,
                         ids=[c[0] for c in svm.HOSTILE_CASES2])
def test_hostile_partition_is_contained_2(hostile2, case, cpus, line):
    contained(hostile2, case, line)


@pytest.mark.parametrize("case,cpus,line", svm.HOSTILE_CASES3,
                         ids=[c[0] for c in svm.HOSTILE_CASES3])
def test_hostile_partition_is_contained_3(hostile3, case, cpus, line):
    contained(hostile3, case, line)


def test_well_behaved_partitions_finish_beside_hostile_ones(hostile, hostile2, hostile3):
    for run in (hostile, hostile2, hostile3):
        assert run.status == 0, run.describe()
        svm.check_good_finish(run)


def test_sse_state_of_two_partitions_on_one_cpu(hostile3):
    svm.test_sse_state_of_two_partitions_on_one_cpu(hostile3)


def test_console_flood_is_rate_limited(hostile3):
    svm.test_console_flood_is_rate_limited(hostile3)


def test_avx_state_of_two_partitions_on_one_cpu(hostile3):
    if hostile3.backend in NOT_ON.get("Y", ()):
        pytest.skip(NOT_ON["Y"][hostile3.backend])


def test_nmis_and_stray_vectors_are_survived(hostile, hostile2, hostile3):
    for run in (hostile, hostile2, hostile3):
        svm.check_storm(run, CPUS)


# Bochs' clock counts instructions, and every instruction of the single-stepping h-T is an
# exit costing thousands: measured 49 ms (VMX) and 104-115 ms (ryzen) of emulated time.
TIMER_BOUND_US = 250000


def test_timer_beside_a_single_step_storm(hostile3):
    late = svm.timer_lateness_us(hostile3)
    assert late and late[0] < TIMER_BOUND_US, (late, hostile3.describe())
