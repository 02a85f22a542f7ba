# SPDX-License-Identifier: MIT
"""Channels between two partitions (issue 6): messages both ways with signals and waits,
on one CPU and across CPUs (the signal then carries an IPI); a hostile peer scribbling over
the channel cannot crash or stall the server; a third partition cannot join a channel (the
monitor's view checks refuse it). QEMU -cpu max -smp 4, SeaBIOS."""
import re

import pytest

import bhrun

PINGPONG = bhrun.BUILD / "partitions" / "pingpong.elf"
GUEST_PV = bhrun.BUILD / "partitions" / "guest-pv.elf"


def module(path, spec):
    return (path, f"{path.name} partition {spec}")


def boot(name, cmdline, mods):
    iso = bhrun.iso_for(cmdline, modules=mods)
    return bhrun.Qemu(iso=iso, timeout=120).run(f"chan-{name}")


@pytest.mark.parametrize("placement", [("0", "0"), ("1", "2")], ids=["same-cpu", "cross-cpu"])
def test_messages_both_ways(placement):
    srv, cli = placement
    r = boot(f"pingpong-{srv}-{cli}", "test=run limit=60000", [
        module(PINGPONG, f"name=server cpus={srv} mem=8 chan=7 -- role=server chan=7"),
        module(PINGPONG, f"name=client cpus={cli} mem=8 chan=7 -- role=client chan=7 n=20000"),
    ])
    assert "[server] pingpong: server ready" in r.lines(), r.describe()
    m = [l for l in r.lines() if l.startswith("[client] pingpong: ")]
    assert m and re.match(r"\[client\] pingpong: 20000 ok, (\d+) notifications sent", m[0]), \
        r.describe()
    assert not re.search(r"GUEST_ASSERT", r.com1)
    assert re.search(r"^part: partition client: exited, status 0$", r.com1, re.M)
    assert "[server] pingpong: server done, client said goodbye" in r.lines()
    assert r.status == 0 and "sched: all partitions ended" in r.com1


def test_hostile_peer_cannot_harm_the_server():
    """The hostile client garbles the channel while guest-pv runs beside; the server
    survives (no crash, it stops serving that channel) and guest-pv finishes."""
    r = boot("hostile", "test=run limit=5000", [
        module(PINGPONG, "name=server cpus=0 mem=8 chan=9 -- role=server chan=9"),
        module(PINGPONG, "name=evil cpus=1 mem=8 chan=9 -- role=hostile chan=9"),
        module(GUEST_PV, "name=bystander cpus=0 mem=16 -- exit=0"),
    ])
    assert "[evil] pingpong: hostile attached" in r.lines(), r.describe()
    assert "[bystander] GUEST_DONE exit=0" in r.lines()
    assert not re.search(r"^part: partition server: crashed", r.com1, re.M)
    assert not re.search(r"\[server\] GUEST_ASSERT", r.com1)
    assert "test: time limit reached" in r.com1


def test_third_partition_cannot_join_a_channel():
    r = boot("third", "test=run limit=3000", [
        module(PINGPONG, "name=server cpus=0 mem=8 chan=5 -- role=server chan=5"),
        module(PINGPONG, "name=client cpus=1 mem=8 chan=5 -- role=client chan=5 n=100"),
        module(PINGPONG, "name=intruder cpus=2 mem=8 chan=5 -- role=hostile chan=5"),
    ])
    assert re.search(r"^enforce: view refused: partition 3 \(intruder\): region 3: "
                     r"channel shared beyond its two endpoints$", r.com1, re.M), r.describe()
    assert re.search(r"^part: partition intruder: not started", r.com1, re.M)
    assert "[client] pingpong: 100 ok" in " ".join(r.lines())
