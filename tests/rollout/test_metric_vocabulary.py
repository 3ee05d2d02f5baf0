"""One rollout-metric vocabulary: the local loop's `rollout_metrics` and the verl node scheduler's `stats` (and the
per-node records `read_step_stats` merges) carry the same `rollout/*` keys with the same values for the same
trials. `run_one` is a stand-in (outcomes made in-process), as in test_scheduler: this is about the names."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest

from swerl.models import rollout_metrics as rm
from swerl.rollout import scheduler as sched_mod
from swerl.rollout.agents.registry import AgentEndpoint
from swerl.rollout.outcome import TrialOutcome
from swerl.rollout.runner import RolloutSettings, TrialJob
from swerl.rollout.scheduler import TrialScheduler
from swerl.rollout.tasks import TaskRow
from swerl.train.metrics import rollout_metrics
from swerl.train.verl_engine.node_stack import read_step_stats, stats_file

ROOT = Path(__file__).resolve().parents[2]
REWARDS = {0: 1.0, 1: 1.0, 2: 0.0, 3: 1.0, 4: None, 5: 0.0, 6: 0.0, 7: 0.0}
"""trial → reward (None: masked, sandbox_died); groups of 2: g0 all solved, g1 mixed, g2 one unmasked, g3 none."""


@pytest.fixture
def fake_trials(monkeypatch):
    async def run_one(j: TrialJob, settings, endpoint) -> TrialOutcome:
        i = int(j.trial_id.split("-")[1].removeprefix("t"))
        r = REWARDS[i]
        return TrialOutcome(
            trial_id=j.trial_id,
            task_id=j.task.instance_id,
            group=j.group,
            reward=r,
            masked=r is None,
            mask_reason="sandbox_died" if r is None else "",
            trial_dir=settings.trials_root / j.trial_id,
            duration_s=float(i + 1),
        )

    monkeypatch.setattr(sched_mod, "run_one", run_one)


def job(i: int) -> TrialJob:
    return TrialJob(
        trial_id=f"step1-t{i}-0-{i:012x}",
        task=TaskRow(instance_id=f"task{i // 2}", task_path="/nonexistent", instruction="", data_source="t"),
        group=f"g{i // 2}",
    )


def test_both_engines_emit_the_same_keys_and_values(tmp_path, fake_trials):
    sched = TrialScheduler(RolloutSettings(trials_root=tmp_path, num_workers=4), AgentEndpoint())

    async def main():
        return await asyncio.gather(*(sched.run(job(i), step=1) for i in range(8)))

    outs = asyncio.run(main())
    verl = sched.stats(1)
    local = rollout_metrics(outs)
    only_scheduler = set(rm.SCHEDULER_KEYS)
    assert set(verl) - only_scheduler == set(local)
    assert {k: verl[k] for k in local} == local
    assert set(rm.OUTCOME_KEYS) <= set(local)
    assert not set(local) & set(rm.LEGACY)
    assert local[rm.TRIALS] == 8 and local[rm.MASKED] == 1 and local[rm.MASKED_INFRA] == 1
    assert local["rollout/masked/sandbox_died"] == 1 and local[rm.ERROR] == 1
    assert local[rm.GROUPS] == 4 and local[rm.ZERO_STD_FRACTION] == pytest.approx(2 / 4)
    assert local[rm.SOLVE_ALL] == pytest.approx(1 / 4) and local[rm.SOLVE_NONE] == pytest.approx(2 / 4)
    assert local[rm.REWARD_MEAN] == pytest.approx(3 / 7) and local[rm.TRIAL_S_MAX] == 8.0

    # two nodes wrote this step's record: read_step_stats merges them into the same keys
    state = tmp_path / "state"
    for node in ("nodeA", "nodeB"):
        f = stats_file(state, 1, "train", node)
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(json.dumps({"step": 1, "partition": "train", "node": node, "metrics": verl}))
    merged = read_step_stats(state, 1)
    assert set(merged) == set(verl)
    assert merged[rm.TRIALS] == 16 and merged[rm.GROUPS] == 8 and merged[rm.MASKED] == 2
    for k in (rm.MASKED_FRACTION, rm.ZERO_STD_FRACTION, rm.SOLVE_ALL, rm.SOLVE_NONE, rm.REWARD_MEAN, rm.TRIAL_S_P95):
        assert merged[k] == pytest.approx(verl[k]), k


def test_no_reader_or_writer_uses_a_legacy_name():
    """The old local names live only in the vocabulary's LEGACY map (and in recorded bench/results logs, the design
    note that names them, and the dashboard test that old logs still read)."""
    pat = re.compile("|".join(re.escape(k) + r"\b" for k in rm.LEGACY))
    hits = []
    for base in ("swerl", "tests", "dashboard/webui/src", "docs", "bench", "dev", "README.md"):
        for p in [ROOT / base] if (ROOT / base).is_file() else (ROOT / base).rglob("*"):
            if not p.is_file() or p.suffix not in (".py", ".ts", ".md", ".sh", ".log", ".yaml") or "results" in p.parts:
                continue
            if p.name in ("rollout_metrics.py", "test_metric_vocabulary.py", "test_health.py", "design.md"):
                continue
            hits += [
                f"{p.relative_to(ROOT)}:{n}" for n, ln in enumerate(p.read_text().splitlines(), 1) if pat.search(ln)
            ]
    assert not hits, hits


def _token_trial(root: Path, name: str, calls: list[dict]) -> TrialOutcome:
    """A finished trial whose `tokens.jsonl` holds one record per entry of `calls` (extra TokenRecord fields)."""
    from swerl.models.trial import TOKENS_FILE, TokenRecord, dump_line

    d = root / name
    d.mkdir()
    recs = [
        TokenRecord(
            call_id=f"{name}-{k}",
            segment=0,
            new_segment=k == 0,
            finish_reason="stop",
            trial_id=name,
            prompt_ids=[1],
            response_ids=[2],
            response_logprobs=[-0.1],
            **extra,
        )
        for k, extra in enumerate(calls)
    ]
    (d / TOKENS_FILE).write_text("".join(dump_line(r) for r in recs))
    return TrialOutcome(trial_id=name, task_id="t", group="g", reward=0.0, trial_dir=d, duration_s=1.0)


def test_tool_parse_fail_rate_from_the_trials_token_records(tmp_path):
    """`rollout/tool_parse_fail_rate` = failed / attempted over the step's trials' `tokens.jsonl` lines (a reply
    without a tool call does not count), summed over nodes by `merge_nodes`."""

    def trial(name: str, parses: list[str]) -> TrialOutcome:
        return _token_trial(tmp_path, name, [{"tool_parse": p} for p in parses])

    outs = [trial("a", ["ok", "failed", "none"]), trial("b", ["failed", "failed", "ok", "none"])]
    s = rollout_metrics(outs)
    assert s[rm.TOOL_CALLS_ATTEMPTED] == 5 and s[rm.TOOL_PARSE_FAILED] == 3
    assert s[rm.TOOL_PARSE_FAIL_RATE] == pytest.approx(3 / 5)
    merged = rm.merge_nodes([rollout_metrics(outs[:1]), rollout_metrics(outs[1:])])
    assert merged[rm.TOOL_PARSE_FAIL_RATE] == pytest.approx(3 / 5) and merged[rm.TOOL_CALLS_ATTEMPTED] == 5


def test_partial_rollouts_counted_from_the_token_records(tmp_path):
    """`rollout/partial`: trials with a call whose first token was sampled by an older weight version than its
    last (resumed across an update); a call sampled by one version, or a file written before versions, is not."""

    def trial(name: str, versions: list[tuple[int, int | None]]) -> TrialOutcome:
        calls = [{"weight_version": last, "min_weight_version": first} for last, first in versions]
        return _token_trial(tmp_path, name, calls)

    outs = [
        trial("resumed", [(1, None), (2, 1)]),  # its second call spans versions 1 → 2
        trial("whole", [(2, None), (3, 3)]),
        trial("none", []),
    ]
    assert rollout_metrics(outs)[rm.PARTIAL] == 1
    assert rm.merge_nodes([rollout_metrics(outs[:1]), rollout_metrics(outs[1:])])[rm.PARTIAL] == 1


def test_verl_async_step_lines_map_to_the_async_names():
    """A real colocate_async step line of the H200 run (bench/results): verl's wait for the batch is the
    trainer's idle time; its trajectory staleness is ours."""
    from swerl.models.logline import parse_step_line

    line = (ROOT / "bench/results/gpu_async_colocate_steps.log").read_text().splitlines()[3]
    step, m = parse_step_line(line)
    a = rm.async_metrics(m)
    assert step == 4
    assert a[rm.TRAINER_IDLE] == pytest.approx(m["timing_s/gen"]) and a[rm.TRAINER_IDLE] > 30
    assert a[rm.IDLE_RATIO] == pytest.approx(m["timing_s/gen"] / m["timing_s/step"])
    assert a[rm.STALENESS_MEAN] == pytest.approx(0.046875) and a[rm.STALENESS_MAX] == 1
    assert rm.async_metrics({"timing_s/gen": 3.0}) == {}  # no step time: nothing derived


def test_phase_timings_from_a_harbor_result_reach_the_step_metrics(tmp_path):
    """Where a slow step's trial time went: each Harbor phase that started, by its TimingInfo; an open phase runs
    to the trial's end; p50/p95 per phase in the step metrics, the max over nodes when merged."""
    from datetime import UTC, datetime, timedelta

    from harbor.models.trial.result import TimingInfo

    from swerl.rollout.outcome import phase_seconds

    t0 = datetime(2026, 12, 2, tzinfo=UTC)
    at = lambda s: t0 + timedelta(seconds=s)  # noqa: E731
    result = type("R", (), {})()
    result.finished_at = at(40)
    result.environment_setup = TimingInfo(started_at=at(0), finished_at=at(3))
    result.agent_setup = None
    result.agent_execution = TimingInfo(started_at=at(3), finished_at=at(10))
    result.verifier = TimingInfo(started_at=at(10), finished_at=None)  # timed out: open until the trial ended
    assert phase_seconds(result) == {"sandbox": 3.0, "agent": 7.0, "verifier": 30.0}

    outs = [
        TrialOutcome(trial_id=f"t{i}", task_id="a", group="g", reward=1.0, trial_dir=tmp_path, phases={"verifier": v})
        for i, v in enumerate([1.0, 2.0, 30.0])
    ]
    stats = rm.outcome_stats(outs, policy_reasons=())
    assert stats[rm.PHASE_S_P50 + "verifier"] == 2.0 and stats[rm.PHASE_S_P95 + "verifier"] == 30.0
    merged = rm.merge_nodes([stats, {**stats, rm.PHASE_S_P50 + "verifier": 5.0}])
    assert merged[rm.PHASE_S_P50 + "verifier"] == 5.0 and merged[rm.PHASE_S_P95 + "verifier"] == 30.0
