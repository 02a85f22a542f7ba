# SPDX-License-Identifier: MIT
"""I/O partitions (issue 9): examples/default.yaml under QEMU -cpu max -smp 4 -m 1024 (SVM),
without its Linux (linux and linux-dm stay created: their images are no boot modules), one
disk image behind two NVMe controllers of one subsystem (a dual-ported disk), iopart-a on
00:04.0 and COM1, iopart-b on 00:05.0. What the partitions did is read from COM1 (every
partition's console, multiplexed by iopart-a), from COM2 (the monitor's log) and from the
disk image afterwards."""
import re
import struct
import subprocess
import time

import pytest

import bhrun
import opconsole

EXAMPLE = bhrun.ROOT / "examples" / "default.yaml"
PARTS = bhrun.BUILD / "partitions"
BHCONFIG = bhrun.BUILD / "tools" / "bhconfig"
DISK_MIB = 64
MEM_MIB = 1024  # the pool of default.yaml ends at 896 MiB (it starts above the boot modules)
SECTOR = 512
MASK = (1 << 64) - 1


def disk_args(image):
    return ["-drive", f"file={image},if=none,id=disk0,format=raw",
            "-device", "nvme-subsys,id=subsys0,nqn=bulkhead",
            "-device", "nvme,serial=bulkhead0,subsys=subsys0,addr=4",
            "-device", "nvme,serial=bulkhead0,subsys=subsys0,addr=5",
            "-device", "nvme-ns,drive=disk0,nsid=1,shared=on"]


def cmdline(text, part, extra):
    """default.yaml with `extra` appended to the command line of partition `part`."""
    rx = re.compile(r'(- name: %s\n(?:    .*\n)*?    cmdline: ")([^"]*)"' % re.escape(part))
    assert rx.search(text), part
    return rx.sub(lambda m: f'{m.group(1)}{m.group(2)} {extra}"', text, count=1)


def boot(tmp, name, edits=(), qemu=(), pattern=None):
    """The default scenario, edited: edits are (partition, command-line words) pairs; qemu:
    more QEMU arguments; pattern: (seed, sectors) of guest-pv's pattern to put on the disk
    first. → (the console, the disk image)."""
    text = EXAMPLE.read_text()
    for part, extra in edits:
        text = cmdline(text, part, extra)
    src, blob = tmp / f"{name}.yaml", tmp / f"{name}.bin"
    src.write_text(text)
    subprocess.run([BHCONFIG, "compile", src, "-o", blob], check=True)
    mods = [(blob, "default.bin config")] + [
        (PARTS / f"{p}.elf", f"{p}.elf {p}") for p in ("command", "opspolicy", "iopart",
                                                       "guest-pv")]
    iso = bhrun.iso_for("", modules=mods)
    image = tmp / f"{name}-disk.img"
    with open(image, "wb") as f:
        f.truncate(DISK_MIB << 20)
        if pattern:
            seed, sectors = pattern
            f.write(b"".join(struct.pack("<64Q", *(word(seed, s, k) for k in range(64)))
                             for s in range(sectors)))
    cli = opconsole.spawn(name, iso, extra=disk_args(image) + list(qemu), mem_mib=MEM_MIB)
    return cli, image


def word(seed, lba, k):
    """guest-pv/disk.c disk_word()."""
    z = (seed * 0x9E3779B97F4A7C15 + (lba << 6 | k)) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def bad_sectors(image, seed, base, sectors):
    """Sectors of the image that do not hold guest-pv's pattern."""
    bad = []
    with open(image, "rb") as f:
        f.seek(base * SECTOR)
        data = f.read(sectors * SECTOR)
    for s in range(sectors):
        got = struct.unpack_from("<64Q", data, s * SECTOR)
        if any(got[k] != word(seed, base + s, k) for k in range(64)):
            bad.append(base + s)
    return bad


def said(cli, who):
    tag = f"[{who}] "
    return [l[len(tag):] for l in cli.seen.replace("\r", "").split("\n") if l.startswith(tag)]


def com2(name):
    return (bhrun.LOGS / f"{name}-com2.log").read_text(errors="replace")


# guest-1 of the shared boot waits this long before a short disk workload (its lines come
# while the operator is attached to it), then stays running (disk-linger)
GUEST1_DELAY_MS = 30000


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    cli, _ = boot(tmp_path_factory.mktemp("io"), "iopart-console", edits=[
        ("guest-1", f"disk-test=pattern disk-mib=1 disk-delay-ms={GUEST1_DELAY_MS} disk-linger=1")])
    try:
        cli.wait_for("[command] ready", timeout=180)
        yield cli
    finally:
        opconsole.close(cli)


def test_every_partition_prints_on_com1_with_its_prefix(console):
    for who in ("ultravisor", "command", "opspolicy", "iopart-a", "iopart-b", "guest-1",
                "guest-2"):
        console.wait_for(f"[{who}] ", timeout=60)
    console.wait_for("[guest-2] guest-pv: 1 secondary vCPUs checked in", timeout=120)
    assert "log: COM1 is iopart-a's now; the monitor log goes on on COM2" in com2("iopart-console")
    assert "iopart a: 1 PCI function(s), serving the operator console on COM1" in said(console, "iopart-a")
    # each I/O partition drives the NVMe controller of its view, interrupts through MSI-X
    console.wait_re(r"\[iopart-a\] nvme 00:04\.0: .*, 64 MiB, \d+ sectors per command, MSI-X")
    console.wait_re(r"\[iopart-b\] nvme 00:05\.0: .*, 64 MiB, \d+ sectors per command, MSI-X")


def test_typed_lines_reach_the_cli(console):
    body = console.ok("help")
    assert any(l.split()[0] == "list" for l in body if l.strip()), body
    p = console.parts()
    for name in ("ultravisor", "command", "opspolicy", "iopart-a", "iopart-b"):
        assert p[name]["STATE"] == "running", p
    for name in ("linux-dm", "linux"):  # no devmodel, vmlinux or initramfs module: not loaded
        assert p[name]["STATE"] == "created", p


def test_console_attaches_to_a_guest(console):
    """`console guest-1` gives the keyboard to guest-1 (docs/console.md, attached mode): its
    output shows without prefix, nothing else shows, typed bytes are not echoed by the
    server; Ctrl-] detaches, the held answer and lines follow, and the CLI answers again.
    `console nosuch` is refused by the CLI, `console iopart-a` by the console server (it
    serves no console channel of that name)."""
    body, end = console.run("console nosuch")
    assert end == "error: console: no partition named nosuch", (body, end)
    body, end = console.run("console iopart-a")  # running; iopart-a's answer: no such channel
    assert end == "error: console: iopart-a has no console channel", (body, end)
    console.wait_for("[guest-1] guest-pv: 1 secondary vCPUs checked in", timeout=120)
    console.child.sendline("console guest-1")
    console.wait_for("[iopart-a] console: attached to guest-1; Ctrl-] returns to the CLI\r",
                     timeout=30)  # lines end "\r\n" on COM1; the pty makes that "\r\r\n"
    start = len(console.seen)
    console.child.send("hello\r")  # to guest-1's ring 0, raw; guest-pv never reads it
    # the disk workload after guest-1's delay: whole lines, no prefix
    console.wait_re(r"\nguest-pv: disk: [^\r\n]+\r", timeout=GUEST1_DELAY_MS // 1000 + 60,
                    new_only=True)
    console.child.send("\x1d")
    detached = "[iopart-a] console: detached from guest-1\r"  # no typed bytes dropped
    console.wait_for(detached, timeout=30)
    during = console.seen[start:console.seen.index(detached, start)]
    assert re.search(r"(^|\n)guest-pv: disk: ", during), during
    assert "[" not in during and "hello" not in during, during  # held back; no echo
    console.wait_re(r"\[command\] ok\r", timeout=30, new_only=True)  # held till now
    p = console.parts()
    assert p["guest-1"]["STATE"] == "running", p


def test_failover_loses_no_write(tmp_path):
    """guest-1 writes 16 MiB of a checksummed pattern; iopart-a crashes on purpose after
    200 requests; guest-1 fails over to iopart-b, replays what was in flight, and reads
    everything back. The restart rule brings iopart-a back as the standby, and so does the
    operator's `restart iopart-a`. The disk image is checked from the host afterwards."""
    name = "iopart-failover"
    cli, image = boot(tmp_path, name, edits=[
        ("iopart-a", "fault-after=200"),
        ("guest-1", "disk-test=pattern disk-mib=16 disk-seed=7 disk-linger=1")])
    up = re.compile(r"\[guest-1\] guest-pv: disk: path 0 \(iopart-a\) up")
    try:
        cli.wait_for("[command] ready", timeout=180)
        m = cli.wait_re(r"\[guest-1\] guest-pv: disk: verified (\d+) sectors, (\d+) bad", timeout=600)
        assert (int(m.group(1)), int(m.group(2))) == (32768, 0), cli.log
        cli.wait_re(r"\[guest-1\] guest-pv: disk: failovers [^\r\n]*\r*\n", timeout=30)
        g1, a = said(cli, "guest-1"), said(cli, "iopart-a")
        assert any(re.match(r"fault injected after \d+ block requests", l) for l in a), a
        assert any(re.match(r"guest-pv: disk: path 0 \(iopart-a\) lost \(channel dead\)", l)
                   for l in g1), g1
        assert any(re.match(r"guest-pv: disk: failover to path 1 \(iopart-b\), \d+ requests to replay", l)
                   for l in g1), g1
        stats = [l for l in g1 if l.startswith("guest-pv: disk: failovers")][0]
        assert re.match(r"guest-pv: disk: failovers 1, replays \d+, requests \d+", stats), stats
        assert "ultravisor: iopart-a crashed (status -1)" in said(cli, "ultravisor")
        # the restart rule: iopart-a is back, and attaches to guest-1's fresh channel
        while len(up.findall(cli.seen)) < 2:
            cli.wait_re(up, timeout=60, new_only=True)
        assert len([l for l in said(cli, "iopart-a") if l.startswith("iopart a: ")]) == 2
        # the operator: what the CLI prints while iopart-a restarts may be lost with it
        cli.child.sendline("restart iopart-a")
        while len(up.findall(cli.seen)) < 3:
            cli.wait_re(up, timeout=60, new_only=True)
        assert cli.parts()["iopart-a"]["STATE"] == "running"
    finally:
        opconsole.close(cli)
    assert bad_sectors(image, 7, 0, 32768) == []


def test_hostile_client_beside_a_good_one(tmp_path):
    name = "iopart-hostile"
    cli, image = boot(tmp_path, name, edits=[
        ("guest-1", "disk-test=pattern disk-mib=16 disk-seed=9 disk-base=65536"),
        ("guest-2", "disk-test=hostile")])
    try:
        m = cli.wait_re(r"\[guest-1\] guest-pv: disk: verified (\d+) sectors, (\d+) bad", timeout=600)
        assert (int(m.group(1)), int(m.group(2))) == (32768, 0), cli.log
        cli.wait_re(r"\[guest-2\] guest-pv: hostile: ring index past the end: [^\r\n]*\r*\n", timeout=120)
        cli.wait_for("[guest-1] guest-pv: disk: failovers", timeout=30)
        g2 = said(cli, "guest-2")
        for case, status in (("read past the end", -34), ("read wrapping the sector count", -34),
                             ("unknown op", -22), ("write shorter than its sectors", -22),
                             ("zero sectors", -22), ("more sectors than allowed", -22),
                             ("flags set", -22)):
            assert f"guest-pv: hostile: {case}: answered {status}" in g2, (case, g2)
        assert "guest-pv: hostile: flood of 3000 reads answered" in g2, g2
        assert "guest-pv: hostile: ring index past the end: the server closed the channel" in g2
        assert any(re.match(r"block channel \d+ \(guest-2\): dropped: the client broke the channel", l)
                   for l in said(cli, "iopart-a")), said(cli, "iopart-a")
        stats = [l for l in said(cli, "guest-1") if l.startswith("guest-pv: disk: failovers")][0]
        assert stats.startswith("guest-pv: disk: failovers 0, replays 0"), stats
    finally:
        opconsole.close(cli)
    assert bad_sectors(image, 9, 65536, 32768) == []


def test_console_under_bochs_vmx(tmp_path):
    """The VMX backend (Bochs corei7_skylake_x, 2 CPUs; Bochs has no NVMe): the I/O partition
    owns COM1 through its VMX I/O bitmaps and shows the ultravisor's and a guest's console
    lines there, each with its prefix; the monitor's log goes on on COM2."""
    src, blob = bhrun.ROOT / "tests" / "system" / "configs" / "io-small.yaml", tmp_path / "io-small.bin"
    subprocess.run([BHCONFIG, "compile", src, "-o", blob], check=True)
    mods = [(blob, "io-small.bin config"), (PARTS / "iopart.elf", "iopart.elf iopart"),
            (PARTS / "uvtest.elf", "uvtest.elf uvtest")]
    iso = bhrun.iso_for("test=run limit=30000", bios_only=True, modules=mods)
    r = bhrun.Bochs(model="corei7_skylake_x", cpus=2, iso=iso, timeout=240).run("io-bochs-vmx")
    assert "log: COM1 is iopart's now; the monitor log goes on on COM2" in r.com2, r.describe()
    lines = r.lines()
    assert "[iopart] iopart a: 0 PCI function(s), serving the operator console on COM1" in lines, \
        r.describe()
    assert "[iopart] no NVMe controller: block requests are answered with errors" in lines
    assert "[ultravisor] ultravisor: console on channel console-ultravisor from now on" in lines
    assert "[ultravisor] ultravisor: beat: loaded -> running (generation 4)" in lines or \
        any(re.match(r"\[ultravisor\] ultravisor: beat: loaded -> running", l) for l in lines)
    assert any(l.startswith("[beat] uvtest: beat beat ") for l in lines), r.describe()
    assert not [l for l in r.lines("com2") if l.startswith("[beat] ")]  # all through iopart


def test_msix_table_is_not_the_partitions(tmp_path):
    """iopart-b turns hostile against its NVMe function's MSI-X table (iopart/msix-attack.c):
    BH_HC_PCI_MSI with another function, an entry past the table and an unknown op is
    refused; entry 0 reads back as the monitor programmed it (the CPU of iopart-b's vCPU,
    the vector of 00:05.0, fixed delivery, unmasked); a direct write of a forged message
    faults on the read-only page and contains iopart-b only. Its restart rule (3 restarts)
    gives it four runs, one forged message each: vector 0x30 broadcast, NMI, INIT, another
    function's vector. The others go on: guest-1's disk workload through iopart-a (CPUs 2
    and 3, CPU 1) is verified, guest-2 exits 0, the CLI answers (CPU 0)."""
    name = "iopart-msix"
    forged = ["vector 0x30 broadcast", "NMI", "INIT", "another function's vector"]
    fault = (r"^part: partition iopart-b: vcpu 0: access outside its memory \(nested page "
             r"fault\): rip=\S+ addr=(0x[0-9a-f]+)")
    cli, image = boot(tmp_path, name, edits=[
        ("iopart-b", "msix-attack=1"),
        ("guest-1", "disk-test=pattern disk-mib=4 disk-seed=5 disk-linger=1")])
    try:
        cli.wait_for("[command] ready", timeout=180)
        for run, what in enumerate(forged):
            cli.wait_for(f"[iopart-b] msix-attack: run {run}: writing entry 0 directly: {what}",
                         timeout=120)
        end = time.monotonic() + 60  # each fault, then its release (after the vCPU is off)
        while len(re.findall(fault, com2(name), re.M)) < len(forged) or \
                com2(name).count("pci: 00:05.0 released: MSI-X entries masked") < len(forged):
            assert time.monotonic() < end, com2(name)
            time.sleep(0.5)
        m = cli.wait_re(r"\[guest-1\] guest-pv: disk: verified (\d+) sectors, (\d+) bad",
                        timeout=300)
        assert (int(m.group(1)), int(m.group(2))) == (8192, 0), cli.log
        b = said(cli, "iopart-b")
        refusals = "msix-attack: other function: -1, entry past the table: -22, unknown op: -22"
        assert b.count(refusals) == len(forged), b
        config = ("msix-attack: config: BAR write -1, past the end -22, width 3 -22, write 2 "
                  "-22, other function -1; 1000 of 1000 refused writes refused")
        assert b.count(config) == len(forged), b
        # 4 x 1001 refused writes, logged at most 16 at once and one a second after, the
        # rest counted
        shown = re.findall(r"^pci: partition iopart-b: config write 00:05\.0\+\S+ refused$",
                           com2(name), re.M)
        hidden = re.findall(r"^pci: partition iopart-b: (\d+) more refused config writes not "
                            r"shown$", com2(name), re.M)
        assert 16 <= len(shown) < 200 and len(shown) + sum(map(int, hidden)) == 4004, \
            (len(shown), hidden)
        log2 = com2(name)
        fns = re.findall(r"^pci: ([0-9a-f]{2}:[0-9a-f]{2}\.[0-7]) [0-9a-f]{4}:", log2, re.M)
        apic = dict(re.findall(r"^cpu(\d+): apic=(\d+) ", log2, re.M))
        entries = [re.match(r"msix-attack: entry 0 reads address (\S+) upper (\S+) data (\S+) "
                            r"control (\S+)$", l) for l in b]
        entries = [tuple(int(x, 16) for x in e.groups()) for e in entries if e]
        assert len(entries) == len(forged), b
        for addr, upper, data, ctrl in entries:  # each run: what the monitor programmed
            assert addr == 0xfee00000 | int(apic["1"]) << 12, hex(addr)  # iopart-b: CPU 1
            assert upper == 0 and ctrl & 1 == 0, (upper, ctrl)
            assert data == 0x40 + fns.index("00:05.0"), hex(data)  # its vector, fixed
        assert not [l for l in b if "the table took the write" in l], b
        table = re.search(r"^pci: 00:05\.0: MSI-X table (0x[0-9a-f]+) ", log2, re.M)
        for addr in re.findall(fault, log2, re.M):
            assert int(addr, 16) >> 12 == int(table.group(1), 16) >> 12, (addr, table)
        assert log2.count("pci: 00:05.0 released: MSI-X entries masked") >= len(forged)
        assert not re.search(r"partition (?!iopart-b)\S+: (vcpu \d+: |crashed)", log2), log2
        p = cli.parts()  # CPU 0 answers
        for n in ("ultravisor", "command", "opspolicy", "iopart-a", "guest-1"):
            assert p[n]["STATE"] == "running", p
        # guest-2 (CPUs 2 and 3) ran its checks on both vCPUs and exited 0
        assert "[guest-2] guest-pv: 1 secondary vCPUs checked in" in cli.seen
        assert "part: partition guest-2: exited, status 0" in log2
    finally:
        opconsole.close(cli)
    assert bad_sectors(image, 5, 0, 8192) == []
