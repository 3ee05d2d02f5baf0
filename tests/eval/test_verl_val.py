"""verl engine: `validation.*` reaches verl as `rollout.val_kwargs.*` (composed against verl 0.9.1's own hydra
config), and the agent loop hands the sampling verl gives it — val_kwargs on a validation call, the rollout's on
a training call — to the trial (the runner then sets it at the gateway). The node stack is a stand-in that
records the job (the real one needs Ray + a vLLM replica: tests/train/test_verl_node_stack.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import yaml

from swerl.config.load import parse_config

ROOT = Path(__file__).parents[2]


def _cfg(tmp_path: Path):
    d = yaml.safe_load((ROOT / "configs" / "gpu-1x-smollm2.yaml").read_text())
    i = d["runtime_info"]["input"]
    i["data"]["train_index"] = str(ROOT / "tasks" / "easy")
    i["experiment"]["output_root"] = str(tmp_path)
    i["vllm"]["temperature"] = 0.9
    i["validation"] = {"temperature": 0.0, "top_p": 1.0, "samples": 3}
    return parse_config(d)


def _composed(tmp_path):
    from tests.train.verl_compose import compose_main_ppo

    return compose_main_ppo(_cfg(tmp_path))


def _verl_sampling_params(rollout, validate: bool) -> dict:
    """What verl 0.9.1's AgentLoopWorkerTQ.generate_sequences passes to `AgentLoop.run` (agent_loop_tq.py)."""
    sp = dict(
        temperature=rollout.temperature,
        top_p=rollout.top_p,
        top_k=rollout.top_k,
        repetition_penalty=1.0,
        logprobs=rollout.calculate_log_probs,
    )
    if validate:
        sp |= dict(
            top_p=rollout.val_kwargs.top_p, top_k=rollout.val_kwargs.top_k, temperature=rollout.val_kwargs.temperature
        )
    return sp


def test_validation_maps_onto_val_kwargs(tmp_path):
    v = _composed(tmp_path).actor_rollout_ref.rollout.val_kwargs
    assert (v.temperature, v.top_p, v.n, v.do_sample) == (0.0, 1.0, 3, False)


class _StandInStack:
    """Stand-in for the NodeStack actor handle: records the jobs, every trial masked (→ [] to verl)."""

    def __init__(self):
        self.jobs = []
        outer = self

        class _Remote:
            async def remote(self, job, step, partition):
                from swerl.rollout.outcome import TrialOutcome

                outer.jobs.append((job, partition))
                return TrialOutcome(
                    trial_id=job.trial_id, task_id=job.task.instance_id, group=job.group, masked=True,
                    mask_reason="deadline", trial_dir=tmp_dir, duration_s=0.0,
                ), []  # fmt: skip

        tmp_dir = Path("/nonexistent")
        self.run_trial = _Remote()


def test_agent_loop_passes_verl_sampling_to_the_trial(tmp_path, monkeypatch):
    from swerl.train.verl_engine import agent_loop

    rollout = _composed(tmp_path).actor_rollout_ref.rollout
    stack = _StandInStack()
    monkeypatch.setitem(agent_loop._ACTOR, "a", stack)
    loop = object.__new__(agent_loop.SwerlHarborAgentLoop)  # run() needs none of verl's constructor arguments
    task = str(ROOT / "tasks" / "easy" / "create-hello")

    async def call(validate: bool, split: str):
        info = {"instance_id": "create-hello", "harbor_task_path": task, "split": split}
        return await loop.run(
            _verl_sampling_params(rollout, validate), session_id=0, uid="u", global_steps=2, extra_info=info
        )

    assert asyncio.run(call(True, "val")) == [] and asyncio.run(call(False, "train")) == []
    (val, vpart), (train, tpart) = stack.jobs
    assert (vpart, val.temperature, val.top_p) == ("val", 0.0, 1.0)  # val_kwargs: greedy
    assert (tpart, train.temperature, train.top_p) == ("train", 0.9, 1.0)  # rollout.temperature = vllm.temperature
