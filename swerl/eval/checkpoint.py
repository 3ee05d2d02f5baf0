"""What `swerl eval --checkpoint` accepts → the HF weights dir to load (full model, or a LoRA adapter)."""

from __future__ import annotations

from pathlib import Path

from swerl.models.checkpoint import latest_step, step_dir


class EvalInputError(ValueError):
    """Bad `swerl eval` input: one line with the fix."""


def weights_dir(path: str | Path) -> Path:
    """An HF dir (config.json, or a LoRA adapter's adapter_config.json) as is; a training checkpoint —
    `global_step_N/`, its `actor/`, or an exp's checkpoints dir (its latest complete step) — → its
    `actor/huggingface/`."""
    p = Path(path).expanduser()
    if not p.exists():
        raise EvalInputError(
            f"checkpoint {p} does not exist: give checkpoints/<project>/<exp>[/global_step_N] or an HF dir"
        )
    if (p / "config.json").is_file() or (p / "adapter_config.json").is_file():
        return p
    for sub in ("huggingface", "actor"):
        if (p / sub).is_dir():
            return weights_dir(p / sub)
    if p.name == "actor" and any(p.glob("model_world_size_*")):
        raise EvalInputError(
            f"{p} is a verl FSDP checkpoint (sharded, no HF weights): merge it first — python -m verl.model_merger "
            f"merge --backend fsdp --local_dir {p} --target_dir {p}/huggingface — then pass that dir"
        )
    step = latest_step(p)
    if step is not None:
        return weights_dir(step_dir(p, step))
    raise EvalInputError(
        f"{p}: not a checkpoint (no config.json, actor/huggingface/ or complete global_step_N/ inside): give "
        "checkpoints/<project>/<exp>, one of its global_step_N dirs, or an HF model dir"
    )


def load_model(weights: Path, base_model: Path, device: str = "cpu"):
    """(model, tokenizer) from a weights dir; a LoRA adapter is applied to `base_model` and merged."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    adapter = (weights / "adapter_config.json").is_file()
    src = base_model if adapter else weights
    model = AutoModelForCausalLM.from_pretrained(src, dtype=torch.float32)
    if adapter:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, weights).merge_and_unload()
    has_tok = (weights / "tokenizer_config.json").is_file()
    tok = AutoTokenizer.from_pretrained(weights if has_tok else base_model)
    return model.to(device).eval(), tok
