"""verl's trainer layout from config.yaml: `training.strategy` (fsdp | veomni), expert / sequence parallel sizes,
CPU offload and a dedicated rollout node, composed against verl 0.9.1's own hydra config and turned into verl's
engine dataclasses (their `__post_init__` checks run); the one-line errors; the preflight lines that read the
model's config.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from swerl.config.load import ConfigError
from tests.train.verl_compose import compose_main_ppo, verl_config

ROOT = Path(__file__).parents[2]


def _cfg(tmp_path: Path, *, gpus: int = 8, grad_clip: float = 1.0, **kw):
    return verl_config(tmp_path, gpus=gpus, algorithm={"grad_clip": grad_clip}, **kw)


def _validated(c):
    """verl's own checks of the composed config (main_ppo runs the same before it starts Ray)."""
    from verl.trainer.main_ppo import validate_config
    from verl.trainer.ppo.utils import need_critic, need_reference_policy
    from verl.utils.config import omega_conf_to_dataclass

    validate_config(config=c, use_reference_policy=need_reference_policy(c), use_critic=need_critic(c))
    return omega_conf_to_dataclass(c.actor_rollout_ref.actor)


def test_veomni_engine_with_expert_and_sequence_parallel(tmp_path):
    c = compose_main_ppo(
        _cfg(
            tmp_path,
            strategy="veomni",
            expert_parallel_size=4,
            sequence_parallel_size=2,
            optimizer_offload=True,
            attn_implementation="sdpa",
            grad_clip=0.5,
        )
    )
    actor = _validated(c)
    assert type(actor).__name__ == "VeOmniActorConfig" and actor.strategy == "veomni"
    e = actor.veomni
    assert (e.expert_parallel_size, e.ulysses_parallel_size, e.optimizer_offload, e.param_offload) == (
        4,
        2,
        True,
        False,
    )
    assert e.attn_implementation == "sdpa"
    r = c.actor_rollout_ref.ref.veomni  # the ref model follows the actor's layout (verl's yaml interpolates it)
    assert (r.expert_parallel_size, r.ulysses_parallel_size) == (4, 2)
    assert c.actor_rollout_ref.actor.optim.clip_grad == 0.5  # the v1 engine clips by optim.clip_grad
    assert e.moe_implementation == r.moe_implementation == "fused_triton"  # not verl's `fused` (→ quack, a package)
    assert e.init_device == r.init_device == "meta"  # 8 ranks: FSDP2 materialises the shards


def test_veomni_on_one_gpu_builds_on_the_gpu(tmp_path):
    """One trainer rank: VeOmni applies no FSDP2 and refuses `init_device=meta` ("Only FSDP training supports
    init_device=meta", veomni 0.1.12's build_parallelize_model) — actor and ref build on cuda; and nothing casts
    the fp32 master weights to bf16, which VeOmni's fused MoE kernels need (`AssertionError: torch.float32` from
    its Triton group GEMM, seen on the H200) — `auto` picks eager there."""
    c = compose_main_ppo(_cfg(tmp_path, gpus=1, strategy="veomni"))
    actor = _validated(c)
    assert actor.veomni.init_device == "cuda" and c.actor_rollout_ref.ref.veomni.init_device == "cuda"
    assert actor.veomni.moe_implementation == "eager"
    with pytest.raises(ConfigError, match="moe_implementation=fused_triton needs a sharded trainer"):
        _cfg(tmp_path, gpus=1, strategy="veomni", moe_implementation="fused_triton")


def test_fsdp_default_with_sequence_parallel_and_offload(tmp_path):
    c = compose_main_ppo(_cfg(tmp_path, sequence_parallel_size=4, param_offload=True, grad_clip=2.0))
    actor = _validated(c)
    assert actor.strategy == "fsdp" and c.model_engine == "dp"
    assert actor.fsdp_config.ulysses_sequence_parallel_size == 4 and actor.ulysses_sequence_parallel_size == 4
    assert actor.fsdp_config.param_offload is True and actor.fsdp_config.optimizer_offload is False
    ref = c.actor_rollout_ref.ref
    assert ref.ulysses_sequence_parallel_size == 4 and ref.fsdp_config.param_offload is True
    assert actor.optim.clip_grad == 2.0


def test_a_dedicated_rollout_node(tmp_path):
    """3 nodes × 8: one whole node serves vLLM (separate_async), the other two train — the large-MoE lever."""
    from swerl.serve.discovery import expected_replicas

    cfg = _cfg(
        tmp_path,
        nnodes=3,
        mode="async",
        async_pools="separate",
        rollout_nodes=1,
        strategy="veomni",
        expert_parallel_size=8,
        train_batch_size=64,
        ppo_mini_batch_size=16,
    )
    c = compose_main_ppo(cfg)
    _validated(c)
    r = c.actor_rollout_ref.rollout
    assert (c.trainer.nnodes, c.trainer.n_gpus_per_node) == (2, 8)
    assert (r.nnodes, r.n_gpus_per_node) == (1, 8) and c.actor_rollout_ref.hybrid_engine is False
    assert cfg.trainer_pool == (2, 8) and cfg.rollout_pool == (1, 8) and expected_replicas(cfg) == 8


@pytest.mark.parametrize(
    ("kw", "words"),
    [
        (dict(expert_parallel_size=2), "needs training.strategy: veomni"),
        (dict(strategy="veomni", expert_parallel_size=3), "expert_parallel_size=3 does not divide the 8 trainer"),
        (dict(moe_implementation="eager"), "is veomni's MoE kernel"),
        (dict(sequence_parallel_size=3), "sequence_parallel_size=3 does not divide the 8 trainer GPU"),
        (dict(engine="local", gpus=0, strategy="veomni"), "the local engine trains one process"),
        (dict(rollout_nodes=1, nnodes=2), "only verl's separate_async"),
        (dict(mode="async", async_pools="separate", rollout_nodes=2, nnodes=2), "leaves no node to train on"),
        (
            dict(mode="async", async_pools="separate", rollout_nodes=1, nnodes=2, rollout_gpus_per_node=4),
            "two ways to split",
        ),
        (
            dict(
                mode="async", async_pools="separate", rollout_gpus_per_node=4, strategy="veomni", expert_parallel_size=8
            ),
            "does not divide the 4 trainer GPU",
        ),
    ],
)
def test_bad_layouts_are_one_line_errors(tmp_path, kw, words):
    with pytest.raises(ConfigError, match=words) as e:
        _cfg(tmp_path, **kw)
    assert "\n" not in str(e.value) and "— " in str(e.value)


def _model(tmp_path: Path, **conf) -> Path:
    d = tmp_path / "model"
    d.mkdir()
    (d / "config.json").write_text(json.dumps({"num_key_value_heads": 4, **conf}))
    return d


def _layout_lines(cfg) -> list[tuple[str, str, str]]:
    from swerl.preflight.checks import layout
    from swerl.preflight.context import Context
    from swerl.preflight.report import Report

    import io

    r = Report(out=io.StringIO())
    layout.run(Context(cfg=cfg, config_path=ROOT / "config.yaml"), r)
    return [(ln.status.value, ln.label, ln.detail) for ln in r.lines]


def test_preflight_reads_experts_and_heads_from_the_model(tmp_path):
    m = _model(tmp_path, num_experts=60, num_attention_heads=12)
    ok = _layout_lines(
        _cfg(tmp_path, model=str(m), strategy="veomni", expert_parallel_size=4, sequence_parallel_size=2)
    )
    by = {name: (status, detail) for status, name, detail in ok}
    assert by["trainer layout"][0] == "OK" and "EP=4 MoE kernel fused_triton SP=2 → DP=4" in by["trainer layout"][1]
    assert by["expert parallel"] == ("OK", "60 experts / EP=4 = 15 per GPU")
    assert by["veomni"][0] == "MISSING" and "pip install veomni" in by["veomni"][1]  # not in this CPU venv
    bad = {
        n: (s, d)
        for s, n, d in _layout_lines(
            _cfg(tmp_path, model=str(m), strategy="veomni", expert_parallel_size=8, sequence_parallel_size=8)
        )
    }
    assert bad["expert parallel"][0] == "FAIL" and "pick one of [1, 2, 4]" in bad["expert parallel"][1]
    assert bad["sequence parallel"][0] == "FAIL" and "12 attention heads" in bad["sequence parallel"][1]
    quack = {
        n: (s, d)
        for s, n, d in _layout_lines(_cfg(tmp_path, model=str(m), strategy="veomni", moe_implementation="fused_quack"))
    }
    assert quack["veomni:quack"][0] == "MISSING" and "pip install quack-kernels" in quack["veomni:quack"][1]
    assert "veomni:quack" not in by  # fused_triton needs no extra package
    moe_on_fsdp = {n: (s, d) for s, n, d in _layout_lines(_cfg(tmp_path, model=str(m)))}
    assert moe_on_fsdp["expert parallel"][0] == "WARN" and "strategy: veomni" in moe_on_fsdp["expert parallel"][1]
