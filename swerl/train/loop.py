"""The training loop, independent of what produces rollouts: rollout → update → log → checkpoint → validate.

Sync (`lookahead=0`): each step waits for its rollout, then updates. Async (`lookahead=N ≥ 1`, training.mode:
async, N = max_staleness as verl's `num_warmup_batches`): as soon as step k's rollout is in, the rollouts of steps
k+1 … k+N are running (each in a thread; the ones not yet started start now), so their trials run while the
trainer updates on step k; `publish()` then swaps the new weights into the engine (which pauses only for that).
Samples record the weight versions that sampled them; one sampled more than `max_staleness` versions before the
policy being updated is dropped (a rollout started N steps ahead is N versions old when it trains). Data order,
checkpoints and resume are the same in both modes (a checkpoint holds the position of the last TRAINED step; a
prefetched rollout is simply redone after a resume).

Dynamic sampling (`filter_groups`, algorithm.filter_groups): groups whose unmasked trials all got the same
reward are dropped, and the next prompts of the data order are rolled out as more rounds of the same step until
`batch` informative groups are in or the round cap is hit (then the step trains on what it has and says so:
`rollout/filter_short`). In async mode the extra rounds run before the next prefetch starts, so the data order
and the saved position stay those of a sync run (which is why dynamic sampling looks one step ahead at most).

`TrainLoop.run()` is used by `swerl train` (real engine + proxy + Harbor trials, see `session.py`) and by the
kill -9 resume test (a tiny in-process policy): same schedule, same checkpoints, same data order.

Data order: epoch e visits the tasks in `permutation(seed + e)`; a step takes the next `train_batch_size`
of them. The position (epoch, pos) is saved with every checkpoint, so a resumed run continues the very
same order. Steps are numbered from 1, like verl's `global_steps`.
"""

from __future__ import annotations

import math
import signal
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from swerl.models import rollout_metrics as rm
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
    outcomes: list = field(default_factory=list)
    """The trials' TrialOutcomes (optional): rounds of dynamic sampling recompute `rollout/*` over all of them."""


class Stopped(Exception):
    """SIGINT/SIGTERM arrived; the loop stops cleanly."""


class _Ahead:
    """A rollout running in a daemon thread (a stop must not wait for trials nobody will train on)."""

    def __init__(self, fn: Callable[[int, list[int]], StepResult], step: int, idx: list[int], after: tuple[int, int]):
        self.step, self.idx, self.after = step, idx, after
        self.result: StepResult | None = None
        self.error: BaseException | None = None
        self.t0 = time.perf_counter()
        self.t1 = 0.0
        self._done = threading.Event()
        threading.Thread(target=self._run, args=(fn,), daemon=True, name=f"swerl-rollout-{step}").start()

    def _run(self, fn) -> None:
        try:
            self.result = fn(self.step, self.idx)
        except BaseException as exc:  # noqa: BLE001 — re-raised in the loop's thread by wait()
            self.error = exc
        finally:
            self.t1 = time.perf_counter()
            self._done.set()

    def wait(self) -> StepResult:
        while not self._done.wait(0.2):  # short waits: SIGINT/SIGTERM handlers run in between
            pass
        if self.error is not None:
            raise self.error
        assert self.result is not None
        return self.result


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
        lookahead: int = 0,
        publish: Callable[[], dict[str, float]] | None = None,
        version: Callable[[], int] | None = None,
        max_staleness: int = 1,
        filter_groups: bool = False,
        max_gen_rounds: int = 0,
    ):
        """Async (`lookahead` ≥ 1 steps ahead): `publish()` swaps the trainer's weights into the engine after each
        update (→ metrics), `version()` is the engine's weights version (the policy being updated).

        `filter_groups` (algorithm.filter_groups): zero-variance groups are dropped and the next prompts of the
        data order are rolled out until `schedule.batch` informative groups are in, or `max_gen_rounds` rounds
        ran (0 = no cap)."""
        self.s = schedule
        self.filter_groups, self.max_gen_rounds = filter_groups, max_gen_rounds
        self.lookahead, self.publish, self.version, self.max_staleness = lookahead, publish, version, max_staleness
        self._ahead: deque[_Ahead] = deque()
        """Prefetched rollouts of consecutive steps, oldest first."""
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
        if self.lookahead:
            res, epoch, pos, extra = self._async_rollout(step)
        else:
            idx, epoch, pos = self.s.take(self.epoch, self.pos)
            res, extra = self.rollout(step, idx), {}
            if self.filter_groups:
                res, epoch, pos, _ = self._fill(step, res, epoch, pos)
        t1 = time.perf_counter()
        self.in_update = True
        m = self.update(res.samples)
        if self.publish is not None:
            m |= self.publish()
        self.in_update = False
        t2 = time.perf_counter()
        self.step, self.epoch, self.pos = step, epoch, pos
        gen = extra.pop("_gen", t1 - t0)  # async: the rollout's own duration (t1 - t0 is the wait for it)
        metrics = {
            **res.metrics,
            **m,
            **extra,
            "training/global_step": float(step),
            "training/epoch": float(epoch),
            "timing_s/gen": gen,
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
        if rm.TRAINER_IDLE in metrics:
            metrics[rm.IDLE_RATIO] = metrics[rm.TRAINER_IDLE] / dt if dt > 0 else 0.0
        tokens = metrics.get("perf/total_num_tokens", 0.0)
        metrics["perf/time_per_step"] = dt
        metrics["perf/throughput"] = tokens / dt if dt > 0 else 0.0
        self.step_times.append(dt)
        self.log.step(step, metrics)
        if self.on_step:
            self.on_step(step, metrics)
        return metrics

    def _async_rollout(self, step: int) -> tuple[StepResult, int, int, dict[str, float]]:
        """Step `step`'s rollout (started during an earlier update, or now); once it is in, the look-ahead is
        topped up to `lookahead` steps (those run on the current weights, then on each newly published one)."""
        q = self._ahead
        if not q or q[0].step != step:
            q.clear()
            idx, epoch, pos = self.s.take(self.epoch, self.pos)
            q.append(_Ahead(self.rollout, step, idx, (epoch, pos)))
        cur = q.popleft()
        tw = time.perf_counter()
        res = cur.wait()
        epoch, pos = cur.after
        more_s = 0.0
        if self.filter_groups:  # extra rounds run here, before the next prefetch: the data order stays sequential
            res, epoch, pos, more_s = self._fill(step, res, epoch, pos)
        idle = time.perf_counter() - tw
        depth = 1 if self.filter_groups else self.lookahead
        last, (e, p) = (q[-1].step, q[-1].after) if q else (step, (epoch, pos))
        while len(q) < depth and last < self.s.total:
            nidx, e, p = self.s.take(e, p)
            last += 1
            q.append(_Ahead(self.rollout, last, nidx, (e, p)))
        policy = self.version() if self.version else 0
        stale = [policy - int(getattr(x, "min_weight_version", policy)) for x in res.samples]
        keep = [x for x, st in zip(res.samples, stale) if st <= self.max_staleness]
        extra = {
            rm.TRAINER_IDLE: idle,
            "_gen": cur.t1 - cur.t0 + more_s,
            rm.STALENESS_MEAN: sum(stale) / len(stale) if stale else 0.0,
            rm.STALENESS_MAX: float(max(stale, default=0)),
            rm.DROPPED_STALE: float(len(res.samples) - len(keep)),
            rm.WEIGHT_VERSION: float(policy),
        }
        return StepResult(keep, res.metrics), epoch, pos, extra

    def _fill(self, step: int, res: StepResult, epoch: int, pos: int) -> tuple[StepResult, int, int, float]:
        """Dynamic sampling: drop the zero-variance groups of `res`; while fewer than `schedule.batch` informative
        groups are in and the round cap allows, roll out the next `batch` prompts (as more rounds of this step).
        A surplus is cut (the first groups win). → (result, epoch, pos after the prompts used, seconds the extra
        rounds took)."""
        from swerl.train.algos import filter_groups
        from swerl.train.metrics import rollout_metrics

        want, cap = self.s.batch, self.max_gen_rounds
        rounds, kept, kept_groups, dropped, outcomes = [res], [], [], 0, list(res.outcomes)
        t0 = time.perf_counter()
        while True:
            samples = rounds[-1].samples
            if len(rounds) > 1:  # the same task may come back in a later round: its group must stay its own
                tag = f"~r{len(rounds)}"
                samples = [x.model_copy(update={"group": f"{x.group}{tag}"}) for x in samples]
                outcomes += [o.model_copy(update={"group": f"{o.group}{tag}"}) for o in rounds[-1].outcomes]
            ok, decision = filter_groups(samples)
            dropped += len(decision.dropped)
            take = decision.kept[: want - len(kept_groups)]
            kept_groups += take
            kept += [x for x in ok if x.group in set(take)]
            if len(kept_groups) >= want or (cap and len(rounds) >= cap):
                break
            idx, epoch, pos = self.s.take(epoch, pos)
            rounds.append(self.rollout(step, idx))
        metrics = dict(res.metrics)
        if len(rounds) > 1 and all(r.outcomes for r in rounds):  # rollout/* over every trial of the step
            metrics = {k: v for k, v in metrics.items() if not k.startswith(rm.P)} | rollout_metrics(outcomes)
        metrics |= {
            rm.FILTERED_GROUPS: float(dropped),
            rm.GEN_ROUNDS: float(len(rounds)),
            rm.INFORMATIVE_GROUPS: float(len(kept_groups)),
            rm.FILTER_SHORT: float(len(kept_groups) < want),
        }
        if len(kept_groups) < want:
            self.log.info(
                f"step {step}: {len(kept_groups)}/{want} informative groups after {len(rounds)} generation "
                f"round(s) (algorithm.max_num_gen_batches={cap}) — training on what there is"
            )
        more_s = time.perf_counter() - t0 if len(rounds) > 1 else 0.0
        return StepResult(kept, metrics, outcomes), epoch, pos, more_s

    def eta_s(self) -> float | None:
        if not self.step_times:
            return None
        return (self.s.total - self.step) * (sum(self.step_times) / len(self.step_times))
