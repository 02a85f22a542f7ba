#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""mkinitramfs.py - write a directory tree as a newc cpio archive (an initramfs), gzipped
when OUT ends in .gz.

  tools/mkinitramfs.py ROOT OUT [--node PATH:c|b:MAJOR:MINOR[:MODE]]...

Deterministic: entries sorted by path (a directory before its contents), mtime 0, uid and
gid 0, inode numbers in that order, gzip header without name or time. Modes are normalized:
directories 0755, files 0755 when the owner may execute them else 0644, symlinks 0777.
--node adds a device node (e.g. dev/console:c:5:1) that the tree cannot hold without root;
its missing parent directories are added. Hard links are stored as separate files.
The format is the kernel's Documentation/driver-api/early-userspace/buffer-format.rst:
"070701", then 13 fields of 8 hex digits, the NUL-terminated name, padding to 4 bytes,
the data, padding to 4 bytes; "TRAILER!!!" ends the archive.
"""
import gzip
import os
import stat
import sys

S_DIR, S_REG, S_LNK = stat.S_IFDIR, stat.S_IFREG, stat.S_IFLNK


def usage():
    sys.exit("usage: mkinitramfs.py ROOT OUT [--node PATH:c|b:MAJOR:MINOR[:MODE]]...")


def pad4(n):
    return b"\0" * (-n % 4)


def entry(ino, name, mode, data=b"", rdev=(0, 0)):
    """One newc record: header, name, padding, data, padding."""
    nameb = name.encode() + b"\0"
    fields = (ino, mode, 0, 0, 2 if stat.S_ISDIR(mode) else 1, 0, len(data),
              0, 0, rdev[0], rdev[1], len(nameb), 0)
    hdr = b"070701" + b"".join(b"%08x" % f for f in fields)
    return hdr + nameb + pad4(len(hdr) + len(nameb)) + data + pad4(len(data))


def scan(root):
    """{archive path: (mode, data, rdev)} for every file, directory and symlink under root."""
    items = {}
    for top, dirs, files in os.walk(root):
        for n in dirs + files:
            path = os.path.join(top, n)
            rel = os.path.relpath(path, root)
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                items[rel] = (S_LNK | 0o777, os.readlink(path).encode(), (0, 0))
            elif stat.S_ISDIR(st.st_mode):
                items[rel] = (S_DIR | 0o755, b"", (0, 0))
            elif stat.S_ISREG(st.st_mode):
                perm = 0o755 if st.st_mode & stat.S_IXUSR else 0o644
                with open(path, "rb") as f:
                    items[rel] = (S_REG | perm, f.read(), (0, 0))
            else:
                sys.exit(f"mkinitramfs: {path}: not a file, directory or symlink (use --node)")
    return items


def add_node(items, spec):
    """PATH:c|b:MAJOR:MINOR[:MODE] -> a device node, plus its missing parent directories."""
    parts = spec.split(":")
    if len(parts) not in (4, 5) or parts[1] not in ("c", "b"):
        sys.exit(f"mkinitramfs: bad --node {spec!r}: want PATH:c|b:MAJOR:MINOR[:MODE]")
    path = os.path.normpath(parts[0].lstrip("/"))
    kind = stat.S_IFCHR if parts[1] == "c" else stat.S_IFBLK
    perm = int(parts[4], 8) if len(parts) == 5 else 0o600
    items[path] = (kind | perm, b"", (int(parts[2]), int(parts[3])))
    parent = os.path.dirname(path)
    while parent:
        items.setdefault(parent, (S_DIR | 0o755, b"", (0, 0)))
        parent = os.path.dirname(parent)


def archive(items):
    out = [entry(1, ".", S_DIR | 0o755)]
    for ino, name in enumerate(sorted(items), start=2):
        mode, data, rdev = items[name]
        out.append(entry(ino, name, mode, data, rdev))
    out.append(entry(0, "TRAILER!!!", 0))
    return b"".join(out)


def main(argv):
    args, nodes = [], []
    while argv:
        a = argv.pop(0)
        if a == "--node" and argv:
            nodes.append(argv.pop(0))
        elif a.startswith("-"):
            usage()
        else:
            args.append(a)
    if len(args) != 2 or not os.path.isdir(args[0]):
        usage()
    root, out = args
    items = scan(root)
    for spec in nodes:
        add_node(items, spec)
    data = archive(items)
    if out.endswith(".gz"):
        data = gzip.compress(data, compresslevel=9, mtime=0)
    tmp = out + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, out)  # a reader never sees half an archive


if __name__ == "__main__":
    main(sys.argv[1:])
