# SPDX-License-Identifier: MIT
"""virtio-blk for the stock Debian kernel (issue 15): tests/system/configs/linux-disk.yaml
under QEMU -cpu max -smp 4 (SVM), one NVMe namespace behind two controllers (nvme-a for
iopart-a, nvme-b for iopart-b, as `make run` has it). The kernel's /dev/vda is its window
[64 MiB, 128 MiB) of the disk, served by the device model (devmodel/virtio-blk.c) through
the guest's block channels to both I/O partitions. One boot is shared; the tests that end
a partition run last."""
import hashlib
import os
import re
import subprocess

import pytest

import bhrun
import opconsole
from test_linux import BHCONFIG, LINUX, PARTS, Shell

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


@pytest.fixture(scope="module")
def vm(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("vblk")
    blob = tmp / "linux-disk.bin"
    subprocess.run([BHCONFIG, "compile", CONFIG, "-o", blob], check=True)
    mods = [(blob, "linux-disk.bin config")] + [
        (PARTS / f"{p}.elf", f"{p}.elf {p}") for p in ("command", "opspolicy", "iopart",
                                                       "devmodel")] + [
        (LINUX / "vmlinux", "vmlinux vmlinux"),
        (LINUX / "initramfs.cpio.gz", "initramfs initramfs")]
    iso = bhrun.iso_for("", modules=mods)
    image = tmp / "disk.img"
    seed = os.urandom(SEED_LEN)
    with open(image, "wb") as f:
        f.truncate(DISK_MIB << 20)
        f.seek(WINDOW + SEED_AT)
        f.write(seed)
    cli = opconsole.spawn("vblk-svm", iso, mem_mib=1024, extra=[
        "-drive", f"file={image},if=none,id=disk0,format=raw"] + QEMU_DISK)
    try:
        cli.wait_for("[command] ready", timeout=180)
        cli.wait_for("[linux] bulkhead-linux: init", timeout=300)
        shell = Shell(cli)
        shell.attach()
        yield shell, image, seed
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
