"""`swerl stop`: SIGINT to our run (start.sh forwards it to the trainer), wait, then SIGTERM, then SIGKILL.

Only processes recorded in .swerl/run.json whose start time still matches are signalled. The run ends up
archived as `interrupted` — by the launcher (swerl.run.supervise, in `finally`), or here when it had to be killed.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from dataclasses import dataclass

from swerl.run import archive, procs
from swerl.run.index import IndexRow, read_index
from swerl.config.paths import RunPaths
from swerl.run.state import RunState, read_state


@dataclass
class StopResult:
    stopped: bool
    escalated: str
    """"" (SIGINT sufficed) | "TERM" | "KILL"."""
    row: IndexRow | None
    message: str


def _wait_gone(st: RunState, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not st.live():
            return True
        time.sleep(0.25)
    return not st.live()


def _signal_run(st: RunState, sig: signal.Signals, groups: bool) -> None:
    if st.launcher_alive():
        procs.signal_pid(st.pid, st.pid_start, sig)
        if groups and st.pgid == st.pid:  # our own session (background launch): the whole group is ours
            procs.signal_group(st.pgid, sig)
    if st.trainer_alive() and (groups or not st.launcher_alive()):
        if st.train_pgid == st.train_pid:
            procs.signal_group(st.train_pgid, sig)
        else:
            procs.signal_pid(st.train_pid, st.train_pid_start, sig)


def stop(
    paths: RunPaths, config: str, timeout: float = 120.0, term_timeout: float = 15.0, log: Callable[[str], None] = print
) -> StopResult:
    st = read_state(paths.run_state_file)
    if not st or not st.live():
        return StopResult(False, "", None, "no run of ours is live (nothing recorded in .swerl/run.json is running)")
    log(f"SIGINT → start.sh pid {st.pid} (forwards to the trainer); waiting up to {timeout:.0f}s")
    # Only the launcher first: it forwards INT to the trainer's group once (a double INT would cut cleanup short).
    _signal_run(st, signal.SIGINT, groups=False)
    escalated = ""
    if not _wait_gone(st, timeout):
        escalated = "TERM"
        log(f"still running after {timeout:.0f}s — SIGTERM to our process groups")
        _signal_run(st, signal.SIGTERM, groups=True)
        if not _wait_gone(st, term_timeout):
            escalated = "KILL"
            log(f"still running after {term_timeout:.0f}s more — SIGKILL")
            _signal_run(st, signal.SIGKILL, groups=True)
            _wait_gone(st, 5)
    for p in st.local_procs():  # helpers the run registered (proxy, gateway) that outlived it
        procs.signal_pid(p.pid, p.start, signal.SIGTERM)
    if note := st.remote_note():
        log(note)
    row = None
    if st.run_id:
        rows = {r.id: r for r in read_index(paths.index_file)}
        row = rows.get(st.run_id)
        if row and row.status == "running":  # the launcher never archived it (killed): archive it here
            row = archive.finish(
                config,
                st.run_id,
                128 + signal.SIGINT,
                "INT",
                notes=f"exp={st.exp} interrupted by swerl stop (launcher needed SIG{escalated or 'INT'})",
            )
    return StopResult(not st.live(), escalated, row, "stopped" if not st.live() else "could not stop every process")
