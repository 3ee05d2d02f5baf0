"""Runs as the dashboard sees them: log files in `logs/` grouped by experiment, with a live/finished state.

A run is an experiment name. Its sources are `logs/<exp>.log` and every `logs/launch_*.log` whose head says
`[sync_1node_cc] exp=<exp>`; a stray `.log`/`.out` without that header is a run of its own (named by its stem).
Only `logs/` itself is read (not subdirectories), and `*_vllm.log` (throughput only) is skipped.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from swerl.dashboard.logparse import LogFile

LIVE_WINDOW_S = 120.0
"""A log written to within this many seconds counts as live even without a run state file (another host)."""


def live_run(state_file: Path) -> dict:
    """Names of the run `.swerl/run.json` records, when its launcher or trainer is alive ({} otherwise).

    Liveness is the run layer's (pid + process start time, so a reused pid does not count)."""
    from swerl.run.state import read_state

    st = read_state(state_file)
    if st is None or not st.live():
        return {}
    return {"exp": st.exp, "files": {Path(p).name for p in (st.launch_log, st.exp_log) if p}}


@dataclass
class Run:
    name: str
    files: list[LogFile] = field(default_factory=list)

    @property
    def mtime(self) -> float:
        return max((f.mtime for f in self.files), default=0.0)

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files)

    def steps(self) -> dict[int, dict[str, float]]:
        """Metrics per step over all sources (launch log first, the exp log's values win)."""
        if len(self.files) == 1:
            return self.files[0].steps
        merged: dict[int, dict[str, float]] = {}
        for f in sorted(self.files, key=lambda f: not f.path.name.startswith("launch_")):
            for step, metrics in f.steps.items():
                merged.setdefault(step, {}).update(metrics)
        return merged


def infer_state(run: Run, live: dict, now: float | None = None) -> str:
    """`running` when the live run (see `live_run`) is this one, or a source was written within LIVE_WINDOW_S
    (a run of another host or checkout); else `finished`. No stale flag: a crashed run simply stops being live."""
    now = time.time() if now is None else now
    if live and (live["exp"] == run.name or live["files"] & {f.path.name for f in run.files}):
        return "running"
    return "running" if run.files and now - run.mtime < LIVE_WINDOW_S else "finished"


def _clean(v: float | None) -> float | None:
    return None if v is None or math.isnan(v) or math.isinf(v) else v


def _matches(key: str, patterns: list[str]) -> bool:
    """Exact names, or `prefix/*` for a whole family (`timing_s/*`)."""
    return any(key == p or (p.endswith("*") and key.startswith(p[:-1])) for p in patterns)


class RunIndex:
    """All runs under `root`, refreshed incrementally (thread-safe; the server shares one)."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._files: dict[Path, LogFile] = {}
        self._lock = threading.Lock()
        self._columns: dict[str, tuple[tuple, dict]] = {}

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    @property
    def state_file(self) -> Path:
        return self.root / ".swerl" / "run.json"

    def _scan(self) -> None:
        seen: set[Path] = set()
        if self.logs_dir.is_dir():
            for p in self.logs_dir.iterdir():
                if p.suffix not in (".log", ".out") or p.name.endswith("_vllm.log") or not p.is_file():
                    continue
                seen.add(p)
                lf = self._files.setdefault(p, LogFile(p))
                lf.refresh()
        for gone in set(self._files) - seen:
            del self._files[gone]

    def runs(self) -> dict[str, Run]:
        with self._lock:
            self._scan()
            out: dict[str, Run] = {}
            for lf in self._files.values():
                name = lf.exp or lf.path.stem
                out.setdefault(name, Run(name)).files.append(lf)
            return out

    def summaries(self) -> list[dict]:
        state = live_run(self.state_file)
        rows = []
        for run in self.runs().values():
            steps = run.steps()
            last = max(steps) if steps else None
            rows.append(
                {
                    "name": run.name,
                    "state": infer_state(run, state),
                    "files": sorted(str(f.path.relative_to(self.root)) for f in run.files),
                    "num_steps": len(steps),
                    "last_step": last,
                    "last_score": _clean(steps[last].get("critic/score/mean")) if last is not None else None,
                    "mtime": run.mtime,
                    "size": run.size,
                }
            )
        rows.sort(key=lambda r: r["mtime"], reverse=True)
        return rows

    def metrics(self, name: str, keys: list[str] | None = None, since: int | None = None) -> dict | None:
        """Columnar metrics of one run: `steps`, `time` (cumulative `timing_s/step`), `series[key]` (None = absent)."""
        run = self.runs().get(name)
        if run is None:
            return None
        version = tuple((str(f.path), f.offset) for f in run.files)
        with self._lock:
            cached = self._columns.get(name)
            if cached is None or cached[0] != version:
                cached = (version, self._build_columns(run.steps()))
                self._columns[name] = cached
        cols = cached[1]
        lo = 0
        if since is not None:
            import bisect

            lo = bisect.bisect_right(cols["steps"], since)
        wanted = cols["keys"] if keys is None else [k for k in cols["keys"] if _matches(k, keys)]
        return {
            "run": name,
            "state": infer_state(run, live_run(self.state_file)),
            "keys": cols["keys"],
            "steps": cols["steps"][lo:],
            "time": cols["time"][lo:],
            "series": {k: cols["series"][k][lo:] for k in wanted},
        }

    @staticmethod
    def _build_columns(steps: dict[int, dict[str, float]]) -> dict:
        order = sorted(steps)
        keys: dict[str, None] = {}
        for s in order:
            keys.update(dict.fromkeys(steps[s]))
        series = {k: [_clean(steps[s].get(k)) for s in order] for k in keys}
        t, acc = [], 0.0
        for v in series.get("timing_s/step", [None] * len(order)):
            acc += v or 0.0
            t.append(round(acc, 3))
        return {"keys": sorted(keys), "steps": order, "time": t, "series": series}
