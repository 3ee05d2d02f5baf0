"""Dynamic sampling (algorithm.filter_groups): the filter drops exactly the zero-variance groups (variance over
unmasked trials, one reward per trial), the loop over-samples the next prompts until train_batch_size informative
groups are in or the round cap is hit (sync and async: same data order), the step metrics say so, and the verl
engine refuses the key at load. The rollouts here are stand-ins (outcomes + samples made in-process: no trials);
the real run is test_filter_groups_embedded_default."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from swerl.models import rollout_metrics as rm
from swerl.models.trial import Sample
from swerl.rollout.outcome import TrialOutcome
from swerl.train.algos import filter_groups
from swerl.train.loop import Schedule, StepResult, TrainLoop
from swerl.train.metrics import StepLogger, rollout_metrics

ROOT = Path(__file__).resolve().parents[2]
SWERL = str(ROOT / ".venv" / "bin" / "swerl")


def outcome(tid: str, group: str, reward: float | None) -> TrialOutcome:
    return TrialOutcome(
        trial_id=tid,
        task_id=group.split("#")[0],
        group=group,
        reward=reward,
        masked=reward is None,
        mask_reason="sandbox_died" if reward is None else "",
        trial_dir=Path("/nonexistent") / tid,
        duration_s=1.0,
    )


def sample(o: TrialOutcome, segment: int = 0) -> Sample:
    return Sample(
        trial_id=o.trial_id,
        group=o.group,
        reward=o.reward,
        prompt_ids=[1],
        response_ids=[2],
        response_mask=[1],
        response_logprobs=[-0.1],
        segment=segment,
    )


def test_filter_drops_exactly_the_zero_variance_groups_masked_trials_excluded():
    trials = {
        "a#0": [1.0, 1.0, None],  # all unmasked solved: dropped (a masked trial scored 0 would fake a signal)
        "b#1": [1.0, 0.0, None],  # variance: kept
        "c#2": [0.0, None, None],  # one unmasked trial: kept (verl's GRPO gives it advantage = its score)
        "d#3": [0.0, 0.0, 0.0],  # all failed: dropped
        "e#4": [None, None, None],  # all masked: no sample trains, in neither list
        "f#5": [1.0, 1.0],  # a 2-segment trial + a 1-segment one, same reward: dropped (one reward per trial)
        "g#6": [0.5, 0.5, 1.0],  # partial rewards with variance: kept
    }
    outs = [outcome(f"{g}-{k}", g, r) for g, rs in trials.items() for k, r in enumerate(rs)]
    samples = [sample(o) for o in outs if not o.masked]
    samples.append(sample(outs[0], segment=1))  # a second segment of an a#0 trial
    samples.append(sample(next(o for o in outs if o.group == "f#5"), segment=1))
    samples.append(sample(outs[2]).model_copy(update={"reward": None}))  # a masked trial's sample, defensively

    kept, decision = filter_groups(samples)
    assert decision.dropped == ["a#0", "d#3", "f#5"]
    assert decision.kept == ["b#1", "c#2", "g#6"]
    assert {s.group for s in kept} == {"b#1", "c#2", "g#6"}
    assert len(kept) == 2 + 1 + 3

    m = rollout_metrics(outs)  # the step metrics count the same rule over the same (unmasked) trials
    assert m[rm.GROUPS] == 6  # e#4 has no unmasked trial
    assert m[rm.ZERO_STD_FRACTION] == pytest.approx(3 / 6)
    assert m[rm.SOLVE_ALL] == pytest.approx(2 / 6)  # a#0, f#5
    assert m[rm.SOLVE_NONE] == pytest.approx(2 / 6)  # c#2 (its one trial), d#3


class Tasks:
    """A stand-in rollout: task index → the rewards its n trials get (a dict, so a test says which tasks are
    informative); records the task indices of every round."""

    def __init__(self, rewards: dict[int, list[float | None]], n_tasks: int):
        self.rewards, self.n_tasks = rewards, n_tasks
        self.rounds: list[tuple[int, list[int]]] = []
        self.updates: list[list] = []

    def rollout(self, step: int, idx: list[int]) -> StepResult:
        self.rounds.append((step, list(idx)))
        outs = [
            outcome(f"s{step}r{len(self.rounds)}-{j}-{k}", f"task{j}#{b}", r)
            for b, j in enumerate(idx)
            for k, r in enumerate(self.rewards.get(j, [1.0, 1.0]))
        ]
        return StepResult([sample(o) for o in outs if not o.masked], rollout_metrics(outs), outs)

    def update(self, samples: list) -> dict[str, float]:
        self.updates.append(samples)
        return {"train/num_samples": float(len(samples))}


def run(tmp_path, world: Tasks, *, cap: int, steps: int = 1, batch: int = 2, lookahead: int = 0, name: str = "e"):
    lines = tmp_path / f"{name}.out"
    with open(lines, "w") as out:
        loop = TrainLoop(
            Schedule(n_tasks=world.n_tasks, batch=batch, total_steps=steps, save_freq=0, seed=1),
            rollout=world.rollout,
            update=world.update,
            save=None,
            ckpt=None,
            logger=StepLogger(tmp_path / f"{name}.log", tmp_path / f"{name}_vllm.log", out=out),
            lookahead=lookahead,
            publish=(lambda: {}) if lookahead else None,
            version=(lambda: 0) if lookahead else None,
            filter_groups=True,
            max_gen_rounds=cap,
        )
        last = loop.run()
    return loop, last, lines.read_text()


def test_oversampling_stops_at_the_cap_and_says_so(tmp_path):
    world = Tasks({}, n_tasks=8)  # every task: both trials solved → zero variance everywhere
    loop, m, text = run(tmp_path, world, cap=3)
    assert [s for s, _ in world.rounds] == [1, 1, 1]  # exactly the cap, all rounds of step 1
    assert m[rm.GEN_ROUNDS] == 3 and m[rm.FILTER_SHORT] == 1.0 and m[rm.INFORMATIVE_GROUPS] == 0
    assert m[rm.FILTERED_GROUPS] == 6  # 3 rounds × 2 groups
    assert m[rm.TRIALS] == 12 and m[rm.ZERO_STD_FRACTION] == 1.0 and m[rm.SOLVE_ALL] == 1.0
    assert world.updates == [[]]  # trained on what there is: nothing
    assert "0/2 informative groups after 3 generation round(s)" in text
    assert loop.pos == 6  # the data order moved past every prompt used


def test_oversampling_fills_the_batch_cuts_the_surplus_and_keeps_rounds_apart(tmp_path):
    order = Schedule(n_tasks=6, batch=2, seed=1).order(0)
    informative = {order[1]: [1.0, 0.0], order[2]: [0.0, 1.0], order[3]: [1.0, 0.0]}
    world = Tasks(informative, n_tasks=6)
    loop, m, _ = run(tmp_path, world, cap=0)  # no cap: stops as soon as the batch is full
    assert world.rounds == [(1, order[0:2]), (1, order[2:4])]
    assert m[rm.GEN_ROUNDS] == 2 and m[rm.FILTER_SHORT] == 0.0 and m[rm.INFORMATIVE_GROUPS] == 2
    assert m[rm.FILTERED_GROUPS] == 1  # order[0] of round 1
    groups = {s.group for s in world.updates[0]}
    assert groups == {f"task{order[1]}#1", f"task{order[2]}#0~r2"}  # order[3] was surplus; round 2 tagged
    assert len(world.updates[0]) == 4
    assert m[rm.TRIALS] == 8 and m[rm.ZERO_STD_FRACTION] == pytest.approx(1 / 4)


def test_async_mode_oversamples_in_the_sync_data_order(tmp_path):
    order0 = Schedule(n_tasks=4, batch=2, seed=1).order(0)
    informative = {order0[2]: [1.0, 0.0], order0[3]: [0.0, 1.0]}  # step 1's first round has none
    sync_w, async_w = Tasks(dict(informative), 4), Tasks(dict(informative), 4)
    _, ms, _ = run(tmp_path, sync_w, cap=2, steps=2, name="sync")
    _, ma, _ = run(tmp_path, async_w, cap=2, steps=2, lookahead=1, name="async")
    assert async_w.rounds == sync_w.rounds
    assert sync_w.rounds[:2] == [(1, order0[0:2]), (1, order0[2:4])]
    assert [len(u) for u in async_w.updates] == [len(u) for u in sync_w.updates]
    assert ma[rm.GEN_ROUNDS] == ms[rm.GEN_ROUNDS] and "timing_s/trainer_idle" in ma


def test_verl_engine_refuses_filter_groups_at_load(tmp_path):
    import yaml

    cfg = yaml.safe_load((ROOT / "config.yaml").read_text())
    i = cfg["runtime_info"]["input"]
    i["training"]["engine"] = "verl"
    i["infrastructure"]["ngpus_per_node"] = 1
    i["algorithm"]["filter_groups"] = True
    i["data"]["train_index"] = str(ROOT / "tasks" / "easy")
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    r = subprocess.run(
        [SWERL, "train", "--config", str(tmp_path / "config.yaml"), "--print-command"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert r.returncode != 0
    err = (r.stdout + r.stderr).strip().splitlines()
    assert any("algorithm.filter_groups is not supported with training.engine=verl" in ln for ln in err), err
    assert "Traceback" not in r.stderr


@pytest.mark.integration
@pytest.mark.slow
def test_filter_groups_embedded_default(tmp_path):
    """The embedded default (config.yaml copied to /tmp-like tmp_path: SmolLM2, real proxy + gateway, swerl-bash
    in Docker sandboxes on tasks/easy), 2 steps with algorithm.filter_groups on and a cap of 2 rounds: every step
    line carries the group metrics and the filter's, rounds stay within the cap, and a step that trains has
    only informative groups."""
    import yaml

    from swerl.serve.proxy.process import free_port

    cfg = yaml.safe_load((ROOT / "config.yaml").read_text())
    i = cfg["runtime_info"]["input"]
    exp = "swerl-test-filter-groups"
    i["data"]["train_index"] = str(ROOT / "tasks" / "easy")
    i["infrastructure"] |= {"litellm_port": free_port(), "gateway_port": free_port()}
    i["harbor_agent"] |= {"max_turns": 1, "max_retries": 0}
    i["training"] |= {"train_batch_size": 2, "n_resp_per_prompt": 2, "total_training_steps": 2, "save_freq": -1}
    i["training"]["max_tokens_per_turn"] = 24
    i["algorithm"] |= {"filter_groups": True, "max_num_gen_batches": 2}
    i["experiment"] |= {"exp_name": exp, "output_root": str(tmp_path)}
    cfg_path = tmp_path / "config.yaml"
    cfg_path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    # the converted SmolLM2 of the machine's cache (built once by setup; a fresh HOME would rebuild it: +3.5 min)
    cache = os.environ.get("SWERL_CACHE") or str(Path.home() / ".cache" / "swerl")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "COLUMNS": "200", "SWERL_CACHE": cache}
    t = subprocess.run(
        [SWERL, "train", "--config", str(cfg_path)], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=900
    )
    text = t.stdout + t.stderr
    assert t.returncode == 0, text[-3000:]
    assert "dynamic sampling (≤ 2 rounds)" in text
    steps = [ln for ln in text.splitlines() if ln.startswith("step:")]
    assert len(steps) == 2, steps
    for line in steps:
        m = {k: float(v) for k, v in (kv.split(":", 1) for kv in line.split(" - ")[1:])}
        for key in (*rm.OUTCOME_KEYS, *rm.FILTER_KEYS):
            assert key in m, (key, line)
        assert 1 <= m[rm.GEN_ROUNDS] <= 2
        assert m[rm.TRIALS] == 4 * m[rm.GEN_ROUNDS]  # 2 tasks × 2 trials per round
        assert m[rm.INFORMATIVE_GROUPS] <= 2
        assert (m[rm.INFORMATIVE_GROUPS] < 2) == (m[rm.FILTER_SHORT] == 1.0)
        if m[rm.GEN_ROUNDS] == 1:  # no over-sampling: the first round already had 2 informative groups
            assert m[rm.FILTERED_GROUPS] == 0
        # samples trained = trials of the informative groups (unmasked; one segment each with max_turns 1)
        assert m["train/num_samples"] <= 2 * m[rm.INFORMATIVE_GROUPS]


def test_why_verl_is_refused_its_filter_raises_on_an_all_masked_group(monkeypatch):
    """Pins the reason the verl engine refuses filter_groups, on verl 0.9.1's own ReplayBuffer code: its DAPO
    classification raises for a finished group without trajectories — what a group of masked trials is (the agent
    loop returns [] for each). `transfer_queue` (verl's v1 store) is not installed on this CPU machine: a stand-in
    module is put in its place, never called on this path (no trajectory keys → no store read). A verl that fixes
    this fails here: then map the key onto verl's filter instead of refusing it (verl's trainer also logs that it
    ignores max_num_gen_batches: trainer_base._resolve_filter_groups_metric)."""
    import sys
    import types

    from omegaconf import OmegaConf

    stand_in = types.ModuleType("transfer_queue")
    stand_in.KVBatchMeta = object
    monkeypatch.setitem(sys.modules, "transfer_queue", stand_in)
    monkeypatch.delitem(sys.modules, "verl.trainer.ppo.v1.replay_buffer", raising=False)
    import importlib.util

    import verl

    path = Path(verl.__file__).parent / "trainer" / "ppo" / "v1" / "replay_buffer.py"
    spec = importlib.util.spec_from_file_location("swerl_test_verl_replay_buffer", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # the module alone: verl.trainer.ppo.v1's __init__ imports the TQ agent loop

    rb = mod.ReplayBuffer(
        trainer_mode="sync",
        trainer_config=OmegaConf.create({}),
        max_off_policy_threshold=None,
        max_off_policy_strategy="drop",
        sampler_kwargs=OmegaConf.create({}),
        refill_fn=lambda n: None,
        filter_groups_metric="reward",
        train_batch_size=2,
        gen_batch_size=1,
    )
    rb.finished_keys["train"] = {"uid-all-masked"}  # finished (no session errored), no trajectory stored
    with pytest.raises(RuntimeError, match="missing DAPO metric"):
        rb._dapo_filtered_keys("train")
    rb.finished_keys["train"] = set()  # without that group nothing is filtered and nothing raises
    assert rb._dapo_filtered_keys("train") == (set(), mod.Counter())
