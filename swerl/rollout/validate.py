"""Grading checks: the gold solution must score 1.0 and doing nothing must score 0.0, on every task.

A task failing either is broken (silently all-zero — or all-one — rewards are the costliest RL bug).
Also: pass@k over repeated trials (`swerl rollout`).
"""

from __future__ import annotations

import math
from collections import defaultdict
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


async def validate_tasks(rows: list[TaskRow], settings: RolloutSettings, on_done=None) -> list[TaskCheck]:
    jobs = [
        TrialJob(
            trial_id=make_trial_id(0, f"validate-{r.instance_id}", k), task=r, group=r.instance_id, agent_name=agent
        )
        for r in rows
        for k, agent in enumerate(("oracle", "nop"))
    ]
    settings = settings.model_copy(update={"tail_kill_enabled": False})
    outs = await run_trials(jobs, settings, on_done=on_done)
    checks = []
    for i, r in enumerate(rows):
        g, n = outs[2 * i], outs[2 * i + 1]
        checks.append(
            TaskCheck(
                task_id=r.instance_id,
                gold=g.reward,
                nop=n.reward,
                problem=_problem(g, n),
                gold_dir=g.trial_dir,
                nop_dir=n.trial_dir,
            )
        )
    return checks


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
