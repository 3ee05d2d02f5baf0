"""Grading checks: the gold solution must score 1.0 and doing nothing must score 0.0, on every task.

A task failing either is broken (silently all-zero — or all-one — rewards are the costliest RL bug).
At scale (`swerl tasks validate`): results are kept per task in a `ValidationStore` (JSON, keyed by instance id,
with the task's content hash), written as each task finishes; a task whose hash is unchanged and whose last check
was graded (not masked: no infra failure) is skipped on the next run. Also: pass@k over repeated trials
(`swerl rollout`).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel

from swerl.config.paths import make_trial_id
from swerl.rollout.outcome import TrialOutcome
from swerl.rollout.runner import RolloutSettings, TrialJob, run_trials
from swerl.rollout.tasks import TaskRow


class TaskCheck(BaseModel):
    task_id: str
    gold: float | None
    nop: float | None
    problem: str = ""
    gold_dir: Path | None = None
    nop_dir: Path | None = None
    masked: bool = False
    """Either trial was masked (infrastructure): not a verdict on the task, so it is re-run next time."""
    task_hash: str = ""
    checked_at: str = ""
    cached: bool = False
    """Taken from the store, not run this time."""


def task_hash(task_dir: Path) -> str:
    """Content hash of a task dir: every file's relative path and bytes (task.toml names the image, so a
    re-import onto another image changes it). Dot-files at the top (e.g. a store) are not part of the task."""
    h = hashlib.sha256()
    root = Path(task_dir)
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if not p.is_file() or rel.startswith(".") or "__pycache__" in rel:
            continue
        h.update(rel.encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def store_path(target: Path) -> Path:
    """Where `swerl tasks validate TARGET` keeps its results: `<dir>/.swerl-validated.json` for a task dir or
    set, `<index>.validated.json` next to a parquet index; a split of either (`tasks/easy:heldout`) shares its
    store."""
    from swerl.models.task_split import parse_spec

    target = parse_spec(target)[0]
    return target / ".swerl-validated.json" if target.is_dir() else target.with_name(target.name + ".validated.json")


class ValidationStore:
    """{instance_id: TaskCheck} in one JSON file; `record` rewrites it atomically (thread-safe), so an
    interrupted run loses at most the tasks in flight."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self.checks: dict[str, TaskCheck] = {}
        if self.path.is_file():
            try:
                raw = json.loads(self.path.read_text())
                self.checks = {k: TaskCheck.model_validate(v) for k, v in raw.get("tasks", {}).items()}
            except (ValueError, TypeError, AttributeError) as exc:
                raise ValueError(
                    f"validation store {self.path} is unreadable ({exc}) — delete it (results are re-made) or pass --force"
                ) from None

    def done(self, row: TaskRow, digest: str) -> TaskCheck | None:
        """The stored check when it still holds: same task hash, graded (not masked)."""
        c = self.checks.get(row.instance_id)
        if c is None or c.task_hash != digest or c.masked:
            return None
        return c.model_copy(update={"cached": True})

    def record(self, check: TaskCheck) -> None:
        with self._lock:
            self.checks[check.task_id] = check.model_copy(update={"cached": False})
            data = {"version": 1, "tasks": {k: v.model_dump(mode="json") for k, v in sorted(self.checks.items())}}
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(data, indent=1))
            tmp.replace(self.path)


def plan(rows: list[TaskRow], store: ValidationStore | None, force: bool = False):
    """(rows to run with their hashes, checks reused from the store)."""
    todo: list[tuple[TaskRow, str]] = []
    cached: list[TaskCheck] = []
    for r in rows:
        digest = task_hash(r.task_path)
        hit = None if force or store is None else store.done(r, digest)
        if hit is None:
            todo.append((r, digest))
        else:
            cached.append(hit)
    return todo, cached


def _problem(gold: TrialOutcome, nop: TrialOutcome) -> str:
    out = []
    if gold.masked:
        out.append(f"gold masked ({gold.mask_reason}: {gold.error[:120]})")
    elif gold.reward != 1.0:
        out.append(f"gold scored {gold.reward} (want 1.0)")
    if nop.masked:
        out.append(f"no-op masked ({nop.mask_reason}: {nop.error[:120]})")
    elif nop.reward != 0.0:
        out.append(f"no-op scored {nop.reward} (want 0.0)")
    return "; ".join(out)


def _check(r: TaskRow, g: TrialOutcome, n: TrialOutcome, digest: str) -> TaskCheck:
    return TaskCheck(
        task_id=r.instance_id,
        gold=g.reward,
        nop=n.reward,
        problem=_problem(g, n),
        gold_dir=g.trial_dir,
        nop_dir=n.trial_dir,
        masked=g.masked or n.masked,
        task_hash=digest,
        checked_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    )


async def validate_tasks(
    rows: list[TaskRow],
    settings: RolloutSettings,
    on_done=None,
    *,
    hashes: list[str] | None = None,
    on_check: Callable[[TaskCheck], None] | None = None,
) -> list[TaskCheck]:
    """Gold + no-op trial per row (`settings.num_workers` at a time); `on_check` gets each task's check as soon
    as both of its trials are done (the store records it there)."""
    digests = hashes if hashes is not None else [task_hash(r.task_path) for r in rows]
    jobs = [
        TrialJob(
            trial_id=make_trial_id(0, f"validate-{r.instance_id}", k), task=r, group=r.instance_id, agent_name=agent
        )
        for r in rows
        for k, agent in enumerate(("oracle", "nop"))
    ]
    where = {j.trial_id: (i // 2, i % 2) for i, j in enumerate(jobs)}
    halves: dict[int, dict[int, TrialOutcome]] = defaultdict(dict)

    def done(o: TrialOutcome, i: int, n: int) -> None:
        if on_done:
            on_done(o, i, n)
        # a retried trial reports under `<id>-rN`
        base = o.trial_id if o.trial_id in where else o.trial_id.rsplit("-r", 1)[0]
        if on_check is None or base not in where:
            return
        t, half = where[base]
        halves[t][half] = o
        if len(halves[t]) == 2:
            on_check(_check(rows[t], halves[t][0], halves[t][1], digests[t]))

    settings = settings.model_copy(update={"tail_kill_enabled": False})
    outs = await run_trials(jobs, settings, on_done=done)
    return [_check(r, outs[2 * i], outs[2 * i + 1], digests[i]) for i, r in enumerate(rows)]


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k (Chen et al. 2021) from n samples with c correct."""
    if n - c < k:
        return 1.0
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


def pass_table(outcomes: list[TrialOutcome], ks: list[int]) -> list[dict]:
    by_task: dict[str, list[TrialOutcome]] = defaultdict(list)
    for o in outcomes:
        by_task[o.task_id].append(o)
    rows = []
    for task, outs in sorted(by_task.items()):
        graded = [o for o in outs if not o.masked]
        c = sum(1 for o in graded if (o.reward or 0) >= 1.0)
        row = {
            "task": task,
            "n": len(graded),
            "masked": len(outs) - len(graded),
            "correct": c,
            "mean_reward": sum(o.reward or 0 for o in graded) / len(graded) if graded else float("nan"),
        }
        for k in ks:
            row[f"pass@{k}"] = pass_at_k(len(graded), c, k) if len(graded) >= k else float("nan")
        rows.append(row)
    return rows
