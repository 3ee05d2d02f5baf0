"""Health advisories and the async panel of one run, computed from its step metrics — the one place the
thresholds live (the API, the static export and `swerl dashboard summary` all call `health`).

An advisory fires when the run's LATEST step with the metric crosses its threshold; it also says on how many of
the run's steps it did. Metric names come from the rollout vocabulary (`swerl.models.rollout_metrics`; a run
logged before it falls back to the legacy name).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from swerl.models import rollout_metrics as rm

ZERO_STD_WARN = 0.5
"""rollout/zero_std_fraction above this: most groups carry no GRPO signal (tasks too easy or too hard)."""
TRUNCATED_WARN = 0.25
"""response_length/clip_ratio above this: many samples hit training.max_response_length."""
MASKED_WARN = 0.2
"""rollout/masked_fraction above this: many trials never reach the loss."""
GRAD_NORM_ZERO = 0.0
"""actor/grad_norm equal to this: the update moved nothing (every advantage 0)."""
TOOL_PARSE_FAIL_WARN = 0.3
"""rollout/tool_parse_fail_rate above this: the policy's tool calls often do not parse (agents get text back)."""
IDLE_RATIO_WARN = 0.5
"""async/idle_ratio above this: the trainer waits for rollouts most of the step."""

IDLE, IDLE_RATIO = rm.TRAINER_IDLE, rm.IDLE_RATIO
STALENESS_MEAN, STALENESS_MAX, DROPPED_STALE = rm.STALENESS_MEAN, rm.STALENESS_MAX, rm.DROPPED_STALE
STEP_TIME = "timing_s/step"
GRAD_NORM = "actor/grad_norm"
CLIP_RATIO = "response_length/clip_ratio"


@dataclass(frozen=True)
class Rule:
    id: str
    metric: str
    op: Literal[">", "=="]
    threshold: float
    message: str
    """`{value}` and `{threshold}` are filled in (as percentages when `pct`)."""
    pct: bool = True

    def crosses(self, v: float) -> bool:
        return v > self.threshold if self.op == ">" else v == self.threshold


RULES = (
    Rule(
        "zero_variance_groups",
        rm.ZERO_STD_FRACTION,
        ">",
        ZERO_STD_WARN,
        "{value} of groups have zero reward variance (> {threshold}): little GRPO signal — "
        "algorithm.filter_groups, harder/easier tasks, or more trials per prompt",
    ),
    Rule(
        "truncated",
        CLIP_RATIO,
        ">",
        TRUNCATED_WARN,
        "{value} of samples truncated at max_response_length (> {threshold}) — raise "
        "training.max_response_length or lower max_turns / max_tokens_per_turn",
    ),
    Rule(
        "masked",
        rm.MASKED_FRACTION,
        ">",
        MASKED_WARN,
        "{value} of trials masked (> {threshold}) — see rollout/masked/<reason> and the trials' outcome.json",
    ),
    Rule(
        "tool_parse_failures",
        rm.TOOL_PARSE_FAIL_RATE,
        ">",
        TOOL_PARSE_FAIL_WARN,
        "{value} of attempted tool calls did not parse (> {threshold}) — check vllm.tool_call_parser against the "
        "model's chat template, or narrow harbor_agent.allowed_tools",
    ),
    Rule(
        "grad_norm_zero",
        GRAD_NORM,
        "==",
        GRAD_NORM_ZERO,
        "actor/grad_norm is {value}: the update changed nothing (all advantages 0 — zero-variance groups?)",
        pct=False,
    ),
    Rule(
        "filter_short",
        rm.FILTER_SHORT,
        "==",
        1.0,
        "dynamic sampling hit algorithm.max_num_gen_batches before train_batch_size informative groups "
        "(rollout/informative_groups) — the step trained on fewer",
        pct=False,
    ),
    Rule(
        "loop_lag",
        rm.LOOP_LAG_MS_MAX,
        ">",
        1000.0 * rm.LOOP_LAG_WARN_S,
        "the trials' event loop lagged up to {value} ms (> {threshold}): the process running them is CPU-bound and "
        "their agent/verifier deadlines fire early — more harbor_runtime.trial_processes (verl) or fewer num_workers per node",
        pct=False,
    ),
    Rule(
        "trainer_idle",
        IDLE_RATIO,
        ">",
        IDLE_RATIO_WARN,
        "the trainer idled {value} of the step waiting for rollouts (> {threshold}) — more "
        "harbor_runtime.num_workers, or fewer trials per step",
    ),
)
THRESHOLDS = {r.id: {"metric": r.metric, "op": r.op, "threshold": r.threshold} for r in RULES}
WANTED = sorted(
    {r.metric for r in RULES}
    | set(rm.LEGACY)
    | {IDLE, IDLE_RATIO, STALENESS_MEAN, STALENESS_MAX, DROPPED_STALE, STEP_TIME}
)
"""The metric columns `health` reads (ask the run index for these only)."""

_ALIAS = {new: old for old, new in rm.LEGACY.items()}


def _column(series: dict[str, list], key: str) -> list:
    col = series.get(key)
    if col is None or all(v is None for v in col):
        col = series.get(_ALIAS.get(key, ""), col)
    return col or []


def _fmt(v: float, pct: bool) -> str:
    return f"{v:.0%}" if pct else f"{v:.4g}"


def advisories(steps: list[int], series: dict[str, list]) -> list[dict]:
    out = []
    for r in RULES:
        col = _column(series, r.metric)
        seen = [(s, v) for s, v in zip(steps, col) if v is not None]
        if not seen:
            continue
        step, value = seen[-1]
        if not r.crosses(value):
            continue
        out.append(
            {
                "id": r.id,
                "level": "warning",
                "metric": r.metric,
                "op": r.op,
                "threshold": r.threshold,
                "value": value,
                "step": step,
                "steps_over": sum(r.crosses(v) for _, v in seen),
                "steps_with_metric": len(seen),
                "message": r.message.format(value=_fmt(value, r.pct), threshold=_fmt(r.threshold, r.pct)),
            }
        )
    return out


def async_panel(steps: list[int], series: dict[str, list]) -> dict | None:
    """Per step: trainer idle seconds and ratio, staleness mean/max, dropped stale samples; None for a sync run."""
    idle = _column(series, IDLE)
    if not any(v is not None for v in idle):
        return None
    step_t = _column(series, STEP_TIME) or [None] * len(steps)
    ratio = _column(series, IDLE_RATIO) or [(i / t if i is not None and t else None) for i, t in zip(idle, step_t)]
    smean, smax = _column(series, STALENESS_MEAN), _column(series, STALENESS_MAX)
    dropped = _column(series, DROPPED_STALE)

    def vals(col: list) -> list[float]:
        return [v for v in col if v is not None]

    return {
        "steps": steps,
        "trainer_idle_s": idle,
        "idle_ratio": ratio,
        "staleness_mean": smean or [None] * len(steps),
        "staleness_max": smax or [None] * len(steps),
        "dropped_stale": dropped or [None] * len(steps),
        "summary": {
            "idle_ratio_mean": sum(vals(ratio)) / len(vals(ratio)) if vals(ratio) else None,
            "trainer_idle_s_total": sum(vals(idle)),
            "staleness_mean": sum(vals(smean)) / len(vals(smean)) if vals(smean) else None,
            "staleness_max": max(vals(smax), default=None),
            "dropped_stale_total": sum(vals(dropped)),
        },
    }


def health(metrics: dict) -> dict:
    """`metrics`: a `RunIndex.metrics` answer (columnar) → advisories, thresholds, async panel."""
    steps, series = metrics.get("steps", []), metrics.get("series", {})
    return {
        "run": metrics.get("run"),
        "advisories": advisories(steps, series),
        "thresholds": THRESHOLDS,
        "async": async_panel(steps, series),
    }
