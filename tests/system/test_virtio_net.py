# SPDX-License-Identifier: MIT
"""virtio-net for the stock Debian kernel (issue 15): tests/system/configs/linux-net.yaml
under QEMU -cpu max -smp 4 -m 1024 (SVM). Two Linux guests, each with a virtio network
served by its device model (devmodel/virtio-net.c) through net channels to iopart-a and
iopart-b, whose switches join them to each other and to an e1000 each on QEMU user
networking with restrict=on: nothing leaves the machine, and the only way to the host is a
guestfwd rule to a server on 127.0.0.1. One boot is shared; the test that restarts
iopart-a runs last."""
import functools
import hashlib
import http.server
import os
import re
import socket
import subprocess
import threading
import time

import pytest

import bhrun
import opconsole
from test_linux import BHCONFIG, LINUX, PARTS, PROMPT, Shell

CONFIG = bhrun.ROOT / "tests" / "system" / "configs" / "linux-net.yaml"
IP = {"linux-1": "10.0.2.31", "linux-2": "10.0.2.32"}
HOST_FWD = "10.0.2.100"  # the guests' name for the host's test server (guestfwd)


class Guest(Shell):
    """The shell of one of the two guests, behind `console <name>`."""

    def __init__(self, cli, name):
        super().__init__(cli)
        self.name = name

    def attach(self):
        self.cli.child.sendline(f"console {self.name}")
        self.cli.wait_re(rf"console: attached to {self.name}", timeout=30, new_only=True)
        self.cli.child.send("\r")
        self.cli.wait_re(re.escape(PROMPT), timeout=60, new_only=True)

    def detach(self):
        self.cli.child.send("\x1d")
        self.cli.wait_re(rf"console: detached from {self.name}", timeout=30, new_only=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("vnet")
    www = tmp / "www"
    www.mkdir()
    payload = os.urandom(4 << 20)
    (www / "file").write_bytes(payload)
    port = free_port()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(www))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    blob = tmp / "linux-net.bin"
    subprocess.run([BHCONFIG, "compile", CONFIG, "-o", blob], check=True)
    mods = [(blob, "linux-net.bin config")] + [
        (PARTS / f"{p}.elf", f"{p}.elf {p}") for p in ("command", "opspolicy", "iopart",
                                                       "devmodel")] + [
        (LINUX / "vmlinux", "vmlinux vmlinux"),
        (LINUX / "initramfs.cpio.gz", "initramfs initramfs")]
    iso = bhrun.iso_for("", modules=mods)
    fwd = f"guestfwd=tcp:{HOST_FWD}:80-tcp:127.0.0.1:{port}"
    qemu = ["-netdev", f"user,id=n0,restrict=on,{fwd}",
            "-device", "e1000,netdev=n0,addr=6,mac=52:54:00:00:0a:01",
            "-netdev", "user,id=n1,restrict=on",
            "-device", "e1000,netdev=n1,addr=7,mac=52:54:00:00:0b:01"]
    cli = opconsole.spawn("vnet-svm", iso, mem_mib=1024, extra=qemu)
    try:
        cli.wait_for("[command] ready", timeout=180)
        guests = {}
        for name in IP:
            cli.wait_for(f"[{name}] bulkhead-linux: init", timeout=400)
        for name, ip in IP.items():
            g = guests[name] = Guest(cli, name)
            g.attach()
            g.run("dmesg -n 1")
            assert g.run(f"ip addr add {ip}/24 dev eth0 && ip link set eth0 up && echo up") == ["up"]
            g.detach()
        yield cli, guests, payload
    finally:
        opconsole.close(cli)
        httpd.shutdown()


def on(guest, command, timeout=120):
    guest.attach()
    try:
        return guest.run(command, timeout=timeout)
    finally:
        guest.detach()


def test_mac_is_the_configurations(net):
    _, guests, _ = net
    assert on(guests["linux-1"], "cat /sys/class/net/eth0/address") == ["52:54:00:12:00:01"]


def test_ping_loses_nothing(net):
    _, guests, _ = net
    out = on(guests["linux-1"], f"ping -c 20 -i 0.2 {IP['linux-2']} | tail -2")
    assert "20 packets transmitted, 20 packets received, 0% packet loss" in out, out


def test_16_mib_between_guests(net):
    """16 MiB over TCP from linux-2's httpd to linux-1's wget (busybox's nc has no way to
    end a transfer at the end of its input), compared by md5."""
    _, guests, _ = net
    sent = on(guests["linux-2"], "mkdir -p /tmp/www && head -c 16777216 /dev/urandom "
              "> /tmp/www/s && md5sum /tmp/www/s && httpd -p 8080 -h /tmp/www && echo serving")
    assert sent[-1] == "serving", sent
    got = on(guests["linux-1"], f"wget -q -O - http://{IP['linux-2']}:8080/s | md5sum",
             timeout=600)
    assert got[0].split()[0] == sent[0].split()[0], (sent, got)


def test_fetch_from_the_host(net):
    _, guests, payload = net
    got = on(guests["linux-1"], f"wget -q -O /tmp/h http://{HOST_FWD}/file && md5sum /tmp/h",
             timeout=300)
    assert got[0].split()[0] == hashlib.md5(payload).hexdigest(), got


def test_ping_across_restart_of_iopart_a(net):
    """linux-1 pings linux-2 every 100 ms while the operator restarts iopart-a: both move to
    iopart-b's switch; a few echoes are lost, at most 10 of 150."""
    cli, guests, _ = net
    g = guests["linux-1"]
    up = re.compile(r"\[linux-1\] devmodel: virtio-net: path 0 \(iopart-a\) up")
    before = len(up.findall(cli.seen))
    on(g, f"(ping -c 150 -i 0.1 {IP['linux-2']} > /tmp/p 2>&1) & true")
    cli.child.sendline("restart iopart-a")
    while len(up.findall(cli.seen)) <= before:
        cli.wait_re(up, timeout=120, new_only=True)
    g.attach()
    end = time.time() + 120
    while time.time() < end:
        out = g.run("grep transmitted /tmp/p; echo polled")
        if len(out) > 1:
            break
        time.sleep(2)
    g.detach()
    m = re.search(r"(\d+) packets transmitted, (\d+) packets received", out[0])
    assert m and int(m.group(1)) == 150, out
    lost = 150 - int(m.group(2))
    print(f"ping across the restart of iopart-a: {lost} of 150 lost")
    assert lost <= 10, out
    assert re.search(r"\[linux-1\] devmodel: virtio-net: failover to path 1 \(iopart-b\)",
                     cli.seen), "no failover"
