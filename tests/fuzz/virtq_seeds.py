#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Writes the committed seeds of fuzz_virtq (tests/fuzz/corpus/virtq/): queues laid out as
Linux's legacy driver lays them out, in the input format of tests/fuzz/fuzz_virtq.c. All
are valid but two, at limits: guest-moves ends by moving avail idx backwards, and
too-many-segments has one segment more than VQ_SEG_MAX.

    tests/fuzz/virtq_seeds.py [directory]   (default: tests/fuzz/corpus/virtq)
"""
import os
import struct
import sys

RAM_GPA, RAM_W = 0x10000, 0x3000
RO_GPA = RAM_GPA + RAM_W
HUGE_GPA = 1 << 32
BUF, TBL = RAM_GPA + 0x2000, RAM_GPA + 0x2800
NEXT, WRITE, INDIRECT = 1, 2, 4
EVENT_IDX, INDIRECT_DESC, QUIET, DECIDE, REVERSE, OVERPUSH = 1, 2, 4, 8, 16, 32


class Guest:
    def __init__(self, log2size, flags, ro16=0, start=0):
        self.n = 1 << log2size
        self.hdr = bytearray(24)
        self.hdr[0], self.hdr[1], self.hdr[2] = log2size, flags, ro16
        struct.pack_into("<H", self.hdr, 4, start)
        self.ram = bytearray(RAM_W + ro16 * 16)
        self.avail = 16 * self.n
        self.used = (self.avail + 6 + 2 * self.n + 4095) & ~4095
        self.idx = start

    def put(self, gpa, fmt, *v):
        struct.pack_into(fmt, self.ram, gpa - RAM_GPA, *v)

    def desc(self, i, addr, length, flags=0, nxt=0, table=None):
        base = RAM_GPA + 16 * i if table is None else table + 16 * i
        self.put(base, "<QIHH", addr, length, flags, nxt)

    def offer(self, head):
        self.put(RAM_GPA + self.avail + 4 + 2 * (self.idx % self.n), "<H", head)
        self.idx = (self.idx + 1) & 0xffff
        self.put(RAM_GPA + self.avail + 2, "<H", self.idx)

    def used_event(self, v):
        self.put(RAM_GPA + self.avail + 4 + 2 * self.n, "<H", v)

    def poke(self, k, gpa, value):
        struct.pack_into("<HH", self.hdr, 8 + 4 * k, 0x8000 | (gpa - RAM_GPA), value)

    def bytes(self):
        body = bytes(self.ram).rstrip(b"\0")
        return bytes(self.hdr) + body


def seeds():
    g = Guest(3, 0)
    g.desc(0, BUF, 64)
    g.offer(0)
    yield "simple", g

    g = Guest(4, EVENT_IDX | DECIDE, ro16=0x40)
    g.desc(0, BUF, 16, NEXT, 1)
    g.desc(1, RO_GPA, 512, NEXT, 2)
    g.desc(2, BUF + 0x100, 1, WRITE)
    g.desc(3, BUF + 0x200, 0x100, WRITE)
    g.offer(0)
    g.offer(3)
    g.used_event(1)
    g.put(RO_GPA, "<8s", b"ro bytes")
    yield "out-in-event-idx", g

    g = Guest(3, INDIRECT_DESC | DECIDE | REVERSE, ro16=0x10)
    for i, (addr, length, fl, nx) in enumerate([(BUF, 16, NEXT, 1), (RO_GPA, 32, NEXT, 2),
                                                (BUF + 0x40, 64, WRITE | NEXT, 3),
                                                (BUF + 0x80, 1, WRITE, 0)]):
        g.desc(i, addr, length, fl, nx, table=TBL)
    g.desc(0, TBL, 64, INDIRECT)
    g.desc(0, BUF + 0x400, 8, WRITE | NEXT, 1, table=TBL + 0x100)
    g.desc(1, BUF + 0x408, 8, WRITE, 0, table=TBL + 0x100)
    g.desc(1, BUF + 0x300, 8, NEXT, 2)
    g.desc(2, TBL + 0x100, 32, INDIRECT | WRITE)  # after a direct one; WRITE ignored
    g.offer(0)
    g.offer(1)
    yield "indirect", g

    g = Guest(2, EVENT_IDX | QUIET | DECIDE, start=65533)
    for i in range(4):
        g.desc(i, BUF + 0x40 * i, 0x40, WRITE)
        g.offer(i)
    g.used_event(65535)
    yield "wrap", g

    g = Guest(5, EVENT_IDX | QUIET | DECIDE)
    g.desc(0, BUF, 0x20, NEXT, 1)
    g.desc(1, BUF + 0x20, 0x20, WRITE)
    g.offer(0)
    for k in range(4):  # the guest adds chains between pops (and once goes backwards)
        g.poke(k, RAM_GPA + g.avail + 2, [2, 3, 5, 4][k])
    yield "guest-moves", g

    g = Guest(8, INDIRECT_DESC)
    for i in range(20):
        g.desc(i, BUF + 8 * i, 8, NEXT if i < 19 else 0, i + 1)
    for i in range(64):
        g.desc(i, BUF + 0x400 + 4 * i, 4, (NEXT if i < 63 else 0) | (WRITE if i >= 32 else 0),
               i + 1, table=TBL)
    g.desc(20, TBL, 64 * 16, INDIRECT)
    g.offer(0)
    g.offer(20)
    yield "long-chains", g

    for direct, name in ((1, "max-segments"), (2, "too-many-segments")):
        # the most segments there may be, 1 + 255; then one more (refused)
        g = Guest(3, INDIRECT_DESC | OVERPUSH)
        table = RAM_GPA + 0x1800  # 4080 bytes, after the used ring's page
        for i in range(255):
            g.desc(i, TBL + i, 1, NEXT if i < 254 else 0, i + 1, table=table)
        for i in range(direct):
            g.desc(i, BUF + i, 1, NEXT, i + 1)
        g.desc(direct, table, 255 * 16, INDIRECT)
        g.offer(0)
        yield name, g

    g = Guest(3, DECIDE)  # 4 GiB - 1 in all, at the edge of what a chain may hold
    g.desc(0, HUGE_GPA, 0xfffffffe, NEXT, 1)
    g.desc(1, BUF, 1, WRITE)
    g.offer(0)
    yield "four-gib", g


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/fuzz/corpus/virtq"
    os.makedirs(out, exist_ok=True)
    for name, g in seeds():
        with open(os.path.join(out, name + ".bin"), "wb") as f:
            f.write(g.bytes())


if __name__ == "__main__":
    main()
