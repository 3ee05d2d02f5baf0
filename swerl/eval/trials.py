"""Evaluation trials: k samples per task through the rollout runner with the eval sampling applied per trial
(the gateway's per-trial sampling), then the report's counts. `swerl eval` and the local trainer's validation
(`training.test_freq`) both run this."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from swerl.config.paths import make_trial_id
from swerl.models.eval import EVALS_DIR, REPORT_JSON, REPORT_MD, EvalReport, TaskResult
from swerl.models.trial import TOKENS_FILE, read_token_records
from swerl.rollout.outcome import TrialOutcome
from swerl.rollout.runner import RolloutSettings, TrialJob, run_trials
from swerl.rollout.tasks import TaskRow

VAL_PASS_AT = "val/pass@{k}"
"""Validation metric names (the step records): `val/pass@1` (and `val/pass@<k>` for k = validation.samples),
`val/reward_mean`, `val/masked`; `val/score/mean` (= reward mean) is kept for runtime_info.output.final_metrics."""
VAL_REWARD_MEAN = "val/reward_mean"
VAL_MASKED = "val/masked"
VAL_SCORE_MEAN = "val/score/mean"


def eval_jobs(
    rows: list[TaskRow], samples: int, *, step: int, temperature: float, top_p: float, prefix: str
) -> list[TrialJob]:
    """`samples` trials per task, each carrying the eval sampling (the runner hands it to the gateway)."""
    return [
        TrialJob(
            trial_id=make_trial_id(step, f"{prefix}-{r.instance_id}", k),
            task=r,
            group=r.instance_id,
            agent_name=r.agent_name,
            temperature=temperature,
            top_p=top_p,
        )
        for r in rows
        for k in range(samples)
    ]


def eval_settings(rs: RolloutSettings, temperature: float, top_p: float) -> RolloutSettings:
    """The training rollout settings for eval trials: no tail-killer (a killed sample would bias pass@k) and the
    agent told the same sampling (the gateway applies it either way)."""
    import dataclasses

    return rs.model_copy(
        update={
            "agent": dataclasses.replace(rs.agent, temperature=temperature, top_p=top_p),
            "tail_kill_enabled": False,
        }
    )


async def run_eval_trials(
    rows: list[TaskRow],
    samples: int,
    rs: RolloutSettings,
    endpoint,
    *,
    temperature: float,
    top_p: float = 1.0,
    step: int = 0,
    prefix: str = "eval",
    on_done=None,
) -> list[TrialOutcome]:
    jobs = eval_jobs(rows, samples, step=step, temperature=temperature, top_p=top_p, prefix=prefix)
    return await run_trials(jobs, eval_settings(rs, temperature, top_p), endpoint, on_done, step=step)


def sampling_used(outcomes: list[TrialOutcome]) -> tuple[dict[str, list[float]], int]:
    """The distinct temperature / top_p of every model call the gateway recorded for these trials, and the
    number of calls (records written before the gateway recorded sampling have none)."""
    temps: set[float] = set()
    tops: set[float] = set()
    calls = 0
    for o in outcomes:
        try:
            recs = read_token_records(Path(o.trial_dir) / TOKENS_FILE)
        except (OSError, ValueError):
            continue
        for r in recs:
            calls += 1
            if r.temperature is not None:
                temps.add(r.temperature)
            if r.top_p is not None:
                tops.add(r.top_p)
    used = {}
    if temps:
        used["temperature"] = sorted(temps)
    if tops:
        used["top_p"] = sorted(tops)
    return used, calls


def build_report(
    outcomes: list[TrialOutcome],
    rows: list[TaskRow],
    samples: int,
    *,
    threshold: float = 1.0,
    **fields,
) -> EvalReport:
    """Per-task counts (masked trials are failures by reason, not samples) → EvalReport with pass@k."""
    by_task: dict[str, TaskResult] = {r.instance_id: TaskResult(task=r.instance_id, n=0, correct=0) for r in rows}
    failures: Counter = Counter()
    for o in outcomes:
        t = by_task.setdefault(o.task_id, TaskResult(task=o.task_id, n=0, correct=0))
        if o.masked or o.reward is None:
            t.masked += 1
            failures[o.mask_reason or "no_reward"] += 1
            continue
        t.n += 1
        t.reward_sum += float(o.reward)
        t.correct += int(float(o.reward) >= threshold)
    used, calls = sampling_used(outcomes)
    return EvalReport.build(
        list(by_task.values()),
        samples,
        failures=dict(failures),
        threshold=threshold,
        sampling_used=used,
        model_calls=calls,
        created=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        **fields,
    )


def report_dir(output_root: Path, name: str, created: str) -> Path:
    """`artifacts/evals/<YYYYmmdd-HHMMSS>_<name>/` under the output root (a second eval in the same second with
    the same name gets `-2`, …)."""
    stamp = created.replace("-", "").replace(":", "").replace("T", "-").rstrip("Z")
    safe = "".join(c if c.isalnum() or c in "._-" else "-" for c in name) or "eval"
    base = Path(output_root) / EVALS_DIR / f"{stamp}_{safe}"
    out, n = base, 1
    while out.exists():
        n += 1
        out = base.with_name(f"{base.name}-{n}")
    return out


def write_report(report: EvalReport, output_root: Path) -> Path:
    """`report.json` (the EvalReport) + `report.md` in a new eval dir → that dir."""
    d = report_dir(output_root, report.name, report.created)
    d.mkdir(parents=True)
    (d / REPORT_JSON).write_text(report.model_dump_json(indent=2) + "\n")
    (d / REPORT_MD).write_text(report.to_markdown())
    return d


def val_metrics(report: EvalReport) -> dict[str, float]:
    """The step-record metrics of a validation (names: VAL_* above)."""
    m = {VAL_PASS_AT.format(k=k): v for k, v in report.pass_at.items() if k in ("1", str(report.samples_per_task))}
    m[VAL_REWARD_MEAN] = report.reward_mean
    m[VAL_SCORE_MEAN] = report.reward_mean
    m["val-core/harbor/reward/mean@1"] = report.reward_mean
    m[VAL_MASKED] = float(sum(report.failures.values()))
    return m
