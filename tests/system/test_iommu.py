# SPDX-License-Identifier: MIT
"""DMA containment with an IOMMU (docs/iommu.md). A hostile I/O partition aims its NVMe
controller's DMA (iopart/dma-attack.c) at another partition's canary page, at a page of
monitor memory and at the MSI window, and writes the victim's page to the disk. QEMU -M q35
-cpu max (the SVM backend) with intel-iommu, with amd-iommu, and a control run without an
IOMMU where the same attack must succeed (so the test can fail). The NVMe model reports
success for blocked DMA: the evidence is the victim's and the monitor's bytes, the disk
image and the fault log, never a completion status."""
import re
import subprocess

import pytest

import bhrun

CONFIG = bhrun.ROOT / "tests" / "system" / "configs" / "iommu.yaml"
PARTS = bhrun.BUILD / "partitions"
BHCONFIG = bhrun.BUILD / "tools" / "bhconfig"
VICTIM_BASE = 0x9000000   # the victim's RAM, GPA 0 at this HPA (phys-base)
MONITOR_PAGE = 0x10000000  # the monitor's canary (test=run canary=): outside the pool
AT_MS = 2000               # the first shots
ROUNDS, PERIOD_MS = 10, 300  # ... and again until 4.7 s: a victim late under load is hit
CHECK_MS = 6000            # the victim's verdict, after the shots
LIMIT_MS = 13000           # the monitor stops the machine (and checks its own canary)
SECTOR = 512
ATTACK_LBA, MSI_LBA, LEAK_LBA = 2048, 2056, 4096  # iopart/dma-attack.c
CANARY = b"BH-CANARY-PAGE-0"
OVERWRITE = b"DMA-OVERWRITE!!!"
MSI_DATA = (0x40).to_bytes(4, "little")  # vector 0x40, fixed: a forged device interrupt
FORGED = "pci: vector 0x40 of 00:00.0, which no partition holds, arrived: a forged MSI"



def symbol(elf, name):
    out = subprocess.run(["nm", str(elf)], check=True, capture_output=True, text=True).stdout
    m = re.search(r"^([0-9a-f]+) [bBdD] %s$" % re.escape(name), out, re.M)
    assert m, (elf, name)
    return int(m.group(1), 16)


def run(tmp_path, name, qemu):
    """Boot the scenario under QEMU with `qemu` added; → (Result, disk image bytes)."""
    victim_page = VICTIM_BASE + symbol(PARTS / "uvtest.elf", "uvtest_canary")
    attack = f"dma-at={AT_MS} dma-rounds={ROUNDS} dma-period-ms={PERIOD_MS} dma-victim={victim_page:#x} dma-monitor={MONITOR_PAGE:#x} dma-msi=1 dma-exit=1"
    text = CONFIG.read_text()
    for k, v in (("ATTACK", attack), ("VICTIM_BASE", hex(VICTIM_BASE)),
                 ("AT_MS", str(AT_MS)), ("CHECK_MS", str(CHECK_MS))):
        text = text.replace(f"@{k}@", v)
    src, blob = tmp_path / f"{name}.yaml", tmp_path / f"{name}.bin"
    src.write_text(text)
    subprocess.run([BHCONFIG, "compile", src, "-o", blob], check=True)
    image = tmp_path / f"{name}-disk.img"
    with open(image, "wb") as f:
        f.truncate(8 << 20)
        f.seek(ATTACK_LBA * SECTOR)
        f.write(OVERWRITE * (8 * SECTOR // len(OVERWRITE)))
        f.seek(MSI_LBA * SECTOR)
        f.write(MSI_DATA * (SECTOR // 4))
    mods = [(blob, "iommu.bin config"), (PARTS / "iopart.elf", "iopart.elf iopart"),
            (PARTS / "uvtest.elf", "uvtest.elf uvtest")]
    iso = bhrun.iso_for(f"test=run limit={LIMIT_MS} canary={MONITOR_PAGE:#x}", bios_only=True, modules=mods)
    disk = ["-drive", f"file={image},if=none,id=disk0,format=raw",
            "-device", "nvme,serial=bulkhead0,drive=disk0,addr=4"]
    r = bhrun.Qemu(smp=2, mem_mib=512, iso=iso, timeout=150,
                   extra=["-M", "q35"] + list(qemu) + disk).run(name)
    return r, image.read_bytes()


def said(r, who):
    tag = f"[{who}] "
    return [l[len(tag):] for l in (r.com1 + r.com2).splitlines() if l.startswith(tag)]


def attacked(r):
    """The hostile partition made every shot."""
    lines = said(r, "hostile")
    assert f"dma-attack: done, {ROUNDS} round(s)" in lines, r.describe()
    for what in ("read over the victim's page", "read over monitor memory",
                 "read into the MSI window", "write of the victim's page to the disk"):
        assert any(l.startswith(f"dma-attack: {what}: ") for l in lines), (what, r.describe())


def leaked(disk):
    return CANARY in disk[LEAK_LBA * SECTOR:(LEAK_LBA + 8 * ROUNDS) * SECTOR]


def contained(r, disk, fault_log):
    attacked(r)
    assert "uvtest: canary intact" in said(r, "victim"), r.describe()
    assert re.search(r"monitor canary at 0x[0-9a-f]+: intact", r.com2), r.describe()
    assert not leaked(disk), r.describe()
    assert "no DMA containment" not in r.com1 + r.com2, r.describe()
    # the hostile partition ends: its function blocked and the invalidation waited for
    assert "part: partition hostile: exited, status 0" in r.com2, r.describe()
    assert "iommu: partition hostile: its 1 PCI function(s) blocked, IOTLB invalidated" in \
        r.com2, r.describe()
    # the other partitions finish or run on: the victim exits 0, beat keeps beating
    assert re.search(r"partition victim: exited, status 0", r.com2), r.describe()
    beats = [l for l in said(r, "beat") if re.match(r"uvtest: beat beat \d+", l)]
    assert len(beats) >= 3, r.describe()
    if fault_log:
        victim_page = VICTIM_BASE + symbol(PARTS / "uvtest.elf", "uvtest_canary")
        faults = re.findall(r"iommu: DMA fault: device 00:04\.0 (read|write) address "
                            r"(0x[0-9a-f]+) reason 0x[0-9a-f]+ partition hostile: blocked",
                            r.com2)
        addrs = {int(a, 16) for _, a in faults}
        assert victim_page in addrs, (faults, r.describe())
        assert ("write", hex(victim_page)) in faults and ("read", hex(victim_page)) in faults, \
            faults
        assert ("write", hex(MONITOR_PAGE)) in faults, faults


def test_intel_iommu_contains_a_hostile_device(tmp_path):
    """Faults recorded with device, address and partition. (QEMU 7.2 lets compatibility-
    format MSIs through even with interrupt remapping on, where hardware blocks them: the
    forged vector 0x40 may arrive; the monitor drops it.)"""
    r, disk = run(tmp_path, "iommu-vtd", ["-device", "intel-iommu,aw-bits=48"])
    assert "iommu: VT-d: 1 unit(s)" in r.com2, r.describe()
    contained(r, disk, fault_log=True)


def test_amd_iommu_contains_a_hostile_device(tmp_path):
    """QEMU 7.2's AMD-Vi logs no event (IOMMU.md): containment is judged by the bytes. Its
    interrupt remapping aborts the forged MSIs the device writes into the MSI window."""
    r, disk = run(tmp_path, "iommu-amdvi", ["-device", "amd-iommu"])
    assert "iommu: AMD-Vi: 1 unit(s)" in r.com2, r.describe()
    contained(r, disk, fault_log=False)
    assert FORGED not in r.com2, r.describe()


def test_without_an_iommu_the_attack_succeeds(tmp_path):
    """The control: the same attack on q35 without an IOMMU reaches everything, and the
    monitor says loudly, on both ports, that I/O partitions are trusted with all memory."""
    r, disk = run(tmp_path, "iommu-none", [])
    warning = "iommu: WARNING: no usable IOMMU (ACPI DMAR/IVRS): no DMA containment"
    assert warning in r.com1 and warning in r.com2, r.describe()
    attacked(r)
    assert any(l.startswith("uvtest: canary overwritten") for l in said(r, "victim")), \
        r.describe()
    assert re.search(r"monitor canary at 0x[0-9a-f]+: overwritten", r.com2), r.describe()
    assert leaked(disk), r.describe()
    assert FORGED in r.com2, r.describe()  # the MSI window: a vector the device was not given


def test_a_unit_the_driver_cannot_use_is_left_off(tmp_path):
    """intel-iommu with its default 39-bit (3-level) tables: the driver refuses it with a
    message naming the unit and what is missing, turns nothing on, and the machine runs as
    without an IOMMU (the warning on both ports; the I/O partition's NVMe works through its
    identity alias, and the attack reaches the victim)."""
    r, disk = run(tmp_path, "iommu-vtd-39", ["-device", "intel-iommu"])
    assert re.search(r"vt-d: unit at 0xfed90000: no 4-level \(48-bit\) second-level tables",
                     r.com2), r.describe()
    warning = "iommu: WARNING: no usable IOMMU (ACPI DMAR/IVRS): no DMA containment"
    assert warning in r.com1 and warning in r.com2, r.describe()
    attacked(r)
    assert any(l.startswith("uvtest: canary overwritten") for l in said(r, "victim")), \
        r.describe()

@pytest.mark.parametrize("unit,device", [("VT-d", "intel-iommu,aw-bits=48"),
                                         ("AMD-Vi", "amd-iommu")])
def test_failover_under_an_iommu(tmp_path, unit, device):
    """The default scenario's block path with the IOMMU on: both I/O partitions DMA at IOVA = GPA
    into their RAM and straight into guests' channels; iopart-a crashes on purpose, guest-1
    fails over to iopart-b, and the restart rule gives iopart-a a new view (its function
    re-attached to the new tables). Every sector reads back, the image is checked from the
    host, and a legitimate workload never faults."""
    import opconsole
    import test_iopart as io

    name = f"iommu-failover-{unit}"
    cli, image = io.boot(tmp_path, name, edits=[
        ("iopart-a", "fault-after=100"),
        ("guest-1", "disk-test=pattern disk-mib=4 disk-seed=5 disk-linger=1")],
        qemu=["-M", "q35", "-device", device])
    up = re.compile(r"\[guest-1\] guest-pv: disk: path 0 \(iopart-a\) up")
    try:
        m = cli.wait_re(r"\[guest-1\] guest-pv: disk: verified (\d+) sectors, (\d+) bad",
                        timeout=400)
        assert (int(m.group(1)), int(m.group(2))) == (8192, 0), cli.log
        assert any(re.match(r"guest-pv: disk: failover to path 1 \(iopart-b\)", l)
                   for l in io.said(cli, "guest-1")), io.said(cli, "guest-1")
        while len(up.findall(cli.seen)) < 2:  # iopart-a back, with a new view
            cli.wait_re(up, timeout=90, new_only=True)
    finally:
        opconsole.close(cli)
    log = io.com2(name)
    assert f"iommu: {unit}: 1 unit(s)" in log
    assert "DMA fault" not in log, log
    attached = re.findall(r"iommu: 00:0([45])\.0 translates through its partition's view", log)
    assert sorted(attached) == ["4", "5"], attached
    # the crash blocks iopart-a's function; its restart (same view) attaches it again, and
    # its NVMe driver comes up again (admin queues by DMA: it would fault if still blocked)
    blocked = log.index("iommu: partition iopart-a: its 1 PCI function(s) blocked, IOTLB "
                        "invalidated")
    assert log.index("iommu: partition iopart-a starts: its 1 PCI function(s) attached to "
                     "its DMA tables", blocked) > blocked
    nvme = [l for l in io.said(cli, "iopart-a") if re.match(r"nvme 00:04\.0: .*, 64 MiB, ", l)]
    assert len(nvme) == 2, io.said(cli, "iopart-a")
    assert io.bad_sectors(image, 5, 0, 8192) == []
