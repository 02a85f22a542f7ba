# SPDX-License-Identifier: MIT
# tests/: unit (host C, cmocka) and system (pytest under QEMU and Bochs) tests.
include tests/unit/unit.mk
