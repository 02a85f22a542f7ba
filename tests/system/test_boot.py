# SPDX-License-Identifier: MIT
"""test_boot.py - bring-up on every platform: CPU count, vendor backend, RAM, per-CPU
feature lines on the monitor log, a clean stop, and the exception dump of a forced #PF."""

import re

import pytest

import bhrun

SUMMARY_RE = r"bulkhead: (\d+) cpus online, (vmx|svm), (\d+) MiB RAM\s*$"
CPU_RE = r"cpu(\d+): apic=(\d+) (svm|vmx) (npt|ept)=1\b"
FAULT_RE = (r"cpu0: exception #PF \(14\) error=0x[0-9a-f]+ rip=0x[0-9a-f]+ "
            r"cr2=0x[0-9a-f]+")
STATUS_OK, STATUS_FAULT = 0, 3
# Usable RAM the kernel may report: firmware keeps a little. Measured (Multiboot2 type-1
# regions): SeaBIOS 511 of 512, OVMF 505-508 of 512, Bochs 255 of 256.
RAM_SLACK_MIB = 16


def test_summary_line(platform, boot):
    r = boot("test=boot")
    lines = r.matches(SUMMARY_RE)
    assert len(lines) == 1, f"want one summary line on COM1, got {len(lines)}; {r.describe()}"
    cpus, vendor, ram = int(lines[0][1]), lines[0][2], int(lines[0][3])
    assert cpus == platform.cpus, r.describe()
    assert vendor == platform.vendor, r.describe()
    assert platform.mem_mib - RAM_SLACK_MIB <= ram <= platform.mem_mib, r.describe()


def test_cpu_feature_lines(platform, boot):
    r = boot("test=boot")
    lines = r.matches(CPU_RE, port="com2")
    numbers = sorted(int(m[1]) for m in lines)
    assert numbers == list(range(platform.cpus)), f"cpu lines {numbers}; {r.describe()}"
    apic_ids = [int(m[2]) for m in lines]
    assert len(set(apic_ids)) == len(apic_ids), f"duplicate APIC ids {apic_ids}"
    want = (platform.vendor, "npt" if platform.vendor == "svm" else "ept")
    assert all((m[3], m[4]) == want for m in lines), r.describe()


def test_boot_stops_clean(platform, boot):
    r = boot("test=boot")
    assert not r.timed_out, r.describe()
    assert r.status == STATUS_OK, r.describe()
    assert len(r.matches(bhrun.STOP_RE.pattern)) == 1, "more than one stop line"
    if platform.emulator == "qemu":
        assert r.exit_code == bhrun.qemu_exit_code(STATUS_OK), r.describe()


def test_fault_dump(platform, boot):
    r = boot("test=fault")
    lines = r.lines()
    first = [i for i, line in enumerate(lines) if re.match(FAULT_RE, line)]
    assert len(first) == 1, f"want one #PF dump line on COM1; {r.describe()}"
    stop = [i for i, line in enumerate(lines) if bhrun.STOP_RE.match(line)]
    assert stop and stop[0] > first[0], f"no stop line after the dump; {r.describe()}"
    regs = "\n".join(lines[first[0] + 1:stop[0]])
    for reg in ("rax=0x", "rsp=0x", "r15=0x"):
        assert reg in regs, f"{reg} missing from the register dump; {r.describe()}"
    assert r.status == STATUS_FAULT, r.describe()
    if platform.emulator == "qemu":
        assert r.exit_code == bhrun.qemu_exit_code(STATUS_FAULT), r.describe()


@pytest.mark.parametrize("cmdline", ["test=boot", "test=fault"])
def test_no_hang(platform, boot, cmdline):
    r = boot(cmdline)
    assert not r.timed_out, r.describe()
    assert r.duration < r.timeout / 2, f"slow boot: {r.describe()}"


def test_no_virtualization_is_said_and_stops():
    """A CPU without SVM or VMX (QEMU `-cpu max,-svm`): the monitor boots, says why no
    partition can start, and (under test=) stops with status 2 instead of hanging."""
    probe = bhrun.BUILD / "probes" / "probe.elf"
    iso = bhrun.iso_for("test=run",
                        modules=[(probe, f"{probe.name} partition name=p cpus=0 mem=4")])
    r = bhrun.Qemu(firmware="bios", cpu="max,-svm", iso=iso, timeout=60).run("boot-no-svm")
    assert r.status == 2, r.describe()
    assert re.search(r"^boot: no monitor backend for none on this machine \(no VMX or SVM",
                     r.com1, re.M), r.describe()
    assert "[p] probe:" not in r.com1
