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
