"""Is a swerl run live? — preflight's view over `swerl.run`: `.swerl/run.json` read and judged by
`swerl.run.state`/`swerl.run.live` (pid + start time), plus the process table via `swerl.run.procs`
(`pgrep -af 'swerl train|train_1node_cc'`) — no stale flags: a dead pid is no run."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from swerl.preflight.context import Context
from swerl.run import procs
from swerl.run.live import live_state
from swerl.run.state import RunState, read_state


def find_processes(pattern: str | None = None) -> list[tuple[int, str]]:
    """(pid, cmdline) of training processes (swerl.run.procs.LIVE_PATTERN — the one list), minus ourselves
    and our ancestors."""
    return [(p.pid, p.cmd) for p in procs.find(pattern, skip_ancestors=True)]


@dataclass
class LiveRun:
    pids: list[tuple[int, str]] = field(default_factory=list)
    """(pid, cmdline) of the run's processes found in the process table."""
    state: RunState | None = None
    """run.json when its launcher or trainer is alive."""

    @property
    def running(self) -> bool:
        return bool(self.pids or self.state)

    @property
    def root_pid(self) -> int | None:
        if self.state:
            return self.state.pid
        return self.pids[0][0] if self.pids else None


def live_run(ctx: Context) -> LiveRun:
    return LiveRun(pids=find_processes(), state=live_state(read_state(ctx.paths.run_state_file)))


def live_run_pids(ctx: Context) -> set[int]:
    """Pids that belong to the live run: run.json's pid and process group, plus matching processes."""
    run = live_run(ctx)
    pids = {p for p, _ in run.pids}
    if run.state:
        pids.add(run.state.pid)
        if run.state.pgid:
            pids |= set(procs.group_members(run.state.pgid))
    return pids


def stale_state(ctx: Context) -> Path | None:
    """run.json of a run whose processes are dead (residue for `swerl clean`)."""
    f = ctx.paths.run_state_file
    if not f.exists():
        return None
    return f if live_state(read_state(f)) is None else None
