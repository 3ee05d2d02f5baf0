"""The gateway's token record: one `tokens.jsonl` line per call in the trial's dir (docs/design.md)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from pydantic import BaseModel

from swerl.config.paths import trial_dir

TOKENS_FILE = "tokens.jsonl"


class TokenRecord(BaseModel):
    call_id: str
    trial_id: str
    segment: int
    new_segment: bool
    prompt_ids: list[int]
    response_ids: list[int]
    response_logprobs: list[float]
    finish_reason: str
    num_tool_calls: int
    prompt_tokens: int
    completion_tokens: int
    t_start: float
    t_end: float
    reused_prefix: int = 0
    """Leading prompt ids that are the previous call's prompt + response (continuous tokens)."""
    model: str = ""
    litellm_call_id: str | None = None
    """LiteLLM's call id (header x-swerl-call-id) — the join key with litellm-trajectory.jsonl."""


class RecordWriter:
    """Appends records; one lock per process is enough (lines are small and written once)."""

    def __init__(self, trials_root: Path | None):
        self.trials_root = trials_root
        self._lock = threading.Lock()

    def path(self, trial_id: str) -> Path | None:
        return None if self.trials_root is None else trial_dir(self.trials_root, trial_id) / TOKENS_FILE

    def write(self, rec: TokenRecord) -> None:
        p = self.path(rec.trial_id)
        if p is None:
            return
        line = json.dumps(rec.model_dump(), separators=(",", ":")) + "\n"
        with self._lock:
            p.parent.mkdir(parents=True, exist_ok=True)
            with open(p, "a") as f:
                f.write(line)


def read_records(path: Path) -> list[TokenRecord]:
    return [TokenRecord.model_validate_json(line) for line in path.read_text().splitlines() if line.strip()]
