"""Per-step metrics out: the `step:N - key:value …` line (verl's own formatter), the exp log, the
throughput log, and wandb (online / offline / disabled).

stdout is the launch log (start.sh redirects it), so each line goes to stdout and to `logs/<exp>.log`.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import TextIO

from swerl.models.logline import EXP_PREFIX, format_step  # the one formatter of step lines
from swerl.models.rollout_metrics import outcome_stats

PREFIX = EXP_PREFIX
THROUGHPUT_KEYS = (
    "perf/throughput",
    "perf/total_num_tokens",
    "perf/time_per_step",
    "timing_s/gen",
    "rollout/tokens_per_s",
)


def rollout_metrics(outcomes) -> dict[str, float]:
    """The `rollout/*` metrics of one step's trials (TrialOutcome list) — the one vocabulary both engines use
    (`swerl.models.rollout_metrics`; the verl node scheduler computes the same from its trials)."""
    from swerl.rollout.outcome import POLICY_REASONS

    return outcome_stats(outcomes, policy_reasons=POLICY_REASONS)


class StepLogger:
    def __init__(self, exp_log: Path, vllm_log: Path, *, out: TextIO | None = None):
        exp_log.parent.mkdir(parents=True, exist_ok=True)
        self.out = out or sys.stdout
        self._exp = open(exp_log, "a", buffering=1)
        self._vllm = open(vllm_log, "a", buffering=1)
        self.exp_log, self.vllm_log = exp_log, vllm_log
        self.wandb = None
        self.last: dict[str, float] = {}

    def info(self, msg: str) -> None:
        line = f"{PREFIX} {msg}"
        print(line, file=self.out, flush=True)
        self._exp.write(f"{time.strftime('%H:%M:%S')} {line}\n")

    def step(self, step: int, metrics: dict[str, float]) -> str:
        return self.record(step, metrics, format_step(step, metrics))

    def record(self, step: int, metrics: dict[str, float], line: str, *, echo: bool = True) -> str:
        """One step line → stdout (unless the caller already printed it), exp log, throughput log, wandb."""
        if echo:
            print(line, file=self.out, flush=True)
        self._exp.write(line + "\n")
        tp = {k: metrics[k] for k in THROUGHPUT_KEYS if k in metrics}
        if tp:
            self._vllm.write(" - ".join([f"step:{step}", *(f"{k}:{v:.4g}" for k, v in tp.items())]) + "\n")
        if self.wandb is not None:
            self.wandb.log(metrics, step=step)
        self.last = dict(metrics)
        return line

    def start_wandb(self, mode: str, project: str, exp: str, root: Path, config: dict) -> Path | None:
        """wandb run (offline by default: a run dir under `<root>/wandb`, sync later with `wandb sync`).
        The key comes from $WANDB_API_KEY (the loader resolves the config fallback into it)."""
        if mode == "disabled":
            return None
        os.environ.setdefault("WANDB_SILENT", "true")
        import wandb

        d = root / "wandb"
        d.mkdir(parents=True, exist_ok=True)
        run = wandb.init(
            project=project,
            name=exp,
            id=exp.replace("/", "-"),
            resume="allow",
            mode=mode,
            dir=str(root),
            config=config,
            settings=wandb.Settings(silent=True, console="off"),
        )
        self.wandb = run
        return Path(run.dir).parent

    def close(self) -> None:
        if self.wandb is not None:
            try:
                self.wandb.finish()
            except Exception:  # noqa: BLE001 — never fail a finished run on telemetry
                pass
            self.wandb = None
        self._exp.close()
        self._vllm.close()
