"""A trial's token record (one `tokens.jsonl` line per model call, written by the gateway; this module is its
one definition and its one reader) and the training sample built from those records."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

TOKENS_FILE = "tokens.jsonl"


class TokenRecord(BaseModel):
    call_id: str
    trial_id: str
    segment: int
    """Continuous-token segment: a new one starts when the agent rewrote its history (the gateway detects it)."""
    new_segment: bool
    prompt_ids: list[int]
    """The exact ids the engine was given (previous prompt + sampled response + the new tool/user delta)."""
    response_ids: list[int]
    """The exact ids the engine sampled — what training uses; never re-tokenized."""
    response_logprobs: list[float]
    """The engine's log-prob of each sampled id (len == len(response_ids))."""
    finish_reason: str
    num_tool_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    t_start: float = 0.0
    t_end: float = 0.0
    reused_prefix: int = 0
    """Leading prompt ids that are the previous call's prompt + response (continuous tokens)."""
    model: str = ""
    litellm_call_id: str | None = None
    """LiteLLM's call id (header x-swerl-call-id) — the join key with litellm-trajectory.jsonl."""


def read_token_records(path: Path) -> list[TokenRecord]:
    """Every record of a `tokens.jsonl` ([] when absent). A torn LAST line (trial killed mid-write) is skipped;
    a bad line anywhere else means the record is corrupt and raises ValueError naming the line."""
    path = Path(path)
    if not path.is_file():
        return []
    lines = path.read_text().splitlines()
    out = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            out.append(TokenRecord.model_validate(json.loads(line)))
        except ValueError as exc:
            if n != len(lines):
                raise ValueError(
                    f"{path}:{n}: not a token record ({str(exc).splitlines()[0][:120]}): "
                    "the gateway's token record is corrupt"
                ) from exc
    return out


class Sample(BaseModel):
    """One training sample: a continuous segment of one trial, built only from its token records (never
    re-tokenized). The local trainer and verl's agent loop (AgentLoopOutput) both take these fields."""

    trial_id: str
    group: str
    """Prompt uid: the trials of one task in one step share it (a GRPO group)."""
    reward: float | None
    """The trial's verifier reward; None for a masked trial (its response_mask is all 0: no loss)."""
    prompt_ids: list[int]
    response_ids: list[int]
    """Everything after the prompt: sampled ids and the tool/user deltas between turns."""
    response_mask: list[int]
    """1 = sampled by the policy (trained on), 0 = a tool/user delta — verl's AgentLoopOutput.response_mask."""
    response_logprobs: list[float]
    """The engine's log-prob per response id (0.0 where response_mask is 0)."""
    segment: int = 0
    truncated: bool = False
    """Cut to max_prompt_length / max_response_length (harbor_runtime.overlong: truncate)."""
    num_turns: int = 0
