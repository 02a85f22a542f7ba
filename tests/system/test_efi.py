# SPDX-License-Identifier: MIT
"""test_efi.py - bulkhead.efi (GNU-EFI) under QEMU with OVMF, booting FAT ESP images made by
tools/mkesp.sh: the ISO scenarios with the ISO's assertions (test_boot.py, test_svm.py),
the boot information the monitor logs, the same information as GRUB's Multiboot2 path, a
config file named by the load options, and refusals (a missing blob, a corrupted or truncated
kernel, invalid blobs, a bad config line, too little memory) that return to the firmware.

The ESP is an IDE disk with bootindex 0. bhrun.Qemu always adds a CD drive: it gets an empty
file, so that when bulkhead.efi returns an error the firmware cannot fall back to a GRUB ISO.
After a refusal OVMF's boot manager reports "BdsDxe: failed to start BootNNNN ...: <status>"
and moves on to its shell: the harness kills QEMU as soon as that line is on COM1.
"""
import os
import re
import shlex
import signal
import struct
import subprocess
import time
import zlib

import pytest

import bhrun
import test_boot

EFI_APP = bhrun.BUILD / "bulkhead.efi"
MKESP = bhrun.ROOT / "tools" / "mkesp.sh"
ESP_DIR = bhrun.BUILD / "test-esp"
NO_MEDIA = ESP_DIR / "no-media.iso"
GUEST_PV = bhrun.BUILD / "partitions" / "guest-pv.elf"
BLOB = bhrun.BUILD / "examples" / "default.bin"
CPUS, MEM_MIB = 4, 512
BOOT_TIMEOUT, REFUSE_TIMEOUT = 60, 40

FW_FAILED_RE = r"^BdsDxe: failed to start Boot[0-9A-F]{4} .*: (.+?)\s*$"
STARTING = "bulkhead monitor starting"
MEM_RE = r"boot: mem \[0x([0-9a-f]+)-0x([0-9a-f]+)\) type (\d)$"
MODULE_RE = r'boot: module (\d+) \[0x([0-9a-f]+)-0x([0-9a-f]+)\) "(.*)"$'
LOADER_RE = r'boot: loader "(.*)", command line "(.*)"$'
EFI_KERNEL_RE = r"bulkhead\.efi: kernel .*: \d+ segments in \[0x([0-9a-f]+)-0x([0-9a-f]+)\)"
EFI_MODULE_RE = r'bulkhead\.efi: module (\d+) .*: \[0x([0-9a-f]+)-0x([0-9a-f]+)\) "(.*)"$'
PAGE, LOW_LIMIT = 4096, 1 << 32
USABLE, RAM_TYPES = 1, (1, 3, 4)

# (name, cpus, MiB, exit status) of the guest-pv partitions of the run scenario, which the
# ultravisor starts from tests/system/configs/efi-guests.yaml (its image: module guest-pv).
GUESTS = [("g1", "1", 16, 3), ("g2", "2,3", 24, 5)]
RUN_BLOB = ESP_DIR / "efi-guests.bin"
RUN_MODULES = [(RUN_BLOB, "config.bin config"), (GUEST_PV, "guest-pv.elf guest-pv")]
RUN_CMDLINE = "test=run limit=10000"  # the ultravisor runs on: stop at a time limit


def compile_run_blob():
    ESP_DIR.mkdir(parents=True, exist_ok=True)
    subprocess.run([bhrun.BUILD / "tools" / "bhconfig", "compile",
                    bhrun.ROOT / "tests" / "system" / "configs" / "efi-guests.yaml", "-o",
                    RUN_BLOB], check=True)


def esp(name, kernel=None, cmdline="", modules=(), cfg_text=None, files=(), where=ESP_DIR):
    """<where>/<name>.img (build/test-esp/) from tools/mkesp.sh. modules: (file, "NAME
    [ARGS]") pairs; cfg_text replaces the generated bulkhead.cfg; files: (file, NAME) pairs
    copied beside it."""
    where.mkdir(parents=True, exist_ok=True)
    img = where / f"{name}.img"
    cmd = [MKESP, img, EFI_APP, kernel or bhrun.kernel_path(), "--cmdline", cmdline]
    for f, spec in modules:
        cmd += ["--module", f, spec]
    if cfg_text is not None:
        cfg = where / f"{name}.cfg"
        cfg.write_text(cfg_text)
        cmd += ["--cfg", cfg]
    for f, n in files:
        cmd += ["--file", f, n]
    subprocess.run(list(map(str, cmd)), check=True, stdin=subprocess.DEVNULL)
    return img


def qemu(drive, timeout, mem_mib=MEM_MIB):
    """OVMF booting `drive` (a -drive file= value) first, and no bootable CD."""
    NO_MEDIA.parent.mkdir(parents=True, exist_ok=True)
    NO_MEDIA.write_bytes(b"")
    return bhrun.Qemu(firmware="ovmf", cpu="max", smp=CPUS, mem_mib=mem_mib, iso=NO_MEDIA,
                      timeout=timeout,
                      extra=["-drive", f"if=none,id=esp,format=raw,file={drive}",
                             "-device", "ide-hd,drive=esp,bootindex=0", "-nic", "none"])


def run_until(q, name, pattern):
    """Run q until a COM1 line matches `pattern` (then kill QEMU) or it exits or times out."""
    com1, com2 = bhrun.LOGS / f"{name}-com1.log", bhrun.LOGS / f"{name}-com2.log"
    bhrun.LOGS.mkdir(parents=True, exist_ok=True)
    for p in (com1, com2):
        p.unlink(missing_ok=True)
    cmd = list(map(str, q.command(com1, com2)))
    (bhrun.LOGS / f"{name}-cmd.txt").write_text(shlex.join(cmd) + "\n")
    rx, start, seen = re.compile(pattern, re.M), time.monotonic(), False
    with open(bhrun.LOGS / f"{name}-out.log", "wb") as out:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            while not seen and proc.poll() is None and time.monotonic() - start < q.timeout:
                time.sleep(0.2)
                seen = com1.exists() and bool(rx.search(bhrun.clean(com1.read_bytes())))
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    read = lambda p: bhrun.clean(p.read_bytes()) if p.exists() else ""
    timed_out = not seen and time.monotonic() - start >= q.timeout
    return bhrun.Result(name, read(com1), read(com2), proc.returncode, timed_out,
                        time.monotonic() - start, q.timeout)


def boot_esp(name, cmdline, modules=()):
    return qemu(esp(name, cmdline=cmdline, modules=modules), BOOT_TIMEOUT).run(f"efi-{name}")


@pytest.fixture(scope="module")
def booted():
    return boot_esp("boot", "test=boot")


@pytest.fixture(scope="module")
def ran():
    compile_run_blob()
    return boot_esp("run", RUN_CMDLINE, RUN_MODULES)


# --- the ISO scenarios, asserted as test_boot.py and test_svm.py assert them --------------

def test_summary_line(booted):
    lines = booted.matches(test_boot.SUMMARY_RE)
    assert len(lines) == 1, booted.describe()
    cpus, vendor, ram = int(lines[0][1]), lines[0][2], int(lines[0][3])
    assert (cpus, vendor) == (CPUS, "svm"), booted.describe()
    assert MEM_MIB - test_boot.RAM_SLACK_MIB <= ram <= MEM_MIB, booted.describe()


def test_cpu_feature_lines(booted):
    lines = booted.matches(test_boot.CPU_RE, port="com2")
    assert sorted(int(m[1]) for m in lines) == list(range(CPUS)), booted.describe()
    assert len({m[2] for m in lines}) == CPUS, "duplicate APIC ids"
    assert all((m[3], m[4]) == ("svm", "npt") for m in lines), booted.describe()


def test_boot_stops_clean_and_fast(booted):
    assert not booted.timed_out and booted.status == test_boot.STATUS_OK, booted.describe()
    assert booted.exit_code == bhrun.qemu_exit_code(test_boot.STATUS_OK), booted.describe()
    assert booted.duration < booted.timeout / 2, f"slow boot: {booted.describe()}"


@pytest.mark.parametrize("name,cpus,mib,status", GUESTS, ids=[g[0] for g in GUESTS])
def test_guest_pv_runs_to_completion(ran, name, cpus, mib, status):
    out = [l[len(name) + 3:] for l in ran.lines() if l.startswith(f"[{name}] ")]
    assert ran.status == 0, ran.describe()
    assert not [l for l in out if "GUEST_ASSERT" in l], out
    assert f"GUEST_DONE exit={status}" in out, ran.describe()
    assert re.search(rf"^part: partition {name}: exited, status {status}$", ran.com1, re.M)
    assert f"mem[0] gpa=0x0 size={hex(mib << 20)} flags=rwx" in out
    assert f"guest-pv: {len(cpus.split(',')) - 1} secondary vCPUs checked in" in out


def test_guests_end_and_the_ultravisor_records_it(ran):
    for name, _, _, status in GUESTS:
        assert f"[ultravisor] ultravisor: {name} exited (status {status})" in ran.lines(), \
            ran.describe()
        assert re.search(rf"^\[ultravisor\] ultravisor: {name}: running -> stopped", ran.com1,
                         re.M)
    assert ran.exit_code == bhrun.qemu_exit_code(0), ran.describe()


# --- the boot information, as the monitor logs it on COM2 ----------------------------------

def memory_map(r):
    return [(int(b, 16), int(e, 16), int(t)) for b, e, t in
            (m.groups() for m in r.matches(MEM_RE, port="com2"))]


def inside_usable(mmap, lo, hi):
    return any(t == USABLE and b <= lo and hi <= e for b, e, t in mmap)


@pytest.mark.parametrize("scenario", ["booted", "ran"])
def test_memory_map_is_normalized(request, scenario):
    r = request.getfixturevalue(scenario)
    mmap = memory_map(r)
    assert mmap, r.describe()
    for (b, e, t), (nb, _, nt) in zip(mmap, mmap[1:]):
        assert b < e <= nb, f"unsorted or overlapping: {mmap}"
        assert e < nb or t != nt, f"touching ranges of one type not merged: {mmap}"
    assert all(1 <= t <= 5 for _, _, t in mmap), mmap
    ram_mib = sum(e - b for b, e, t in mmap if t in RAM_TYPES) >> 20
    summary = r.matches(test_boot.SUMMARY_RE)
    assert summary and int(summary[0][3]) == ram_mib, r.describe()
    kernel = r.matches(EFI_KERNEL_RE)
    assert len(kernel) == 1, r.describe()
    lo, hi = int(kernel[0][1], 16), int(kernel[0][2], 16)
    assert lo == 0x100000 and inside_usable(mmap, lo, hi), f"kernel [{lo:#x}-{hi:#x})"


@pytest.mark.parametrize("scenario,cmdline", [("booted", "test=boot"), ("ran", RUN_CMDLINE)])
def test_loader_and_command_line(request, scenario, cmdline):
    r = request.getfixturevalue(scenario)
    lines = r.matches(LOADER_RE, port="com2")
    assert len(lines) == 1, r.describe()
    assert lines[0][1].startswith("bulkhead.efi (UEFI 2."), lines[0][1]
    assert lines[0][2] == cmdline


def test_modules_as_loaded(ran):
    mods = [(int(i), int(s, 16), int(e, 16), n) for i, s, e, n in
            (m.groups() for m in ran.matches(MODULE_RE, port="com2"))]
    assert [m[0] for m in mods] == list(range(len(RUN_MODULES))), ran.describe()
    app = [(int(i), int(s, 16), int(e, 16), n) for i, s, e, n in
           (m.groups() for m in ran.matches(EFI_MODULE_RE))]
    assert app == mods, "the monitor got other modules than bulkhead.efi loaded"
    mmap, kernel = memory_map(ran), ran.matches(EFI_KERNEL_RE)[0]
    taken = [(int(kernel[1], 16), int(kernel[2], 16))]
    for (i, start, end, name), (f, spec) in zip(mods, RUN_MODULES):
        assert name == spec.split(" ", 1)[1], f"module {i} command line {name!r}"
        assert end - start == f.stat().st_size, f"module {i} size"
        assert start % PAGE == 0 and end <= LOW_LIMIT, f"module {i} at [{start:#x}-{end:#x})"
        assert inside_usable(mmap, start, end), f"module {i} outside usable RAM"
        assert all(end <= lo or hi <= start for lo, hi in taken), f"module {i} overlaps"
        taken.append((start, end))


def test_same_boot_information_as_grub():
    """The same scenario through GRUB's Multiboot2 path (hybrid ISO, OVMF): same command
    line, module command lines and sizes, CPUs and RAM."""
    mods = RUN_MODULES
    compile_run_blob()
    efi = boot_esp("same-as-grub", "test=boot", mods)
    iso = bhrun.iso_for("test=boot", modules=mods)
    grub = bhrun.Qemu(firmware="ovmf", smp=CPUS, mem_mib=MEM_MIB, iso=iso,
                      timeout=BOOT_TIMEOUT).run("efi-same-as-grub-iso")

    def info(r):
        mods = [(int(e, 16) - int(s, 16), n) for _, s, e, n in
                (m.groups() for m in r.matches(MODULE_RE, port="com2"))]
        return (r.matches(LOADER_RE, port="com2")[0][2], mods,
                r.matches(test_boot.SUMMARY_RE)[0].group(0))

    assert efi.status == 0 and grub.status == 0, f"{efi.describe()}\n{grub.describe()}"
    assert info(efi) == info(grub)


# --- a config file named by the load options ------------------------------------------------

def test_load_options_name_the_config_file(tmp_path):
    """The UEFI shell runs startup.nsh, which starts \\EFI\\bulkhead\\bulkhead.efi with
    "alt.cfg" as its load options; nothing is at the removable-media path. The ESP is a
    directory (QEMU's vvfat)."""
    d = tmp_path / "esp"
    app_dir = d / "EFI" / "bulkhead"
    app_dir.mkdir(parents=True)
    (app_dir / "bulkhead.efi").write_bytes(EFI_APP.read_bytes())
    (app_dir / "monitor.elf").write_bytes(bhrun.kernel_path().read_bytes())
    (app_dir / "alt.cfg").write_text("# named by the load options\nkernel monitor.elf\n"
                                     "cmdline test=boot\n")
    (d / "startup.nsh").write_text("fs0:\\EFI\\bulkhead\\bulkhead.efi alt.cfg\r\n")
    r = qemu(f"fat:rw:{d}", BOOT_TIMEOUT).run("efi-load-options")
    assert r.status == 0, r.describe()
    assert re.search(r"^bulkhead\.efi: kernel \\EFI\\bulkhead\\monitor\.elf: ", r.com1, re.M)
    assert r.matches(test_boot.SUMMARY_RE), r.describe()


# --- refusals: a message, no monitor, the status back to the firmware ----------------------

def corrupt_header(path):
    data = bytearray(bhrun.kernel_path().read_bytes())
    data[0:64] = bytes(range(64))
    path.write_bytes(data)
    return path


def truncate_kernel(path):
    path.write_bytes(bhrun.kernel_path().read_bytes()[:0x4000])
    return path


def invalid_blob(path):
    """default.bin with partitions[0].memory = 4 KiB, checksum recomputed: only the
    invariant check can catch it."""
    data = bytearray(BLOB.read_bytes())
    offset, count = struct.unpack_from("<II", data, 0x20)  # tables[BH_CFG_PARTITIONS]
    assert count > 0
    struct.pack_into("<Q", data, offset + 0x40, 0x1000)
    total = struct.unpack_from("<I", data, 0x08)[0]
    struct.pack_into("<I", data, 0x0c, zlib.crc32(bytes(data[0x10:total])))
    path.write_bytes(data)
    return path


def damaged_blob(path):
    data = bytearray(BLOB.read_bytes())
    data[0x90] ^= 0xff
    path.write_bytes(data)
    return path


def big_module(path):
    """96 MiB (sparse): more than a 64 MiB machine has below 4 GiB."""
    with open(path, "wb") as f:
        f.truncate(96 << 20)
    return path


def refuse(name, mem_mib=MEM_MIB, made=lambda tmp: {}, **esp_args):
    """The QEMU run of one refusal: esp() gets esp_args, and made(tmp): arguments whose
    files are made in the test's temporary directory."""
    return lambda tmp: qemu(esp(name, **esp_args, **made(tmp)), REFUSE_TIMEOUT, mem_mib)


CFG_WITH_BLOB = "kernel bulkhead.elf\ncmdline test=boot\nmodule config.bin config\n"

# (case, QEMU run, our error line, status returned, OVMF's name for it)
REFUSALS = [
    ("blob-missing", refuse("blob-missing", cfg_text=CFG_WITH_BLOB),
     r"module 0 \(\\EFI\\BOOT\\bulkhead\.cfg line 3\) \\EFI\\BOOT\\config\.bin: cannot open: "
     r"EFI_NOT_FOUND", "EFI_NOT_FOUND", "Not Found"),
    ("elf-corrupt", refuse("elf-corrupt", made=lambda t: {"kernel": corrupt_header(t / "k")}),
     r"kernel \\EFI\\BOOT\\bulkhead\.elf: not a loadable ELF64 x86-64 executable .*: .*magic",
     "EFI_LOAD_ERROR", "Load Error"),
    ("elf-truncated", refuse("elf-truncated", made=lambda t: {"kernel": truncate_kernel(t / "k")}),
     r"kernel \\EFI\\BOOT\\bulkhead\.elf: not a loadable ELF64 x86-64 executable .*: ",
     "EFI_LOAD_ERROR", "Load Error"),
    ("blob-invalid", refuse("blob-invalid", cfg_text=CFG_WITH_BLOB, made=lambda t: {
        "files": [(invalid_blob(t / "c.bin"), "config.bin")]}),
     r"config blob \\EFI\\BOOT\\config\.bin: partitions\[0\]\.memory: 0x1000 not a multiple",
     "EFI_INVALID_PARAMETER", "Invalid Parameter"),
    ("blob-checksum", refuse("blob-checksum", cfg_text=CFG_WITH_BLOB, made=lambda t: {
        "files": [(damaged_blob(t / "c.bin"), "config.bin")]}),
     r"config blob \\EFI\\BOOT\\config\.bin: header\.checksum: ", "EFI_INVALID_PARAMETER",
     "Invalid Parameter"),
    ("cfg-unknown", refuse("cfg-unknown", cfg_text="kernel bulkhead.elf\nmodul x\n"),
     r"config file \\EFI\\BOOT\\bulkhead\.cfg: line 2: unknown directive \"modul\"",
     "EFI_INVALID_PARAMETER", "Invalid Parameter"),
    ("no-memory", refuse("no-memory", mem_mib=64, made=lambda t: {
        "modules": [(big_module(t / "big.bin"), "big.bin data")], "where": t}),
     r"module 0 .*big\.bin: no memory for its 100663296 bytes below 4 GiB: "
     r"EFI_OUT_OF_RESOURCES", "EFI_OUT_OF_RESOURCES", "Out of Resources"),
]


@pytest.mark.parametrize("case,build,error,status,fw_text", REFUSALS,
                         ids=[c[0] for c in REFUSALS])
def test_refusal_returns_to_firmware(tmp_path, case, build, error, status, fw_text):
    r = run_until(build(tmp_path), f"efi-refuse-{case}", FW_FAILED_RE)
    lines = r.lines()
    err = [i for i, l in enumerate(lines) if re.match(r"bulkhead\.efi: error: " + error, l)]
    ret = [i for i, l in enumerate(lines) if l == f"bulkhead.efi: returning {status} to the "
           "firmware"]
    fw = [i for i, l in enumerate(lines) if re.match(FW_FAILED_RE, l)]
    assert err, f"no error line matching {error!r}; {r.describe()}"
    assert ret and fw, f"the application did not return {status}; {r.describe()}"
    assert err[0] < ret[0] < fw[0], r.describe()
    assert re.match(FW_FAILED_RE, lines[fw[0]])[1] == fw_text, lines[fw[0]]
    assert STARTING not in r.com1 + r.com2, "the monitor started"
    assert not r.timed_out, r.describe()
