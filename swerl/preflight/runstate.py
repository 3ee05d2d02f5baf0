"""Is a swerl run live? `.swerl/run.json` (written by the launcher / `swerl train`: pid, pgid, started_at, …)
plus the process table (`pgrep -af 'swerl train|train_1node_cc'`) — no stale flags: a dead pid is no run."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from swerl.preflight import procs
from swerl.preflight.context import Context

PATTERNS = ("swerl train", "train_1node_cc", "swerl.train", "main_ppo")


@dataclass
class LiveRun:
    pids: list[tuple[int, str]] = field(default_factory=list)
    """(pid, cmdline) of the run's processes found in the process table."""
    state: dict = field(default_factory=dict)
    """run.json contents when its pid is alive."""

    @property
    def running(self) -> bool:
        return bool(self.pids or self.state)

    @property
    def root_pid(self) -> int | None:
        if self.state.get("pid"):
            return int(self.state["pid"])
        return self.pids[0][0] if self.pids else None


def read_state(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def live_run(ctx: Context) -> LiveRun:
    run = LiveRun(pids=procs.find_processes(PATTERNS))
    state = read_state(ctx.paths.run_state_file)
    pid = state.get("pid")
    if isinstance(pid, int) and procs.alive(pid):
        run.state = state
    return run


def _group_members(pgid: int) -> set[int]:
    out = set()
    for d in procs.PROC.iterdir():
        if d.name.isdigit():
            try:
                if os.getpgid(int(d.name)) == pgid:
                    out.add(int(d.name))
            except OSError:
                continue
    return out


def live_run_pids(ctx: Context) -> set[int]:
    """Pids that belong to the live run: run.json's pid and process group, plus matching processes."""
    run = live_run(ctx)
    pids = {p for p, _ in run.pids}
    if run.state:
        pids.add(int(run.state["pid"]))
        if isinstance(run.state.get("pgid"), int):
            pids |= _group_members(run.state["pgid"])
    return pids


def stale_state(ctx: Context) -> Path | None:
    """run.json of a run whose pid is dead (residue for `swerl clean`)."""
    f = ctx.paths.run_state_file
    if not f.exists():
        return None
    pid = read_state(f).get("pid")
    return f if not (isinstance(pid, int) and procs.alive(pid)) else None
