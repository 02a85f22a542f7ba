# SPDX-License-Identifier: MIT
"""The operator CLI (issue 8), typed on COM1 through pexpect: the command partition decides,
the operations partition holds the zone policies, the ultravisor records. QEMU -cpu max
-smp 4 (SVM), SeaBIOS; config tests/system/configs/cli.yaml."""
import json
import random
import re
import subprocess

import pytest

import bhrun
from opconsole import ANSWER_END, PREFIX
import opconsole

CONFIG = bhrun.ROOT / "tests" / "system" / "configs" / "cli.yaml"
PARTS = bhrun.BUILD / "partitions"
BHCONFIG = bhrun.BUILD / "tools" / "bhconfig"


@pytest.fixture(scope="module")
def cli(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    blob = tmp / "cli.bin"
    subprocess.run([BHCONFIG, "compile", CONFIG, "-o", blob], check=True)
    mods = [(blob, "cli.bin config")] + [
        (PARTS / f"{name}.elf", f"{name}.elf {name}") for name in ("command", "opspolicy", "iopart", "uvtest")]
    iso = bhrun.iso_for("", modules=mods)
    cli = opconsole.spawn("cli", iso)
    try:
        cli.child.expect_exact(PREFIX + "ready", timeout=120)
        yield cli
    finally:
        opconsole.close(cli)


def parts(cli):
    return cli.parts()


def test_list_shows_the_boot_partitions_running(cli):
    p = parts(cli)
    for name in ("ultravisor", "command", "opspolicy", "iopart", "guest-1"):
        assert p[name]["STATE"] == "running", p


def test_create_in_a_zone_with_room_runs(cli):
    cli.ok('create g2 image=uvtest zone=roomy cpus=1 mem=16M cmdline="role=beat every=0"')
    cli.wait_com2("[g2] uvtest: g2 up")  # no console channel: the monitor log
    assert parts(cli)["g2"]["STATE"] == "running"


def test_budget_denies_then_policy_set_allows(cli):
    body, end = cli.run('create g3 image=uvtest zone=tight cpus=1 mem=16M cmdline="role=beat every=0"')
    assert end.startswith("error: denied by policy: zone tight: memory budget 32 MiB"), (body, end)
    assert "g3" not in parts(cli)
    body = cli.ok("policy set tight memory=64M")
    assert any(re.match(r"policy version \d+: zone tight memory=64M", l) for l in body), body
    cli.ok('create g3 image=uvtest zone=tight cpus=1 mem=16M cmdline="role=beat every=0"')
    cli.wait_com2("[g3] uvtest: g3 up")
    assert parts(cli)["g3"]["STATE"] == "running"


def test_stop_and_restart_change_the_state(cli):
    cli.ok("stop g2")
    assert parts(cli)["g2"]["STATE"] == "stopped"
    cli.ok("restart g2")
    for _ in range(50):
        if parts(cli)["g2"]["STATE"] == "running":
            break
    assert parts(cli)["g2"]["STATE"] == "running"


def test_policy_change_that_would_evict_is_refused(cli):
    body, end = cli.run("policy set tight memory=16M")
    assert end.startswith("error: ") and "guest-1" in end + " ".join(body), (body, end)
    p = parts(cli)
    assert p["guest-1"]["STATE"] == "running" and p["g3"]["STATE"] == "running"


def test_garbage_leaves_help_answering(cli):
    rng = random.Random(8)
    # every byte but the line ends and the I/O partition's line editing (backspace, ^U,
    # escape sequences), which could leave nothing to answer
    alphabet = [chr(c) for c in range(1, 256) if c not in (8, 10, 13, 21, 27, 127)]
    for i in range(200):
        n = rng.choice([1, 5, 20, 80, 250])
        line = "x" + "".join(rng.choice(alphabet) for _ in range(n))  # never blank
        cli.child.sendline(line)
        cli.child.expect(ANSWER_END, timeout=30)
        assert cli.child.match.group(1).startswith("error: "), line
    body = cli.ok("help")
    for verb in ("list", "show", "start", "stop", "restart", "destroy", "create", "assign",
                 "release", "policy", "journal", "help"):
        assert any(l.split()[0] == verb for l in body if l.strip()), (verb, body)


def test_json_matches_the_table(cli):
    rows = parts(cli)
    doc = json.loads("".join(cli.ok("list --json")))
    byname = {p["name"]: p for p in doc["partitions"]}
    assert set(byname) == set(rows)
    for name, row in rows.items():
        assert byname[name]["state"] == row["STATE"] and byname[name]["kind"] == row["KIND"]
        assert byname[name]["zone"] == row["ZONE"]
    doc = json.loads("".join(cli.ok("policy show --json")))
    assert doc and "tight" in json.dumps(doc)


def test_queries_and_resource_changes_against_the_real_partitions(cli):
    """The rest of the verbs, against the real ultravisor and operations partition: show,
    list zones/resources/channels, assign and release on a stopped guest, destroy (its
    memory back in the zone's use), journal; each --json parses."""
    show = cli.ok("show g2")
    assert any("g2" in l for l in show) and any("roomy" in l for l in show), show
    zones = {r.split()[0]: r.split() for r in cli.ok("list zones")[1:]}
    assert set(zones) == {"system", "roomy", "tight"}, zones
    assert any("64M" in c for c in zones["tight"]), zones  # the budget policy set gave it
    assert cli.ok("list resources") and cli.ok("list channels")
    for q in ("show g2 --json", "list zones --json", "list resources --json",
              "list channels --json", "journal 5 --json"):
        json.loads("".join(cli.ok(q)))
    cli.ok("stop g2")
    cli.ok("assign g2 mem=4M")
    assert parts(cli)["g2"]["MEMORY"] == "20M"
    cli.ok("release g2 mem=4M")
    assert parts(cli)["g2"]["MEMORY"] == "16M"
    body, end = cli.run("assign g2 mem=1G")
    assert end.startswith("error: "), (body, end)
    cli.ok("destroy g2")
    assert "g2" not in parts(cli)
    journal = "\n".join(cli.ok("journal 5"))
    assert "destroy g2" in journal and "release g2 mem=4M" in journal, journal
    body, end = cli.run("show g2")
    assert end == 'error: no partition named "g2"', (body, end)
