"""Where a run's outputs land. One place, so every command agrees (SPEC "Results & Artifacts")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, UTC
from pathlib import Path

from swerl.config.load import config_dir, resolve
from swerl.config.schema import SwerlConfig


def utc_stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S")


def auto_exp_name() -> str:
    return f"harbor-cc-sync-1n-{utc_stamp()}"


@dataclass(frozen=True)
class RunPaths:
    """root/
    ├── logs/launch_<ts>.log, logs/<exp>.log, logs/<exp>_vllm.log
    ├── trials/<project>/<exp>/step_<N>/<trial>/{result.json, litellm-trajectory.jsonl, tokens.jsonl}
    ├── checkpoints/<project>/<exp>/global_step_<N>/actor/ (+ huggingface/), latest_checkpointed_iteration.txt
    ├── artifacts/index.yaml, artifacts/archives/run_NNN/
    └── .swerl/  run state (run.json: pids, process group, ports, sandbox names), generated proxy config
    """

    root: Path
    project: str
    exp: str

    @classmethod
    def of(cls, cfg: SwerlConfig, exp: str | None = None) -> "RunPaths":
        e = cfg.input.experiment
        return cls(resolve(cfg, e.output_root).resolve(), e.project_name, exp if exp is not None else e.exp_name)

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    def launch_log(self, ts: str) -> Path:
        return self.logs_dir / f"launch_{ts}.log"

    @property
    def exp_log(self) -> Path:
        return self.logs_dir / f"{self.exp}.log"

    @property
    def vllm_log(self) -> Path:
        return self.logs_dir / f"{self.exp}_vllm.log"

    @property
    def trials_dir(self) -> Path:
        return self.root / "trials" / self.project / self.exp

    def step_dir(self, step: int) -> Path:
        return self.trials_dir / f"step_{step}"

    @property
    def checkpoints_dir(self) -> Path:
        return self.root / "checkpoints" / self.project / self.exp

    @property
    def artifacts_dir(self) -> Path:
        return self.root / "artifacts"

    @property
    def index_file(self) -> Path:
        return self.artifacts_dir / "index.yaml"

    @property
    def state_dir(self) -> Path:
        return self.root / ".swerl"

    @property
    def run_state_file(self) -> Path:
        return self.state_dir / "run.json"


__all__ = ["RunPaths", "auto_exp_name", "claim_trial_dir", "config_dir", "make_trial_id", "trial_dir", "utc_stamp"]


def _slug(text: str, limit: int = 40) -> str:
    out = "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")
    while "--" in out:
        out = out.replace("--", "-")
    return out[:limit] or "task"


def make_trial_id(step: int, task: str, k: int) -> str:
    """`step{N}-{task_slug}-{k}-{rand12}`: path- and URL-safe, unique, and it says where its files go. 48 random
    bits: at 512 trials/step × 1000 steps the odds of any two trials of one (step, task, k) sharing an id are
    ~1e-9 (and `claim_trial_dir` refuses a second trial in the same dir)."""
    import secrets

    return f"step{step}-{_slug(task)}-{k}-{secrets.token_hex(6)}"


def claim_trial_dir(trials_root: Path, trial_id: str) -> Path:
    """Create the trial's dir exclusively: FileExistsError when another trial already has it (two trials must
    never share a dir, token record or gateway session)."""
    d = trial_dir(trials_root, trial_id)
    d.parent.mkdir(parents=True, exist_ok=True)
    d.mkdir()
    return d


def trial_dir(trials_root: Path, trial_id: str) -> Path:
    """Where a trial's files live: `trials_root/step_N/<trial_id>` (ids not made by make_trial_id → `adhoc/`)."""
    import re

    m = re.match(r"^step(\d+)-", trial_id)
    if "/" in trial_id or trial_id in ("", ".", ".."):
        raise ValueError(f"bad trial id {trial_id!r}")
    return trials_root / (f"step_{m.group(1)}" if m else "adhoc") / trial_id
