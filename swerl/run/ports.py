"""Who listens on a TCP port, read from /proc (not `ss -p`): dependency-free and exact — a LISTEN
socket's inode is matched against every process's fd table."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from swerl.run import procs

PROC = Path("/proc")
_LISTEN = "0A"


@dataclass(frozen=True)
class Owner:
    pid: int | None
    comm: str
    cmdline: str

    def describe(self) -> str:
        if self.pid is None:
            return "an unknown process (another user, container or namespace)"
        return f"{self.comm} pid {self.pid}"


def _listen_inodes(port: int) -> set[str]:
    inodes: set[str] = set()
    for table in ("tcp", "tcp6"):
        try:
            rows = (PROC / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            f = row.split()
            if len(f) > 9 and f[3] == _LISTEN and int(f[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(f[9])
    return inodes


def port_owner(port: int) -> Owner | None:
    """Who listens on TCP `port` (any address), or None when nothing does; pid None when the socket's
    owner is not visible from here."""
    inodes = _listen_inodes(port)
    if not inodes:
        return None
    targets = {f"socket:[{i}]" for i in inodes}
    for d in PROC.iterdir():
        if not d.name.isdigit():
            continue
        try:
            fds = os.listdir(d / "fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(d / "fd" / fd) in targets:
                    pid = int(d.name)
                    return Owner(pid, procs.comm(pid), procs.cmdline(pid))
            except OSError:
                continue
    return Owner(None, "?", "")
