# SPDX-License-Identifier: MIT
"""virtio-blk for the stock Debian kernel (issue 15): tests/system/configs/linux-disk.yaml
under QEMU -cpu max -smp 4 (SVM), one NVMe namespace behind two controllers (nvme-a for
iopart-a, nvme-b for iopart-b, as `make run` has it). The kernel's /dev/vda is its window
[64 MiB, 128 MiB) of the disk, served by the device model (devmodel/virtio-blk.c) through
the guest's block channels to both I/O partitions. One boot is shared; the tests that end
a partition run last. test_dd_survives_crash_of_iopart_a boots on its own, first."""
import hashlib
import os
import re
import subprocess
import time

import pytest

import bhrun
import opconsole
from test_linux import BHCONFIG, ESCAPE, LINUX, PARTS, Shell

CONFIG = bhrun.ROOT / "tests" / "system" / "configs" / "linux-disk.yaml"
DISK_MIB = 192
WINDOW = 64 << 20      # disk-base
WINDOW_SECTORS = (64 << 20) // 512
SEED_AT = 1 << 20      # the host's region inside the window, and its size
SEED_LEN = 1 << 20
QEMU_DISK = ["-device", "nvme-subsys,id=subsys0,nqn=bulkhead",
             "-device", "nvme,serial=bulkhead0,subsys=subsys0,addr=4",
             "-device", "nvme,serial=bulkhead0,subsys=subsys0,addr=5",
             "-device", "nvme-ns,drive=disk0,nsid=1,shared=on"]


def boot(tmp, name, edit=lambda text: text, qemu=()):
    """linux-disk.yaml, its text passed through edit, booted up to the guest's shell with
    a fresh disk image whose window holds SEED_LEN random bytes at SEED_AT; qemu: more QEMU
    arguments. → (the shell, the image, the seed); opconsole.close(shell.cli) ends it."""
    src, blob = tmp / f"{name}.yaml", tmp / f"{name}.bin"
    src.write_text(edit(CONFIG.read_text()))
    subprocess.run([BHCONFIG, "compile", src, "-o", blob], check=True)
    mods = [(blob, "linux-disk.bin config")] + [
        (PARTS / f"{p}.elf", f"{p}.elf {p}") for p in ("command", "opspolicy", "iopart",
                                                       "devmodel")] + [
        (LINUX / "vmlinux", "vmlinux vmlinux"),
        (LINUX / "initramfs.cpio.gz", "initramfs initramfs")]
    iso = bhrun.iso_for("", modules=mods)
    image = tmp / f"{name}-disk.img"
    seed = os.urandom(SEED_LEN)
    with open(image, "wb") as f:
        f.truncate(DISK_MIB << 20)
        f.seek(WINDOW + SEED_AT)
        f.write(seed)
    cli = opconsole.spawn(name, iso, mem_mib=1024, extra=[
        "-drive", f"file={image},if=none,id=disk0,format=raw"] + QEMU_DISK + list(qemu))
    try:
        cli.wait_for("[command] ready", timeout=180)
        cli.wait_for("[linux] bulkhead-linux: init", timeout=300)
        shell = Shell(cli)
        shell.attach()
        shell.run("dmesg -n 1")  # kernel lines in dmesg only, not between a command's own
    except BaseException:
        opconsole.close(cli)
        raise
    return shell, image, seed


@pytest.fixture(scope="module")
def vm(tmp_path_factory):
    shell, image, seed = boot(tmp_path_factory.mktemp("vblk"), "vblk-svm")
    try:
        yield shell, image, seed
    finally:
        opconsole.close(shell.cli)


# First, so that no other boot runs beside its own (the module's shared one starts with the
# next test). Block requests iopart-a serves before it crashes itself: the boot takes a few dozen (the
# devmodel's INFO, the kernel's partition scan); the dd below then sends some 1300 writes
# and as many reads of 55 sectors (what a 1 MiB channel carries), so this lands in the
# middle of its writes.
FAULT_AFTER = 600


def test_dd_survives_crash_of_iopart_a(tmp_path):
    """Its own boot, iopart-a told to crash after FAULT_AFTER block requests (fault-after=,
    the I/O partition's test hook) while dd writes DD_MIB MiB and reads them back: the
    ultravisor says it crashed, the device model fails over to iopart-b and replays what
    was in flight, dd sees neither an error nor a wrong byte, and the restart rule brings
    iopart-a back as the standby (its path 0 up again)."""
    arg = 'cmdline: "role=a console=com1'

    def fault(text):
        assert text.count(arg) == 1
        return text.replace(arg, f"{arg} fault-after={FAULT_AFTER}")

    shell, _, _ = boot(tmp_path, "vblk-crash", fault)
    cli = shell.cli
    up = re.compile(r"\[linux\] devmodel: virtio-blk: path 0 \(iopart-a\) up")
    try:
        assert "fault injected" not in cli.seen  # the boot did not reach FAULT_AFTER
        ups = len(up.findall(cli.seen))
        dd_start(shell, 8)
        cli.child.send(ESCAPE)  # as shell.detach(), but the crash may delay the answer
        cli.wait_re(r"console: detached from linux", timeout=180, new_only=True)
        cli.wait_re(r"\[iopart-a\] fault injected after \d+ block requests", timeout=180)
        cli.wait_re(r"\[linux\] devmodel: virtio-blk: path 0 \(iopart-a\) lost", timeout=60)
        cli.wait_re(r"\[linux\] devmodel: virtio-blk: failover to path 1 \(iopart-b\), "
                    r"\d+ requests to replay", timeout=60)
        while len(up.findall(cli.seen)) <= ups:
            cli.wait_re(up, timeout=120, new_only=True)
        assert "ultravisor: iopart-a crashed (status -1)" in said(cli, "ultravisor")
        assert cli.parts()["iopart-a"]["STATE"] == "running"
        shell.attach()
        assert dd_wait(shell) == "same"
        assert io_errors(shell) == []
    finally:
        opconsole.close(cli)


def test_vda_has_the_windows_size(vm):
    shell, _, _ = vm
    assert shell.run("cat /sys/block/vda/size") == [str(WINDOW_SECTORS)]


def test_host_region_reads_back(vm):
    shell, _, seed = vm
    out = shell.run(f"dd if=/dev/vda bs=65536 skip={SEED_AT // 65536} "
                    f"count={SEED_LEN // 65536} 2>/dev/null | md5sum")
    assert out[0].split()[0] == hashlib.md5(seed).hexdigest()


def test_interrupts_are_msix(vm):
    """The driver took MSI-X vectors (Linux 6.1 names MSI-X "PCI-MSI" too), a configuration
    and a request one, not INTx; requests were answered through the latter."""
    shell, _, _ = vm
    lines = shell.run("grep virtio0 /proc/interrupts")
    assert any("PCI-MSI" in l and "virtio0-config" in l for l in lines), lines
    req = [l for l in lines if "PCI-MSI" in l and "virtio0-req.0" in l]
    assert req and sum(int(x) for x in req[0].split()[1:3]) > 0, lines
    assert "msix" in shell.run("ls /sys/bus/pci/devices/0000:00:01.0/msi_irqs/ >/dev/null "
                               "&& echo msix")


def test_ext4_is_clean_from_the_host(vm, tmp_path):
    """mke2fs (busybox's: ext2, which the ext4 driver mounts), files written, unmounted: the
    host's e2fsck finds the window's filesystem clean, and debugfs reads back files whose
    md5 is what the guest wrote."""
    shell, image, _ = vm
    sizes = {"f1": 300_000, "f2": 4096 * 33 + 7, "f3": 3 << 20}
    assert shell.run("mke2fs -b 4096 /dev/vda >/dev/null 2>&1 && echo made") == ["made"]
    assert shell.run("mkdir -p /mnt && mount -t ext4 /dev/vda /mnt && echo mounted",
                     timeout=60) == ["mounted"]
    for name, size in sizes.items():
        shell.run(f"head -c {size} /dev/urandom > /mnt/{name}", timeout=120)
    sums = shell.run("cd /mnt && md5sum f1 f2 f3; cd /; umount /mnt && echo unmounted",
                     timeout=120)
    assert sums[-1] == "unmounted", sums
    guest = {l.split()[1]: l.split()[0] for l in sums[:-1]}
    window = tmp_path / "window.img"
    with open(image, "rb") as src, open(window, "wb") as dst:
        src.seek(WINDOW)
        dst.write(src.read(WINDOW_SECTORS * 512))
    fsck = subprocess.run(["/usr/sbin/e2fsck", "-fn", window], capture_output=True, text=True)
    assert fsck.returncode == 0, fsck.stdout + fsck.stderr
    for name, size in sizes.items():
        out = tmp_path / name
        subprocess.run(["/usr/sbin/debugfs", "-R", f"dump /{name} {out}", window], check=True,
                       capture_output=True)
        data = out.read_bytes()
        assert len(data) == size and hashlib.md5(data).hexdigest() == guest[name], name


DD_MIB = 32


def dd_start(shell, at_mib):
    """A write-then-verify of DD_MIB MiB at at_mib MiB of /dev/vda, in the background; its
    result lands in /tmp/dd.out."""
    shell.run(f"rm -f /tmp/dd.out; dd if=/dev/urandom of=/tmp/src bs=1M count={DD_MIB} "
              "2>/dev/null; md5sum < /tmp/src > /tmp/src.md5", timeout=120)
    shell.run(f"(dd if=/tmp/src of=/dev/vda bs=64k seek={at_mib * 16} conv=fsync 2>/tmp/dd.err; "
              f"echo 3 > /proc/sys/vm/drop_caches; "
              f"dd if=/dev/vda bs=64k skip={at_mib * 16} count={DD_MIB * 16} 2>/dev/null "
              f"| md5sum > /tmp/dst.md5; cmp -s /tmp/src.md5 /tmp/dst.md5 && echo same "
              f"> /tmp/dd.out || echo differ > /tmp/dd.out) & true")


def dd_wait(shell, timeout=600):
    """dd_start's result: "same", "differ", or None if it is not there by timeout s."""
    t0 = time.time()
    while time.time() - t0 < timeout:
        out = shell.run("cat /tmp/dd.out 2>/dev/null; echo polled")
        if out[0] != "polled":
            return out[0]
        time.sleep(2)
    return None


def said(cli, who):
    tag = f"[{who}] "
    return [l[len(tag):] for l in cli.seen.replace("\r", "").split("\n") if l.startswith(tag)]


def io_errors(shell):
    return [l for l in shell.run("dmesg") if re.search(r"I/O error|blk_update_request|virtio_blk.*err", l)]


def test_dd_survives_restart_of_iopart_a(vm):
    """dd writes DD_MIB MiB and reads them back while the operator restarts iopart-a (which
    serves the console too: the CLI comes back through the restarted iopart-a). The device
    model fails over to iopart-b and back; dd never sees an error."""
    shell, _, _ = vm
    up = re.compile(r"\[linux\] devmodel: virtio-blk: path 0 \(iopart-a\) up")
    before = len(up.findall(shell.cli.seen))
    dd_start(shell, 8)
    shell.detach()
    shell.cli.child.sendline("restart iopart-a")
    while len(up.findall(shell.cli.seen)) <= before:
        shell.cli.wait_re(up, timeout=120, new_only=True)
    shell.cli.wait_re(r"\[linux\] devmodel: virtio-blk: failover to path 1 \(iopart-b\)",
                      timeout=5)
    assert shell.cli.parts()["iopart-a"]["STATE"] == "running"
    shell.attach()
    assert dd_wait(shell) == "same"
    assert io_errors(shell) == []

