#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""bench.py - `make bench`: boot benchmark partitions and print their BENCH lines.

    tools/bench.py [NAME...]      all benchmarks, or those named (e.g. linux.boot svm)

Figures of the PV benchmarks come from one run each, under an emulator whose TSC counts
instructions, so they are exact and repeatable (docs/testing.md). The Linux figures are
times and exit counts of a Linux guest under QEMU TCG with and without Bulkhead, repeated:
`BENCH name median unit min=.. max=..` (docs/bench.md). Reproduce one by hand with the command in
build/test-logs/bench-*-cmd.txt.
"""
import base64
import hashlib
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pexpect

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "system"))
import bhrun  # noqa: E402
import opconsole  # noqa: E402
import test_iopart  # noqa: E402
import test_linux  # noqa: E402
import test_virtio_blk  # noqa: E402

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


# ---- Linux in a partition against the same kernel under plain QEMU (docs/bench.md) ----

LINUX = bhrun.BUILD / "linux"
LINUX_CONFIG = ROOT / "tests" / "system" / "configs" / "linux-bench.yaml"
BHEXITS = LINUX / "bhexits"  # guest-linux/bhexits.c, built by bench/bench.mk
DIRECT = ROOT / "tools" / "run-linux-direct.sh"
BOOT_PAIRS = 5        # boots of each side for linux.boot (~40 s under Bulkhead, ~13 s direct)
IDLE_RUNS = 5         # idle windows in one boot
IDLE_S = 10           # one idle window
COMPUTE_RUNS = 11     # computations of each side, in one boot of each
COMPUTE_MIB = 64      # sha256sum of that many MiB of zeros in the guest's /tmp (its RAM)
# QEMU's CPU running the guest's vCPU 1: linux-bench.yaml puts it on CPU 3
COMPUTE_QEMU_CPU = {"bulkhead": 3, "direct": 1}
PROMPT_TIMEOUT = 300
# The prompt as the I/O partition shows it: a partial line goes out once a round finds no
# more of it, so "linux# " may come in two or more pieces, each with the prefix
# (docs/console.md).
BULKHEAD_PROMPT = r"\[linux\] " + r"(?:\r*\n\[linux\] )?".join(map(re.escape, "linux# "))


def figure(name, values, unit, fmt="{:.3f}", note=""):
    """BENCH name median unit min=.. max=.. n=.. (note)."""
    v = sorted(values)
    f = fmt.format
    line = f"BENCH {name} {f(statistics.median(v))} {unit} min={f(v[0])} max={f(v[-1])}"
    return line + f" n={len(v)}" + (f" ({note})" if note else "")


def linux_iso():
    """The ISO of linux-bench.yaml: the system partitions, linux and its device model."""
    for f in (LINUX / "vmlinux", LINUX / "initramfs.cpio.gz", LINUX / "bzImage", BHEXITS):
        if not f.is_file():
            raise FileNotFoundError(f"{f} missing: make linux {BHEXITS}")
    blob = bhrun.BUILD / "bench" / "linux-bench.bin"
    blob.parent.mkdir(parents=True, exist_ok=True)
    fresh = blob.with_suffix(".new")
    subprocess.run([bhrun.BUILD / "tools" / "bhconfig", "compile", LINUX_CONFIG, "-o", fresh],
                   check=True)
    if blob.exists() and blob.read_bytes() == fresh.read_bytes():
        fresh.unlink()  # the same blob: the cached ISO stays good
    else:
        fresh.replace(blob)
    parts = bhrun.BUILD / "partitions"
    return bhrun.iso_for("", modules=[(blob, "linux.bin config")] + [
        (parts / f"{p}.elf", f"{p}.elf {p}") for p in ("command", "opspolicy", "iopart",
                                                       "devmodel")] + [
        (LINUX / "vmlinux", "vmlinux vmlinux"),
        (LINUX / "initramfs.cpio.gz", "initramfs initramfs")])


def bulkhead_linux(name, iso, extra=()):
    """QEMU booting Bulkhead with Linux in a partition: (its shell, attached; seconds from
    QEMU's start to the prompt on COM1, before anyone typed anything)."""
    t0 = time.monotonic()
    cli = opconsole.spawn(name, iso, extra=extra, mem_mib=1024)
    try:
        cli.wait_re(BULKHEAD_PROMPT, timeout=PROMPT_TIMEOUT)
        took = time.monotonic() - t0
        shell = test_linux.Shell(cli)
        shell.attach()
    except BaseException:
        opconsole.close(cli)
        raise
    return shell, took


def direct_linux(name, extra=()):
    """tools/run-linux-direct.sh (plain QEMU TCG, -cpu max -smp 2 -m 512): (its shell on
    ttyS0; seconds from QEMU's start to the prompt)."""
    bhrun.LOGS.mkdir(parents=True, exist_ok=True)
    log = bhrun.LOGS / f"{name}-com1.log"
    cmd = [str(DIRECT)] + list(extra)
    (bhrun.LOGS / f"{name}-cmd.txt").write_text(" ".join(cmd) + "\n")
    t0 = time.monotonic()
    child = pexpect.spawn(cmd[0], cmd[1:], encoding="utf-8", codec_errors="replace",
                          timeout=60, maxread=65536)
    child.logfile_read = open(log, "w")
    cli = opconsole.Cli(child, log)
    try:
        cli.wait_re(r"linux# ", timeout=PROMPT_TIMEOUT)
    except BaseException:
        opconsole.close(cli)
        raise
    return test_linux.Shell(cli), time.monotonic() - t0


def linux_boot():
    """linux.boot.ratio: QEMU start to the shell prompt under Bulkhead / the same under
    tools/run-linux-direct.sh, BOOT_PAIRS pairs, the order alternating (ABBA) so that a
    drift of the host's load falls on both sides."""
    iso = linux_iso()
    took = {"bulkhead": [], "direct": []}
    for i in range(BOOT_PAIRS):
        for side in ("direct", "bulkhead") if i % 2 == 0 else ("bulkhead", "direct"):
            if side == "bulkhead":
                shell, t = bulkhead_linux(f"bench-linux-boot-{i}", iso)
            else:
                shell, t = direct_linux(f"bench-linux-boot-direct-{i}")
            opconsole.close(shell.cli)
            took[side].append(t)
    ratios = [b / d for b, d in zip(took["bulkhead"], took["direct"])]
    return [figure("linux.boot.ratio", ratios, "x", note="goal <= 1.5"),
            figure("linux.boot.bulkhead_s", took["bulkhead"], "s", "{:.1f}"),
            figure("linux.boot.direct_s", took["direct"], "s", "{:.1f}")]


def install_bhexits(shell):
    """Type build/linux/bhexits into the guest's /tmp (base64, in lines the shell's editor
    takes whole) and check that it arrived intact and runs (`-t`: no hypercall)."""
    data = BHEXITS.read_bytes()
    text = base64.b64encode(data).decode()
    shell.run("rm -f /tmp/bhexits.b64")
    for i in range(0, len(text), 400):
        shell.run(f"echo {text[i:i + 400]} >>/tmp/bhexits.b64")
    out = shell.run("base64 -d /tmp/bhexits.b64 >/tmp/bhexits; chmod +x /tmp/bhexits; "
                    "sha256sum /tmp/bhexits; /tmp/bhexits -t; echo rc=$?")
    want = hashlib.sha256(data).hexdigest()
    if len(out) != 3 or not out[0].startswith(want) or not out[1].isdigit() or \
            out[2] != "rc=0":
        raise RuntimeError(f"bhexits in the guest: {out} (want sha256 {want}, a TSC, rc=0)")


def loc_sum(line):
    """The sum of the per-CPU counts of a /proc/interrupts row."""
    return sum(int(x) for x in line.split()[1:] if x.isdigit())


def linux_idle():
    """linux.idle.exits_per_s: the exits of both vCPUs of the linux partition (the monitor's
    per-vCPU counts, read from inside by bhexits) while the shell's only child sleeps,
    IDLE_RUNS windows of IDLE_S seconds in one boot; the guest's local timer interrupts
    (LOC of /proc/interrupts) over the same windows: each costs at least one exit.
    linux.busy.exits_per_s, in the same boot: those of vCPU 1 while it runs the computation
    of linux.compute, by the TSC."""
    shell, _ = bulkhead_linux("bench-linux-idle", linux_iso())
    rates, timer, probe, busy = [], [], [], []
    try:
        install_bhexits(shell)
        for _ in range(3):  # the probe's own cost: bhexits with a window of 0 s
            out = shell.run("/tmp/bhexits 0")
            if not re.fullmatch(r"exits \d+ ns \d+ cpus 2", out[0] if out else ""):
                raise RuntimeError(f"bhexits 0 in the guest: {out} (the monitor refuses?)")
            probe.append(int(out[0].split()[1]))
        for _ in range(IDLE_RUNS):
            out = shell.run(f"sleep 1; grep LOC: /proc/interrupts >/tmp/l0; /tmp/bhexits "
                            f"{IDLE_S} >/tmp/e; grep LOC: /proc/interrupts >/tmp/l1; "
                            f"cat /tmp/l0 /tmp/e /tmp/l1", timeout=IDLE_S + 120)
            m = re.fullmatch(r"exits (\d+) ns (\d+) cpus 2", out[1] if len(out) == 3 else "")
            if not m:
                raise RuntimeError(f"idle window: {out}")
            secs = int(m.group(2)) / 1e9
            rates.append(int(m.group(1)) / secs)
            timer.append((loc_sum(out[2]) - loc_sum(out[0])) / secs)
        shell.run(f"dd if=/dev/zero of=/tmp/f bs=1M count={COMPUTE_MIB} 2>/dev/null")
        hz = host_tsc_hz()
        for _ in range(3):
            out = shell.run("taskset 2 /tmp/bhexits; /tmp/bhexits -t; taskset 2 sha256sum "
                            "/tmp/f >/dev/null; /tmp/bhexits -t; taskset 2 /tmp/bhexits",
                            timeout=600)
            if len(out) != 4 or not all(x.isdigit() for x in out):
                raise RuntimeError(f"busy window: {out}")
            e0, t0, t1, e1 = map(int, out)
            busy.append((e1 - e0) / ((t1 - t0) / hz))
    finally:
        opconsole.close(shell.cli)
    return [figure("linux.idle.exits_per_s", rates, "exits/s", "{:.1f}",
                   note=f"goal <= 100; 2 vCPUs, {IDLE_S} s windows"),
            figure("linux.idle.timer_irqs_per_s", timer, "irqs/s", "{:.1f}"),
            figure("linux.idle.probe_exits", probe, "exits", "{:.0f}",
                   note="bhexits' own, in each window"),
            figure("linux.busy.exits_per_s", busy, "exits/s", "{:.0f}",
                   note="the vCPU running sha256sum")]


def hmp(sock, command):
    """One command to a QEMU human monitor listening on unix socket sock."""
    def prompt(s):  # what comes up to the next "(qemu) "
        got = b""
        while not got.endswith(b"(qemu) "):
            chunk = s.recv(4096)
            if not chunk:
                raise RuntimeError(f"QEMU monitor {sock}: closed during {command!r}")
            got += chunk

    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(30)
        s.connect(str(sock))
        prompt(s)  # the greeting
        s.sendall(command.encode() + b"\n")
        prompt(s)  # the answer


def host_tsc_hz():
    """The TSC rate of this machine, which QEMU TCG gives its guests as it is: bhexits -t
    on the host 2 s apart by the host's clock."""
    def stamp():
        t = time.monotonic()
        tsc = int(subprocess.run([BHEXITS, "-t"], check=True, capture_output=True).stdout)
        return tsc, (t + time.monotonic()) / 2
    (c0, t0), _, (c1, t1) = stamp(), time.sleep(2), stamp()
    return (c1 - c0) / (t1 - t0)


def thread_cpu_s(pid, cpu):
    """Host CPU seconds (user + system) of QEMU pid's thread for its CPU cpu (-name
    debug-threads=on names it "CPU <cpu>/TCG")."""
    for task in Path(f"/proc/{pid}/task").iterdir():
        if (task / "comm").read_text().strip() == f"CPU {cpu}/TCG":
            f = (task / "stat").read_text().rsplit(")", 1)[1].split()
            return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
    raise RuntimeError(f"QEMU {pid}: no thread 'CPU {cpu}/TCG'")


def compute_once(shell, digest, cpu):
    """`sha256sum /tmp/f` on the guest's CPU 1, its digest checked: (TSC cycles in the
    guest, whose TSC is the host's; host CPU seconds of QEMU's thread for that vCPU)."""
    pid = shell.cli.child.pid
    c0 = thread_cpu_s(pid, cpu)
    out = shell.run("/tmp/bhexits -t; taskset 2 sha256sum /tmp/f; /tmp/bhexits -t",
                    timeout=600)
    c1 = thread_cpu_s(pid, cpu)
    if len(out) != 3 or not out[0].isdigit() or not out[2].isdigit() or \
            not out[1].startswith(digest):
        raise RuntimeError(f"compute: {out} (want {digest})")
    return int(out[2]) - int(out[0]), c1 - c0


def linux_compute():
    """linux.compute.ratio: the time sha256sum over COMPUTE_MIB MiB in /tmp takes on the
    guest's vCPU 1, by the guest's TSC, directly under QEMU / under Bulkhead; both machines
    up, the one not computing paused (QEMU `stop`: its clocks stop too), COMPUTE_RUNS runs
    each, alternating. linux.compute.cpu_ratio: the same by the host CPU time of the QEMU
    thread that runs that vCPU, which other loads of the host disturb less."""
    iso = linux_iso()
    digest = hashlib.sha256(bytes(COMPUTE_MIB << 20)).hexdigest()
    tmp = Path(tempfile.mkdtemp(prefix="bench-compute-"))
    mon = {side: tmp / f"{side}.hmp" for side in ("bulkhead", "direct")}
    extra = {side: ["-monitor", f"unix:{mon[side]},server=on,wait=off",
                    "-name", f"{side},debug-threads=on"] for side in mon}
    shells, tsc, cpu = {}, {"bulkhead": [], "direct": []}, {"bulkhead": [], "direct": []}
    try:
        shells["bulkhead"], _ = bulkhead_linux("bench-linux-compute", iso, extra["bulkhead"])
        hmp(mon["bulkhead"], "stop")
        shells["direct"], _ = direct_linux("bench-linux-compute-direct", extra["direct"])
        hmp(mon["direct"], "stop")
        for side, sh in shells.items():
            hmp(mon[side], "cont")
            install_bhexits(sh)
            sh.run(f"dd if=/dev/zero of=/tmp/f bs=1M count={COMPUTE_MIB} 2>/dev/null")
            compute_once(sh, digest, COMPUTE_QEMU_CPU[side])  # a first pass, not counted
            hmp(mon[side], "stop")
        for i in range(COMPUTE_RUNS):
            for side in ("direct", "bulkhead") if i % 2 == 0 else ("bulkhead", "direct"):
                hmp(mon[side], "cont")
                cycles, secs = compute_once(shells[side], digest, COMPUTE_QEMU_CPU[side])
                hmp(mon[side], "stop")
                tsc[side].append(cycles)
                cpu[side].append(secs)
    finally:
        for sh in shells.values():
            opconsole.close(sh.cli)
    hz = host_tsc_hz()

    def ratios(t):  # direct / Bulkhead, per pair
        return [d / b for b, d in zip(t["bulkhead"], t["direct"])]
    return [figure("linux.compute.ratio", ratios(tsc), "x", note="goal >= 0.95"),
            figure("linux.compute.bulkhead_s", [c / hz for c in tsc["bulkhead"]], "s"),
            figure("linux.compute.direct_s", [c / hz for c in tsc["direct"]], "s",
                   note=f"TSC {hz / 1e6:.1f} MHz"),
            figure("linux.compute.cpu_ratio", ratios(cpu), "x", note="QEMU vCPU thread CPU time"),
            figure("linux.compute.bulkhead_cpu_s", cpu["bulkhead"], "s", "{:.2f}"),
            figure("linux.compute.direct_cpu_s", cpu["direct"], "s", "{:.2f}")]


NET_PAIRS = 5       # net.tcp: transfers each way, alternating
NET_MIB = 64


def net_tcp():
    """net.tcp.ratio: 64 MiB over TCP (busybox httpd -> wget -O /dev/null) from linux-2 to
    linux-1 through iopart-a's switch and both guests' virtio-net, over the same transfer
    through loopback inside linux-1, timed by linux-1's /proc/uptime in the same run,
    NET_PAIRS of each, alternating. Both sides run the same programs on the same bytes; the
    loopback side is one guest's TCP stack on one vCPU, the guest-to-guest side two stacks on
    two vCPUs plus the device models and the switch (tests/system/configs/linux-net.yaml)."""
    import test_virtio_net as tvn
    blob = bhrun.BUILD / "bench" / "linux-net.bin"
    blob.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([bhrun.BUILD / "tools" / "bhconfig", "compile", tvn.CONFIG, "-o", blob],
                   check=True)
    parts = bhrun.BUILD / "partitions"
    iso = bhrun.iso_for("", modules=[(blob, "linux-net.bin config")] + [
        (parts / f"{p}.elf", f"{p}.elf {p}") for p in ("command", "opspolicy", "iopart",
                                                       "devmodel")] + [
        (LINUX / "vmlinux", "vmlinux vmlinux"),
        (LINUX / "initramfs.cpio.gz", "initramfs initramfs")])
    qemu = ["-netdev", "user,id=n0,restrict=on", "-device", "e1000,netdev=n0,addr=6",
            "-netdev", "user,id=n1,restrict=on", "-device", "e1000,netdev=n1,addr=7"]
    cli = opconsole.spawn("bench-net-tcp", iso, mem_mib=1024, extra=qemu)
    try:
        cli.wait_for("[command] ready", timeout=180)
        g = {}
        for name, ip in tvn.IP.items():
            g[name] = tvn.Shell(cli, name)
            g[name].attach(timeout=400)
            g[name].run("dmesg -n 1")
            # the bytes come from a CGI, not a file: 64 MiB does not fit the guest's rootfs
            out = g[name].run(
                f"ip addr add {ip}/24 dev eth0 && ip link set eth0 up && ip link set lo up && "
                "mkdir -p /tmp/www/cgi-bin && printf '#!/bin/sh\\necho Content-Type: "
                f"application/octet-stream\\necho\\nexec head -c {NET_MIB << 20} /dev/zero\\n' "
                "> /tmp/www/cgi-bin/f && chmod +x /tmp/www/cgi-bin/f && "
                "httpd -p 8080 -h /tmp/www && echo serving")
            if out[-1:] != ["serving"]:
                raise RuntimeError(f"{name}: httpd: {out}")
            g[name].detach()
        one = g["linux-1"]
        one.attach()
        took = {"guests": [], "loopback": []}
        for i in range(NET_PAIRS):
            for side in ("guests", "loopback") if i % 2 == 0 else ("loopback", "guests"):
                host = tvn.IP["linux-2"] if side == "guests" else "127.0.0.1"
                out = one.run(f"a=$(cut -d' ' -f1 /proc/uptime); n=$(wget -q -O - "
                              f"http://{host}:8080/cgi-bin/f | wc -c) && "
                              "b=$(cut -d' ' -f1 /proc/uptime) && echo $a $b $n", timeout=600)
                m = re.fullmatch(r"([\d.]+) ([\d.]+) (\d+)", out[-1] if out else "")
                if not m or int(m.group(3)) != NET_MIB << 20:
                    raise RuntimeError(f"{side}: wget of {NET_MIB} MiB: {out}")
                a, b = float(m.group(1)), float(m.group(2))
                took[side].append(b - a)
        one.detach()
    finally:
        opconsole.close(cli)
    ratios = [lo / gu for gu, lo in zip(took["guests"], took["loopback"])]
    mibs = {k: [NET_MIB / t for t in v] for k, v in took.items()}
    return [figure("net.tcp.ratio", ratios, "x", note="guest-to-guest / loopback throughput, "
                   "goal >= 0.5"),
            figure("net.tcp.guests_mib_s", mibs["guests"], "MiB/s", "{:.1f}"),
            figure("net.tcp.loopback_mib_s", mibs["loopback"], "MiB/s", "{:.1f}")]


# ---- virtio-blk: the device model's disk against the I/O partition's own reads ----

VBLK_MIB = 64         # the sequential read, both sides: sectors [0, 64 MiB) of the disk
VBLK_RUNS = 5         # reads of each side, and windows of the queue-depth run
VBLK_AT_MS = 300000   # iopart-a's reads start then (monitor clock): after the guest's
VBLK_QD = 32          # dd processes reading 4 KiB with O_DIRECT at once
VBLK_QD_READS = 256   # reads of each per window
# Multi-threaded TCG, wall-clock time: under -icount shift=0,sleep=on the guest wedged in
# 3 of 8 boots as its dd began (docs/bench.md); VBLK_QEMU=icount tools/bench.py ... tries it.
VBLK_QEMU = ["-icount", "shift=0,sleep=on"] if os.environ.get("VBLK_QEMU") == "icount" else []


def vblk_guest_read(shell, khz):
    """One sequential O_DIRECT read of VBLK_MIB MiB of /dev/vda in the guest: its ns by the
    TSC (bhexits -t before and after) at the rate the monitor and the kernel both use."""
    out = shell.run(f"t0=$(/tmp/bhexits -t); dd if=/dev/vda of=/dev/null bs=256k "
                    f"count={VBLK_MIB * 4} iflag=direct 2>/tmp/dd.err; r=$?; t1=$(/tmp/bhexits -t); "
                    f"echo $t0 $t1 $r", timeout=600)
    m = re.fullmatch(r"(\d+) (\d+) 0", out[-1] if out else "")
    if not m:
        raise RuntimeError(f"guest read: {out}")
    return (int(m.group(2)) - int(m.group(1))) * 1e6 / khz


def vblk_qd_window(shell):
    """VBLK_QD dd processes, each VBLK_QD_READS 4 KiB O_DIRECT reads of its own range, at
    once: (both vCPUs' exits meanwhile, reads the disk completed by /sys/block/vda/stat)."""
    dds = (f"i=0; while [ $i -lt {VBLK_QD} ]; do dd if=/dev/vda of=/dev/null bs=4k "
           f"iflag=direct count={VBLK_QD_READS} skip=$((i * {VBLK_QD_READS})) 2>/dev/null & "
           f"i=$((i + 1)); done;")
    out = shell.run(f"s0=$(cat /sys/block/vda/stat); a0=$(taskset 1 /tmp/bhexits); "
                    f"b0=$(taskset 2 /tmp/bhexits); {dds} wait; a1=$(taskset 1 /tmp/bhexits); "
                    f"b1=$(taskset 2 /tmp/bhexits); s1=$(cat /sys/block/vda/stat); "
                    f"echo $a0 $b0 $a1 $b1; echo $s0; echo $s1", timeout=600)
    if len(out) != 3 or not re.fullmatch(r"\d+ \d+ \d+ \d+", out[0]):
        raise RuntimeError(f"queue-depth window: {out}")
    a0, b0, a1, b1 = map(int, out[0].split())
    reads = int(out[2].split()[0]) - int(out[1].split()[0])
    return (a1 - a0) + (b1 - b0), reads


def virtio_blk():
    """virtio_blk.ratio: the Linux guest, whose window starts at sector 0 (disk-base 0),
    reads VBLK_MIB MiB of /dev/vda with O_DIRECT, VBLK_RUNS times; later, on the then idle
    machine, iopart-a reads the same sectors itself (bench-local, in requests the size a
    block channel carries), VBLK_RUNS times back to back. Ratio: local time / guest time,
    run i with run i. virtio_blk.exits_per_req, in between: both guest vCPUs' exits
    (bhexits) per 4 KiB O_DIRECT read the disk completed, VBLK_QD readers at once. QEMU
    TCG, wall-clock time of the host's TSC on both sides (docs/bench.md)."""
    arg = 'cmdline: "role=a console=com1'

    def edit(text):
        assert text.count(arg) == 1 and text.count("disk-base: 64M") == 1
        text = text.replace(arg, f"{arg} bench-local={VBLK_MIB} bench-at={VBLK_AT_MS} "
                                 f"bench-runs={VBLK_RUNS}")
        return text.replace("disk-base: 64M", "disk-base: 0")

    tmp = Path(tempfile.mkdtemp(prefix="bench-vblk-"))
    shell, _, _ = test_virtio_blk.boot(tmp, "bench-vblk", edit, qemu=VBLK_QEMU)
    cli = shell.cli
    local_re = re.compile(r"\[iopart-a\] bench: local read %d MiB in (\d+) ns" % VBLK_MIB)
    try:
        install_bhexits(shell)
        khz = re.search(r"tsc_early_khz=(\d+)", " ".join(shell.run("cat /proc/cmdline")))
        if not khz:
            raise RuntimeError("no tsc_early_khz on linux's command line")
        guest = [vblk_guest_read(shell, int(khz.group(1))) for _ in range(VBLK_RUNS)]
        per_req, reads = [], []
        for _ in range(VBLK_RUNS):
            exits, n = vblk_qd_window(shell)
            per_req.append(exits / n)
            reads.append(n)
        shell.detach()  # iopart-a's lines, held while attached, would come now
        time.sleep(3)
        if local_re.search(cli.seen):
            raise RuntimeError(f"bench-at={VBLK_AT_MS} ms came while the guest read: raise it")
        while len(local_re.findall(cli.seen)) < VBLK_RUNS:
            cli.wait_re(local_re, timeout=900, new_only=True)
        local = [int(x) for x in local_re.findall(cli.seen)]
    finally:
        opconsole.close(cli)
    ratios = [l / g for l, g in zip(local, guest)]
    return [figure("virtio_blk.ratio", ratios, "x",
                   note=f"goal >= 0.8; local / guest; median of medians "
                        f"{statistics.median(local) / statistics.median(guest):.3f}"),
            figure("virtio_blk.local_ms", [x / 1e6 for x in local], "ms", "{:.1f}"),
            figure("virtio_blk.guest_ms", [x / 1e6 for x in guest], "ms", "{:.1f}"),
            figure("virtio_blk.exits_per_req", per_req, "exits", "{:.2f}",
                   note=f"goal <= 1; queue depth {VBLK_QD}, 4 KiB, "
                        f"{statistics.median(reads):.0f} reads a window")]


SCENARIOS = [("block", block), ("failover", failover), ("linux.boot", linux_boot),
             ("linux.idle", linux_idle), ("linux.compute", linux_compute),
             ("virtio_blk", virtio_blk), ("net.tcp", net_tcp)]
PARTITIONS = [("svm", svm), ("signal", signal), ("chan", chan), ("vmx", vmx)]


def main(names):
    known = [n for n, _ in SCENARIOS + PARTITIONS]
    if any(n not in known for n in names):
        print(f"bench: unknown {[n for n in names if n not in known]}; known: {known}",
              file=sys.stderr)
        return 2
    failed = False
    for name, fn in SCENARIOS:
        if names and name not in names:
            continue
        try:
            for line in fn():
                print(line, flush=True)
        except Exception as e:  # a missing line: the benchmark failed, the others go on
            print(f"bench {name}: {e!r}"[:2000], file=sys.stderr)
            failed = True
    for name, run in PARTITIONS:
        if names and name not in names:
            continue
        r, lines = run()
        if not lines:
            print(f"bench {name}: no BENCH lines ({r.describe()})", file=sys.stderr)
            failed = True
        for line in lines:
            print(line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
