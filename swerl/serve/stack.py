"""Build the serving pieces from a config (one place, so CLI, training loop and tests agree)."""

from __future__ import annotations

from pathlib import Path

from swerl.config.schema import SwerlConfig


def gateway_settings(cfg: SwerlConfig, trials_root: Path | None, max_model_len: int | None = None):
    from swerl.serve.gateway import GatewaySettings

    i = cfg.input
    return GatewaySettings(
        served_model_name=i.model.served_model_name,
        tool_call_parser=i.vllm.tool_call_parser,
        max_model_len=max_model_len or i.vllm.max_model_length,
        max_tokens_cap=i.training.max_tokens_per_turn,
        temperature=i.vllm.temperature,
        top_p=i.vllm.top_p,
        trials_root=trials_root,
    )


def build_gateway_app(cfg: SwerlConfig, *, scripted: bool = False, trials_root: Path | None = None, engine=None):
    """The gateway app over the config's local model (or the scripted test double, or a given engine)."""
    from transformers import AutoTokenizer

    from swerl.serve.assets import resolve_model_path
    from swerl.serve.gateway import create_app

    model_dir = resolve_model_path(cfg.input.model.model_path or "smollm2")
    tok = AutoTokenizer.from_pretrained(model_dir)
    if engine is None:
        if scripted:
            from swerl.serve.engines.scripted import ScriptedEngine

            engine = ScriptedEngine(tok)
        else:
            from swerl.serve.engines.local import LocalEngine

            engine = LocalEngine.from_path(model_dir, prefix_cache_tokens=cfg.input.training.prefix_cache_tokens)
    max_len = min(cfg.input.vllm.max_model_length, getattr(engine, "max_model_len", 1 << 30))
    return create_app(engine, tok, gateway_settings(cfg, trials_root, max_len))
