"""A trial's token record: one `tokens.jsonl` line per model call, written by the gateway, read by the sample
builder, health, activity and the dashboard — this module is its one definition and its one reader."""

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
                raise ValueError(f"{path}:{n}: not a token record ({str(exc).splitlines()[0][:120]}): "
                                 "the gateway's token record is corrupt") from exc
    return out
