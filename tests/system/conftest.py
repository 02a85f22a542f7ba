# SPDX-License-Identifier: MIT
"""conftest.py - the four boot platforms and a `boot(cmdline)` fixture that boots each
(platform, cmdline) pair once per session and hands every test the same result."""

from dataclasses import dataclass

import pytest

import bhrun


@dataclass(frozen=True)
class Platform:
    name: str
    emulator: str  # "qemu" or "bochs"
    vendor: str    # what the kernel must detect: "svm" or "vmx"
    cpus: int
    mem_mib: int
    timeout: int   # seconds; a boot takes a few

    def runner(self, iso):
        if self.name == "qemu-bios":
            return bhrun.Qemu(firmware="bios", cpu="max", smp=self.cpus,
                              mem_mib=self.mem_mib, iso=iso, timeout=self.timeout)
        if self.name == "qemu-uefi":
            return bhrun.Qemu(firmware="ovmf", cpu="max", smp=self.cpus,
                              mem_mib=self.mem_mib, iso=iso, timeout=self.timeout)
        model = {"bochs-vmx": "corei7_skylake_x", "bochs-svm": "ryzen"}[self.name]
        return bhrun.Bochs(model=model, cpus=self.cpus, mem_mib=self.mem_mib, iso=iso,
                           timeout=self.timeout)


PLATFORMS = [
    Platform("qemu-bios", "qemu", "svm", cpus=4, mem_mib=512, timeout=60),  # SeaBIOS, -cpu max
    Platform("qemu-uefi", "qemu", "svm", cpus=4, mem_mib=512, timeout=60),  # OVMF, -cpu max
    Platform("bochs-vmx", "bochs", "vmx", cpus=2, mem_mib=256, timeout=120),
    Platform("bochs-svm", "bochs", "svm", cpus=2, mem_mib=256, timeout=120),
]


@pytest.fixture(params=PLATFORMS, ids=[p.name for p in PLATFORMS])
def platform(request) -> Platform:
    return request.param


@pytest.fixture(scope="session")
def _boots():
    return {}


@pytest.fixture
def boot(platform, _boots):
    """boot(cmdline) -> bhrun.Result, booted at most once per session per platform."""

    def _boot(cmdline: str = "") -> bhrun.Result:
        key = (platform.name, cmdline)
        if key not in _boots:
            iso = bhrun.iso_for(cmdline, bios_only=platform.emulator == "bochs")
            name = f"{platform.name}-{bhrun.slug(cmdline)}"
            _boots[key] = platform.runner(iso).run(name)
        return _boots[key]

    return _boot
