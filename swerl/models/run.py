"""A run's record vocabulary: its status words and `runtime_info.output` (the hand-off contract)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Status = Literal["running", "completed", "interrupted", "failed"]
"""The one status vocabulary: ledger rows, run state, runtime_info.output, archives."""

TRAINER_STATUS: dict[str, Status] = {"finished": "completed", "stopped": "interrupted", "failed": "failed"}
"""What the trainer knows at its end → the run's status word."""


class RunOutput(BaseModel):
    """`runtime_info.output`, written into config.yaml by the trainer at its end and again (final) by the
    launcher's archive step — same fields, same vocabulary, so whichever writes last agrees with the first."""

    checkpoint_path: str = ""
    """The latest complete `global_step_N` dir (verl's layout), "" when none was written."""
    model_path: str = ""
    """Its `actor/huggingface` dir when present: what a next stage's `model.model_path` takes."""
    training_log: str = ""
    trajectory_log: str = ""
    """The trials dir (per-trial result.json, tokens.jsonl, litellm-trajectory.jsonl)."""
    run_id: str = ""
    """The ledger id `run_NNN` (the exp name when `swerl train` runs without a launcher)."""
    exp: str = ""
    status: Status | Literal[""] = ""
    """"" until a run wrote the block."""
    final_metrics: dict[str, float] = Field(default_factory=dict)
