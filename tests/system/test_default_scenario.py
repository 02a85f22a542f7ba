# SPDX-License-Identifier: MIT
"""The default scenario as `make run` boots it (examples/default.yaml, every module of
build/run.iso, the shared NVMe disk and an e1000 per I/O partition on restricted user
networks): the Linux guest comes up with its virtio disk (its 256 MiB window) and its
network (eth0 10.0.2.15 from its command line), and fetches a file the host serves through
the guestfwd rule `make run` has (10.0.2.100:80 -> 127.0.0.1)."""
import hashlib
import os
import subprocess

import bhrun
import opconsole
from test_linux import BHCONFIG, LINUX, PARTS, Shell
from test_virtio_net import serve

EXAMPLE = bhrun.ROOT / "examples" / "default.yaml"
QEMU_DISK = ["-device", "nvme-subsys,id=subsys0,nqn=bulkhead",
             "-device", "nvme,serial=bulkhead0,subsys=subsys0,addr=4",
             "-device", "nvme,serial=bulkhead0,subsys=subsys0,addr=5",
             "-device", "nvme-ns,drive=disk0,nsid=1,shared=on"]


def test_linux_has_its_disk_and_network(tmp_path):
    www = tmp_path / "www"
    www.mkdir()
    payload = os.urandom(1 << 20)
    (www / "hello").write_bytes(payload)
    httpd, port = serve(www)
    blob = tmp_path / "default.bin"
    subprocess.run([BHCONFIG, "compile", EXAMPLE, "-o", blob], check=True)
    mods = [(blob, "default.bin config")] + [
        (PARTS / f"{p}.elf", f"{p}.elf {p}") for p in ("command", "opspolicy", "iopart",
                                                       "guest-pv", "devmodel")] + [
        (LINUX / "vmlinux", "vmlinux vmlinux"),
        (LINUX / "initramfs.cpio.gz", "initramfs initramfs")]
    iso = bhrun.iso_for("", modules=mods)
    image = tmp_path / "run-disk.img"
    with open(image, "wb") as f:
        f.truncate(512 << 20)
    relay = bhrun.ROOT / "tools" / "stdio-tcp.py"
    net = ["-netdev", f"user,id=n0,restrict=on,guestfwd=tcp:10.0.2.100:80-cmd:{relay} 127.0.0.1 {port}",
           "-device", "e1000,netdev=n0,addr=6",
           "-netdev", "user,id=n1,restrict=on", "-device", "e1000,netdev=n1,addr=7"]
    cli = opconsole.spawn("default-scenario", iso, mem_mib=1024, extra=[
        "-drive", f"file={image},if=none,id=disk0,format=raw"] + QEMU_DISK + net)
    try:
        cli.wait_for("[command] ready", timeout=180)
        cli.wait_for("[linux] bulkhead-linux: eth0 10.0.2.15/24 via 10.0.2.2", timeout=300)
        shell = Shell(cli)
        shell.attach()
        shell.run("dmesg -n 1")
        assert shell.run("cat /sys/block/vda/size") == [str((256 << 20) // 512)]
        got = shell.run("wget -q -O - http://10.0.2.100/hello | md5sum", timeout=120)
        assert got[0].split()[0] == hashlib.md5(payload).hexdigest(), got
        shell.detach()
    finally:
        opconsole.close(cli)
        httpd.shutdown()
