# SPDX-License-Identifier: MIT
"""The operator console (COM1) of a running QEMU machine, through pexpect: the command
partition's CLI answers typed lines with "[command] ok" or "[command] error: ..."."""
import re
import time
import warnings

import pexpect

import bhrun

PREFIX = "[command] "
ANSWER_END = re.compile(r"\[command\] (ok|error: [^\r\n]*)\r*\n")


class Cli:
    """COM1 of a running machine: type a line, read the command partition's answer."""

    def __init__(self, child, log, com2=None):
        self.child, self.log, self.com2 = child, log, com2
        self.seen = ""  # everything read so far: a partition may print before the answer

    def wait_com2(self, text, timeout=30):
        """text in the monitor's log (COM2), where partitions without a console channel
        print once an I/O partition owns COM1."""
        end = time.monotonic() + timeout
        while text not in self.com2.read_text(errors="replace"):
            assert time.monotonic() < end, (text, self.com2)
            time.sleep(0.2)

    def wait_for(self, text, timeout=30):
        """text in the output: already read, or still to come."""
        if text in self.seen:
            return
        self.child.expect_exact(text, timeout=timeout)
        self.seen += self.child.before + text

    def wait_re(self, pattern, timeout=30, new_only=False):
        """The first match of pattern in what was read so far (unless new_only) or, failing
        that, in what is still to come."""
        m = None if new_only else re.search(pattern, self.seen)
        if m:
            return m
        self.child.expect(pattern, timeout=timeout)
        self.seen += self.child.before + self.child.after
        return self.child.match

    def run(self, line, timeout=30):
        """Type line; → (lines of the answer without prefix, the final ok/error line)."""
        self.child.sendline(line)
        echo = "> " + "".join(c if " " <= c <= "~" or c == "\t" else "?" for c in line)
        self.child.expect_exact(PREFIX + echo, timeout=timeout)
        self.seen += self.child.before + PREFIX + echo
        self.child.expect(ANSWER_END, timeout=timeout)
        self.seen += self.child.before + self.child.after
        body = [l[len(PREFIX):] for l in self.child.before.replace("\r", "").split("\n")
                if l.startswith(PREFIX)]
        return body, self.child.match.group(1)

    def ok(self, line, timeout=30):
        body, end = self.run(line, timeout)
        assert end == "ok", (line, body, end, self.log)
        return body

    def console(self, name, timeout=30):
        """`console <name>`: the operator's keyboard to that partition. A line typed while the
        command partition is down (crashed: its restart rule brings it back) is dropped by the
        console server with a note; this then warns (pytest's warnings summary names the test),
        waits for the CLI's next "ready" and types the line once more."""
        dropped = "console: command is not attached: typed line dropped"
        attached = rf"console: attached to {re.escape(name)}"
        self.child.sendline(f"console {name}")
        if self.wait_re(f"{attached}|{re.escape(dropped)}", timeout, True).group(0) != dropped:
            return
        warnings.warn(f"`console {name}` was dropped: the command partition was down "
                      f"({self.log}); typed again once it was back")
        self.wait_re(r"\[command\] ready", timeout=60, new_only=True)
        self.child.sendline(f"console {name}")
        self.wait_re(attached, timeout, new_only=True)

    def parts(self):
        """`list` as {name: {column: value}}."""
        rows = self.ok("list")
        head, body = rows[0].split(), [r.split() for r in rows[1:]]
        return {r[0]: dict(zip(head, r)) for r in body}


def spawn(name, iso, extra=(), smp=4, mem_mib=512):
    """QEMU (TCG, -cpu max) booting iso, COM1 on pexpect, COM2 in the test logs."""
    bhrun.LOGS.mkdir(parents=True, exist_ok=True)
    log, com2 = bhrun.LOGS / f"{name}-com1.log", bhrun.LOGS / f"{name}-com2.log"
    cmd = ["qemu-system-x86_64", "-accel", "tcg", "-cpu", "max", "-smp", str(smp),
           "-m", str(mem_mib), "-cdrom", str(iso), "-display", "none", "-no-reboot",
           "-chardev", "stdio,id=com1,signal=off", "-serial", "chardev:com1",
           "-serial", f"file:{com2}"] + bhrun.no_default_nic(extra) + list(extra)
    (bhrun.LOGS / f"{name}-cmd.txt").write_text(" ".join(map(str, cmd)) + "\n")
    child = pexpect.spawn(cmd[0], cmd[1:], encoding="utf-8", codec_errors="replace",
                          timeout=60, maxread=65536)
    child.logfile_read = open(log, "w")
    return Cli(child, log, com2)


def close(cli):
    cli.child.terminate(force=True)
    cli.child.logfile_read.close()
