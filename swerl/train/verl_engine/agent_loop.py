"""A verl AgentLoop that runs ONE Harbor trial per sample through swerl's rollout code.

verl calls `run(sampling_params, **row)` for every (prompt, n) sample; we run the row's task as one trial
(`swerl.rollout.runner.run_one`), read the gateway's token record, and return it as an `AgentLoopOutput`.
The chain is the same as on CPU: agent → LiteLLM proxy → swerl gateway → engine, where the engine is a
`VLLMEngine` over verl's replicas (found as Ray actors by `swerl.serve.discovery`), asking for the model
name the replica itself lists on `/v1/models`. One serving stack (gateway thread + LiteLLM proxy subprocess)
per agent-loop worker process, started lazily on its first call (`_stack`) and living as long as the worker.

Masked trials (timeout, sandbox death, …) cannot be dropped from a verl batch, so they come back with an
all-zero response mask (no loss contribution) and `extra_fields["swerl_masked"] = True`; a trial with no token
record at all returns ONE masked eos token (verl indexes `response[-1]`). `extra_fields["min/max_global_steps"]`
= the weights version the trial ran on (verl's own loops get it from its server manager, which we bypass; the
v1 trainer's metrics do `int()` on it).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from verl.experimental.agent_loop.agent_loop import AgentLoopBase, AgentLoopMetrics, AgentLoopOutput, register

from swerl.train.verl_engine.command import AGENT_NAME


def output_from(
    outcome, samples: list, fallback_prompt: list[int], gen_s: float = 0.0, *, eos_id: int = 0, weights_version: int = 0
) -> AgentLoopOutput:
    """AgentLoopOutput of one trial: its last segment's tokens (earlier segments of a rewritten history are
    counted in extra_fields; verl takes one sequence per sample)."""
    masked = bool(outcome.masked or outcome.reward is None or not samples)
    if samples:
        s = samples[-1]
        prompt, resp, mask, lps = (
            list(s.prompt_ids),
            list(s.response_ids),
            list(s.response_mask),
            list(s.response_logprobs),
        )
    else:
        prompt, resp, mask, lps = list(fallback_prompt), [eos_id], [0], [0.0]
    if masked:
        mask = [0] * len(resp)
    return AgentLoopOutput(
        prompt_ids=prompt,
        response_ids=resp,
        response_mask=mask,
        response_logprobs=lps or None,
        reward_score=float(outcome.reward or 0.0),
        num_turns=int(outcome.num_turns or 0),
        metrics=AgentLoopMetrics(generate_sequences=gen_s),
        extra_fields={
            "swerl_trial_id": outcome.trial_id,
            "swerl_masked": masked,
            "swerl_mask_reason": outcome.mask_reason,
            "swerl_segments": len(samples),
            "swerl_trial_s": float(outcome.duration_s),
            "min_global_steps": weights_version,
            "max_global_steps": weights_version,
        },
    )


_STACK: dict[str, Any] = {}


def served_name(address: str, configured: str, timeout: float = 30.0) -> str:
    """The model name a vLLM replica answers to: `configured` if it lists it, else the one it lists (verl serves
    the model path unless its prometheus.served_model_name override took, and strips a '/' prefix)."""
    import httpx

    url = address if address.startswith("http") else f"http://{address}"
    try:
        ids = [m["id"] for m in httpx.get(f"{url}/v1/models", timeout=timeout).json().get("data", [])]
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        return configured
    return configured if configured in ids or not ids else ids[0]


def _stack():
    """(cfg, RolloutSettings, SampleSettings, AgentEndpoint) — gateway + proxy over verl's vLLM replicas."""
    if _STACK:
        return _STACK["v"]
    from swerl.config.load import load_config
    from swerl.config.paths import RunPaths
    from swerl.rollout.runner import RolloutSettings
    from swerl.rollout.samples import SampleSettings
    from swerl.serve.discovery import discover_replicas, expected_replicas
    from swerl.serve.engines.vllm import VLLMEngine
    from swerl.train.serving import boot
    from transformers import AutoTokenizer

    cfg = load_config(os.environ["SWERL_CONFIG"])
    exp = os.environ["SWERL_EXP"]
    i = cfg.input
    paths = RunPaths.of(cfg, exp)
    addrs = discover_replicas(expected_replicas(cfg), timeout=i.infrastructure.replica_wait_sec)
    tok = AutoTokenizer.from_pretrained(i.model.model_path)
    engine = VLLMEngine(addrs, served_name(addrs[0], i.model.served_model_name))
    state = os.environ.get("SWERL_RUN_STATE")
    serving = boot(cfg, engine, tok, paths, proxy_port=0, state_file=Path(state) if state else None)
    _STACK["v"] = (
        cfg,
        RolloutSettings.from_config(cfg, paths.trials_dir, run_label=exp),
        SampleSettings.from_config(cfg),
        serving.endpoint,
    )
    _STACK["procs"] = (serving.gateway, serving.proxy)
    return _STACK["v"]


_K: dict[tuple[int, str], int] = {}


def _next_k(step: int, uid: str) -> int:
    """0, 1, 2 … for the trials of one prompt uid in one step (within this worker; the id's random part keeps
    workers apart)."""
    key = (step, uid)
    _K[key] = _K.get(key, -1) + 1
    if len(_K) > 50_000:  # old steps' counters are not needed again
        for old in [x for x in _K if x[0] < step]:
            del _K[old]
    return _K[key]


@register(AGENT_NAME)
class SwerlHarborAgentLoop(AgentLoopBase):
    async def run(self, sampling_params: dict[str, Any], **kwargs) -> AgentLoopOutput:
        import time

        from swerl.config.paths import make_trial_id
        from swerl.rollout.runner import TrialJob, run_one
        from swerl.rollout.samples import build_samples
        from swerl.rollout.tasks import TaskRow

        cfg, rs, ss, ep = _stack()
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
        k = _next_k(step, str(kwargs.get("uid", iid)))  # verl passes no per-trial index to run(): count them here
        job = TrialJob(
            trial_id=make_trial_id(step, iid, k),
            task=task,
            group=str(kwargs.get("uid", iid)),
            agent_name=str(info.get("harbor_agent") or ""),
        )
        t0 = time.perf_counter()
        outcome = await run_one(job, rs, ep)
        samples = build_samples(outcome, ss)
        prompt = self.tokenizer.encode(task.instruction or iid)
        eos = self.tokenizer.eos_token_id
        # sync trainer: step N generates with the weights pushed after step N-1 (verl tags them N-1)
        return output_from(
            outcome,
            samples,
            prompt,
            time.perf_counter() - t0,
            eos_id=int(eos if eos is not None else 0),
            weights_version=max(step - 1, 0),
        )
