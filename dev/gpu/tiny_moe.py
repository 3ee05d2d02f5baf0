"""A tiny random-init Qwen3-MoE checkpoint for the veomni proof run (issue: Scaling Up): loads in seconds,
weights are NOT meaningful (the run proves the engine path — rollout → veomni update → checkpoint — not learning).

    python dev/gpu/tiny_moe.py --tokenizer ~/.cache/swerl/models/SmolLM2-135M-Instruct --out /tmp/tiny-moe

The tokenizer (and its chat template) is copied from --tokenizer, so vLLM, the gateway and verl share one vocab.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.json", "merges.txt")


def build(tokenizer_dir: Path, out: Path, *, experts: int = 8, top_k: int = 2, layers: int = 2, seed: int = 0) -> Path:
    import torch
    from transformers import AutoTokenizer, Qwen3MoeConfig, Qwen3MoeForCausalLM

    tok = AutoTokenizer.from_pretrained(tokenizer_dir)
    conf = Qwen3MoeConfig(
        vocab_size=len(tok),
        hidden_size=128,
        intermediate_size=256,
        moe_intermediate_size=64,
        num_hidden_layers=layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=32,
        num_experts=experts,
        num_experts_per_tok=top_k,
        decoder_sparse_step=1,
        max_position_embeddings=8192,
        tie_word_embeddings=False,
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
        torch_dtype="bfloat16",
    )
    torch.manual_seed(seed)
    model = Qwen3MoeForCausalLM(conf).to(torch.bfloat16)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out, safe_serialization=True)
    tok.save_pretrained(out)
    for name in TOKENIZER_FILES:  # keep the source's own files where save_pretrained rewrote them differently
        if (tokenizer_dir / name).is_file() and not (out / name).is_file():
            shutil.copy2(tokenizer_dir / name, out / name)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tokenizer", type=Path, required=True, help="HF dir whose tokenizer + chat template to use")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--experts", type=int, default=8)
    ap.add_argument("--layers", type=int, default=2)
    a = ap.parse_args()
    out = build(a.tokenizer, a.out, experts=a.experts, layers=a.layers)
    n = sum(f.stat().st_size for f in out.glob("*.safetensors"))
    print(f"tiny Qwen3-MoE ({a.experts} experts, {a.layers} layers) → {out} ({n / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
