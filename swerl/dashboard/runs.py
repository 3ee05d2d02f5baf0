"""Runs as the dashboard sees them: log files in `logs/` grouped by experiment, with a live/finished state.

A run is an experiment name. Its sources are `logs/<exp>.log` and every `logs/launch_*.log` whose head says
`[sync_1node_cc] exp=<exp>`; a stray `.log`/`.out` without that header is a run of its own (named by its stem).
Only `logs/` itself is read (not subdirectories), and `*_vllm.log` (throughput only) is skipped.
"""

from __future__ import annotations

import bisect
import math
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from swerl.dashboard.logparse import LogFile, extract

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

    def keys(self) -> set[str]:
        return set().union(*(f.keys for f in self.files))

    def steps(self) -> dict[int, str]:
        """Unparsed metric text per step over all sources; where both have a step, the exp log's text comes
        first, so its values win (`extract` takes the first occurrence)."""
        if len(self.files) == 1:
            return self.files[0].steps
        merged: dict[int, str] = {}
        for f in sorted(self.files, key=lambda f: f.path.name.startswith("launch_")):
            for step, raw in f.steps.items():
                merged[step] = merged.get(step, "") + raw
        return merged


def infer_state(run: Run, live: dict, now: float | None = None, closed: set[str] | None = None) -> str:
    """`running` when the live run (see `live_run`) is this one, or — unless the ledger has closed it
    (`closed`: exps whose newest row is completed/failed/interrupted) — a source was written within
    LIVE_WINDOW_S (a run of another host or checkout); else `finished`."""
    now = time.time() if now is None else now
    if live and (live["exp"] == run.name or live["files"] & {f.path.name for f in run.files}):
        return "running"
    if closed and run.name in closed:
        return "finished"
    return "running" if run.files and now - run.mtime < LIVE_WINDOW_S else "finished"


def closed_exps(root: Path) -> set[str]:
    """Experiments whose newest ledger row is final (the ledger is the record of a run's end)."""
    from swerl.run.index import IndexError_, read_index

    try:
        rows = read_index(root / "artifacts" / "index.yaml")
    except (IndexError_, OSError):
        return set()
    newest = {r.exp: r.status for r in rows if r.exp}
    return {e for e, st in newest.items() if st != "running"}


def _clean(v: float | None) -> float | None:
    return None if v is None or math.isnan(v) or math.isinf(v) else v


def _short(v: float | None) -> float | None:
    """7 significant digits: plenty for a curve, and the JSON of 10 000 steps shrinks by half."""
    return None if v is None or math.isnan(v) or math.isinf(v) else float(f"{v:.7g}")


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
        closed = closed_exps(self.root)
        rows = []
        for run in self.runs().values():
            steps = run.steps()
            last = max(steps) if steps else None
            rows.append(
                {
                    "name": run.name,
                    "state": infer_state(run, state, closed=closed),
                    "files": sorted(str(f.path.relative_to(self.root)) for f in run.files),
                    "num_steps": len(steps),
                    "last_step": last,
                    "last_score": _clean(extract(steps[last], "critic/score/mean")) if last is not None else None,
                    "mtime": run.mtime,
                    "size": run.size,
                }
            )
        rows.sort(key=lambda r: r["mtime"], reverse=True)
        return rows

    def metrics(self, name: str, keys: list[str] | None = None, since: int | None = None) -> dict | None:
        """Columnar metrics of one run: `steps`, `time` (cumulative `timing_s/step`), `series[key]` (None = absent).

        `keys` takes exact names or `prefix/*`; columns are built once per key and log version, then cached."""
        run = self.runs().get(name)
        if run is None:
            return None
        version = tuple((str(f.path), f.offset) for f in run.files)
        with self._lock:
            cols = self._columns.get(name)
            if cols is None or cols["version"] != version:
                cols = self._columns[name] = _Columns.build(run.steps(), run.keys(), version)
            wanted = cols["keys"] if keys is None else [k for k in cols["keys"] if _matches(k, keys)]
            series = {k: cols.series(k) for k in wanted}
        lo = bisect.bisect_right(cols["steps"], since) if since is not None else 0
        return {
            "run": name,
            "state": infer_state(run, live_run(self.state_file), closed=closed_exps(self.root)),
            "keys": cols["keys"],
            "steps": cols["steps"][lo:],
            "time": cols["time"][lo:],
            "series": {k: v[lo:] for k, v in series.items()},
        }


class _Columns(dict):
    """Step-ordered columns of one run version; a metric's column is extracted on first request."""

    @classmethod
    def build(cls, steps: dict[int, str], keys: set[str], version: tuple) -> _Columns:
        order = sorted(steps)
        raws = [steps[s] for s in order]
        out = cls(version=version, keys=sorted(keys), steps=order)
        out.raws, out.cache = raws, {}
        acc, t = 0.0, []
        for v in out.series("timing_s/step"):
            acc += v or 0.0
            t.append(round(acc, 3))
        out["time"] = t
        return out

    def series(self, key: str) -> list[float | None]:
        if key not in self.cache:
            self.cache[key] = [_short(extract(raw, key)) for raw in self.raws]
        return self.cache[key]
