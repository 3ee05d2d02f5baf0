"""A verl AgentLoop that runs ONE Harbor trial per session through the node's serving stack and scheduler.

verl's v1 worker calls `run(sampling_params, session_id=i, uid=…, global_steps=…, extra_info=…, **row)` for
each of the n sessions of a prompt. We hand the row's task to this node's `NodeStack` actor (one gateway, one
LiteLLM proxy and one trial scheduler per node — `node_stack.py`) and return what verl's v1 worker
(`AgentLoopWorkerTQ._agent_loop_postprocess`) takes:

- a list of `AgentLoopOutput`, one per segment of the trial (a trial whose history was rewritten has several;
  `harbor_runtime.multi_segment: last` keeps only the one with the final call), each with the trial's reward.
  verl scores GRPO on the LAST output of each `{uid}_{session_id}` and broadcasts it to the others, so a
  trial is one group member however many segments it has;
- `[]` for a masked trial (timeout, sandbox death, tail-killed, …): verl logs "Empty output" and the session
  simply does not enter the batch or its group's mean/std (a reward of 0 would pull the group down).

Sampling: the trial's calls sample with verl's `sampling_params` (training: `rollout.temperature`; validation:
`rollout.val_kwargs.temperature`), handed to the gateway per trial (`TrialJob.temperature`).

`extra_fields["min/max_global_steps"]` = the weights versions the trial's tokens were sampled with (verl's own
loops get them from its Ray server client, which we bypass; the v1 trainer does `int()` on them and logs the
span and staleness). Our source: the `global_steps` verl sets on its vLLM server actor at every weight update
(`server_weights_version`), read when the trial starts and when it ends — the tokens were sampled between the two.
Without it (no actor): the sync rule `global_steps − 1`, widened by the most weight updates one call of the
trial was resumed across (the gateway's records; see swerl.serve.engines.vllm).
"""

from __future__ import annotations

import asyncio
import os
import secrets
from pathlib import Path
from typing import Any

from verl.experimental.agent_loop.agent_loop import AgentLoopBase, AgentLoopMetrics, AgentLoopOutput, register

from swerl.train.verl_engine.command import AGENT_NAME


def global_steps_bounds(start: int | None, end: int | None, sample, fallback: int) -> tuple[int, int]:
    """(min, max) weights versions of a sample: the server actor's version at the trial's start and end when
    read; else `fallback` widened by the sample's own span (calls resumed across updates count them)."""
    if start is not None:
        return start, max(start, end if end is not None else start)
    span = max(0, int(sample.max_weight_version) - int(sample.min_weight_version))
    return fallback, fallback + span


def server_weights_version(replica: int = 0) -> int | None:
    """verl's weights version now: `global_steps` on its vLLM server actor (`vllm_server_{replica}_0`, set by
    verl at each weight update; every replica gets each update), None when there is no such actor or value."""
    try:
        import ray

        from swerl.serve.discovery import actor_name

        if not ray.is_initialized():  # outside verl's workers: never start a Ray instance just to ask
            return None
        actor = ray.get_actor(actor_name(replica))
        v = ray.get(actor.__ray_call__.remote(lambda server: getattr(server, "global_steps", None)), timeout=30)
    except Exception:  # noqa: BLE001 — no Ray / no actor / old Ray: the fallback rule applies
        return None
    return None if v is None else int(v)


def outputs_from(
    outcome,
    samples: list,
    gen_s: float = 0.0,
    *,
    weights_version: int = 0,
    versions: tuple[int | None, int | None] = (None, None),
) -> list[AgentLoopOutput]:
    """The trial's AgentLoopOutputs: one per sample (segment), [] when the trial is masked or has no sample.
    `versions`: the server's weights version at the trial's start and end (None = unknown → `weights_version`)."""
    if outcome.masked or outcome.reward is None or not samples:
        return []
    n = len(samples)
    bounds = [global_steps_bounds(*versions, s, weights_version) for s in samples]
    return [
        AgentLoopOutput(
            prompt_ids=list(s.prompt_ids),
            response_ids=list(s.response_ids),
            response_mask=list(s.response_mask),
            response_logprobs=list(s.response_logprobs) or None,
            reward_score=float(outcome.reward),
            num_turns=int(s.num_turns or 0),
            metrics=AgentLoopMetrics(generate_sequences=gen_s if k == n - 1 else 0.0),
            extra_fields={
                "swerl_trial_id": outcome.trial_id,
                "swerl_segment": int(s.segment),
                "swerl_segments": n,
                "swerl_truncated": bool(s.truncated),
                "swerl_trial_s": float(outcome.duration_s),
                "min_global_steps": bounds[k][0],
                "max_global_steps": bounds[k][1],
            },
        )
        for k, s in enumerate(samples)
    ]


def trial_id_for(step: int, instance_id: str, session_id: int) -> str:
    """`step{N}-{task}-{session}-{48 random bits}` (verl's session_id is the index within the prompt's n)."""
    from swerl.config.paths import make_trial_id

    return make_trial_id(step, instance_id, session_id)


def trial_sampling(sampling_params: dict[str, Any] | None) -> tuple[float | None, float | None]:
    """(temperature, top_p) of the trial from verl's sampling params: `rollout.temperature/top_p` for training
    calls, `rollout.val_kwargs.*` for validation (verl 0.9.1's workers swap them in when `validate`), greedy
    (temperature 0) where verl asks for no sampling. The runner hands them to the gateway for every call of the
    trial; None (not given) = the gateway's default."""
    sp = sampling_params or {}
    t, p = sp.get("temperature"), sp.get("top_p")
    return (None if t is None else float(t)), (None if p is None else float(p))


_ACTOR: dict[str, Any] = {}


def _node_stack():
    if "a" not in _ACTOR:
        from swerl.train.verl_engine.node_stack import node_stack

        _ACTOR["a"] = node_stack(
            os.environ["SWERL_CONFIG"], os.environ["SWERL_EXP"], os.environ.get("SWERL_RUN_STATE", "")
        )
    return _ACTOR["a"]


@register(AGENT_NAME)
class SwerlHarborAgentLoop(AgentLoopBase):
    async def run(self, sampling_params: dict[str, Any], **kwargs) -> list[AgentLoopOutput]:
        import time

        from swerl.rollout.runner import TrialJob
        from swerl.rollout.tasks import TaskRow

        info = kwargs.get("extra_info") or {}
        step = int(kwargs.get("global_steps", info.get("global_steps", 0)) or 0)  # v1 trainer passes global_steps
        iid = str(info.get("instance_id") or kwargs.get("uid") or "task")
        path = Path(info["harbor_task_path"])
        if not path.is_absolute():
            raise ValueError(
                f"task {iid}: relative task path {path} in a verl index — start through `swerl train`, "
                "which hands verl .swerl/verl_train.parquet with absolute paths"
            )
        task = TaskRow(
            instance_id=iid,
            task_path=path,
            instruction=str(info.get("instruction", "")),
            data_source=str(kwargs.get("data_source", "harbor")),
        )
        session = kwargs.get("session_id")
        k = int(session) if session is not None else secrets.randbelow(1 << 16)  # v0 loops pass no session_id
        temperature, top_p = trial_sampling(sampling_params)
        job = TrialJob(
            trial_id=trial_id_for(step, iid, k),
            task=task,
            group=str(kwargs.get("uid", iid)),
            agent_name=str(info.get("harbor_agent") or ""),
            temperature=temperature,
            top_p=top_p,
        )
        partition = "val" if info.get("split") == "val" else "train"
        t0 = time.perf_counter()
        v0 = await asyncio.to_thread(server_weights_version)
        outcome, samples = await _node_stack().run_trial.remote(job, step, partition)
        v1 = await asyncio.to_thread(server_weights_version) if v0 is not None else None
        # no version read: sync trainer rule — step N generates with the weights pushed after step N-1 (tagged N-1)
        return outputs_from(
            outcome, samples, time.perf_counter() - t0, weights_version=max(step - 1, 0), versions=(v0, v1)
        )
