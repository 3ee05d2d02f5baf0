"""config.yaml → `python -m verl.trainer.main_ppo key=value …` (hydra overrides). `swerl train --print-command`.

The train/val data: `data.train_index`/`val_index` (a parquet from `swerl tasks index` or a task dir) are
re-written into `.swerl/verl_{train,val}.parquet` with ABSOLUTE task paths, so an agent-loop worker on any node
and cwd finds its task; each row becomes one AgentLoop call per sample (`agent_name: swerl_harbor`, registered
through the agent-loop config file written next to the run state).

Also rendered, because the agent loop depends on them:
- `rollout.prometheus.{enable,served_model_name}`: the only verl switch that makes its vLLM server answer under
  `model.served_model_name` (otherwise it serves the model PATH and `/v1/completions` 404s on our name).
- `rollout.val_kwargs.{temperature,top_p,n,do_sample}` from `validation.*`: verl's workers put them in the
  sampling params of validation calls, which the agent loop hands to each trial (the gateway applies them).
- `training.mode: async` → `trainer.v1.trainer_mode` colocate_async | separate_async (`async_overrides`).
- `training.strategy` (fsdp | veomni) → verl's `model_engine` and its expert/sequence-parallel and offload keys
  (`engine_overrides`).
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from swerl.config.load import resolve
from swerl.config.paths import RunPaths
from swerl.config.schema import SwerlConfig
from swerl.rollout.tasks import VERL_AGENT_LOOP

AGENT_NAME = VERL_AGENT_LOOP
AGENT_TARGET = "swerl.train.verl_engine.agent_loop.SwerlHarborAgentLoop"


def agent_loop_config_file(paths: RunPaths) -> Path:
    """The agent-loop registry file verl reads (`rollout.agent.agent_loop_config_path`)."""
    p = paths.state_dir / "agent_loop_config.yaml"
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(yaml.safe_dump([{"name": AGENT_NAME, "_target_": AGENT_TARGET}]))
    return p


def verl_index(cfg: SwerlConfig, paths: RunPaths, split: str) -> Path:
    """`.swerl/verl_<split>.parquet`: the configured index (parquet or task dir) with absolute task paths."""
    from swerl.rollout.tasks import load_index, write_rows

    src = cfg.input.data.train_index if split == "train" else cfg.input.data.val_index
    out = paths.state_dir / f"verl_{split}.parquet"
    write_rows(load_index(resolve(cfg, src)), out, split=split, relative=False)
    return out


def model_dir(model_path: str) -> str:
    """The HF dir verl loads: an alias (`smollm2`, `qwen2.5-coder-*`) or a .gguf is fetched/converted once
    (swerl.serve.assets); anything else passes through."""
    from swerl.models.assets import ALIASES
    from swerl.serve.assets import resolve_model_path

    if model_path in ALIASES or model_path.endswith(".gguf"):
        return str(resolve_model_path(model_path))
    return model_path  # a dir (perhaps only on the GPU nodes): verl reports a bad one itself


def engine_overrides(cfg: SwerlConfig) -> list[str]:
    """`training.strategy` → verl's `model_engine` group (fsdp = verl's `dp`, the default) and the trainer layout
    keys in that engine's own section: expert parallel (veomni only), Ulysses sequence parallel, CPU offload.
    verl's ref model reads the actor's values (its yaml interpolates them), the critic keeps its own."""
    t = cfg.input.training
    A, F = "actor_rollout_ref.actor", "actor_rollout_ref.ref"
    if t.strategy == "veomni":
        E = f"{A}.veomni"
        # VeOmni shards with FSDP2 only across > 1 rank; a one-GPU trainer is a plain module, which VeOmni builds
        # on the GPU directly (it refuses `init_device=meta` there). The ref's section does not interpolate it.
        init = "meta" if cfg.trainer_gpus > 1 else "cuda"
        return [
            "model_engine=veomni",
            f"{E}.expert_parallel_size={t.expert_parallel_size}",
            f"{E}.ulysses_parallel_size={t.sequence_parallel_size}",
            f"{E}.param_offload={t.param_offload}",
            f"{E}.optimizer_offload={t.optimizer_offload}",
            f"{E}.attn_implementation={t.attn_implementation}",
            f"{E}.moe_implementation={cfg.moe_kernel}",
            f"{E}.init_device={init}",
            f"{F}.veomni.init_device={init}",
        ]
    sp = t.sequence_parallel_size
    return [
        f"{A}.ulysses_sequence_parallel_size={sp}",
        f"{A}.fsdp_config.ulysses_sequence_parallel_size={sp}",
        f"{F}.fsdp_config.ulysses_sequence_parallel_size={sp}",
        f"{A}.fsdp_config.param_offload={t.param_offload}",
        f"{A}.fsdp_config.optimizer_offload={t.optimizer_offload}",
        f"{F}.fsdp_config.param_offload={t.param_offload}",
    ]


def async_overrides(cfg: SwerlConfig) -> list[str]:
    """`training.mode: async` → verl's v1 trainer mode, its staleness bound, and (separate) the GPU split.

    - colocate: `trainer_mode=colocate_async` — rollout and training take turns on every GPU; at each weight
      update verl aborts the calls in flight (the gateway resumes them from their exact tokens) and one batch
      of prompts is kept in flight ahead of the trainer (`num_warmup_batches` 1).
    - separate: `separate_async` on `rollout_gpus_per_node` GPUs of each node, or on `rollout_nodes` whole
      nodes (a dedicated rollout node; the trainer gets the other nodes) (`hybrid_engine=False`: none of
      the trainer's GPUs serve), weights over NCCL after every `train_batch_size / ppo_mini_batch_size`
      mini-batch updates (= once a step; verl asserts that product).
    - `max_off_policy_threshold` = max_staleness + 1: verl drops a finished group whose prompt was dispatched
      at step g when it would train at a step G with G − g + 1 > threshold (it counts spanned versions).
    - `num_warmup_batches` = max_staleness: the rollout keeps that many batches of prompts in flight ahead of
      the trainer — as far ahead as the bound lets a batch go and still train. One batch ahead hides at most
      one update per batch's rollout; a rollout-bound mix (sandboxes, long tails) needs more trials in flight
      to keep the trainer fed, and `harbor_runtime.num_workers` ≥ (max_staleness + 1) · batch trials to run them.
    """
    t = cfg.input.training
    if t.mode != "async":
        return []
    V, R = "trainer.v1", "actor_rollout_ref.rollout"
    ahead = t.lookahead
    ov = [
        f"{V}.sampler.max_off_policy_threshold={t.max_staleness + 1}",
        f"{V}.sampler.max_off_policy_strategy=drop",
    ]
    if t.async_pools == "colocate":
        return [f"{V}.trainer_mode=colocate_async", f"{V}.colocate_async.num_warmup_batches={ahead}", *ov]
    mini = t.ppo_mini_batch_size or t.train_batch_size
    return [
        f"{V}.trainer_mode=separate_async",
        f"{V}.separate_async.num_warmup_batches={ahead}",
        f"{V}.separate_async.parameter_sync_step={t.train_batch_size // mini}",
        "actor_rollout_ref.hybrid_engine=False",
        f"{R}.nnodes={cfg.rollout_pool[0]}",
        f"{R}.n_gpus_per_node={cfg.rollout_pool[1]}",
        f"{R}.checkpoint_engine.backend=nccl",
        *ov,
    ]


def overrides(cfg: SwerlConfig, exp: str, agent_cfg_path: Path | str) -> list[str]:
    i = cfg.input
    t, a, v, inf = i.training, i.algorithm, i.vllm, i.infrastructure
    paths = RunPaths.of(cfg, exp)
    mode = i.credentials.wandb_mode
    logger = "['console','wandb']" if mode != "disabled" else "['console']"
    A, R = "actor_rollout_ref.actor", "actor_rollout_ref.rollout"
    total = [f"trainer.total_training_steps={t.total_training_steps}"] if t.total_training_steps else []
    train_file = verl_index(cfg, paths, "train")
    val = verl_index(cfg, paths, "val") if i.data.val_index else train_file
    micro_lp = t.log_prob_micro_batch_size_per_gpu or t.ppo_micro_batch_size_per_gpu
    ov = [
        f"algorithm.adv_estimator={a.adv_estimator}",
        f"algorithm.norm_adv_by_std_in_grpo={a.norm_adv_by_std_in_grpo}",
        f"algorithm.use_kl_in_reward={a.use_kl_in_reward}",
        f"algorithm.kl_ctrl.kl_coef={a.kl_coef}",
        f"algorithm.gamma={a.gamma}",
        f"algorithm.lam={a.lam}",
        f"data.train_files={train_file}",
        f"data.val_files={val}",
        f"data.train_batch_size={t.train_batch_size}",
        f"data.max_prompt_length={t.max_prompt_length}",
        f"data.max_response_length={t.max_response_length}",
        "data.return_raw_chat=True",
        f"data.seed={i.experiment.seed}",
        f"actor_rollout_ref.model.path={model_dir(i.model.model_path)}",
        f"actor_rollout_ref.model.lora_rank={t.lora_rank}",
        f"actor_rollout_ref.model.enable_gradient_checkpointing={t.gradient_checkpointing}",
        f"actor_rollout_ref.model.use_remove_padding={t.use_remove_padding}",
        f"++actor_rollout_ref.model.override_config.attn_implementation={t.attn_implementation}",
        f"{A}.optim.lr={a.learning_rate}",
        f"{A}.ppo_mini_batch_size={t.ppo_mini_batch_size or t.train_batch_size}",
        f"{A}.ppo_micro_batch_size_per_gpu={t.ppo_micro_batch_size_per_gpu}",
        f"{A}.ppo_epochs={t.ppo_epochs}",
        f"{A}.clip_ratio_low={a.clip_ratio_low}",
        f"{A}.clip_ratio_high={a.clip_ratio_high}",
        f"{A}.loss_agg_mode={a.loss_agg_mode}",
        f"{A}.policy_loss.loss_mode={a.policy_loss_mode}",
        f"{A}.use_kl_loss={a.use_kl_loss}",
        f"{A}.kl_loss_coef={a.kl_loss_coef}",
        f"{A}.kl_loss_type={a.kl_loss_type}",
        f"{A}.entropy_coeff={a.entropy_coeff}",
        f"{A}.optim.clip_grad={a.grad_clip}",  # the v1 engine clips by optim.clip_grad (actor.grad_clip is legacy)
        f"{R}.name=vllm",
        f"{R}.mode=async",
        f"{R}.tensor_model_parallel_size={v.gen_tp}",
        f"{R}.gpu_memory_utilization={v.gpu_memory_utilization}",
        f"{R}.max_model_len={v.max_model_length}",
        f"{R}.enforce_eager={v.enforce_eager}",
        f"{R}.n={t.n_resp_per_prompt}",
        f"{R}.temperature={v.temperature}",
        f"{R}.top_p={v.top_p}",
        f"{R}.val_kwargs.temperature={i.validation.temperature}",
        f"{R}.val_kwargs.top_p={i.validation.top_p}",
        f"{R}.val_kwargs.n={i.validation.samples}",
        f"{R}.val_kwargs.do_sample={i.validation.temperature > 0}",
        f"{R}.prompt_length={t.max_prompt_length}",
        f"{R}.response_length={t.max_response_length}",
        f"{R}.log_prob_micro_batch_size_per_gpu={micro_lp}",
        f"actor_rollout_ref.ref.log_prob_micro_batch_size_per_gpu={micro_lp}",
        f"{R}.prometheus.enable=True",
        f"{R}.prometheus.served_model_name={i.model.served_model_name}",
        f"{R}.disable_log_stats=False",
        f"{R}.multi_turn.enable=True",
        f"{R}.multi_turn.format={v.tool_call_parser}",
        f"{R}.agent.default_agent_loop={AGENT_NAME}",
        f"{R}.agent.agent_loop_config_path={agent_cfg_path}",
        f"{R}.agent.num_workers={inf.agent_loop_workers}",
        f"critic.optim.lr={a.critic_learning_rate}",
        f"trainer.project_name={i.experiment.project_name}",
        f"trainer.experiment_name={exp}",
        f"trainer.logger={logger}",
        f"trainer.nnodes={cfg.trainer_pool[0]}",
        f"trainer.n_gpus_per_node={cfg.trainer_pool[1]}",
        f"trainer.save_freq={t.save_freq}",
        f"trainer.test_freq={t.test_freq}",
        f"trainer.total_epochs={t.total_epochs}",
        f"trainer.resume_mode={t.resume_mode}",
        f"trainer.max_actor_ckpt_to_keep={t.keep_last_n_checkpoints or 'null'}",
        f"trainer.default_local_dir={paths.checkpoints_dir}",
        f"trainer.val_before_train={bool(i.data.val_index) and t.test_freq > 0}",
        *total,
        *engine_overrides(cfg),
        *async_overrides(cfg),
        *worker_env(cfg, exp),
    ]
    # training.verl_overrides last: hydra takes the last value of a key, so the user's word wins
    return [*ov, *t.verl_overrides]


def worker_env(cfg: SwerlConfig, exp: str) -> list[str]:
    """nnodes > 1: what the agent loop reads from its environment (`SWERL_CONFIG`, `SWERL_EXP`, `SWERL_RUN_STATE`),
    passed through verl's `ray_kwargs.ray_init.runtime_env` (verl merges it into its own) — a worker node's raylet
    was started by `swerl node join`, not under `swerl train`, so its workers inherit none of it. One node: Ray
    starts under `swerl train`'s environment and nothing is added."""
    import os

    if cfg.input.infrastructure.nnodes <= 1:
        return []
    env = {
        "SWERL_CONFIG": str(cfg._source) if cfg._source else "",
        "SWERL_EXP": exp,
        "SWERL_RUN_STATE": os.environ.get("SWERL_RUN_STATE") or str(RunPaths.of(cfg, exp).run_state_file),
    }
    return [f"++ray_kwargs.ray_init.runtime_env.env_vars.{k}={v}" for k, v in env.items() if v]


def main_ppo_command(cfg: SwerlConfig, exp: str, python: str | None = None) -> list[str]:
    path = agent_loop_config_file(RunPaths.of(cfg, exp))
    return [python or sys.executable, "-m", "verl.trainer.main_ppo", *overrides(cfg, exp, path)]
