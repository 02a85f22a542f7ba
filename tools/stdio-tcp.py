#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""stdio-tcp.py HOST PORT - relay stdin and stdout to a TCP connection, until both ends are
done. QEMU's user network runs it for each connection a guest opens to a guestfwd address
(`guestfwd=tcp:10.0.2.100:80-cmd:tools/stdio-tcp.py 127.0.0.1 8000`): a `tcp:` target there
is one chardev, connected once, so a second connection of the guest would find it gone."""
import os
import socket
import sys
import threading


def main():
    sock = socket.create_connection((sys.argv[1], int(sys.argv[2])))

    def upstream():
        while data := os.read(0, 65536):
            sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)

    threading.Thread(target=upstream, daemon=True).start()
    while data := sock.recv(65536):
        os.write(1, data)


if __name__ == "__main__":
    main()
