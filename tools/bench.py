#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""bench.py - `make bench`: boot benchmark partitions and print their BENCH lines.

Figures come from one run each, under an emulator whose TSC counts instructions, so they
are exact and repeatable (docs/testing.md). Reproduce one by hand with the command in
build/test-logs/bench-*-cmd.txt.
"""
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "system"))
import bhrun  # noqa: E402
import opconsole  # noqa: E402
import test_iopart  # noqa: E402

HCBENCH = bhrun.BUILD / "partitions" / "hcbench.elf"
CHANBENCH = bhrun.BUILD / "partitions" / "chanbench.elf"
SIGBENCH = bhrun.BUILD / "partitions" / "sigbench.elf"


def bench_lines(result, who):
    prefix = f"[{who}] BENCH "
    return ["BENCH " + l[len(prefix):] for l in result.lines() if l.startswith(prefix)]


def qemu_icount(name, elf, cpu):
    """QEMU TCG, -icount shift=7,sleep=off: the TSC advances per instruction. icount is one
    clock for all CPUs, so each benchmark boots alone: a second one would be counted too."""
    iso = bhrun.iso_for("test=run", modules=[
        (elf, f"{elf.name} partition name={name} cpus={cpu} mem=16")])
    r = bhrun.Qemu(iso=iso, timeout=300,
                   extra=["-icount", "shift=7,sleep=off"]).run(f"bench-svm-{name}")
    return r, bench_lines(r, name)


def svm():
    return qemu_icount("hcbench", HCBENCH, 1)


def signal():
    """Ping on CPU 1, pong on CPU 2, sharing channel 3: each signal wakes a halted CPU."""
    iso = bhrun.iso_for("test=run limit=60000", modules=[
        (SIGBENCH, f"{SIGBENCH.name} partition name=ping cpus=1 mem=8 chan=3 -- role=ping chan=3"),
        (SIGBENCH, f"{SIGBENCH.name} partition name=pong cpus=2 mem=8 chan=3 -- role=pong chan=3")])
    r = bhrun.Qemu(iso=iso, timeout=300,
                   extra=["-icount", "shift=7,sleep=off"]).run("bench-svm-signal")
    return r, bench_lines(r, "ping")


def chan():
    return qemu_icount("chanbench", CHANBENCH, 1)


def vmx():
    """Bochs corei7_skylake_x: with ips = the TSC rate, the TSC advances once per instruction,
    a VM entry or exit counting as one (docs/testing.md). The partition runs on CPU 0, which
    stops the machine when it ends."""
    iso = bhrun.iso_for("test=run", bios_only=True, modules=[
        (HCBENCH, f"{HCBENCH.name} partition name=hcbench cpus=0 mem=16")])
    r = bhrun.Bochs(model="corei7_skylake_x", iso=iso, timeout=300).run("bench-vmx")
    return r, bench_lines(r, "hcbench")


def said(cli, who, pattern, timeout=600):
    """The first line of partition `who` matching pattern (read so far, or still to come)."""
    return cli.wait_re(r"\[%s\] %s" % (re.escape(who), pattern), timeout=timeout)


def block():
    """The default scenario under -icount shift=0,sleep=on (QEMU TCG counts instructions, all
    CPUs on one clock; an idle machine's clock runs at the host's pace, so a device's latency
    is counted as the host takes it). guest-1, once the other guest has ended, reads 16 MiB
    through its channel to iopart-a; later, on a quiet machine again, iopart-a reads the same
    16 MiB from the disk itself, in requests the size a block channel carries. Ratio: the
    time iopart-a took / the time guest-1 took, in one run."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-block-"))
    cli, _ = test_iopart.boot(tmp, "bench-block", edits=[
        ("iopart-a", "bench-local=16 bench-at=12000"),
        ("guest-1", "disk-test=bench disk-mib=16 disk-seed=3 disk-delay-ms=5000")],
        qemu=["-icount", "shift=0,sleep=on"], pattern=(3, 32768))
    try:
        local = int(said(cli, "iopart-a", r"bench: local read 16 MiB in (\d+) ns").group(1))
        chan = int(said(cli, "guest-1", r"guest-pv: disk: read time (\d+) ns").group(1))
    finally:
        opconsole.close(cli)
    return [f"BENCH block.local_16m_ns {local}", f"BENCH block.chan_16m_ns {chan}",
            f"BENCH block.ratio {local / chan:.3f} (target >= 0.9)"]


def failover():
    """Under -icount shift=0: guest-1 writes 16 MiB through iopart-a, which crashes on
    purpose after 200 requests. From the crash (iopart-a's last word) to the first request
    answered by iopart-b (guest-1's), in virtual time."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-failover-"))
    cli, _ = test_iopart.boot(tmp, "bench-failover", edits=[
        ("iopart-a", "fault-after=200"),
        ("guest-1", "disk-test=pattern disk-mib=16 disk-seed=5")],
        qemu=["-icount", "shift=0,sleep=off"])
    try:
        crash = int(said(cli, "iopart-a", r"fault injected after \d+ block requests at t=(\d+) ns").group(1))
        first = int(said(cli, "guest-1", r"guest-pv: disk: first answer after the failover at t=(\d+) ns").group(1))
    finally:
        opconsole.close(cli)
    return [f"BENCH failover.ns {first - crash} (target <= 10000000)"]


def main():
    failed = False
    for name, fn in [("block", block), ("failover", failover)]:
        try:
            for line in fn():
                print(line)
        except Exception as e:  # a missing line: the benchmark failed, the others go on
            print(f"bench {name}: {e!r}"[:2000], file=sys.stderr)
            failed = True
    for name, run in [("svm", svm), ("signal", signal), ("chan", chan), ("vmx", vmx)]:
        r, lines = run()
        if not lines:
            print(f"bench {name}: no BENCH lines ({r.describe()})", file=sys.stderr)
            failed = True
        for line in lines:
            print(line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
