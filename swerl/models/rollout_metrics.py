"""The rollout-metric vocabulary: every `rollout/*` step-line name, the one function that computes them from a
step's trial outcomes (both engines: the local loop and the verl node scheduler), the group rule of dynamic
sampling (zero reward variance), and the rule that merges per-node records.

Outcomes are read duck-typed (`masked`, `mask_reason`, `reward`, `group`, `duration_s`, `trial_id`, and
`trial_dir` for the tool-call parse counts of its `tokens.jsonl`, through swerl.models.trial).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

P = "rollout/"
# ---- per trial (both engines) -------------------------------------------------------------------
TRIALS = P + "trials"
"""Trials that arrived for the step (on a node scheduler: also those still running)."""
DONE = P + "done"
MASKED = P + "masked"
MASKED_FRACTION = P + "masked_fraction"
"""masked / done."""
MASKED_INFRA = P + "masked_infra"
"""Masked for a cause outside the policy (what `max_masked_fraction` counts)."""
TAIL_KILLED = P + "tail_killed"
TIMEOUT = P + "timeout"
"""Masked by a deadline: agent timeout, deadline, tail-killer."""
ERROR = P + "error"
"""Masked by an error: sandbox, verifier, proxy, a crash."""
TRIAL_S_P50 = P + "trial_s_p50"
TRIAL_S_P95 = P + "trial_s_p95"
TRIAL_S_MAX = P + "trial_s_max"
REWARD_MEAN = P + "reward_mean"
"""Mean reward of the unmasked trials."""
MASKED_REASON = P + "masked/"
"""+ `<reason>` (`:` → `_`): masked trials per reason."""
PHASE_S_P50 = P + "phase_s_p50/"
PHASE_S_P95 = P + "phase_s_p95/"
"""+ `<phase>` (sandbox, agent_setup, agent, verifier — `swerl.rollout.outcome.PHASES`): seconds the step's trials
spent in each Harbor phase; trial time minus their sum is Harbor's and swerl's own bookkeeping (uploads, claims)."""
# ---- model calls (both engines; from the trials' token records) ----------------------------------
TOOL_CALLS_ATTEMPTED = P + "tool_calls_attempted"
"""Model replies that attempted a tool call (parsed or not)."""
TOOL_PARSE_FAILED = P + "tool_parse_failed"
"""Of those, replies whose tool call could not be parsed (they went back to the agent as text)."""
TOOL_PARSE_FAIL_RATE = P + "tool_parse_fail_rate"
"""tool_parse_failed / tool_calls_attempted (0 when no reply attempted one)."""
LITELLM_MS_P50 = P + "litellm_ms_p50"
LITELLM_MS_P95 = P + "litellm_ms_p95"
"""LiteLLM's own time per model call beyond the gateway's, ms (`swerl.models.trial.litellm_overheads`): what the
proxy adds inside LiteLLM's clock (its HTTP receive, key check and response write are outside it)."""
PARTIAL = P + "partial"
"""Trials with a model call resumed across a weight update (a partial rollout: its tokens span versions)."""
# ---- per GRPO group (both engines) --------------------------------------------------------------
GROUPS = P + "groups"
"""Groups (prompts) with at least one unmasked trial."""
ZERO_STD_FRACTION = P + "zero_std_fraction"
"""Fraction of those groups whose unmasked trials (≥ 2) all got the same reward: no GRPO signal."""
SOLVE_ALL = P + "solve_all"
"""Fraction of groups where every unmasked trial solved the task (reward ≥ 1)."""
SOLVE_NONE = P + "solve_none"
"""Fraction of groups where no unmasked trial got any reward (reward ≤ 0)."""
# ---- dynamic sampling (`algorithm.filter_groups`, local engine) ---------------------------------
FILTERED_GROUPS = P + "filtered_groups"
"""Zero-variance groups dropped from the step's batch (over all generation rounds)."""
GEN_ROUNDS = P + "gen_rounds"
"""Generation rounds of the step (1 = no over-sampling)."""
INFORMATIVE_GROUPS = P + "informative_groups"
"""Groups the step trains on (≤ train_batch_size; fewer only when the round cap was hit)."""
FILTER_SHORT = P + "filter_short"
"""1 when the cap `max_num_gen_batches` stopped the rounds short of train_batch_size informative groups."""
# ---- measured by a node scheduler (verl engine) -------------------------------------------------
PEAK_CONCURRENT = P + "peak_concurrent"
WALL_S = P + "wall_s"
LOOP_LAG_MS_P50 = P + "loop_lag_ms_p50"
LOOP_LAG_MS_MAX = P + "loop_lag_ms_max"
"""How late the trials' event loop woke a 0.25 s timer while the step's trials ran, ms: past a few hundred ms the
process running the trials is CPU-bound, and every deadline inside it (agent, verifier) fires early in real work."""
STACK_RSS_GB = P + "stack_rss_gb"
"""Resident memory of the node's serving stack process (the trials' too at `trial_processes: 1`) when the step's
last trial ended."""
HOSTS_RSS_GB = P + "trial_hosts_rss_gb"
"""Resident memory of the node's trial host processes together, at the same moment (absent without hosts)."""
STACK_RSS_PEAK_GB = P + "stack_rss_peak_gb"
"""Its peak resident memory so far (ru_maxrss): a jump names the trial after which it happened (stack log)."""
LOOP_STALLS = P + "loop_stalls"
"""Times the loop was ≥ 1 s late while the step's trials ran; the stacks that held it are the step record's `stalls`."""
SCHEDULER_KEYS = (PEAK_CONCURRENT, WALL_S, LOOP_LAG_MS_P50, LOOP_LAG_MS_MAX, LOOP_STALLS)
"""What a node scheduler's stats add to the outcome metrics both engines compute."""
LOOP_LAG_WARN_S = 5.0
"""A step whose loop lagged this long names it next to a stop's cause (a deadline may have fired on the lag)."""
# ---- async training (both engines; `training.mode: async`) --------------------------------------
TRAINER_IDLE = "timing_s/trainer_idle"
"""Seconds the trainer waited for the step's samples (verl: its `timing_s/gen`)."""
IDLE_RATIO = "async/idle_ratio"
"""trainer_idle / timing_s/step."""
STALENESS_MEAN = "async/staleness_mean"
STALENESS_MAX = "async/staleness_max"
"""Weight versions between a sample's oldest token and the policy it trains (verl: its
`training/off_policy/trajectory_staleness/{mean,max}`)."""
DROPPED_STALE = "async/dropped_stale"
WEIGHT_VERSION = "async/weight_version"
VERL_ASYNC = {
    "timing_s/gen": TRAINER_IDLE,
    "training/off_policy/trajectory_staleness/mean": STALENESS_MEAN,
    "training/off_policy/trajectory_staleness/max": STALENESS_MAX,
}
"""verl v1 step-line names → this vocabulary's (`async_metrics`)."""

OUTCOME_KEYS = (
    TRIALS,
    DONE,
    MASKED,
    MASKED_FRACTION,
    MASKED_INFRA,
    TAIL_KILLED,
    TIMEOUT,
    ERROR,
    TRIAL_S_P50,
    TRIAL_S_P95,
    TRIAL_S_MAX,
    REWARD_MEAN,
    GROUPS,
    ZERO_STD_FRACTION,
    SOLVE_ALL,
    SOLVE_NONE,
    TOOL_CALLS_ATTEMPTED,
    TOOL_PARSE_FAILED,
    TOOL_PARSE_FAIL_RATE,
    PARTIAL,
    LITELLM_MS_P50,
    LITELLM_MS_P95,
)
"""What `outcome_stats` returns for any step (plus `rollout/masked/<reason>`): the keys both engines emit."""
FILTER_KEYS = (FILTERED_GROUPS, GEN_ROUNDS, INFORMATIVE_GROUPS, FILTER_SHORT)

LEGACY = {
    "rollout/num_trials": TRIALS,
    "rollout/masked_ratio": MASKED_FRACTION,
    "rollout/trial_time_p50": TRIAL_S_P50,
    "rollout/trial_time_p95": TRIAL_S_P95,
    "rollout/reward_mean_all": REWARD_MEAN,
}
"""Names the local engine wrote before this vocabulary (old logs still carry them; readers may fall back)."""


def async_metrics(verl_metrics: dict[str, float]) -> dict[str, float]:
    """The async/* metrics of a verl v1 step line (an async trainer's `timing_s/gen` is the time it waited for
    the batch): trainer idle, idle ratio, staleness; {} when the line has no step time."""
    step = verl_metrics.get("timing_s/step", 0.0)
    if not step:
        return {}
    out = {ours: float(verl_metrics[theirs]) for theirs, ours in VERL_ASYNC.items() if theirs in verl_metrics}
    if TRAINER_IDLE in out:
        out[IDLE_RATIO] = out[TRAINER_IDLE] / step
    return out


_ERROR_REASONS = frozenset({"sandbox_died", "sandbox_build", "sandbox_start", "verifier_error", "proxy_error"})


def loop_lag_note(stats: dict[str, float]) -> str:
    """'; the trials' event loop lagged up to N s (…)' when a step's loop lag reached LOOP_LAG_WARN_S, else ''."""
    lag = stats.get(LOOP_LAG_MS_MAX, 0.0) / 1000.0
    if lag < LOOP_LAG_WARN_S:
        return ""
    return (
        f"; the trials' event loop lagged up to {lag:.1f} s (the process running them was CPU-bound, so their "
        "deadlines fired on waiting, not work: more harbor_runtime.trial_processes (verl) or fewer num_workers per node)"
    )


def percentile(xs: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (0.0 for no values)."""
    if not xs:
        return 0.0
    s = sorted(xs)
    return float(s[min(len(s) - 1, max(0, math.ceil(q * len(s)) - 1))])


def zero_variance(rewards: Sequence[float]) -> bool:
    """A group with no GRPO signal: at least 2 trials and all rewards equal. A singleton keeps its signal (verl's
    GRPO scores it mean 0 / std 1, and verl's own DAPO filter keeps it too)."""
    return len(rewards) > 1 and max(rewards) == min(rewards)


def group_rewards(items: Iterable[Any]) -> dict[str, list[float]]:
    """group → one reward per unmasked trial, in first-seen order. `items`: outcomes or samples (a trial with
    several segments/samples counts once; masked ones — `masked` set or reward None — not at all)."""
    out: dict[str, list[float]] = defaultdict(list)
    seen: set[str] = set()
    for x in items:
        if getattr(x, "masked", False) or x.reward is None:
            continue
        tid = getattr(x, "trial_id", None)
        if tid is not None:
            if tid in seen:
                continue
            seen.add(tid)
        out[str(x.group)].append(float(x.reward))
    return dict(out)


def group_stats(groups: dict[str, list[float]]) -> dict[str, float]:
    n = len(groups)
    return {
        GROUPS: float(n),
        ZERO_STD_FRACTION: sum(zero_variance(r) for r in groups.values()) / n if n else 0.0,
        SOLVE_ALL: sum(min(r) >= 1.0 for r in groups.values()) / n if n else 0.0,
        SOLVE_NONE: sum(max(r) <= 0.0 for r in groups.values()) / n if n else 0.0,
    }


@dataclass(frozen=True)
class _TrialCalls:
    attempted: int
    """Replies that attempted a tool call."""
    failed: int
    """Of those, unparsable ones."""
    resumed: int
    """Calls resumed across a weight update."""
    litellm_s: tuple[float, ...]
    """LiteLLM's own seconds per call beyond the gateway's."""


@lru_cache(maxsize=16384)
def _trial_calls(trial_dir: str) -> _TrialCalls:
    """What a finished trial's call records say (final once its outcome exists: cached, so a node scheduler that
    restates its step after every trial reads each trial's files once)."""
    from pathlib import Path

    from swerl.models.trial import TOKENS_FILE, litellm_overheads, resumed_calls, tool_parse_counts

    d = Path(trial_dir)
    c = tool_parse_counts(d / TOKENS_FILE)
    return _TrialCalls(c.attempted, c.failed, resumed_calls(d / TOKENS_FILE), tuple(litellm_overheads(d)))


def call_stats(outcomes: Sequence[Any]) -> dict[str, float]:
    """The step's metrics from its trials' call records: tool-call parsing, partial rollouts, LiteLLM's time."""
    calls = [_trial_calls(str(o.trial_dir)) for o in outcomes if getattr(o, "trial_dir", None)]
    attempted, failed = sum(c.attempted for c in calls), sum(c.failed for c in calls)
    xs = [x for c in calls for x in c.litellm_s]
    return {
        TOOL_CALLS_ATTEMPTED: float(attempted),
        TOOL_PARSE_FAILED: float(failed),
        TOOL_PARSE_FAIL_RATE: failed / attempted if attempted else 0.0,
        PARTIAL: float(sum(c.resumed > 0 for c in calls)),
        LITELLM_MS_P50: 1000 * percentile(xs, 0.5),
        LITELLM_MS_P95: 1000 * percentile(xs, 0.95),
    }


def outcome_stats(
    outcomes: Sequence[Any], *, policy_reasons: Collection[str], arrived: int | None = None
) -> dict[str, float]:
    """The `rollout/*` metrics of one step's trials (TrialOutcome-like objects, finished ones)."""
    done = len(outcomes)
    masked = [o for o in outcomes if o.masked]
    reasons = Counter(o.mask_reason or "" for o in masked)
    durs = [float(o.duration_s) for o in outcomes]
    rewards = [float(o.reward) for o in outcomes if not o.masked and o.reward is not None]
    out = {
        TRIALS: float(done if arrived is None else arrived),
        DONE: float(done),
        MASKED: float(len(masked)),
        MASKED_FRACTION: len(masked) / done if done else 0.0,
        MASKED_INFRA: float(sum(n for r, n in reasons.items() if r not in policy_reasons)),
        TAIL_KILLED: float(reasons.get("tail_killed", 0)),
        TIMEOUT: float(sum(n for r, n in reasons.items() if "timeout" in r or r in ("tail_killed", "deadline"))),
        ERROR: float(sum(n for r, n in reasons.items() if r.startswith("error") or r in _ERROR_REASONS)),
        TRIAL_S_P50: percentile(durs, 0.5),
        TRIAL_S_P95: percentile(durs, 0.95),
        TRIAL_S_MAX: max(durs, default=0.0),
        REWARD_MEAN: sum(rewards) / len(rewards) if rewards else 0.0,
        **group_stats(group_rewards(outcomes)),
        **call_stats(outcomes),
    }
    for reason, n in sorted(reasons.items()):
        out[MASKED_REASON + reason.replace(":", "_")] = float(n)
    phases: dict[str, list[float]] = defaultdict(list)
    for o in outcomes:
        for name, s in (getattr(o, "phases", None) or {}).items():
            phases[name].append(float(s))
    for name, xs in sorted(phases.items()):
        out[PHASE_S_P50 + name] = percentile(xs, 0.5)
        out[PHASE_S_P95 + name] = percentile(xs, 0.95)
    return out


_MAX_OVER_NODES = (
    TRIAL_S_P50,
    TRIAL_S_P95,
    TRIAL_S_MAX,
    WALL_S,
    PEAK_CONCURRENT,
    LITELLM_MS_P50,
    LITELLM_MS_P95,
    LOOP_LAG_MS_P50,
    LOOP_LAG_MS_MAX,
    STACK_RSS_GB,
    STACK_RSS_PEAK_GB,
    HOSTS_RSS_GB,
)
_GROUP_WEIGHTED = (ZERO_STD_FRACTION, SOLVE_ALL, SOLVE_NONE)


def merge_nodes(records: Sequence[dict[str, float]]) -> dict[str, float]:
    """One step's records of several nodes → one: counts summed, percentiles/peaks/wall the max over nodes,
    fractions and means recomputed from the summed counts (group fractions weighted by each node's groups)."""
    if len(records) == 1:
        return dict(records[0])
    merged: dict[str, float] = {}
    for rec in records:
        for k, v in rec.items():
            if k in _MAX_OVER_NODES or k.startswith((PHASE_S_P50, PHASE_S_P95)):
                merged[k] = max(merged.get(k, v), v)
            elif k in _GROUP_WEIGHTED or k in (MASKED_FRACTION, REWARD_MEAN, TOOL_PARSE_FAIL_RATE):
                continue
            else:
                merged[k] = merged.get(k, 0.0) + v
    groups = merged.get(GROUPS, 0.0)
    for k in _GROUP_WEIGHTED:
        if any(k in r for r in records):
            merged[k] = sum(r.get(k, 0.0) * r.get(GROUPS, 0.0) for r in records) / groups if groups else 0.0
    if any(TOOL_PARSE_FAIL_RATE in r for r in records):
        attempted = merged.get(TOOL_CALLS_ATTEMPTED, 0.0)
        merged[TOOL_PARSE_FAIL_RATE] = merged.get(TOOL_PARSE_FAILED, 0.0) / attempted if attempted else 0.0
    done = merged.get(DONE, 0.0)
    if any(MASKED_FRACTION in r for r in records):
        merged[MASKED_FRACTION] = merged.get(MASKED, 0.0) / done if done else 0.0
    if any(REWARD_MEAN in r for r in records):
        w = [r.get(DONE, 0.0) - r.get(MASKED, 0.0) for r in records]
        merged[REWARD_MEAN] = sum(r.get(REWARD_MEAN, 0.0) * x for r, x in zip(records, w)) / sum(w) if sum(w) else 0.0
    return merged
