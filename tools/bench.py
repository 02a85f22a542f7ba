#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""bench.py - `make bench`: boot benchmark partitions and print their BENCH lines.

Figures come from one run each, under an emulator whose TSC counts instructions, so they
are exact and repeatable (docs/testing.md). Reproduce one by hand with the command in
build/test-logs/bench-*-cmd.txt.
"""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "system"))
import bhrun  # noqa: E402

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


def main():
    failed = False
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
