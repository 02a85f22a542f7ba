# SPDX-License-Identifier: MIT
"""bhrun.py - boot Bulkhead ISOs under QEMU (TCG) and Bochs, collect both serial ports.

    r = Qemu(firmware="ovmf", iso=iso_for("test=boot")).run("qemu-uefi-test_boot")
    r.status, r.com1, r.com2, r.exit_code, r.timed_out, r.duration

COM1 is the kernel console, shared with GRUB's serial terminal; COM2 is the monitor log.
Under OVMF, firmware and GRUB console text may land on COM1, COM2, both or neither.
Logs are kept in $BULKHEAD_BUILD/test-logs/ (default build/test-logs/) as <name>-com1.log,
<name>-com2.log, <name>-cmd.txt (the command line), <name>-out.log (the emulator's own
output), and for Bochs <name>.bochsrc and <name>-bochs.log. Set BULKHEAD_KERNEL to boot
another Multiboot2 image than build/bulkhead.elf.
"""

import hashlib
import os
import re
import shlex
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("BULKHEAD_BUILD", ROOT / "build"))
if not BUILD.is_absolute():
    BUILD = ROOT / BUILD
LOGS = BUILD / "test-logs"
ISO_CACHE = BUILD / "test-iso"
MKISO = ROOT / "tools" / "mkiso.sh"

OVMF = Path("/usr/share/ovmf/OVMF.fd")
BOCHS_BIOS = Path("/usr/share/bochs/BIOS-bochs-latest")
BOCHS_VGABIOS = Path("/usr/share/vgabios/vgabios.bin")
BOCHS_TERM_PLUGIN = Path("/usr/lib/x86_64-linux-gnu/bochs/plugins/libbx_term_gui.so")

STOP_RE = re.compile(r"^bulkhead: stop status=(\d+)\s*$", re.M)
# CSI (ESC [ ... letter) and short ESC sequences: terminal noise from GRUB's serial
# terminal and OVMF's console, never sent by the kernel.
_ESC_RE = re.compile(r"\x1b\[[0-9;=?]*[A-Za-z]|\x1b[()][A-Za-z0-9]|\x1b[=>78cDEHM]")


def clean(raw: bytes) -> str:
    """Serial bytes to text lines: no terminal escapes, no CR, no NUL."""
    text = raw.decode("utf-8", errors="replace")
    text = _ESC_RE.sub("", text)
    return text.replace("\r", "").replace("\x00", "")


@dataclass
class Result:
    name: str
    com1: str = field(repr=False)
    com2: str = field(repr=False)
    exit_code: Optional[int]
    timed_out: bool
    duration: float
    timeout: float

    @property
    def status(self) -> Optional[int]:
        """The status of the first `bulkhead: stop status=<n>` line on COM1 (on COM2 once an
        I/O partition owns COM1), else None."""
        m = STOP_RE.search(self.com1) or STOP_RE.search(self.com2)
        return int(m.group(1)) if m else None

    def lines(self, port: str = "com1"):
        return getattr(self, port).splitlines()

    def matches(self, pattern: str, port: str = "com1"):
        """re.Match objects of every line of `port` that `pattern` matches at its start."""
        rx = re.compile(pattern)
        return [m for m in map(rx.match, self.lines(port)) if m]

    def describe(self) -> str:
        """A short report for assertion messages: where the logs are, how the run ended."""
        return (f"{self.name}: exit_code={self.exit_code} timed_out={self.timed_out} "
                f"{self.duration:.1f}s; logs {LOGS}/{self.name}-com1.log, -com2.log")


def kernel_path() -> Path:
    return Path(os.environ.get("BULKHEAD_KERNEL", BUILD / "bulkhead.elf")).resolve()


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.+-]+", "_", text).strip("_")[:40] or "default"


def iso_for(cmdline: str = "", bios_only: bool = False, modules=()) -> Path:
    """A GRUB ISO booting the kernel with `cmdline`, cached in build/test-iso/.

    modules: (file, name) pairs passed to mkiso.sh --module. The ISO is rebuilt when the
    kernel, a module or mkiso.sh is newer than it.
    """
    kernel = kernel_path()
    if not kernel.is_file():
        raise FileNotFoundError(f"{kernel} missing: build it first (make test does)")
    mods = [(Path(f).resolve(), n) for f, n in modules]
    key = repr((str(kernel), cmdline, bios_only, [(str(f), n) for f, n in mods]))
    digest = hashlib.sha1(key.encode()).hexdigest()[:10]
    iso = ISO_CACHE / f"{'bios' if bios_only else 'hybrid'}-{slug(cmdline)}-{digest}.iso"
    inputs = [kernel, MKISO] + [f for f, _ in mods]
    if iso.exists() and all(iso.stat().st_mtime >= p.stat().st_mtime for p in inputs):
        return iso
    ISO_CACHE.mkdir(parents=True, exist_ok=True)
    cmd = [str(MKISO), str(iso), str(kernel), "--cmdline", cmdline]
    if bios_only:
        cmd.append("--bios-only")
    for f, n in mods:
        cmd += ["--module", str(f), n]
    subprocess.run(cmd, check=True, stdin=subprocess.DEVNULL)
    return iso


def _seen(path: Path, pattern) -> bool:
    try:
        return bool(pattern.search(clean(path.read_bytes())))
    except OSError:
        return False


def _run(cmd, name: str, timeout: float, env=None, until=None):
    """Run cmd in its own session (no tty, no SIGINT from the terminal); SIGKILL its whole
    process group on timeout or on any exception, or once until = (file, regex) matches what
    the file holds (checked every second: a run that has shown all it must stops early).
    Returns (exit_code, timed_out, seconds); exit_code is None after such an early stop."""
    LOGS.mkdir(parents=True, exist_ok=True)
    (LOGS / f"{name}-cmd.txt").write_text(shlex.join(map(str, cmd)) + "\n")
    out = open(LOGS / f"{name}-out.log", "wb")
    start = time.monotonic()
    proc = subprocess.Popen(list(map(str, cmd)), stdin=subprocess.DEVNULL, stdout=out,
                            stderr=subprocess.STDOUT, env=env, start_new_session=True)
    timed_out = False
    rc = None
    try:
        while rc is None:
            left = timeout - (time.monotonic() - start)
            if left <= 0:
                raise subprocess.TimeoutExpired(cmd, timeout)
            try:
                rc = proc.wait(timeout=min(left, 1.0) if until else left)
            except subprocess.TimeoutExpired:
                if until and _seen(*until):
                    break
    except subprocess.TimeoutExpired:
        timed_out = True
        rc = None
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        out.close()
    return rc, timed_out, time.monotonic() - start


def _fresh(*paths: Path):
    for p in paths:
        p.unlink(missing_ok=True)


def _result(name, com1, com2, rc, timed_out, secs, timeout) -> Result:
    read = lambda p: clean(p.read_bytes()) if p.exists() else ""
    return Result(name, read(com1), read(com2), rc, timed_out, secs, timeout)


def no_default_nic(extra):
    """["-nic", "none"] unless extra gives the machine a network of its own: without it QEMU
    adds an e1000 on unrestricted user networking, a route out of the test machine."""
    return [] if any(a in ("-netdev", "-nic", "-net") for a in map(str, extra)) else ["-nic", "none"]


class Qemu:
    """qemu-system-x86_64 with TCG. firmware: "bios" (SeaBIOS) or "ovmf" (UEFI)."""

    def __init__(self, firmware="bios", cpu="max", smp=4, mem_mib=512, iso=None,
                 timeout=60, extra=()):
        if firmware not in ("bios", "ovmf"):
            raise ValueError(f"firmware {firmware!r}: expected 'bios' or 'ovmf'")
        self.firmware, self.cpu, self.smp, self.mem_mib = firmware, cpu, smp, mem_mib
        self.iso = Path(iso) if iso else BUILD / "bulkhead.iso"
        self.timeout, self.extra = timeout, list(extra)

    def command(self, com1: Path, com2: Path):
        cmd = ["qemu-system-x86_64", "-accel", "tcg", "-cpu", self.cpu,
               "-smp", str(self.smp), "-m", str(self.mem_mib)]
        if self.firmware == "ovmf":
            # -bios OVMF.fd keeps variables in RAM: no per-run VARS copy, and ~1 s faster
            # to boot than pflash CODE+VARS with a fresh VARS image.
            cmd += ["-bios", str(OVMF)]
        cmd += ["-cdrom", str(self.iso), "-display", "none", "-no-reboot",
                "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
                "-serial", f"file:{com1}", "-serial", f"file:{com2}"]
        return cmd + no_default_nic(self.extra) + self.extra

    def run(self, name: str) -> Result:
        com1, com2 = LOGS / f"{name}-com1.log", LOGS / f"{name}-com2.log"
        _fresh(com1, com2)
        rc, timed_out, secs = _run(self.command(com1, com2), name, self.timeout)
        return _result(name, com1, com2, rc, timed_out, secs, self.timeout)


def qemu_exit_code(status: int) -> int:
    """QEMU's exit code after the guest writes `status` to isa-debug-exit."""
    return (status << 1) | 1


class Bochs:
    """Bochs 2.7 (Debian) with the term display, unattended. model: "corei7_skylake_x"
    (VMX+EPT) or "ryzen" (SVM+NPT). Bochs exits with 1 on every shutdown path: judge the
    run by the serial logs, not by exit_code."""

    def __init__(self, model="corei7_skylake_x", cpus=2, mem_mib=256, iso=None,
                 timeout=120, ips=10_000_000):
        self.model, self.cpus, self.mem_mib = model, cpus, mem_mib
        self.iso = Path(iso) if iso else BUILD / "bulkhead-bios.iso"
        self.timeout, self.ips = timeout, ips

    def bochsrc(self, com1: Path, com2: Path, log: Path) -> str:
        for p in (self.iso, com1, com2, log):
            if re.search(r"[\s,\"]", str(p)):
                raise ValueError(f"{p}: bochsrc paths may not hold spaces, commas or quotes")
        return "\n".join([
            f"megs: {self.mem_mib}",
            f"romimage: file={BOCHS_BIOS}, options=fastboot",
            f"vgaromimage: file={BOCHS_VGABIOS}",
            f"cpu: model={self.model}, count={self.cpus}, quantum=16, ips={self.ips}, "
            "reset_on_triple_fault=0",
            f"ata0-master: type=cdrom, path={self.iso}, status=inserted",
            "boot: cdrom",
            f"com1: enabled=1, mode=file, dev={com1}",
            f"com2: enabled=1, mode=file, dev={com2}",
            f"log: {log}",
            "panic: action=fatal",
            "clock: sync=none, time0=utc",
            "speaker: enabled=0",
            "sound: driver=dummy",
            "port_e9_hack: enabled=1",
            "display_library: term",
            "",
        ])

    def run(self, name: str, until: Optional[str] = None) -> Result:
        """until: a regex; once COM1 shows it, Bochs is stopped (exit_code None)."""
        if not BOCHS_TERM_PLUGIN.exists():
            raise RuntimeError("Bochs has no 'term' display plugin: apt-get install bochs-term")
        com1, com2 = LOGS / f"{name}-com1.log", LOGS / f"{name}-com2.log"
        log, rc_file = LOGS / f"{name}-bochs.log", LOGS / f"{name}.bochsrc"
        dbg = LOGS / f"{name}.bochs-dbg"
        _fresh(com1, com2, log)
        LOGS.mkdir(parents=True, exist_ok=True)
        rc_file.write_text(self.bochsrc(com1, com2, log))
        # The built-in debugger stops before the first instruction: run on, quit at the end.
        dbg.write_text("continue\nquit\n")
        env = dict(os.environ, TERM="dumb")
        cmd = ["timeout", "-s", "KILL", str(self.timeout),
               "bochs", "-q", "-f", rc_file, "-rc", dbg]
        stop = (com1, re.compile(until, re.M)) if until else None
        rc, timed_out, secs = _run(cmd, name, self.timeout + 10, env, stop)
        # timeout(1) signals its whole process group, so SIGKILL ends timeout(1) too: -9.
        timed_out = timed_out or (rc in (-9, 124, 137) and secs >= self.timeout - 1)
        return _result(name, com1, com2, rc, timed_out, secs, self.timeout)
