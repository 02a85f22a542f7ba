# SPDX-License-Identifier: MIT
"""The ultravisor partition (issue 6, first steps): the config blob reaches it as a boot
module mapped read-only, and it builds the resource database and every partition's view
from it inside a partition. QEMU -cpu max -smp 4, SeaBIOS."""
import re

import bhrun

UV = bhrun.BUILD / "partitions" / "ultravisor.elf"
BLOB = bhrun.BUILD / "examples" / "default.bin"
EXPECTED = [("ultravisor", "ultravisor", "running", 1), ("command", "command", "created", 1),
            ("opspolicy", "opspolicy", "created", 1), ("iopart-a", "iopart", "created", 1),
            ("iopart-b", "iopart", "created", 1), ("guest-1", "guest", "created", 2),
            ("guest-2", "guest", "created", 2)]


def test_database_built_inside_the_ultravisor():
    mods = [(BLOB, f"{BLOB.name} config"),
            (UV, f"{UV.name} partition name=ultravisor cpus=0 mem=32 module=config")]
    r = bhrun.Qemu(iso=bhrun.iso_for("test=run", modules=mods), timeout=60).run("ultravisor")
    out = [l[len("[ultravisor] "):] for l in r.lines() if l.startswith("[ultravisor] ")]
    size = BLOB.stat().st_size
    assert f"ultravisor: config blob {size} bytes, read-only at 0x8000000000" in out, r.describe()
    assert re.search(r"^ultravisor: database generation 1, pool 384 MiB, \d+ MiB free$",
                     "\n".join(out), re.M)
    for name, kind, state, vcpus in EXPECTED:
        assert re.search(rf"^ultravisor: partition {name} +id \d+ {kind} +{state} +vcpus "
                         rf"{vcpus}, view: \d+ regions, generation 1$", "\n".join(out), re.M), \
            (name, out)
    assert "GUEST_DONE" in out and r.status == 0
