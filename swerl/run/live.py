"""Is a training run live? Ours (from .swerl/run.json, pid + start time) and others (the process table)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from swerl.run import procs
from swerl.run.state import RunState, read_state


@dataclass
class Liveness:
    ours: RunState | None
    """Our run, when its launcher or trainer is still alive."""
    last: RunState | None
    """The recorded run, live or not."""
    others: list[procs.Proc] = field(default_factory=list)
    """Matching processes outside our run's process groups (another checkout, another user, by hand)."""

    @property
    def any(self) -> bool:
        return bool(self.ours or self.others)


def our_groups(st: RunState | None) -> set[int]:
    if not st:
        return set()
    groups = {g for g in (st.train_pgid,) if g}
    if st.pgid and st.pgid == st.pid:  # a background launch leads its own session/group
        groups.add(st.pgid)
    return groups


def live_state(st: RunState | None) -> RunState | None:
    """The recorded run when its launcher or trainer is still alive (pid + start time), else None."""
    return st if st and st.live() else None


def check(state_file: Path) -> Liveness:
    st = read_state(state_file)
    ours = live_state(st)
    # an archived run whose launcher is still printing its closing summary is ours too, not "elsewhere"
    rec = ours or (st if st and st.finished_at else None)
    mine = our_groups(rec)
    own_pids = {p for p in ((rec.pid, rec.train_pid) if rec else ()) if p}
    others = [p for p in procs.find() if p.pgid not in mine and p.pid not in own_pids]
    return Liveness(ours, st, others)


def describe(lv: Liveness) -> list[str]:
    out = []
    if lv.ours:
        s = lv.ours
        out.append(
            f"  pids:  {s.pid} (start.sh, etime {procs.fmt_etime(procs.elapsed_s(s.pid))})"
            + (
                f", {s.train_pid} (trainer, etime {procs.fmt_etime(procs.elapsed_s(s.train_pid))})"
                if s.train_pid and s.trainer_alive()
                else ""
            )
        )
        out.append(f"  log:   {s.launch_log}" + (f"  and {s.exp_log}" if s.exp_log else ""))
    for p in lv.others:
        out.append(f"  pid {p.pid} (etime {procs.fmt_etime(p.etime)}, not launched from here): {p.cmd[:120]}")
    return out
