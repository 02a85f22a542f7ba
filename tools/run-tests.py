#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""run-tests.py - run the unit test binaries (cmocka, TAP) and the system tests (pytest),
then print a summary ending in the line `N passed, M failed[, K skipped]`.

    tools/run-tests.py [--build DIR] [UNIT_TEST_BINARY...]

Builds nothing: `make test` builds first. Exits 1 if anything failed or nothing ran.
Logs: DIR/test-logs/unit-<binary>.log and DIR/test-logs/system.xml (JUnit).
Extra pytest options can be given in PYTEST_ADDOPTS (e.g. "-k qemu-bios").
"""

import argparse
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UNIT_TIMEOUT = 300  # seconds per unit test binary
TAP_PLAN = re.compile(r"^1\.\.(\d+)")
TAP_RESULT = re.compile(r"^(not )?ok\b(?:\s+\d+)?\s*(?:-\s*)?(.*)$")


@dataclass
class Tally:
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    failures: list = field(default_factory=list)

    def add(self, other):
        self.passed += other.passed
        self.failed += other.failed
        self.skipped += other.skipped
        self.failures += other.failures

    def fail(self, what):
        self.failed += 1
        self.failures.append(what)

    def text(self):
        return f"passed {self.passed}, failed {self.failed}, skipped {self.skipped}"


def parse_tap(out: str, name: str) -> Tally:
    """Count cmocka's TAP results; a plan (1..N) with fewer results counts the rest as
    failed (the binary died mid-group)."""
    t = Tally()
    planned = reported = 0
    for line in out.splitlines():
        m = TAP_PLAN.match(line)
        if m:
            planned += int(m.group(1))
            continue
        m = TAP_RESULT.match(line)
        if not m:
            continue
        reported += 1
        desc = m.group(2)
        if re.search(r"#\s*skip", desc, re.I):
            t.skipped += 1
        elif m.group(1):
            t.fail(f"{name}: {desc}")
        else:
            t.passed += 1
    for _ in range(planned - reported):
        t.fail(f"{name}: test never reported (binary died?)")
    return t


def run_unit(binary: Path, logs: Path) -> Tally:
    env = dict(os.environ, CMOCKA_MESSAGE_OUTPUT="TAP")
    log = logs / f"unit-{binary.name}.log"
    try:
        p = subprocess.run([str(binary)], env=env, stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, errors="replace",
                           timeout=UNIT_TIMEOUT)
    except subprocess.TimeoutExpired:
        log.write_text(f"timed out after {UNIT_TIMEOUT}s\n")
        return Tally(failed=1, failures=[f"{binary.name}: timed out after {UNIT_TIMEOUT}s"])
    except OSError as e:
        log.write_text(f"{e}\n")
        return Tally(failed=1, failures=[f"{binary.name}: {e}"])
    log.write_text(p.stdout + ("\n--- stderr ---\n" + p.stderr if p.stderr else ""))
    t = parse_tap(p.stdout, binary.name)
    if p.returncode != 0 and t.failed == 0:
        t.fail(f"{binary.name}: exit status {p.returncode}, see {log}")
    elif p.returncode == 0 and t.passed + t.failed + t.skipped == 0 \
            and not TAP_PLAN.search(p.stdout):
        t.fail(f"{binary.name}: no TAP output, see {log}")
    return t


def stage_unit(binaries, logs: Path) -> Tally:
    total = Tally()
    for b in binaries:
        t = run_unit(b, logs)
        print(f"   unit {b.name}: {t.text()}", flush=True)
        total.add(t)
    return total


def junit_tally(xml: Path) -> Tally:
    t = Tally()
    for case in ET.parse(xml).getroot().iter("testcase"):
        name = f"{case.get('classname', '')}::{case.get('name', '')}"
        if case.find("failure") is not None or case.find("error") is not None:
            t.fail(name)
        elif case.find("skipped") is not None:
            t.skipped += 1
        else:
            t.passed += 1
    return t


def stage_system(logs: Path) -> Tally:
    xml = logs / "system.xml"
    xml.unlink(missing_ok=True)
    cmd = ["/usr/bin/python3", "-m", "pytest", "tests/system", "-q",
           "-p", "no:cacheprovider", "--durations=15", f"--junitxml={xml}"]
    rc = subprocess.run(cmd, cwd=ROOT, stdin=subprocess.DEVNULL).returncode
    if rc == 5:
        print("   system: pytest collected no tests")
        return Tally()
    try:
        t = junit_tally(xml)
    except (OSError, ET.ParseError) as e:
        return Tally(failed=1, failures=[f"pytest exited {rc} without a usable report: {e}"])
    if rc != 0 and t.failed == 0:
        t.fail(f"pytest exited {rc}")
    return t


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build", help="build directory (make's $(BUILD))")
    ap.add_argument("unit_tests", nargs="*", help="cmocka test binaries")
    args = ap.parse_args()

    build = Path(args.build).resolve()
    binaries = [Path(b).resolve() for b in args.unit_tests]
    logs = build / "test-logs"
    logs.mkdir(parents=True, exist_ok=True)
    os.environ["BULKHEAD_BUILD"] = str(build)
    os.environ["PYTHONDONTWRITEBYTECODE"] = "1"

    plural = "y" if len(binaries) == 1 else "ies"
    print(f"== unit tests ({len(binaries)} binar{plural})", flush=True)
    unit = stage_unit(binaries, logs)
    print("== system tests (pytest tests/system)", flush=True)
    system = stage_system(logs)

    total = Tally()
    print("== summary")
    for stage, t in (("unit tests", unit), ("system tests", system)):
        print(f"   {stage}: {t.text()}")
        total.add(t)
    for what in total.failures:
        print(f"   FAILED {what}")
    if total.passed + total.failed == 0:
        print("   nothing ran: no unit test binaries and no system tests")
    skipped = f", {total.skipped} skipped" if total.skipped else ""
    print(f"{total.passed} passed, {total.failed} failed{skipped}", flush=True)
    return 1 if total.failed or total.passed + total.failed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
