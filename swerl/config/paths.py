"""Where a run's outputs land. One place, so every command agrees (SPEC "Results & Artifacts")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from swerl.config.load import config_dir, resolve
from swerl.config.schema import SwerlConfig


def utc_stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")


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


__all__ = ["RunPaths", "auto_exp_name", "utc_stamp", "config_dir"]
