"""The "Run Configuration Summary" block, with the original's exact labels (people and /rl:check read it)."""

from __future__ import annotations

from swerl.preflight.checks.backend import BadDockerHost, detect
from swerl.preflight.context import Context

BAR = "=" * 64


def rows(ctx: Context) -> list[tuple[str, str]]:
    i = ctx.i
    t, v, a, ha = i.training, i.vllm, i.algorithm, i.harbor_agent
    try:
        backend = detect(ctx).describe(ctx)
    except BadDockerHost:
        backend = f"Docker ({ha.docker_host}) — invalid"
    return [
        ("Model:", i.model.model_path),
        ("Served as:", i.model.served_model_name),
        ("Train data:", i.data.train_index or "-"),
        ("Val data:", i.data.val_index or "-"),
        ("Backend:", backend),
        ("Parallelism:", f"{i.harbor_runtime.num_workers} workers"),
        (
            "Batch size:",
            f"{t.train_batch_size} prompts × {t.n_resp_per_prompt} responses = {t.train_batch_size * t.n_resp_per_prompt} trials/step",
        ),
        ("Context:", f"prompt={t.max_prompt_length} + response={t.max_response_length}"),
        ("vLLM:", f"TP={v.gen_tp}  max_model_len={v.max_model_length}  gpu_mem={v.gpu_memory_utilization}"),
        ("Algorithm:", f"{a.adv_estimator} / {a.policy_loss_mode}  lr={a.learning_rate:g}"),
        ("Epochs:", f"{t.total_epochs}  save_freq={t.save_freq}  test_freq={t.test_freq}"),
        ("Experiment:", f"project={i.experiment.project_name}  exp={i.experiment.exp_name or '<auto>'}"),
        ("wandb:", i.credentials.wandb_mode),
        (
            "Agent:",
            f"{ha.agent_name}  timeout={ha.max_timeout_sec}s  retries={ha.max_retries}  "
            f"tools={','.join(ha.allowed_tools) or 'default'}",
        ),
        ("Engine:", engine(ctx)),
    ]


def engine(ctx: Context) -> str:
    """`verl (GPU × 24) veomni EP=8 async/separate (rollout 4/node)` — what trains, on what, in which layout."""
    i = ctx.i
    t, inf = i.training, i.infrastructure
    out = f"{t.engine} ({'GPU × ' + str(inf.nnodes * inf.ngpus_per_node) if inf.ngpus_per_node else 'CPU'})"
    if t.engine != "verl":
        return out + (f"  {t.mode}" if t.mode != "sync" else "")
    out += f"  {t.strategy}"
    if t.strategy == "veomni":
        out += f" EP={t.expert_parallel_size}"
    if t.sequence_parallel_size > 1:
        out += f" SP={t.sequence_parallel_size}"
    if t.mode == "async":
        out += f"  async/{t.async_pools}"
        if t.separate_pools:
            (rn, rg), (tn, tg) = ctx.cfg.rollout_pool, ctx.cfg.trainer_pool
            out += f" (rollout {rn}×{rg} GPU, train {tn}×{tg} GPU)"
    return out


def render(ctx: Context) -> str:
    body = [f"  {label:<13}{value}" for label, value in rows(ctx)]
    return "\n".join([BAR, "  Run Configuration Summary", BAR, *body, BAR])
