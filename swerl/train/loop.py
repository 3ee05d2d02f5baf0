"""The synchronous loop, independent of what produces rollouts: rollout → update → log → checkpoint → validate.

`TrainLoop.run()` is used by `swerl train` (real engine + proxy + Harbor trials, see `session.py`) and by the
kill -9 resume test (a tiny in-process policy): same schedule, same checkpoints, same data order.

Data order: epoch e visits the tasks in `permutation(seed + e)`; a step takes the next `train_batch_size`
of them. The position (epoch, pos) is saved with every checkpoint, so a resumed run continues the very
same order. Steps are numbered from 1, like verl's `global_steps`.
"""

from __future__ import annotations

import math
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from swerl.train.checkpoint import CheckpointManager
from swerl.train.metrics import StepLogger


@dataclass
class Schedule:
    n_tasks: int
    batch: int
    epochs: int = 1
    total_steps: int = 0
    """0 = epochs × steps per epoch."""
    save_freq: int = 2
    test_freq: int = 0
    seed: int = 0

    @property
    def steps_per_epoch(self) -> int:
        return max(1, self.n_tasks // self.batch)

    @property
    def total(self) -> int:
        return self.total_steps or self.steps_per_epoch * self.epochs

    def order(self, epoch: int) -> list[int]:
        return np.random.default_rng(self.seed + epoch).permutation(self.n_tasks).tolist()

    def take(self, epoch: int, pos: int) -> tuple[list[int], int, int]:
        """Task indices of the next batch → (indices, epoch after, pos after). A batch larger than the task
        list repeats tasks (each index at most ⌈batch/n⌉ times)."""
        if pos + self.batch > self.n_tasks and pos > 0:
            epoch, pos = epoch + 1, 0
        order = self.order(epoch)
        reps = math.ceil(self.batch / self.n_tasks)
        idx = (order * reps)[pos : pos + self.batch]
        return idx, epoch, pos + self.batch


@dataclass
class StepResult:
    samples: list
    metrics: dict[str, float] = field(default_factory=dict)


class Stopped(Exception):
    """SIGINT/SIGTERM arrived; the loop stops cleanly."""


class TrainLoop:
    def __init__(
        self,
        schedule: Schedule,
        *,
        rollout: Callable[[int, list[int]], StepResult],
        update: Callable[[list], dict[str, float]],
        save: Callable[[int, dict], object] | None,
        ckpt: CheckpointManager | None,
        logger: StepLogger,
        resume: bool = True,
        restore: Callable[[int], dict] | None = None,
        validate: Callable[[int], dict[str, float]] | None = None,
        on_step: Callable[[int, dict], None] | None = None,
    ):
        self.s = schedule
        self.rollout, self.update, self.save, self.restore = rollout, update, save, restore
        self.ckpt, self.log, self.resume, self.validate, self.on_step = ckpt, logger, resume, validate, on_step
        self.step, self.epoch, self.pos = 0, 0, 0
        self.saved_step = 0
        self.in_update = False
        self.step_times: list[float] = []

    # ---- resume / save --------------------------------------------------------------------------
    def maybe_resume(self) -> int:
        if not (self.resume and self.ckpt and self.restore):
            return 0
        last = self.ckpt.latest()
        if last is None:
            return 0
        st = self.restore(last)
        self.step, self.epoch, self.pos = int(st["global_step"]), int(st["epoch"]), int(st["pos"])
        self.saved_step = self.step
        self.log.info(f"resumed from {self.ckpt.step_dir(last)} (step {self.step}, epoch {self.epoch}, pos {self.pos})")
        return last

    def _save(self) -> None:
        if self.save is None or self.saved_step == self.step or self.step == 0:
            return
        t = time.perf_counter()
        path = self.save(self.step, {"epoch": self.epoch, "pos": self.pos, "seed": self.s.seed})
        self.saved_step = self.step
        self.log.info(f"checkpoint step {self.step} → {path} ({time.perf_counter() - t:.1f}s)")

    # ---- run ------------------------------------------------------------------------------------
    def run(self) -> dict[str, float]:
        prev = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

        def on_signal(signum, _frame):
            raise Stopped(signal.Signals(signum).name)

        for sig in prev:
            signal.signal(sig, on_signal)
        last: dict[str, float] = {}
        try:
            self.maybe_resume()
            while self.step < self.s.total:
                last = self._one_step()
            self._save()
            return last
        except Stopped as why:
            self.log.info(f"stopping on {why} after step {self.step}")
            if not self.in_update:  # weights mid-update are neither old nor new: never checkpoint them
                self._save()
            raise
        finally:
            for sig, h in prev.items():
                signal.signal(sig, h)

    def _one_step(self) -> dict[str, float]:
        step = self.step + 1
        t0 = time.perf_counter()
        idx, epoch, pos = self.s.take(self.epoch, self.pos)
        res = self.rollout(step, idx)
        t1 = time.perf_counter()
        self.in_update = True
        m = self.update(res.samples)
        self.in_update = False
        t2 = time.perf_counter()
        self.step, self.epoch, self.pos = step, epoch, pos
        metrics = {
            **res.metrics,
            **m,
            "training/global_step": float(step),
            "training/epoch": float(epoch),
            "timing_s/gen": t1 - t0,
            "timing_s/update": t2 - t1,
        }
        if self.s.save_freq > 0 and step % self.s.save_freq == 0:
            self._save()
        if self.validate and self.s.test_freq > 0 and step % self.s.test_freq == 0:
            tv = time.perf_counter()
            metrics |= self.validate(step)
            metrics["timing_s/testing"] = time.perf_counter() - tv
        dt = time.perf_counter() - t0
        metrics["timing_s/step"] = dt
        tokens = metrics.get("perf/total_num_tokens", 0.0)
        metrics["perf/time_per_step"] = dt
        metrics["perf/throughput"] = tokens / dt if dt > 0 else 0.0
        self.step_times.append(dt)
        self.log.step(step, metrics)
        if self.on_step:
            self.on_step(step, metrics)
        return metrics

    def eta_s(self) -> float | None:
        if not self.step_times:
            return None
        return (self.s.total - self.step) * (sum(self.step_times) / len(self.step_times))
