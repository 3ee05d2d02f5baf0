"""Turn time of a multi-turn session on the local engine with and without the per-session prefix KV cache (CPU).

One session: a long first prompt (system = docs/design.md, cut to / repeated up to --prompt-tokens, + a user turn),
then --turns more turns, each = previous prompt + previous reply + a short user turn — the token shape the gateway
sends. Each turn runs on an engine with the cache and on one without (same model object, greedy, run one after
the other), timed separately; also checks the two give the same tokens (and max |Δ logprob|).

    .venv/bin/python bench/bench_prefix_cache.py [--model smollm2] [--prompt-tokens 2000] [--turns 4]
        [--max-tokens 16] [--threads 1]

Prints a table and a JSON summary on the last line (copy it into bench/results/prefix_cache_cpu.md by hand).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path

import torch
from rich.console import Console
from rich.table import Table

from swerl.serve.assets import resolve_model_path
from swerl.serve.engines.local import LocalEngine

USER_TURNS = [
    "Summarise the layout table in one sentence.",
    "Which file holds the config schema?",
    "Now list the layers that may import the gateway.",
    "Give one risk of the async mode.",
    "Thanks. Anything else I should read first?",
    "Write a one-line commit message for that.",
]


def _turn(tok, text: str, system: str | None) -> list[int]:
    msgs = ([{"role": "system", "content": system}] if system is not None else []) + [{"role": "user", "content": text}]
    s = tok.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True)
    if system is None:  # a later turn: only the user message + the assistant header, as the gateway appends it
        s = s[s.index("<|im_start|>user") :]
    return tok.encode(s, add_special_tokens=False)


async def run(args) -> dict:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    d = resolve_model_path(args.model)
    tok = AutoTokenizer.from_pretrained(d)
    model = AutoModelForCausalLM.from_pretrained(d, dtype=torch.float32).eval()
    design = (Path(__file__).resolve().parents[1] / "docs" / "design.md").read_text()
    text = tok.encode(design, add_special_tokens=False)
    text = text * (args.prompt_tokens // len(text) + 1)  # repeated when the design doc is shorter
    system = tok.decode(text[: args.prompt_tokens])
    cached = LocalEngine(model, tok, threads=args.threads)
    plain = LocalEngine(model, tok, threads=args.threads, prefix_cache_tokens=0)
    never = [-1]  # every turn samples exactly max_tokens
    ids: list[int] = []
    last = None
    rows = []
    for k in range(args.turns + 1):
        ids = (
            ids
            + (last.token_ids if last else [])
            + _turn(tok, USER_TURNS[k % len(USER_TURNS)], system if k == 0 else None)
        )
        out = {}
        for name, engine in (("plain", plain), ("cached", cached)):
            t0 = time.perf_counter()
            out[name] = await engine.generate(
                ids, max_tokens=args.max_tokens, temperature=0, stop_token_ids=never, session="bench"
            )
            out[name + "_s"] = time.perf_counter() - t0
        last = out["plain"]
        dlp = max(abs(a - b) for a, b in zip(out["plain"].logprobs, out["cached"].logprobs))
        rows.append(
            {
                "turn": k + 1,
                "prompt_tokens": len(ids),
                "new_tokens": len(ids) - (rows[-1]["prompt_tokens"] + args.max_tokens - 1 if rows else 0),
                "plain_s": round(out["plain_s"], 2),
                "cached_s": round(out["cached_s"], 2),
                "speedup": round(out["plain_s"] / out["cached_s"], 1),
                "same_tokens": out["plain"].token_ids == out["cached"].token_ids,
                "max_dlogprob": float(f"{dlp:.2e}"),
            }
        )
    await cached.aclose()
    await plain.aclose()
    later = rows[1:]
    return {
        "model": args.model,
        "threads": args.threads,
        "max_tokens": args.max_tokens,
        "turns": rows,
        "later_turns_plain_s": round(sum(r["plain_s"] for r in later), 1),
        "later_turns_cached_s": round(sum(r["cached_s"] for r in later), 1),
        "cache_tokens": cached.prefix_cache.tokens,
        "cache_mb": round(cached.prefix_cache.nbytes / 2**20, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="smollm2")
    ap.add_argument("--prompt-tokens", type=int, default=2000)
    ap.add_argument("--turns", type=int, default=4, help="turns after the first")
    ap.add_argument("--max-tokens", type=int, default=16)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    res = asyncio.run(run(args))
    t = Table(title=f"{args.model}: turn time without / with the prefix cache (greedy, {args.threads} thread)")
    for c in ("turn", "prompt_tokens", "new_tokens", "plain_s", "cached_s", "speedup", "same_tokens", "max_dlogprob"):
        t.add_column(c)
    for r in res["turns"]:
        t.add_row(*(str(r[c]) for c in r))
    Console(width=150).print(t)
    print(json.dumps(res))


if __name__ == "__main__":
    main()
