# SPDX-License-Identifier: MIT
"""MMIO by allow-list (monitor/view.c check_region_mmio): partitions started from boot
modules (monitor/modspec.c mmio= and pci=) on a q35 machine, so the firmware has an MCFG.
A view naming the local APIC, ECAM, the HPET, the I/O APIC or firmware flash is refused at
view check with a line naming the partition and the range; a view holding a PCI function
with its BARs is accepted and runs, and so do the bystanders on every CPU. QEMU -cpu max
-smp 4 -machine q35, SeaBIOS."""
import re

import bhrun

GUEST_PV = bhrun.BUILD / "partitions" / "guest-pv.elf"

# (partition, mmio= word, what the refusal names)
REFUSED = [
    ("lapic", "0xfee00000+0x1000", "the local APIC (MSI writes land here)"),
    ("ecam", "0xb0000000+0x1000", "ECAM (PCI configuration space, MCFG)"),
    ("hpet", "0xfed00000+0x1000", "the HPET"),
    ("ioapic", "0xfec00000+0x1000", "the I/O APICs' window"),
    ("flash", "0xffff0000+0x10000", "firmware flash (the top of 4 GiB)"),
]


def module(spec):
    return (GUEST_PV, f"{GUEST_PV.name} partition {spec}")


def test_mmio_allow_list():
    mods = [module(f"name={n} cpus=1 mem=8 mmio={m} -- exit=0") for n, m, _ in REFUSED]
    mods += [module("name=vga cpus=2 mem=8 pci=00:01.0 -- exit=0")]  # q35's VGA: its BARs
    mods += [module(f"name=ok{c} cpus={c} mem=8 -- exit=0") for c in range(4)]
    iso = bhrun.iso_for("test=run limit=20000", modules=mods)
    r = bhrun.Qemu(iso=iso, timeout=120, extra=["-machine", "q35"]).run("pci-mmio-allow")
    log = r.com2  # the monitor's log, from its first line
    # the FADT's SMI command port is kept like its power-management ports
    assert re.search(r"^enforce: I/O ports (0x[0-9a-f]+)-\1 kept: ", log, re.M), log
    assert re.search(r"^pci: 00:01\.0 1234:1111 class 030000", log, re.M), r.describe()
    ecam = re.search(r"^enforce: MMIO \[(0x[0-9a-f]+)-(0x[0-9a-f]+)\) kept: ECAM", log, re.M)
    assert ecam and int(ecam.group(1), 16) <= 0xb0000000 < int(ecam.group(2), 16), log
    for name, mmio, what in REFUSED:
        base, size = (int(x, 16) for x in mmio.split("+"))
        line = (rf"^enforce: view refused: partition \d+ \({name}\): region 3: MMIO "
                rf"\[{base:#x}-{base + size:#x}\) overlaps {re.escape(what)}$")
        assert re.search(line, log, re.M), (name, r.describe())
        assert re.search(rf"^part: partition {name}: not started", log, re.M), name
        assert f"[{name}] " not in log, name
    # the control: a function's BARs are allowed; it runs and exits 0 like the bystanders
    for name in ["vga"] + [f"ok{c}" for c in range(4)]:
        assert f"[{name}] GUEST_DONE exit=0" in r.lines(), (name, r.describe())
        assert re.search(rf"^part: partition {name}: exited, status 0$", log, re.M), name
    assert "pci: 00:01.0 released" in log  # at its end, like any assigned function
    assert r.status == 0 and "sched: all partitions ended" in log, r.describe()
