# SPDX-License-Identifier: MIT
"""A short, bounded libFuzzer pass over every parser of untrusted input (make test).
`make fuzz` runs the same harnesses for FUZZ_SECONDS each."""
import subprocess

import pytest

import bhrun

HARNESSES = ["config", "virtq"]


@pytest.mark.parametrize("name", HARNESSES)
def test_fuzz_smoke(name, tmp_path):
    harness = bhrun.BUILD / "fuzz" / f"fuzz_{name}"
    corpus = bhrun.ROOT / "tests" / "fuzz" / "corpus" / name
    r = subprocess.run([str(harness), "-runs=20000", "-seed=1",
                        f"-artifact_prefix={tmp_path}/", str(tmp_path), str(corpus)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "Done 20000 runs" in r.stderr
