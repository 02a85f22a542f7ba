# SPDX-License-Identifier: MIT
"""The ultravisor runs the machine (issue 6): started first by the monitor from bulkhead.elf,
it builds the database from the blob, moves into its own memory from the pool, starts the
partitions the blob names, turns crashes into the restart rule, and serves transactions on
the command channel. tests/uvtest partitions report what they see and do.

QEMU -cpu max -smp 4 (SVM), SeaBIOS; and the VMX backend under Bochs with a smaller run."""
import re
import subprocess

import pytest

import bhrun

CONFIGS = bhrun.ROOT / "tests" / "system" / "configs"
UVTEST = bhrun.BUILD / "partitions" / "uvtest.elf"
BHCONFIG = bhrun.BUILD / "tools" / "bhconfig"


def blob(tmp_path, name, edit=lambda text: text):
    """tests/system/configs/<name>.yaml, edited, compiled by bhconfig."""
    src = tmp_path / f"{name}.yaml"
    src.write_text(edit((CONFIGS / f"{name}.yaml").read_text()))
    out = tmp_path / f"{name}.bin"
    subprocess.run([BHCONFIG, "compile", src, "-o", out], check=True)
    return out


def run_qemu(tmp_path, name, limit_ms, edit=lambda text: text):
    b = blob(tmp_path, "uv-lifecycle", edit)
    mods = [(b, f"{b.name} config"), (UVTEST, f"{UVTEST.name} uvtest")]
    iso = bhrun.iso_for(f"test=run limit={limit_ms}", modules=mods)
    return bhrun.Qemu(iso=iso, timeout=limit_ms / 1000 + 60).run(name)


def said(r, who):
    """The console lines of partition `who`, prefix removed."""
    tag = f"[{who}] "
    return [l[len(tag):] for l in r.lines() if l.startswith(tag)]


@pytest.fixture(scope="module")
def lifecycle(tmp_path_factory):
    return run_qemu(tmp_path_factory.mktemp("uv"), "uv-lifecycle", 15000)


def test_ultravisor_takes_the_machine(lifecycle):
    r = lifecycle
    uv = said(r, "ultravisor")
    assert re.search(r"^enforce: pool range 0 \[0x4000000-0x1c000000\) claimed: 384 MiB",
                     r.com1, re.M), r.describe()
    assert re.search(r"^uv: partition ultravisor: moved into its view \(id 1, generation 1\); "
                     r"bootstrap RAM \[0x[0-9a-f]+-0x[0-9a-f]+\) freed$", r.com1, re.M)
    assert "ultravisor: running in its own memory from the pool: partition id 1, 32 MiB" in uv
    assert "ultravisor: command channel control-ultravisor (id 1, 64 KiB): serving partition id 2" in uv
    # no such image among the modules: said once, the partition stays created
    assert uv.count('ultravisor: opspolicy: image "opspolicy" is not among the boot modules: '
                    'not loaded') == 1


def test_each_partition_sees_exactly_its_view(lifecycle):
    r = lifecycle
    expect = {  # from uv-lifecycle.yaml: RAM, vCPUs, channels (ids in blob order)
        "command": "16 MiB RAM, 1 vCPU(s), channels 1 2",
        "beat": "8 MiB RAM, 1 vCPU(s), channels 3",
        "crash-stop": "8 MiB RAM, 1 vCPU(s), channels 4",
        "spare": "16 MiB RAM, 2 vCPU(s), channels",
    }
    for name, view in expect.items():
        assert f"uvtest: {name} up: {view}" in said(r, name), (name, r.describe())
    for name, ram, vcpus in (("beat", 8, 1), ("spare", 16, 2), ("command", 16, 1)):
        assert re.search(rf"^uv: partition {name}: id \d+ view installed: generation \d+, \d+ "
                         rf"regions, {ram} MiB RAM, {vcpus} vCPU\(s\), 0 I/O port range\(s\)$",
                         r.com1, re.M), name


def test_refused_transaction_changes_nothing(lifecycle):
    out = said(lifecycle, "command")
    refusal = [l for l in out if l.startswith("uvtest: too much memory")]
    assert refusal and re.match(
        r'uvtest: too much memory: status -12, op 1, generation unchanged, reason "op 1 '
        r'\(assign memory to beat\): needs \d+ MiB, \d+ MiB free in the pool"$', refusal[0]), out
    assert ("uvtest: after the refusal: generation same, partitions same, resources same, "
            "beat running") in out


def test_stop_restart_twenty_times_keeps_the_pool(lifecycle):
    r = lifecycle
    out = said(r, "command")
    cycles = [l for l in out if l.startswith("uvtest: cycle ")]
    assert len(cycles) == 20, (out, r.describe())
    assert all(l.endswith("stop 0 stopped, restart 0 running") for l in cycles), cycles
    pool = [re.match(r"uvtest: pool free before (\d+) after (\d+) KiB", l) for l in out]
    pool = [m for m in pool if m]
    assert pool and pool[0].group(1) == pool[0].group(2)
    assert "uvtest: spare restarts 20" in out and "GUEST_DONE" in out
    starts = re.findall(r"^part: partition spare: id \d+ running, 2 vCPU\(s\), entry 0x[0-9a-f]+; "
                        r"monitor frames free (\d+) KiB$", r.com1, re.M)
    assert len(starts) == 21
    # its vCPUs (and their VMCBs) are reused in place: the monitor's own memory does not
    # shrink with each restart
    assert len(set(starts[1:])) == 1, starts


def test_destroy_returns_everything(lifecycle):
    """crash-stop, down for good, is destroyed: its 8 MiB and its 16 KiB channel come back to
    the pool, the database forgets it and the monitor frees its nested tables."""
    r = lifecycle
    assert "uvtest: destroy crash-stop: status 0, gone yes, pool free +8208 KiB" in \
        said(r, "command"), r.describe()
    assert re.search(r"^part: partition crash-stop: id \d+ destroyed$", r.com1, re.M)
    assert re.search(r"^\[ultravisor\] ultravisor: partition id \d+ destroyed", r.com1, re.M)


def test_crash_restart_rules(lifecycle):
    r = lifecycle
    lines = r.lines()
    # restart, restart-max 2: up three times, then down for good
    assert said(r, "crash-restart").count(
        "uvtest: crash-restart up: 8 MiB RAM, 1 vCPU(s), channels") == 3, r.describe()
    assert len(re.findall(r"^part: partition crash-restart: crashed", r.com1, re.M)) == 3
    assert "ultravisor: crash-restart: running -> created (generation" in "\n".join(
        said(r, "ultravisor"))
    assert re.search(r"^\[ultravisor\] ultravisor: crash-restart: running -> crashed", r.com1, re.M)
    # stop: down after its first crash
    assert len([l for l in said(r, "crash-stop") if " up: " in l]) == 1
    assert re.search(r"^\[ultravisor\] ultravisor: crash-stop: running -> crashed", r.com1, re.M)
    # the neighbour beats on after both are down
    last_crash = max(i for i, l in enumerate(lines) if "running -> crashed" in l)
    assert any(l.startswith("[beat] uvtest: beat beat ") for l in lines[last_crash:])
    assert len([l for l in said(r, "beat") if " up: " in l]) == 1


def test_a_dead_peer_is_written_into_the_channel(lifecycle):
    """crash-stop dies on its channel to the I/O partition (role=watch): the ultravisor has
    the monitor write the death into the header, and the server wakes to read it there; the
    channel of beat, which lives, says nothing of the kind."""
    io = said(lifecycle, "iopart")
    assert "uvtest: iopart watching 2 channel(s)" in io, lifecycle.describe()
    for chan in (3, 4):
        assert f"uvtest: iopart: channel {chan}: client attached" in io, io
    assert "uvtest: iopart: channel 4: the channel says its client died" in io, io
    assert not [l for l in io if l.startswith("uvtest: iopart: channel 3: the channel says")]


def test_io_ports_only_where_the_view_grants_them(lifecycle):
    """The I/O partition owns two devices with ports (COM1, the POST port 0x80): it writes
    0x80 without an exit, while the guests that touch 0x80 are contained."""
    r = lifecycle
    assert re.search(r"^uv: partition iopart: id \d+ view installed: .*, 2 I/O port range\(s\)$",
                     r.com1, re.M), r.describe()
    assert "uvtest: iopart wrote I/O port 0x80" in said(r, "iopart")
    assert not re.search(r"^part: partition iopart: .*forbidden I/O port", r.com1, re.M)
    # and no view may have the ports that power the machine off (QEMU's PIIX4 PM1 control)
    assert "enforce: I/O ports 0x604-0x605 kept: the firmware's power management, reset or SMI" \
        in r.lines("com2")
    assert re.search(r"^part: partition crash-stop: vcpu 0: forbidden I/O port: .* addr=0x80 ",
                     r.com1, re.M)


def test_hostile_command_client(tmp_path):
    """A client writing garbage over the command channel: the ultravisor lays the channel out
    afresh and goes on; the partitions it runs are unharmed."""
    r = run_qemu(tmp_path, "uv-hostile", 8000,
                 lambda t: t.replace('cmdline: "role=client"', 'cmdline: "role=hostile"'))
    lines = r.lines()
    start = lines.index("[command] uvtest: hostile attached, writing garbage")
    assert not re.search(r"^part: partition ultravisor: (crashed|exited)", r.com1, re.M)
    corrupt = [l for l in said(r, "ultravisor") if "command channel control-ultravisor: corrupt" in l]
    assert len(corrupt) == 1, r.describe()  # said once, then the channel stays closed
    # it goes on doing its work: the crashing guest is restarted after the garbage began
    assert any("ultravisor: crash-restart: running -> created" in l for l in lines[start:])
    beats = [l for l in said(r, "beat") if l.startswith("uvtest: beat beat ")]
    assert len(beats) >= 20, r.describe()


@pytest.mark.parametrize("model", ["corei7_skylake_x", "ryzen"], ids=["vmx", "svm-ryzen"])
def test_ultravisor_under_bochs(tmp_path, model):
    """The same machine on Bochs, 2 CPUs: the VMX backend (EPT, VPID: the self-move's EPT
    switch, vCPUs started and retired at run time) and Bochs' stricter SVM."""
    b = blob(tmp_path, "uv-small")
    mods = [(b, f"{b.name} config"), (UVTEST, f"{UVTEST.name} uvtest")]
    iso = bhrun.iso_for("test=run limit=40000", bios_only=True, modules=mods)
    r = bhrun.Bochs(model=model, cpus=2, iso=iso, timeout=150).run(f"uv-bochs-{model}")
    out = said(r, "command")
    assert re.search(r"^uv: partition ultravisor: moved into its view", r.com1, re.M), r.describe()
    assert "uvtest: command up: 16 MiB RAM, 1 vCPU(s), channels 1 2" in out, r.describe()
    assert ("uvtest: after the refusal: generation same, partitions same, resources same, "
            "beat running") in out
    cycles = [l for l in out if l.startswith("uvtest: cycle ")]
    assert len(cycles) == 3 and all(l.endswith("restart 0 running") for l in cycles), out
    assert "GUEST_DONE" in out
    assert len([l for l in said(r, "crash-restart") if " up: " in l]) == 2
    assert re.search(r"^\[ultravisor\] ultravisor: crash-restart: running -> crashed", r.com1,
                     re.M)
    assert any(l.startswith("uvtest: beat beat ") for l in said(r, "beat"))
    assert "uvtest: iopart wrote I/O port 0x80" in said(r, "iopart")  # its I/O bitmap
    assert re.search(r"^part: partition crash-restart: vcpu 0: forbidden I/O port: .* addr=0x80 ",
                     r.com1, re.M)
