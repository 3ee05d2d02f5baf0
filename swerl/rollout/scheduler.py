"""Trials arriving one by one (verl's agent-loop workers) or as a list (the local loop) share one scheduler:
a cap on concurrent trials, a pace on sandbox starts, and a per-step tail-killer.

`TrialScheduler.run(job, step)` → that trial's `TrialOutcome`, never raising for one trial's failure (a
`SwerlBug` still raises: it is ours, not the trial's). Concurrency: `settings.num_workers` trials at a time
(asyncio semaphore) across every caller in this process. Pace: at most `max_sandbox_starts_per_sec` trials start per
second (0 = no limit), so a 512-trial step does not create 512 sandboxes in the same second. Tail-killer, per
(step, partition): once `tail_kill_fraction` of the trials that arrived for it are done, the ones still queued
or running `tail_kill_grace_sec` later are cancelled (their sandboxes removed by the runner) and come back
masked `tail_killed`. `stats(step)` counts what happened (arrived, running, done, masked per reason, trial
seconds, how late the event loop ran while they did) for the step lines. A finished trial's gateway session is
ended through the endpoint.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass, field

from swerl.config.paths import trial_dir
from swerl.models import rollout_metrics as rm
from swerl.models.rollout_metrics import outcome_stats
from swerl.rollout.agents.registry import AgentEndpoint
from swerl.rollout.outcome import POLICY_REASONS, SwerlBug, TrialOutcome
from swerl.rollout.runner import RolloutSettings, TrialJob, record_outcome, run_one
from swerl.rollout.stalls import StallSampler


@dataclass
class StepState:
    arrived: int = 0
    done: int = 0
    running: int = 0
    peak_running: int = 0
    tasks: set[asyncio.Task] = field(default_factory=set)
    kill_handle: asyncio.TimerHandle | None = None
    killed: bool = False
    first_infra: TrialOutcome | None = None
    """The first trial masked for a cause outside the policy (what a stopped run names)."""
    outcomes: list[TrialOutcome] = field(default_factory=list)
    t_first: float = 0.0
    t_last: float = 0.0
    lags: list[float] = field(default_factory=list)
    """Event-loop lag samples (s) taken while the step's trials ran (at most LAG_SAMPLES, then every other)."""
    lag_max: float = 0.0
    stalls: dict[str, int] = field(default_factory=dict)
    """Stacks of the loop thread taken when it was ≥ `stalls.STALL_S` late while the step's trials ran."""


LAG_PERIOD_S = 0.25
LAG_SAMPLES = 4096


class TrialScheduler:
    def __init__(self, settings: RolloutSettings, endpoint: AgentEndpoint, *, on_done=None, runner=None) -> None:
        self.settings = settings
        self.endpoint = endpoint
        self.runner = runner
        """Runs one admitted trial (run_one's signature): a node's trial host pool; None = `run_one` here."""
        self.max_starts_per_sec = settings.max_sandbox_starts_per_sec
        self.on_done = on_done
        """Called with (outcome, step, partition) after each trial (e.g. free its gateway session)."""
        self._sem: asyncio.Semaphore | None = None
        self._next_start = 0.0
        self._pace_lock: asyncio.Lock | None = None
        self.steps: dict[tuple[int, str], StepState] = {}
        self.running = 0
        self.peak_running = 0
        self._lag_task: asyncio.Task | None = None
        self._stalls: StallSampler | None = None

    def _state(self, step: int, partition: str) -> StepState:
        st = self.steps.get((step, partition))
        if st is None:
            st = self.steps[(step, partition)] = StepState(t_first=time.time())
            for old in [k for k in self.steps if k[0] < step - 4]:  # keep a few steps for late stats readers
                del self.steps[old]
        return st

    async def _pace(self) -> None:
        if self.max_starts_per_sec <= 0:
            return
        assert self._pace_lock is not None
        async with self._pace_lock:
            now = time.monotonic()
            wait = self._next_start - now
            self._next_start = max(now, self._next_start) + 1.0 / self.max_starts_per_sec
        if wait > 0:
            await asyncio.sleep(wait)

    async def _run(self, job: TrialJob, st: StepState) -> TrialOutcome:
        assert self._sem is not None
        async with self._sem:
            await self._pace()
            self.running += 1
            st.running += 1
            self.peak_running = max(self.peak_running, self.running)
            st.peak_running = max(st.peak_running, st.running)
            if self._lag_task is None or self._lag_task.done():
                self._lag_task = asyncio.create_task(self._watch_loop())
            try:
                return await (self.runner or run_one)(job, self.settings, self.endpoint)
            finally:
                self.running -= 1
                st.running -= 1

    async def _watch_loop(self) -> None:
        """While trials run: how late a LAG_PERIOD_S timer fires is how long the loop was busy elsewhere; a
        stall sampler (swerl.rollout.stalls) names what held it when it was late by STALL_S or more."""
        if self._stalls is None:
            self._stalls = StallSampler()
        sampler = self._stalls
        sampler.beat(LAG_PERIOD_S)
        sampler.start()
        try:
            while self.running > 0:
                t = time.monotonic()
                sampler.beat(LAG_PERIOD_S)
                await asyncio.sleep(LAG_PERIOD_S)
                lag = max(0.0, time.monotonic() - t - LAG_PERIOD_S)
                stalls = sampler.take()
                for st in self.steps.values():
                    if st.running > 0:
                        st.lag_max = max(st.lag_max, lag)
                        st.lags.append(lag)
                        if len(st.lags) > LAG_SAMPLES:
                            st.lags = st.lags[::2]
                        for sig, n in stalls.items():
                            st.stalls[sig] = st.stalls.get(sig, 0) + n
        finally:
            sampler.stop()

    def _arm(self, st: StepState) -> None:
        s = self.settings
        if not s.tail_kill_enabled or st.kill_handle is not None or st.killed:
            return
        if st.done >= math.ceil(s.tail_kill_fraction * st.arrived) and st.tasks:
            st.kill_handle = asyncio.get_running_loop().call_later(s.tail_kill_grace_sec, self._kill, st)

    def _kill(self, st: StepState) -> None:
        st.kill_handle = None
        if st.done < math.ceil(self.settings.tail_kill_fraction * st.arrived):  # more arrived since it was armed
            return self._arm(st)
        st.killed = True
        for t in list(st.tasks):
            t.cancel()

    async def run(self, job: TrialJob, step: int = 0, partition: str = "train") -> TrialOutcome:
        if self._sem is None:  # created on the loop that runs the trials
            self._sem = asyncio.Semaphore(self.settings.num_workers)
            self._pace_lock = asyncio.Lock()
        st = self._state(step, partition)
        st.arrived += 1
        t0 = time.time()
        task = asyncio.create_task(self._run(job, st))
        st.tasks.add(task)
        try:
            out = await asyncio.shield(task)
        except asyncio.CancelledError:
            if not task.cancelled():  # the caller was cancelled, not the trial: pass it on
                task.cancel()
                raise
            out = self._masked(job, "tail_killed" if st.killed else "cancelled", t0)
        except SwerlBug:
            raise
        except Exception as exc:  # noqa: BLE001 — one trial's crash is that trial's mask, not the step's
            out = self._masked(job, f"error:{type(exc).__name__}", t0, str(exc))
        finally:
            st.tasks.discard(task)
        st.done += 1
        st.t_last = time.time()
        st.lag_max = max(st.lag_max, out.loop_lag_s)  # a trial host's loop (the trials' deadlines saw that lag)
        st.outcomes.append(out)
        if out.masked and out.mask_reason not in POLICY_REASONS:
            st.first_infra = st.first_infra or out
        record_outcome(out)
        if self.endpoint.host_url:  # free the trial's gateway session (through the proxy); never raises
            from swerl.serve.gateway.client import aend_trial

            await aend_trial(self.endpoint.host_url, out.trial_id, api_key=self.endpoint.api_key or None)
        if self.on_done is not None:
            try:
                self.on_done(out, step, partition)
            except Exception:  # noqa: BLE001 — a bookkeeping hook must not lose the trial
                pass
        if st.tasks:
            self._arm(st)
        elif st.kill_handle is not None:
            st.kill_handle.cancel()
            st.kill_handle = None
        return out

    def _masked(self, job: TrialJob, reason: str, t0: float, error: str = "") -> TrialOutcome:
        return TrialOutcome(
            trial_id=job.trial_id,
            task_id=job.task.instance_id,
            group=job.group,
            masked=True,
            mask_reason=reason,
            trial_dir=trial_dir(self.settings.trials_root, job.trial_id),
            duration_s=time.time() - t0,
            error=error[:500],
        )

    def stats(self, step: int, partition: str = "train") -> dict[str, float]:
        """`rollout/*` metrics of one step on this node (what the step lines carry): the vocabulary of
        `swerl.models.rollout_metrics` (the local loop's too), plus what only a scheduler measures."""
        st = self.steps.get((step, partition))
        if st is None:
            return {}
        return outcome_stats(st.outcomes, policy_reasons=POLICY_REASONS, arrived=st.arrived) | {
            rm.PEAK_CONCURRENT: float(st.peak_running),
            rm.WALL_S: st.t_last - st.t_first if st.done else 0.0,
            rm.LOOP_LAG_MS_P50: 1000.0 * rm.percentile(st.lags, 0.5),
            rm.LOOP_LAG_MS_MAX: 1000.0 * st.lag_max,
            rm.LOOP_STALLS: float(sum(st.stalls.values())),
        }
