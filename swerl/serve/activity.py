"""What the newest step's trials did, from the gateway's `tokens.jsonl` files: tool calls and throughput.

Zero parsed tool calls across a whole step is the signature of a tool-call-parser mismatch
(`vllm.tool_call_parser` vs the model's chat template): agents run, the model answers, nothing executes.
"""

from __future__ import annotations

import re
import statistics
from pathlib import Path

from pydantic import BaseModel

from swerl.serve.gateway.records import TOKENS_FILE, read_records


class StepActivity(BaseModel):
    step: int
    step_dir: Path
    trials: int
    trials_with_tool_calls: int
    calls: int
    tool_calls: int
    completion_tokens: int
    wall_s: float
    """First call start to last call end, over all trials of the step."""
    tokens_per_s: float
    """Completion tokens / wall_s: what the engine delivered to the whole step."""
    call_tokens_per_s_median: float
    """Median of each call's completion tokens / its own duration (prefill and queueing included)."""


def latest_step_dir(trials_dir: Path) -> tuple[int, Path] | None:
    steps = [(int(m.group(1)), d) for d in trials_dir.glob("step_*") if (m := re.fullmatch(r"step_(\d+)", d.name))]
    steps = [s for s in steps if any(s[1].glob(f"*/{TOKENS_FILE}"))]
    return max(steps) if steps else None


def step_activity(trials_dir: Path) -> StepActivity | None:
    """Activity of the highest-numbered `step_N` that has token records (None: no records yet)."""
    found = latest_step_dir(trials_dir)
    if found is None:
        return None
    step, d = found
    recs = {f.parent.name: read_records(f) for f in sorted(d.glob(f"*/{TOKENS_FILE}"))}
    calls = [r for rs in recs.values() for r in rs]
    if not calls:
        return None
    wall = max(r.t_end for r in calls) - min(r.t_start for r in calls)
    toks = sum(r.completion_tokens for r in calls)
    per_call = [r.completion_tokens / (r.t_end - r.t_start) for r in calls if r.t_end > r.t_start]
    return StepActivity(
        step=step,
        step_dir=d,
        trials=len(recs),
        calls=len(calls),
        trials_with_tool_calls=sum(any(r.num_tool_calls for r in rs) for rs in recs.values()),
        tool_calls=sum(r.num_tool_calls for r in calls),
        completion_tokens=toks,
        wall_s=wall,
        tokens_per_s=toks / wall if wall > 0 else 0.0,
        call_tokens_per_s_median=statistics.median(per_call) if per_call else 0.0,
    )
