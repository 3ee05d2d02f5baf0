"""Run `python -m verl.trainer.main_ppo` as `swerl train`'s child: its output goes to stdout (the launch log),
its `step:N - …` lines also to `logs/<exp>.log` (+ throughput to `logs/<exp>_vllm.log`), the child is recorded
in the run state, and `runtime_info.output` is written when it ends — the same hand-off as the local engine.

SIGINT/SIGTERM are forwarded to main_ppo's process group (Ray driver, its workers, our agent-loop stacks).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
from pathlib import Path

from swerl.config.paths import RunPaths
from swerl.models import logline
from swerl.config.schema import SwerlConfig
from swerl.train.metrics import StepLogger
from swerl.models import rollout_metrics as rm
from swerl.train.verl_engine.node_stack import read_step_stats, step_records


class MaskedGuard(threading.Thread):
    """Stops main_ppo (SIGTERM to its group) when a finished rollout step had more infrastructure-masked trials
    than `harbor_runtime.max_masked_fraction` — the verl side of the local loop's `check_step` (same rule, same
    one-line message), read from the node stacks' per-step files."""

    def __init__(self, cfg: SwerlConfig, state_dir: Path, pgid: int, log: StepLogger, poll_s: float = 2.0):
        super().__init__(daemon=True, name="swerl-masked-guard")
        t = cfg.input.training
        self.expected = t.train_batch_size * t.n_resp_per_prompt
        self.max_frac = cfg.input.harbor_runtime.max_masked_fraction
        self.state_dir, self.pgid, self.log, self.poll_s = Path(state_dir), pgid, log, poll_s
        self.error = ""
        self.checked: set[int] = set()
        self._stop = threading.Event()

    def check_once(self) -> None:
        from swerl.models.rollout_metrics import loop_lag_note
        from swerl.rollout.outcome import RunCannotTrain, TrialOutcome, check_counts

        for step, bodies in step_records(self.state_dir).items():
            if step in self.checked:
                continue
            totals = read_step_stats(self.state_dir, step)
            done = totals.get("rollout/done", 0.0)
            if done < self.expected:
                continue
            self.checked.add(step)
            bad = int(totals.get("rollout/masked_infra", 0.0))
            first = next((b["first_infra"] for b in bodies if b.get("first_infra")), None)
            if not bad or first is None:
                continue
            try:
                check_counts(
                    bad, int(done), TrialOutcome.model_validate(first), self.max_frac, note=loop_lag_note(totals)
                )
            except RunCannotTrain as exc:
                self.error = f"step {step}: {exc}"
                self.log.info(f"ERROR: {self.error} — stopping main_ppo")
                try:
                    os.killpg(self.pgid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
                return

    def run(self) -> None:
        while not self._stop.wait(self.poll_s):
            if self.max_frac >= 1.0 or self.error:
                return
            self.check_once()

    def stop(self) -> None:
        self._stop.set()


def parse_step_line(line: str) -> tuple[int, dict[str, float], str] | None:
    """`(TaskRunnerV1 pid=…) step:3 - critic/score/mean:np.float64(0.25) - …` → (3, {key: value}, the line
    from `step:` on); None if not a step line (swerl.models.logline is the one parser)."""
    clean = logline.clean_step_line(line)
    parsed = logline.parse_step_line(line)
    return (parsed[0], parsed[1], clean) if parsed and clean else None


def run_main_ppo(cfg: SwerlConfig, exp: str, cmd: list[str], log: StepLogger, config_path: Path) -> int:
    """Run main_ppo to the end; returns its exit code (130 when stopped by a signal)."""
    from swerl.run.orphan import child_env
    from swerl.run.state import TrackedProc, update_state
    from swerl.train.session import _state_file, _write_outputs

    paths = RunPaths.of(cfg, exp)
    from swerl.config.load import wandb_key

    env = {
        **os.environ,
        "SWERL_CONFIG": str(config_path),
        "SWERL_EXP": exp,
        "PYTHONUNBUFFERED": "1",
        "WANDB_MODE": cfg.input.credentials.wandb_mode,
    }
    key, _ = wandb_key(cfg)
    if key:
        env["WANDB_API_KEY"] = key
    state = _state_file(paths)
    env["SWERL_RUN_STATE"] = str(state)  # the node stacks record their proxy there
    shutil.rmtree(paths.state_dir / "rollout", ignore_errors=True)  # per-step files of an earlier attempt
    log.info(f"verl main_ppo: {len(cmd) - 3} overrides; step lines → {paths.exp_log}")
    # under the parent watchdog: main_ppo (and the Ray it starts in its group) dies if `swerl train` is killed
    watched = [cmd[0], "-m", "swerl.run.orphan", *cmd[2:]] if cmd[1:2] == ["-m"] else cmd
    proc = subprocess.Popen(
        watched,
        env=child_env(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        bufsize=1,
        start_new_session=True,
    )
    update_state(
        state,
        exp=exp,
        exp_log=str(paths.exp_log),
        train_pid=os.getpid(),
        train_pgid=os.getpgid(0),
        procs=[TrackedProc.of("main_ppo", proc.pid)],
    )
    stopped = []

    def forward(sig, _frame):
        stopped.append(sig)
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass

    old = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
    guard = MaskedGuard(cfg, paths.state_dir, proc.pid, log)
    guard.start()
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            parsed = parse_step_line(line)
            if parsed:
                step, metrics, clean = parsed
                extra = read_step_stats(paths.state_dir, step)  # the node stacks' rollout/* metrics of that step
                if cfg.input.training.mode == "async":  # verl's own names → async/* (idle ratio, staleness)
                    extra = {**rm.async_metrics(metrics), **extra}
                if extra:
                    metrics = {**metrics, **extra}
                    clean = logline.format_step(step, metrics)
                log.record(step, metrics, clean, echo=False)
            print(line, end="", flush=True)
        rc = proc.wait()
    finally:
        guard.stop()
        for s, h in old.items():
            signal.signal(s, h)
    if guard.error:
        log.info(f"ERROR: {guard.error}")
        rc = rc or 1
    status = "stopped" if stopped else ("finished" if rc == 0 else "failed")
    log.info(f"main_ppo exited rc={rc} ({status}): {paths.exp_log}")
    update_state(state, status=status)
    _write_outputs(cfg, config_path, paths, status, log.last, log)
    return 130 if stopped else rc
