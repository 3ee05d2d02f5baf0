"""The dashboard's JSON API as one function of (path, query), shared by the live server and the static export.

/api/config                               health + server facts
/api/runs                                 runs with state, steps, last score
/api/runs/<run>/metrics[?keys=a,b&since=N] columnar per-step metrics
/api/runs/<run>/health                    advisories (thresholds crossed at the latest step) + the async panel
/api/runs/<run>/steps                     steps that have trial dirs
/api/runs/<run>/steps/<N>/trials          trial summaries of one step
/api/runs/<run>/search?q=<task or id>     trials matching across steps
/api/trajectory?run=&step=&trial=         one trial: turns, tool calls, reward, tokens
/api/evals                                eval reports under artifacts/evals/ (`swerl eval`, validation), newest first
"""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import unquote

from swerl.dashboard import health, trials
from swerl.dashboard.runs import LIVE_WINDOW_S, RunIndex

Response = tuple[int, dict]


def _err(status: int, msg: str) -> Response:
    return status, {"error": msg}


def _safe(name: str) -> bool:
    """A run or trial name that stays one path component (no traversal out of logs/ or trials/)."""
    return bool(name) and "/" not in name and "\\" not in name and not name.startswith(".")


class Api:
    def __init__(self, root: Path):
        self.root = Path(root).resolve()
        self.index = RunIndex(self.root)

    def handle(self, path: str, query: dict[str, str]) -> Response:
        parts = [unquote(p) for p in path.strip("/").split("/")]
        if parts[:1] != ["api"]:
            return _err(404, f"unknown path {path}")
        rest = parts[1:]
        if rest == ["config"]:
            from swerl import __version__

            return 200, {
                "ok": True,
                "root": str(self.root),
                "version": __version__,
                "static": False,
                "now": time.time(),
                "live_window_s": LIVE_WINDOW_S,
            }
        if rest == ["runs"]:
            return 200, {"runs": self.index.summaries()}
        if rest == ["trajectory"]:
            return self._trajectory(query)
        if rest == ["evals"]:
            return 200, {"evals": list_evals(self.root)}
        if len(rest) >= 3 and rest[0] == "runs":
            return self._run(rest[1], rest[2:], query)
        return _err(404, f"unknown path {path}")

    def _run(self, run: str, rest: list[str], query: dict[str, str]) -> Response:
        if not _safe(run):
            return _err(400, f"bad run name {run!r}")
        if rest == ["metrics"]:
            keys = [k for k in query.get("keys", "").split(",") if k] or None
            since = query.get("since")
            if since is not None and not since.lstrip("-").isdigit():
                return _err(400, f"since={since!r} is not a step number")
            data = self.index.metrics(run, keys, int(since) if since is not None else None)
            return (200, data) if data else _err(404, f"no run named {run!r} in {self.index.logs_dir}")
        if rest == ["health"]:
            data = self.index.metrics(run, health.WANTED)
            return (200, health.health(data)) if data else _err(404, f"no run named {run!r} in {self.index.logs_dir}")
        if rest == ["steps"]:
            return 200, {"run": run, "steps": trials.list_steps(self.root, run)}
        if rest == ["search"]:
            return 200, {"run": run, "trials": trials.search_trials(self.root, run, query.get("q", ""))}
        if len(rest) == 3 and rest[0] == "steps" and rest[2] == "trials":
            if not rest[1].isdigit():
                return _err(400, f"step {rest[1]!r} is not a number")
            rows = trials.list_trials(self.root, run, int(rest[1]))
            if rows is None:
                return _err(404, f"no trials for run {run!r} step {rest[1]}")
            return 200, {"run": run, "step": int(rest[1]), "trials": rows}
        return _err(404, f"unknown run path {'/'.join(rest)}")

    def _trajectory(self, q: dict[str, str]) -> Response:
        run, step, trial = q.get("run", ""), q.get("step", ""), q.get("trial", "")
        if not (_safe(run) and step.isdigit() and _safe(trial)):
            return _err(400, "need ?run=<exp>&step=<N>&trial=<trial id>")
        data = trials.load_trajectory(self.root, run, int(step), trial)
        return (200, data) if data else _err(404, f"no trial {trial!r} at step {step} of run {run!r}")


def list_evals(root: Path) -> list[dict]:
    """Every `artifacts/evals/<dir>/report.json` (swerl.models.eval.EvalReport) as a row, newest first; an
    unreadable report is listed with its error instead of its numbers."""
    from pydantic import ValidationError

    from swerl.models.eval import EVALS_DIR, REPORT_JSON, EvalReport

    rows = []
    base = root / EVALS_DIR
    for f in sorted(base.glob(f"*/{REPORT_JSON}"), reverse=True) if base.is_dir() else []:
        row: dict = {"dir": str(f.parent.relative_to(root))}
        try:
            r = EvalReport.model_validate_json(f.read_text())
        except (OSError, ValueError, ValidationError) as exc:
            rows.append(row | {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"})
            continue
        rows.append(
            row
            | r.model_dump(
                include={"name", "model", "checkpoint", "tasks", "created", "step", "samples_per_task", "trials"}
            )
            | {"pass_at": r.pass_at, "reward_mean": r.reward_mean, "failures": r.failures, "temperature": r.temperature}
        )
    return rows
