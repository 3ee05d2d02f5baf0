"""Read-only process facts from /proc: who listens on a port, a pid's name, age and ancestors.

Parsing /proc (not `ss -p`) keeps this dependency-free and exact: a LISTEN socket's inode is matched
against every process's fd table.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

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


def pid_info(pid: int) -> tuple[str, str]:
    """(comm, cmdline) of a pid; ("?", "") when it is gone or hidden."""
    try:
        comm = (PROC / str(pid) / "comm").read_text().strip()
        cmd = (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        return comm, cmd
    except OSError:
        return "?", ""


def port_owner(port: int) -> Owner | None:
    """Who listens on TCP `port` (any address), or None when nothing does."""
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
                    comm, cmd = pid_info(int(d.name))
                    return Owner(int(d.name), comm, cmd)
            except OSError:
                continue
    return Owner(None, "?", "")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return (PROC / str(pid)).exists() and _state(pid) != "Z"


def _state(pid: int) -> str:
    try:
        stat = (PROC / str(pid) / "stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return "?"


def ppid(pid: int) -> int:
    try:
        return int((PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def ancestors(pid: int) -> list[int]:
    chain, p = [], pid
    while p > 1 and len(chain) < 64:
        p = ppid(p)
        if p:
            chain.append(p)
    return chain


def age_seconds(pid: int) -> float | None:
    """Seconds since the process started (from /proc/<pid>/stat start time and the boot clock)."""
    try:
        start_ticks = int((PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime = float((PROC / "uptime").read_text().split()[0])
        return max(0.0, uptime - start_ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, IndexError, ValueError):
        return None


def etime(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    s = int(seconds)
    d, s = divmod(s, 86400)
    h, s = divmod(s, 3600)
    m, s = divmod(s, 60)
    return (f"{d}-" if d else "") + (f"{h:02d}:" if h or d else "") + f"{m:02d}:{s:02d}"


def find_processes(patterns: tuple[str, ...]) -> list[tuple[int, str]]:
    """(pid, cmdline) of processes whose cmdline contains any pattern (like `pgrep -af`), minus ourselves."""
    me = {os.getpid(), *ancestors(os.getpid())}
    found = []
    for d in PROC.iterdir():
        if not d.name.isdigit() or int(d.name) in me:
            continue
        _, cmd = pid_info(int(d.name))
        if cmd and any(p in cmd for p in patterns):
            found.append((int(d.name), cmd))
    return sorted(found)


