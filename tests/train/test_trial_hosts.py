"""Trial host processes (swerl.train.verl_engine.trial_hosts) without Ray: how many a node runs, the lag a host
measures for the trials it ran, and that the node's scheduler counts that lag and runs trials through a given
runner. Under Ray (hosts as actors, tail-killed trials cancelled in their host): tests/train/test_verl_node_stack."""

from __future__ import annotations

import asyncio
import time

import pytest

from swerl.rollout import hosts
from swerl.rollout.agents.registry import AgentEndpoint
from swerl.rollout.outcome import TrialOutcome
from swerl.rollout.runner import RolloutSettings, TrialJob
from swerl.rollout.scheduler import TrialScheduler
from swerl.rollout.tasks import TaskRow
from swerl.train.verl_engine import trial_hosts as th


def _job(i: int) -> TrialJob:
    task = TaskRow(instance_id="t", task_path="/nonexistent", instruction="", data_source="t")
    return TrialJob(trial_id=f"step1-t-{i}-{i:012x}", task=task, group="g")


def _outcome(j: TrialJob, root) -> TrialOutcome:
    return TrialOutcome(trial_id=j.trial_id, task_id="t", group=j.group, reward=1.0, trial_dir=root / j.trial_id)


def test_host_count_is_the_setting_or_one_per_32_trials_within_half_the_cores():
    assert hosts.host_count(3, 8, cpus=16) == 3  # set: as set
    assert hosts.host_count(1, 512, cpus=16) == 1  # 1 = the stack's own process
    assert hosts.host_count(0, 32, cpus=16) == 1
    assert hosts.host_count(0, 33, cpus=16) == 2
    assert hosts.host_count(0, 256, cpus=16) == 8
    assert hosts.host_count(0, 512, cpus=4) == 2  # never more than one per two cores
    assert hosts.host_count(0, 512, cpus=2) == 1 and hosts.host_count(0, 64, cpus=1) == 1


def test_a_host_returns_the_lag_its_loop_had_while_the_trial_ran(tmp_path):
    async def run_one(j, settings, endpoint):
        await asyncio.sleep(0.3)
        time.sleep(0.8)  # a CPU-bound stretch on the host's loop (what sandbox commands at scale amount to)
        await asyncio.sleep(0.3)
        return _outcome(j, tmp_path)

    async def quick(j, settings, endpoint):
        await asyncio.sleep(0.05)
        return _outcome(j, tmp_path)

    host = th.TrialHost()
    host._run_one = run_one
    slow = asyncio.run(host.run(_job(0), None, None))
    assert 0.5 <= slow.loop_lag_s < 5 and host.done == 1
    host._run_one = quick
    assert asyncio.run(host.run(_job(1), None, None)).loop_lag_s < 0.5  # its own lag, not the last trial's


def test_the_scheduler_runs_trials_through_its_runner_and_counts_their_lag(tmp_path):
    ran = []

    async def runner(j, settings, endpoint):
        ran.append(j.trial_id)
        return _outcome(j, tmp_path).model_copy(update={"loop_lag_s": 2.5 if j.trial_id.endswith("1") else 0.1})

    s = TrialScheduler(RolloutSettings(trials_root=tmp_path, num_workers=2), AgentEndpoint(), runner=runner)

    async def main():
        return await asyncio.gather(*(s.run(_job(i), step=1) for i in range(3)))

    outs = asyncio.run(main())
    assert sorted(ran) == sorted(o.trial_id for o in outs) and len(ran) == 3
    assert s.stats(1)["rollout/loop_lag_ms_max"] >= 2500  # the hosts' lag, the one the trials' deadlines saw


@pytest.mark.parametrize(
    ("procs", "workers", "words"),
    [
        (0, 256, "256 concurrent trials in 8 trial host processes per node (auto"),
        (1, 48, "48 concurrent trials in the node stack's process"),
        (1, 256, "256 concurrent trials in the node stack's process: ~256 per event loop"),
        (2, 256, "256 concurrent trials in 2 trial host processes per node: ~128 per event loop"),
    ],
)
def test_preflight_says_how_many_trials_each_trial_process_carries(tmp_path, procs, workers, words):
    import io

    from swerl.preflight.checks import plan
    from swerl.preflight.context import Context
    from swerl.preflight.report import Report, Status
    from tests.train.test_verl_async import _cfg

    cfg = _cfg(tmp_path, train_batch_size=16, n_resp_per_prompt=16)
    cfg.input.harbor_runtime.num_workers = workers
    cfg.input.harbor_runtime.trial_processes = procs
    r = Report(out=io.StringIO())
    plan.run(Context(cfg, tmp_path / "config.yaml"), r)
    (line,) = [ln for ln in r.lines if "trial" in ln.label and "process" in ln.label]
    assert line.detail.startswith(words), line.detail
    assert (line.status is Status.WARN) == ("per event loop" in words)
    if line.status is Status.WARN:
        assert f"trial_processes={workers // 32}" in line.detail


class _SleepHost(th.TrialHost):
    """A trial host whose trial is a sleep (the task id is its length, s) that leaves a marker when cancelled —
    the pool's routing, cancellation and host death are what is tested here, not Harbor."""

    def __init__(self, imports=()):
        super().__init__(imports)

        async def sleep_trial(j, settings, endpoint):
            try:
                await asyncio.sleep(float(j.task.instance_id))
            except asyncio.CancelledError:
                (settings / f"cancelled-{j.trial_id}").write_text("x")  # `settings` is the marker dir here
                raise
            return _outcome(j, settings)

        self._run_one = sleep_trial


def _sleep_job(i: int, secs: float) -> TrialJob:
    task = TaskRow(instance_id=str(secs), task_path="/nonexistent", instruction="", data_source="t")
    return TrialJob(trial_id=f"step1-t-{i}-{i:012x}", task=task, group="g")


@pytest.mark.integration
def test_pool_spreads_cancels_in_the_host_and_routes_around_a_dead_one(tmp_path):
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        pool = th.TrialHostPool(2, ray.get_runtime_context().get_node_id(), host_cls=_SleepHost)
        pids = pool.start()
        assert len(set(pids)) == 2

        async def main():
            # two at once go to two hosts (least busy first)
            outs = await asyncio.gather(*(pool.run(_sleep_job(i, 0.2), tmp_path, None) for i in range(2)))
            assert [o.trial_id for o in outs] == [_sleep_job(i, 0.2).trial_id for i in range(2)]
            assert pool.handed == [1, 1]
            # a cancelled trial is cancelled in its host (its cleanup ran) before the cancellation goes on
            t = asyncio.create_task(pool.run(_sleep_job(2, 30), tmp_path, None))
            await asyncio.sleep(1.0)
            t.cancel()
            with pytest.raises(asyncio.CancelledError):
                await t
            assert (tmp_path / f"cancelled-{_sleep_job(2, 30).trial_id}").is_file()
            # a host that dies fails the trial it held, and gets no more
            busy = asyncio.create_task(pool.run(_sleep_job(3, 30), tmp_path, None))
            await asyncio.sleep(1.0)
            victim = pool.load.index(1)
            ray.kill(pool.hosts[victim])
            with pytest.raises(ray.exceptions.RayActorError):
                await busy
            assert pool.dead == {victim} and pool.info()["dead"] == [victim]
            handed = list(pool.handed)
            after = [await pool.run(_sleep_job(4 + k, 0.05), tmp_path, None) for k in range(3)]
            assert len(after) == 3 and pool.handed[victim] == handed[victim]  # all three went to the live host
            assert pool.handed[1 - victim] == handed[1 - victim] + 3

        asyncio.run(main())
    finally:
        ray.shutdown()
