# SPDX-License-Identifier: MIT
"""Networks through the I/O partitions (issue 15, docs/net.md): tests/system/configs/net.yaml
under QEMU -cpu max -smp 4 -m 1024 (SVM). Three guest-pv partitions with net channels to
iopart-a and iopart-b; each I/O partition drives an e1000 on QEMU user networking with
restrict=on (nothing leaves the host: the guests reach the user-net gateway 10.0.2.2 and
each other only). What happened is read from COM1 (every partition's console through
iopart-a) and COM2 (the monitor's log)."""
import re
import subprocess

import bhrun
import opconsole

CONFIG = bhrun.ROOT / "tests" / "system" / "configs" / "net.yaml"
PARTS = bhrun.BUILD / "partitions"
BHCONFIG = bhrun.BUILD / "tools" / "bhconfig"
MEM_MIB = 1024
# Two NICs, each on a user-net backend of its own, restricted: no route outside, no
# forwarding. QEMU adds no NIC of its own once -netdev is given.
QEMU_NET = ["-netdev", "user,id=n0,restrict=on",
            "-device", "e1000,netdev=n0,addr=6,mac=52:54:00:00:0a:01",
            "-netdev", "user,id=n1,restrict=on",
            "-device", "e1000,netdev=n1,addr=7,mac=52:54:00:00:0b:01"]
SUMMARY = (r"guest-pv: net: (ping|udp) ([\d.]+): (\d+) sent, (\d+) received, (\d+) lost, "
           r"(\d+) duplicates, rtt min/avg/max (\d+)/(\d+)/(\d+) us")


def boot(tmp, name, **extra):
    """net.yaml with extra command-line words per partition (IOPART_A=..., GUEST_1=...)."""
    text = CONFIG.read_text()
    for key in ("IOPART_A", "IOPART_B", "GUEST_1", "GUEST_2", "GUEST_3"):
        text = text.replace(f"@{key}@", extra.get(key, ""))
    src, blob = tmp / f"{name}.yaml", tmp / f"{name}.bin"
    src.write_text(text)
    subprocess.run([BHCONFIG, "compile", src, "-o", blob], check=True)
    mods = [(blob, "net.bin config")] + [
        (PARTS / f"{p}.elf", f"{p}.elf {p}") for p in ("command", "opspolicy", "iopart",
                                                       "guest-pv")]
    iso = bhrun.iso_for("", modules=mods)
    return opconsole.spawn(name, iso, extra=QEMU_NET, mem_mib=MEM_MIB)


def said(cli, who):
    tag = f"[{who}] "
    return [l[len(tag):] for l in cli.seen.replace("\r", "").split("\n") if l.startswith(tag)]


def summaries(cli, who):
    """{(kind, ip): (sent, received, lost, dups, min, avg, max)} of who's summary lines."""
    out = {}
    for line in said(cli, who):
        m = re.match(SUMMARY, line)
        if m:
            out[(m.group(1), m.group(2))] = tuple(int(x) for x in m.groups()[2:])
    return out


def port_lines(cli, who):
    """The last counters line of each switch port of who: {port: {counter: value}}."""
    ports = {}
    for line in said(cli, who):
        m = re.match(r"net: port (\S+): (rx .*)$", line)
        if m:
            words = m.group(2).split()
            ports[m.group(1)] = {k: int(v) for k, v in zip(words[::2], words[1::2])}
    return ports


def test_exchange_gateway_and_forgery(tmp_path):
    """guest-1 pings guest-2 through iopart-a's switch, then QEMU's user-net gateway through
    iopart-a's e1000; guest-3 meanwhile sends 200 datagrams to guest-2 under a forged source
    MAC: iopart-a drops and counts each, guest-2 never sees one, and guest-1's exchange
    completes."""
    cli = boot(tmp_path, "net-exchange",
               GUEST_1="net-test=ping:10.0.2.22+10.0.2.2 net-count=20 net-interval-ms=50 net-delay-ms=2000",
               GUEST_2="net-test=echo",
               GUEST_3="net-test=forge:10.0.2.22 net-count=200 net-interval-ms=5")
    try:
        cli.wait_for("[command] ready", timeout=240)
        cli.wait_for("[guest-1] guest-pv: net: done", timeout=240)
        cli.wait_for("[guest-3] guest-pv: net: forged 200 datagrams to 10.0.2.22", timeout=120)
        # each forged datagram the channel took is dropped and counted by iopart-a's switch
        # (a few may be refused by the full channel first: the guest counts those)
        g3 = [l for l in said(cli, "guest-3") if l.startswith("guest-pv: net: stats ")][0]
        tx, refused = map(int, re.search(r"stats tx (\d+) rx \d+ tx-refused (\d+)", g3).groups())
        m = cli.wait_re(r"\[iopart-a\] net: port guest-3: rx (\d+) tx \d+ forged (\d+) ", timeout=30)
        while int(m.group(1)) < tx:  # the counters of the last frames come a round later
            m = cli.wait_re(r"\[iopart-a\] net: port guest-3: rx (\d+) tx \d+ forged (\d+) ",
                            timeout=30, new_only=True)
        rx, forged = int(m.group(1)), int(m.group(2))
        print(f"guest-3: {tx} frames sent, {refused} refused (ring full); iopart-a: {rx} taken, "
              f"{forged} forged")
        assert rx == tx and forged + refused >= 200 and forged >= 150, (tx, refused, rx, forged)
        assert rx - forged <= 3  # its own ARP requests only
        s = summaries(cli, "guest-1")
        assert s[("ping", "10.0.2.22")][:3] == (20, 20, 0), s
        assert s[("ping", "10.0.2.2")][1] >= 18, s  # the gateway, through the e1000
        a = said(cli, "iopart-a")
        assert any(re.match(r"e1000 00:06\.0: 8086:100e, MAC 52:54:00:00:0a:01, link up", l)
                   for l in a), a
        assert any(re.match(r"net: port guest-3: frame dropped: forged source MAC "
                            r"02:00:00:00:00:fc", l) for l in a), a
        g2 = said(cli, "guest-2")
        assert not [l for l in g2 + said(cli, "guest-1") if "forged frame got through" in l]
        assert "guest-pv: net: 10.0.2.21 is at 02:00:00:00:00:01" not in g2  # g2 only answers
        b = said(cli, "iopart-b")
        assert any(re.match(r"e1000 00:07\.0: 8086:100e", l) for l in b), b
        for who in ("guest-1", "guest-2", "guest-3"):
            assert f"guest-pv: net: path 0 (iopart-a) up" in said(cli, who), who
            assert f"guest-pv: net: path 1 (iopart-b) up" in said(cli, who), who
    finally:
        opconsole.close(cli)


def test_failover_keeps_the_exchange_going(tmp_path):
    """guest-1 sends 400 UDP datagrams to guest-2's echo port, one every 20 ms, through
    iopart-a; iopart-a crashes on purpose after switching 300 frames from clients. Both
    guests fail over to iopart-b, the stream goes on, the losses are counted and printed,
    and guest-1 then pings the gateway through iopart-b's e1000. iopart-a's restart rule
    brings it back as the standby of both guests."""
    cli = boot(tmp_path, "net-failover",
               IOPART_A="net-fault-after=300",
               GUEST_1="net-test=udp:10.0.2.22,ping:10.0.2.2 net-count=400 net-interval-ms=20 "
                       "net-linger=1",
               GUEST_2="net-test=echo")
    try:
        cli.wait_for("[command] ready", timeout=240)
        m = cli.wait_re(r"\[guest-1\] " + SUMMARY.replace("(ping|udp)", "(udp)"), timeout=300)
        sent, received, lost = int(m.group(3)), int(m.group(4)), int(m.group(5))
        cli.wait_for("[guest-1] guest-pv: net: done", timeout=120)
        g1, g2 = said(cli, "guest-1"), said(cli, "guest-2")
        print(f"udp: {sent} sent, {received} echoed, {lost} lost; " +
              "; ".join(l for l in g1 if "stranded" in l or "failover" in l or "stats" in l))
        assert sent == 400 and lost <= 40, (sent, received, lost)
        assert any(re.match(r"fault injected after \d+ frames", l) for l in said(cli, "iopart-a"))
        for g in (g1, g2):
            assert any(re.match(r"guest-pv: net: path 0 \(iopart-a\) lost, \d+ frames stranded", l)
                       for l in g), g
            assert any(re.match(r"guest-pv: net: failover to path 1 \(iopart-b\)", l) for l in g), g
        s = summaries(cli, "guest-1")
        assert s[("ping", "10.0.2.2")][1] >= 8, s  # the gateway, now through iopart-b's NIC
        assert "ultravisor: iopart-a crashed (status -1)" in said(cli, "ultravisor")
        assert not [l for l in said(cli, "ultravisor") if "command line cut" in l]
        cli.wait_re(r"\[guest-1\] guest-pv: net: path 0 \(iopart-a\) up", timeout=60)
        up = [l for l in said(cli, "guest-1") if l == "guest-pv: net: path 0 (iopart-a) up"]
        if len(up) < 2:
            cli.wait_re(r"\[guest-1\] guest-pv: net: path 0 \(iopart-a\) up", timeout=60,
                        new_only=True)
    finally:
        opconsole.close(cli)
