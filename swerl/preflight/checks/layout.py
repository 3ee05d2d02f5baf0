"""Trainer layout (engine verl): the engine (`training.strategy`) is installed, and the expert / sequence parallel
sizes fit the model — `expert_parallel_size` divides its expert count, `sequence_parallel_size` its attention
heads (the GPU-count divisibility is a config error, checked at load). Reads config.json only."""

from __future__ import annotations

from pathlib import Path

from swerl.preflight.checks.backend import module_exists
from swerl.preflight.checks.inputs import model_file
from swerl.preflight.checks.model import hf_configs
from swerl.preflight.context import Context
from swerl.preflight.report import Report

EXPERT_KEYS = ("num_experts", "num_local_experts", "n_routed_experts", "moe_num_experts")


def model_counts(path: Path) -> dict[str, int]:
    """{'experts': …, 'heads': …} from an HF config.json (multimodal configs keep them under text_config)."""
    out: dict[str, int] = {}
    for c in hf_configs(path):
        for key in EXPERT_KEYS:
            if isinstance(c.get(key), int) and c[key] > 0:
                out.setdefault("experts", c[key])
        if isinstance(c.get("num_attention_heads"), int):
            out.setdefault("heads", c["num_attention_heads"])
    return out


def run(ctx: Context, r: Report) -> None:
    t = ctx.i.training
    if t.engine != "verl":
        r.ok("trainer layout", "engine local (one process; no trainer parallelism)")
        return
    nodes, per_node = ctx.cfg.trainer_pool
    world = ctx.cfg.trainer_gpus
    ep = f" EP={t.expert_parallel_size} MoE kernel {ctx.cfg.moe_kernel}" if t.strategy == "veomni" else ""
    offload = [k for k in ("param_offload", "optimizer_offload") if getattr(t, k)]
    r.ok(
        "trainer layout",
        f"{t.strategy}: {world} trainer GPU(s) ({nodes} × {per_node}){ep} SP={t.sequence_parallel_size}"
        f" → DP={ctx.cfg.trainer_dp_ranks}" + (f"; offload: {', '.join(offload)}" if offload else ""),
    )
    if t.strategy == "veomni":
        if module_exists("veomni"):
            r.ok("veomni", "the veomni package resolves in this venv")
        else:
            r.missing(
                "veomni",
                "training.strategy=veomni but the `veomni` package is not in this venv — pip install veomni into "
                "the venv of every GPU node (or use strategy: fsdp)",
            )
        if ctx.cfg.moe_kernel == "fused_quack" and not module_exists("quack"):
            r.missing(
                "veomni:quack",
                "training.moe_implementation=fused_quack needs the `quack-kernels` package (VeOmni's CUTLASS/CuTe MoE "
                "kernel) — pip install quack-kernels on every GPU node, or moe_implementation: auto",
            )
    path = model_file(ctx)
    if path is None or not path.is_dir() or not (path / "config.json").is_file():
        return  # the model's own line (Input paths / KV-head) says what is missing
    try:
        n = model_counts(path)
    except (OSError, ValueError) as exc:
        r.fail("trainer layout:model", f"cannot read {path}/config.json: {exc} — fix model.model_path")
        return
    experts, heads = n.get("experts"), n.get("heads")
    if experts and t.strategy == "veomni":
        if experts % t.expert_parallel_size:
            ok = [d for d in range(1, world + 1) if world % d == 0 and experts % d == 0]
            r.fail(
                "expert parallel",
                f"training.expert_parallel_size={t.expert_parallel_size} does not divide the model's {experts} "
                f"experts — pick one of {ok}",
            )
        else:
            r.ok(
                "expert parallel",
                f"{experts} experts / EP={t.expert_parallel_size} = {experts // t.expert_parallel_size} per GPU",
            )
    elif experts:
        r.warn(
            "expert parallel",
            f"the model is a MoE ({experts} experts) on strategy fsdp: every trainer GPU holds every expert — "
            "strategy: veomni with expert_parallel_size splits them",
        )
    if heads and heads % t.sequence_parallel_size:
        ok = [d for d in range(1, per_node + 1) if per_node % d == 0 and heads % d == 0]
        r.fail(
            "sequence parallel",
            f"training.sequence_parallel_size={t.sequence_parallel_size} does not divide the model's {heads} "
            f"attention heads (Ulysses splits heads) — pick one of {ok}",
        )
