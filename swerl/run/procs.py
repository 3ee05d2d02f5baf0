"""The process table, read from /proc: liveness with start-time identity, elapsed time, ancestry, pattern search.

A pid alone is not an identity (pids are reused); a (pid, start ticks) pair is. Everything that signals a
process checks that pair first, so we never touch a process we did not start.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import time
from dataclasses import dataclass
from pathlib import Path

LIVE_PATTERN = r"swerl[ .]train|train_1node_cc|sync_1node_cc|main_ppo"
"""Command lines that mean "a training run is live" (SPEC "Reference: Status & State")."""


def live_pattern() -> str:
    # Test hook: tests scope the search to their own temp dir so runs of other people on the box don't count.
    return os.environ.get("SWERL_PROC_PATTERN") or LIVE_PATTERN


def _stat_fields(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (OSError, ValueError):
        return None
    # comm (field 2) may hold spaces and parens: the fields after it start past the last ')'.
    return raw[raw.rfind(")") + 2 :].split()


def this_host() -> str:
    """The name a process record carries for the host it runs on (multi-node runs share one run.json)."""
    return socket.gethostname()


def start_ticks(pid: int) -> int | None:
    """Process start time in clock ticks since boot (field 22 of /proc/<pid>/stat); None if gone."""
    f = _stat_fields(pid)
    return int(f[19]) if f else None


def is_zombie(pid: int) -> bool:
    f = _stat_fields(pid)
    return bool(f) and f[0] == "Z"


def alive(pid: int | None, ticks: int | None = None) -> bool:
    """True when `pid` runs (not a zombie) and, if `ticks` is given, is the same process we recorded."""
    if not pid or pid <= 0:
        return False
    t = start_ticks(pid)
    if t is None or is_zombie(pid):
        return False
    return ticks is None or t == ticks


def ppid(pid: int) -> int:
    """Parent pid; 0 when gone."""
    f = _stat_fields(pid)
    try:
        return int(f[1]) if f else 0
    except (IndexError, ValueError):
        return 0


def ancestors(pid: int) -> list[int]:
    """Parent, grandparent, … up to (not including) init; capped so a /proc race cannot loop."""
    chain, p = [], pid
    while p > 1 and len(chain) < 64:
        p = ppid(p)
        if p:
            chain.append(p)
    return chain


def pgid_of(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except OSError:
        return None


def _boot_time() -> float:
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith("btime "):
            return float(line.split()[1])
    return 0.0


def elapsed_s(pid: int) -> float | None:
    t = start_ticks(pid)
    if t is None:
        return None
    return max(0.0, time.time() - (_boot_time() + t / os.sysconf("SC_CLK_TCK")))


def fmt_etime(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    s = int(seconds)
    d, s = divmod(s, 86400)
    h, s = divmod(s, 3600)
    m, s = divmod(s, 60)
    return (f"{d}-" if d else "") + (f"{h:02d}:" if h or d else "") + f"{m:02d}:{s:02d}"


def comm(pid: int) -> str:
    """The short process name; "?" when gone or hidden."""
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "?"


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


@dataclass(frozen=True)
class Proc:
    pid: int
    pgid: int | None
    etime: float | None
    cmd: str


def find(pattern: str | None = None, skip_ancestors: bool = False) -> list[Proc]:
    """`pgrep -af PATTERN` without the pgrep: live processes whose command line matches (never ourselves;
    with `skip_ancestors`, never the shell/launcher chain that started us either)."""
    rx = re.compile(pattern or live_pattern())
    me, out = {os.getpid(), *(ancestors(os.getpid()) if skip_ancestors else ())}, []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in me:
            continue
        pid = int(entry.name)
        cmd = cmdline(pid)
        if cmd and rx.search(cmd) and alive(pid):
            out.append(Proc(pid, pgid_of(pid), elapsed_s(pid), cmd))
    return sorted(out, key=lambda p: p.pid)


def group_members(pgid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and pgid_of(int(entry.name)) == pgid and alive(int(entry.name)):
            out.append(int(entry.name))
    return out


def signal_group(pgid: int, sig: signal.Signals) -> bool:
    try:
        os.killpg(pgid, sig)
        return True
    except (ProcessLookupError, PermissionError):
        return False


def stop_child_group(proc, timeout: float = 15.0) -> None:
    """Stop a child started with start_new_session (a `subprocess.Popen`): SIGTERM its group, SIGKILL after
    `timeout`; a child already gone is fine."""
    import subprocess

    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)
    except ProcessLookupError:
        pass


def signal_pid(pid: int, ticks: int | None, sig: signal.Signals) -> bool:
    """Signal `pid` only if it is still the process we recorded (same start time)."""
    if not alive(pid, ticks):
        return False
    try:
        os.kill(pid, sig)
        return True
    except (ProcessLookupError, PermissionError):
        return False


def environ(pid: int) -> dict[str, str]:
    """The environment a process started with ({} when gone or not ours to read)."""
    try:
        raw = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return {}
    out = {}
    for item in raw.split(b"\0"):
        k, sep, v = item.partition(b"=")
        if sep:
            out[k.decode(errors="replace")] = v.decode(errors="replace")
    return out


def find_by_env(key: str, value: str) -> list[Proc]:
    """Live processes started with `key=value` in their environment (a launcher exports the run's output root
    to everything it starts, so helpers of a dead run are found even when no state file names them).
    Never ourselves or our ancestors."""
    me = {os.getpid(), *ancestors(os.getpid())}
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in me:
            continue
        pid = int(entry.name)
        if environ(pid).get(key) == value and alive(pid):
            out.append(Proc(pid, pgid_of(pid), elapsed_s(pid), cmdline(pid)))
    return sorted(out, key=lambda p: p.pid)
