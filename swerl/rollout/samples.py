"""Trial → training samples, from the gateway's token record (`tokens.jsonl`) only — never re-tokenized.

Within a segment the gateway keeps tokens continuous: call k's prompt_ids = call k-1's prompt_ids +
response_ids + delta tokens of the new messages. So a segment's full sequence is its last call's
prompt_ids + response_ids; the first call's prompt_ids are the sample's prompt; everything after is the
response, with mask 1 exactly on tokens the policy sampled (each call's response_ids) and 0 on deltas
(tool output, user turns, template tokens). A trial whose history was rewritten has several segments:
one sample each (sharing the trial's reward) or only the last (`harbor_runtime.multi_segment`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from swerl.models.trial import TOKENS_FILE, Sample, read_token_records
from swerl.rollout.outcome import TrialOutcome

__all__ = ["Sample", "SampleSettings", "TrialOutcome", "build_samples", "read_records", "segments_of"]


class SampleSettings(BaseModel):
    max_prompt_length: int = 4096
    max_response_length: int = 2048
    multi_segment: Literal["all", "last"] = "all"
    overlong: Literal["truncate", "drop"] = "truncate"

    @classmethod
    def from_config(cls, cfg) -> "SampleSettings":
        i = cfg.input
        return cls(
            max_prompt_length=i.training.max_prompt_length,
            max_response_length=i.training.max_response_length,
            multi_segment=i.harbor_runtime.multi_segment,
            overlong=i.harbor_runtime.overlong,
        )


def read_records(path: Path) -> list[dict]:
    """The trial's token records as dicts (swerl.models.trial is the one reader; a torn last line is skipped)."""
    return [r.model_dump() for r in read_token_records(path)]


def segments_of(records: list[dict]) -> list[list[dict]]:
    """Calls grouped into continuous segments, in order of their first call: by the gateway's `segment` id (a
    side call — title generation, a sub-agent — between two main turns does not split the main conversation),
    and within one id wherever a call does not extend that segment's full sequence (defensive)."""
    segs: list[list[dict]] = []
    latest: dict = {}  # segment id → index in segs of its newest piece
    for r in records:
        i = latest.get(r.get("segment"))
        if i is not None and not r.get("new_segment"):
            prev = segs[i][-1]
            full = list(prev["prompt_ids"]) + list(prev["response_ids"])
            if list(r["prompt_ids"][: len(full)]) == full:
                segs[i].append(r)
                continue
        segs.append([r])
        latest[r.get("segment")] = len(segs) - 1
    return segs


def _last_segment(segs: list[list[dict]], records: list[dict]) -> list[list[dict]]:
    """`multi_segment: last` → the segment holding the trial's final call."""
    if not segs:
        return []
    final = records[-1]
    return [next(seg for seg in segs if any(r is final for r in seg))]


def _segment_sample(seg: list[dict]) -> tuple[list[int], list[int], list[int], list[float]]:
    prompt = list(seg[0]["prompt_ids"])
    last = seg[-1]
    full = list(last["prompt_ids"]) + list(last["response_ids"])
    response = full[len(prompt) :]
    mask = [0] * len(response)
    logprobs = [0.0] * len(response)
    for r in seg:
        start = len(r["prompt_ids"]) - len(prompt)
        ids = r["response_ids"]
        lps = r.get("response_logprobs") or [0.0] * len(ids)
        if len(lps) != len(ids):
            raise ValueError(f"call {r.get('call_id')}: {len(ids)} response ids but {len(lps)} logprobs")
        for j, lp in enumerate(lps):
            mask[start + j] = 1
            logprobs[start + j] = float(lp)
    return prompt, response, mask, logprobs


def _first_version(r: dict) -> int:
    """The weights version of a record's first sampled token (`min_weight_version` of a resumed call)."""
    v = r.get("min_weight_version")
    return int(r.get("weight_version") or 0) if v is None else int(v)


def build_samples(outcome: TrialOutcome, settings: SampleSettings, records: list[dict] | None = None) -> list[Sample]:
    """Samples of one trial; [] for a masked trial or one without model calls."""
    if outcome.masked or outcome.reward is None:
        return []
    if records is None:
        records = read_records(Path(outcome.trial_dir) / TOKENS_FILE)
    segs = segments_of(records)
    if settings.multi_segment == "last":
        segs = _last_segment(segs, records)
    samples = []
    for seg in segs:
        prompt, response, mask, logprobs = _segment_sample(seg)
        truncated = False
        if len(prompt) > settings.max_prompt_length:
            if settings.overlong == "drop":
                continue
            prompt, truncated = prompt[-settings.max_prompt_length :], True  # keep the end: closest to the response
        if len(response) > settings.max_response_length:
            if settings.overlong == "drop":
                continue
            n = settings.max_response_length
            response, mask, logprobs, truncated = response[:n], mask[:n], logprobs[:n], True
        if not any(mask):
            continue
        samples.append(
            Sample(
                trial_id=outcome.trial_id,
                group=outcome.group,
                reward=float(outcome.reward),
                prompt_ids=prompt,
                response_ids=response,
                response_mask=mask,
                response_logprobs=logprobs,
                segment=int(seg[0].get("segment", 0)),
                min_weight_version=min(_first_version(r) for r in seg),
                max_weight_version=max(int(r.get("weight_version") or 0) for r in seg),
                truncated=truncated,
                num_turns=len(seg),
            )
        )
    return samples
