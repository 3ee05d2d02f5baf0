"""The trial scheduler's rules (concurrency cap, start pace, per-step tail-killer) with trials arriving one by
one, as verl's agent-loop workers hand them over. `run_one` is replaced by a sleep of a given length: these
tests are about the scheduling, the real trial path is covered in test_trials_docker / test_verl_node_stack."""

from __future__ import annotations

import asyncio
import time

import pytest

from swerl.rollout import scheduler as sched_mod
from swerl.rollout.agents.registry import AgentEndpoint
from swerl.rollout.outcome import SwerlBug, TrialOutcome
from swerl.rollout.runner import RolloutSettings, TrialJob
from swerl.rollout.scheduler import TrialScheduler
from swerl.rollout.tasks import TaskRow


def job(i: int, secs: float = 0.05, step: int = 1) -> TrialJob:
    return TrialJob(
        trial_id=f"step{step}-t{i}-0-{i:012x}",
        task=TaskRow(instance_id=f"sleep{secs}", task_path="/nonexistent", instruction="", data_source="t"),
        group=f"g{i % 4}",
    )


@pytest.fixture
def fake_trials(monkeypatch):
    starts: list[float] = []

    async def run_one(j: TrialJob, settings, endpoint) -> TrialOutcome:
        starts.append(time.monotonic())
        secs = float(j.task.instance_id.removeprefix("sleep"))
        if secs < 0:
            raise SwerlBug("a bug in our code")
        await asyncio.sleep(secs)
        return TrialOutcome(
            trial_id=j.trial_id,
            task_id=j.task.instance_id,
            group=j.group,
            reward=1.0,
            trial_dir=settings.trials_root / j.trial_id,
            duration_s=secs,
        )

    monkeypatch.setattr(sched_mod, "run_one", run_one)
    return starts


def settings(tmp_path, **kw) -> RolloutSettings:
    return RolloutSettings(trials_root=tmp_path, **{"num_workers": 4, "tail_kill_grace_sec": 0.3, **kw})


def test_concurrency_cap_holds_across_callers(tmp_path, fake_trials):
    s = TrialScheduler(settings(tmp_path, num_workers=3), AgentEndpoint())

    async def main():
        return await asyncio.gather(*(s.run(job(i), step=1) for i in range(20)))

    outs = asyncio.run(main())
    assert len(outs) == 20 and len({o.trial_id for o in outs}) == 20 and not any(o.masked for o in outs)
    assert s.peak_running == 3 and s.stats(1)["rollout/peak_concurrent"] == 3
    assert s.stats(1)["rollout/done"] == 20 and s.stats(1)["rollout/masked"] == 0
    assert all((tmp_path / o.trial_id / "outcome.json").is_file() for o in outs)  # the verdict of record


def test_sandbox_starts_are_paced(tmp_path, fake_trials):
    s = TrialScheduler(settings(tmp_path, num_workers=10, max_sandbox_starts_per_sec=25), AgentEndpoint())

    async def main():
        await asyncio.gather(*(s.run(job(i, 0.01)) for i in range(8)))

    asyncio.run(main())
    gaps = [b - a for a, b in zip(fake_trials, fake_trials[1:])]
    assert len(gaps) == 7 and min(gaps) >= 0.03  # 1/25 s apart (scheduler clock); unpaced they start together


def test_tail_killer_masks_the_straggler_of_a_step(tmp_path, fake_trials):
    s = TrialScheduler(settings(tmp_path, num_workers=10, tail_kill_fraction=0.9), AgentEndpoint())
    jobs = [job(i, 0.02) for i in range(9)] + [job(9, 60.0)]

    async def main():
        return await asyncio.gather(*(s.run(j, step=2) for j in jobs))

    outs = asyncio.run(asyncio.wait_for(main(), 20))
    assert [o.masked for o in outs] == [False] * 9 + [True]
    assert outs[9].mask_reason == "tail_killed" and outs[9].reward is None
    st = s.stats(2)
    assert st["rollout/tail_killed"] == 1 and st["rollout/masked/tail_killed"] == 1 and st["rollout/masked_infra"] == 0


def test_steps_are_killed_separately_and_caller_cancel_is_not_a_tail_kill(tmp_path, fake_trials):
    """A slow trial of step 3 is not killed because step 4 finished; cancelling the caller cancels the trial."""
    s = TrialScheduler(settings(tmp_path, num_workers=10, tail_kill_fraction=0.5), AgentEndpoint())

    async def main():
        slow = asyncio.create_task(s.run(job(0, 60.0, step=3), step=3))
        fast = await asyncio.gather(*(s.run(job(i, 0.01, step=4), step=4) for i in range(1, 5)))
        await asyncio.sleep(0.5)  # > grace: step 3 has 0/1 done, so it must not be armed
        assert not slow.done()
        slow.cancel()
        with pytest.raises(asyncio.CancelledError):
            await slow
        return fast

    fast = asyncio.run(main())
    assert not any(o.masked for o in fast)
    assert s.stats(3)["rollout/done"] == 0 and s.running == 0


def test_a_swerl_bug_raises_and_other_failures_are_masks(tmp_path, fake_trials, monkeypatch):
    s = TrialScheduler(settings(tmp_path), AgentEndpoint())
    with pytest.raises(SwerlBug):
        asyncio.run(s.run(job(0, -1.0)))

    async def boom(j, settings, endpoint):
        raise OSError("disk gone")

    monkeypatch.setattr(sched_mod, "run_one", boom)
    out = asyncio.run(s.run(job(1)))
    assert out.masked and out.mask_reason == "error:OSError" and "disk gone" in out.error
    assert s.stats(0)["rollout/masked_infra"] == 1


def test_loop_lag_is_measured_while_trials_run(tmp_path, monkeypatch):
    """A trial that blocks the event loop (CPU-bound work in the trials' process) shows as loop lag in the step's
    stats; trials that only await do not — the number a stop on verifier/agent deadlines is read against."""

    async def run_one(j: TrialJob, settings, endpoint) -> TrialOutcome:
        await asyncio.sleep(0.3)
        if j.task.instance_id == "block":
            time.sleep(1.5)  # holds the loop: every other trial's timers fire late
        await asyncio.sleep(0.3)
        return TrialOutcome(
            trial_id=j.trial_id, task_id=j.task.instance_id, group=j.group, reward=1.0, trial_dir=tmp_path
        )

    monkeypatch.setattr(sched_mod, "run_one", run_one)
    s = TrialScheduler(settings(tmp_path, num_workers=8), AgentEndpoint())

    def one_step(step: int, blocking: bool) -> dict:
        jobs = [job(i, step=step) for i in range(4)]
        if blocking:
            jobs[0].task = TaskRow(instance_id="block", task_path="/nonexistent", instruction="", data_source="t")

        async def main():
            await asyncio.gather(*(s.run(j, step=step) for j in jobs))

        asyncio.run(main())
        return s.stats(step)

    calm, busy = one_step(1, blocking=False), one_step(2, blocking=True)
    assert busy["rollout/loop_lag_ms_max"] >= 1200.0
    assert calm["rollout/loop_lag_ms_max"] < 1000.0
    assert 0.0 <= calm["rollout/loop_lag_ms_p50"] <= calm["rollout/loop_lag_ms_max"]


def test_a_trial_blocking_the_loop_is_named_in_the_step(tmp_path, fake_trials, monkeypatch):
    """A trial whose code blocks the event loop (a synchronous call inside it) shows up in the step's stats as a
    stall, and the step record's stack names the blocking function."""
    from swerl.rollout import stalls

    monkeypatch.setattr(stalls, "STALL_S", 0.5)
    fake = sched_mod.run_one

    def harbor_like_sync_work():
        time.sleep(1.2)

    async def blocking(j, settings, endpoint):
        await asyncio.sleep(0.6)  # the watcher is running by now
        harbor_like_sync_work()
        return await fake(j, settings, endpoint)

    monkeypatch.setattr(sched_mod, "run_one", blocking)
    s = TrialScheduler(settings(tmp_path), AgentEndpoint())

    async def main():
        return await asyncio.gather(*(s.run(job(i, 0.3), step=1) for i in range(2)))

    asyncio.run(main())
    assert s.stats(1)["rollout/loop_stalls"] >= 1
    assert any(
        sig.startswith("test_scheduler.py:") and "harbor_like_sync_work" in sig for sig in s.steps[(1, "train")].stalls
    )
