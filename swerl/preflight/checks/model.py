"""Model config + KV-head divisibility: `vllm.gen_tp` must divide `num_key_value_heads`, or vLLM crashes with
a CUDA illegal memory access at the first forward pass (the common crash). Reads config.json / GGUF header."""

from __future__ import annotations

import json
from pathlib import Path

from swerl.models.assets import SPLIT_GGUF_MODELS
from swerl.preflight.checks.inputs import model_file
from swerl.preflight.context import Context
from swerl.preflight.gguf_meta import GGUFError, kv_heads, read_metadata
from swerl.preflight.report import Report


def hf_configs(path: Path) -> list[dict]:
    """An HF dir's config.json, then its text part where a multimodal config keeps it (text_config, llm_config)."""
    conf = json.loads((path / "config.json").read_text())
    return [conf, conf.get("text_config") or {}, conf.get("llm_config") or {}]


def model_kv_heads(path: Path) -> tuple[int | None, str]:
    """(num_key_value_heads, where it came from). Multimodal configs keep it under text_config."""
    if path.is_file():
        return kv_heads(read_metadata(path)), path.name
    for c in hf_configs(path):
        for key in ("num_key_value_heads", "num_attention_heads"):
            if isinstance(c.get(key), int):
                return c[key], f"config.json {key}"
    return None, "config.json"


def run(ctx: Context, r: Report) -> None:
    path = model_file(ctx)
    tp = ctx.i.vllm.gen_tp
    alias = SPLIT_GGUF_MODELS.get(ctx.i.model.model_path)
    if path is None and alias is not None:  # not fetched yet: the alias table knows its KV heads
        kv, src = alias.kv_heads, f"{alias.alias} (alias table)"
    elif path is None or (path.is_dir() and not (path / "config.json").is_file()):
        r.missing("kv-heads", "model not found (see model.model_path above) — cannot check num_key_value_heads")
        return
    else:
        try:
            kv, src = model_kv_heads(path)
        except (OSError, ValueError, GGUFError) as exc:
            r.fail("model config", f"cannot read {path}: {exc} — fix model.model_path")
            return
    if kv is None:
        r.warn("kv-heads", f"no num_key_value_heads in {src}; cannot check vllm.gen_tp={tp}")
        return
    if kv % tp == 0:
        r.ok("kv-heads", f"vllm.gen_tp={tp} divides num_key_value_heads={kv} — OK")
        return
    # The exact two lines of the original's preflight (people grep for them), counted as a failure.
    r.write(f"WARN: vllm.gen_tp={tp} does NOT divide num_key_value_heads={kv}")
    r.write("This will crash with CUDA illegal memory access at first forward pass.")
    divisors = [d for d in range(1, kv + 1) if kv % d == 0]
    r.fail("kv-heads", f"fix: set vllm.gen_tp to one of {divisors} (or use a model whose KV heads divide {tp})", kv=kv)
