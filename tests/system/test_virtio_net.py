# SPDX-License-Identifier: MIT
"""virtio-net for the stock Debian kernel (issue 15): tests/system/configs/linux-net.yaml
under QEMU -cpu max -smp 4 -m 1024 (SVM). Two Linux guests, each with a virtio network
served by its device model (devmodel/virtio-net.c) through net channels to iopart-a and
iopart-b, whose switches join them to each other and to an e1000 each on QEMU user
networking with restrict=on: nothing leaves the machine, and the only way to the host is a
guestfwd rule to a server on 127.0.0.1. One boot is shared; the test that restarts
iopart-a runs last."""
import base64
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
from test_linux import BHCONFIG, LINUX, PARTS, Shell

CONFIG = bhrun.ROOT / "tests" / "system" / "configs" / "linux-net.yaml"
IP = {"linux-1": "10.0.2.31", "linux-2": "10.0.2.32"}
HOST_FWD = "10.0.2.100"  # the guests' name for the host's test server (guestfwd)
RELAY = bhrun.ROOT / "tools" / "stdio-tcp.py"  # one per connection, unlike a tcp: target


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(directory):
    """An HTTP server on 127.0.0.1 for directory, in a thread: (server, port)."""
    port = free_port()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(directory))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, port


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("vnet")
    www = tmp / "www"
    www.mkdir()
    payload = os.urandom(4 << 20)
    (www / "file").write_bytes(payload)
    httpd, port = serve(www)
    blob = tmp / "linux-net.bin"
    subprocess.run([BHCONFIG, "compile", CONFIG, "-o", blob], check=True)
    mods = [(blob, "linux-net.bin config")] + [
        (PARTS / f"{p}.elf", f"{p}.elf {p}") for p in ("command", "opspolicy", "iopart",
                                                       "devmodel")] + [
        (LINUX / "vmlinux", "vmlinux vmlinux"),
        (LINUX / "initramfs.cpio.gz", "initramfs initramfs")]
    iso = bhrun.iso_for("", modules=mods)
    fwd = f"guestfwd=tcp:{HOST_FWD}:80-cmd:{RELAY} 127.0.0.1 {port}"
    qemu = ["-netdev", f"user,id=n0,restrict=on,{fwd}",
            "-device", "e1000,netdev=n0,addr=6,mac=52:54:00:00:0a:01",
            "-netdev", "user,id=n1,restrict=on",
            "-device", "e1000,netdev=n1,addr=7,mac=52:54:00:00:0b:01"]
    cli = opconsole.spawn("vnet-svm", iso, mem_mib=1024, extra=qemu)
    try:
        cli.wait_for("[command] ready", timeout=180)
        guests = {}
        for name, ip in IP.items():
            g = guests[name] = Shell(cli, name)
            g.attach(timeout=400)  # its lines interleave with the other's: wait for a prompt
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


BHHOSTILE = LINUX / "bhhostile"  # guest-linux/bhhostile.c, built by `make linux`


def install(guest, path, name):
    """Type a small binary into the guest's /tmp (base64, in lines the shell takes whole)."""
    data = path.read_bytes()
    text = base64.b64encode(data).decode()
    guest.run(f"rm -f /tmp/{name}.b64")
    for i in range(0, len(text), 400):
        guest.run(f"echo {text[i:i + 400]} >>/tmp/{name}.b64")
    out = guest.run(f"base64 -d /tmp/{name}.b64 >/tmp/{name}; chmod +x /tmp/{name}; "
                    f"sha256sum /tmp/{name}")
    assert out[0].startswith(hashlib.sha256(data).hexdigest()), out


WHY = {  # bhhostile's malformed queues, and what the device model says of each (virtq.c)
    "loop": "descriptor chain longer than the queue or table (a loop)",
    "far": "buffer not inside guest RAM",
    "nested": "indirect descriptor inside an indirect table",
    "ring": "ring not inside guest RAM (or used ring not writable)",
}


def test_hostile_guest_harms_no_other(net):
    """linux-2 turns hostile while linux-1 fetches 4 MiB from the host in a loop: 2000 frames
    under linux-1's MAC (forged: iopart-a's switch drops and counts each), a flood of 100000
    frames at linux-1, then, with its virtio-net driver unbound, its own malformed queues
    (a descriptor loop, a buffer 1 TiB up, an indirect table inside one, a ring outside its
    RAM): each breaks only its own queue (DEVICE_NEEDS_RESET), and after a reset and a
    rebind its network works again. linux-1's fetches all finish and verify."""
    cli, guests, payload = net
    g1, g2 = guests["linux-1"], guests["linux-2"]
    want = hashlib.md5(payload).hexdigest()
    on(g1, "rm -f /tmp/fetched; (for i in 1 2 3 4 5; do wget -q -O - "
       f"http://{HOST_FWD}/file | md5sum >> /tmp/fetched; done; echo done >> /tmp/fetched) "
       "& true")
    g2.attach()
    try:
        install(g2, BHHOSTILE, "bhhostile")
        ifindex = g2.run("cat /sys/class/net/eth0/ifindex")[0]
        own = g2.run("cat /sys/class/net/eth0/address")[0]
        out = g2.run(f"/tmp/bhhostile frames {ifindex} 52:54:00:12:00:01 ff:ff:ff:ff:ff:ff "
                     "2000 0x88b5")
        assert out == ["bhhostile: frames: 0x7d0 of 0x7d0 sent"], out
        out = g2.run(f"/tmp/bhhostile frames {ifindex} {own} 52:54:00:12:00:01 100000 0x88b5",
                     timeout=300)
        assert out[0].startswith("bhhostile: frames: "), out
        dev = "/sys/bus/pci/devices/0000:00:02.0"
        assert g2.run("echo 2 > /proc/sys/vm/nr_hugepages; echo 0000:00:02.0 > "
                      "/sys/bus/pci/drivers/virtio-pci/unbind && printf '\\007' | "
                      f"dd of={dev}/config bs=1 seek=4 conv=notrunc 2>/dev/null && "
                      "echo unbound") == ["unbound"]  # and bus mastering back on
        io = g2.run(f"cat {dev}/resource | head -1")[0].split()[0]
        for case, why in WHY.items():  # on the transmit queue
            out = g2.run(f"/tmp/bhhostile desc {io} 1 {case}")
            m = re.match(rf"bhhostile: desc {case}: status 0x([0-9a-f]+)$", out[-1])
            assert m and int(m.group(1), 16) & 0x40, (case, out)  # DEVICE_NEEDS_RESET
            # the device model says why, once, on the console (raw while attached)
            assert f"devmodel: virtio: {why}" in out, (case, out)
        assert g2.run("echo 0000:00:02.0 > /sys/bus/pci/drivers/virtio-pci/bind && "
                      f"ip addr add {IP['linux-2']}/24 dev eth0 && ip link set eth0 up && "
                      "echo bound") == ["bound"]
        out = g2.run(f"ping -c 5 -i 0.2 {IP['linux-1']} | tail -2")
        assert "5 packets transmitted, 5 packets received" in out[-2], out
    finally:
        g2.detach()
    # every forged frame that reached iopart-a's switch was dropped there and counted (a
    # few never left linux-2: its device drops a frame when the channel's ring is full)
    stats = r"\[iopart-a\] net: port linux-2: rx \d+ tx \d+ forged (\d+) "
    forged = [int(x) for x in re.findall(stats, cli.seen)]
    end = time.time() + 30
    while (not forged or max(forged) < 1000) and time.time() < end:
        forged.append(int(cli.wait_re(stats, timeout=30, new_only=True).group(1)))
    assert forged and max(forged) >= 1000, forged
    print(f"forged frames dropped by iopart-a's switch: {max(forged)} of 2000")
    g1.attach()
    try:
        end = time.time() + 300
        while time.time() < end:
            got = g1.run("cat /tmp/fetched")
            if got and got[-1] == "done":
                break
            time.sleep(3)
        assert got[-1] == "done" and [l.split()[0] for l in got[:-1]] == [want] * 5, got
    finally:
        g1.detach()


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
