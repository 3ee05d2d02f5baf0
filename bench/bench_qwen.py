"""A model alias on this machine's CPU through the real gateway (local engine, hermes parser): decode tokens/s at
1 and N concurrent streams, and whether its replies to a simple tool prompt parse as `<tool_call>` JSON.

Qwen2.5-Coder here is the Q4_K_M GGUF **dequantized** to fp32 (swerl.models.assets), not the original bf16.
Prints a JSON summary on the last line (append it to bench/results/ by hand).

    .venv/bin/python bench/bench_qwen.py [--model qwen2.5-coder-0.5b] [--streams 1,8] [--max-tokens 64]
        [--tool-samples 6] [--temperature 0.7] [--greedy-check]

--greedy-check re-runs the conversion's check (the prepared dir greedy-decodes exactly what its GGUF model
does; ~2 min on 2 cores) — the same check `swerl assets prepare` runs and records in swerl-asset.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time

import httpx

from swerl.models.assets import SPLIT_GGUF_MODELS, gguf_path
from swerl.serve.assets import greedy_check, resolve_model_path
from swerl.serve.engines.local import LocalEngine
from swerl.serve.gateway import GatewayServer, GatewaySettings, create_app

TEXT_PROMPT = "Write a bash script that prints the numbers from one to one hundred, with comments."
TOOL_PROMPT = "Create a file named hello.txt in the current directory containing the word hi."
BASH_TOOL = {
    "type": "function",
    "function": {
        "name": "bash",
        "description": "Run a bash command in the task's sandbox and return its output.",
        "parameters": {
            "type": "object",
            "properties": {"command": {"type": "string", "description": "the command to run"}},
            "required": ["command"],
        },
    },
}


async def decode_rate(url: str, streams: int, max_tokens: int) -> dict:
    async with httpx.AsyncClient(base_url=url, timeout=1800) as c:

        async def one(k: int) -> int:
            r = await c.post(
                "/v1/chat/completions",
                json={
                    "model": "vllm_model",
                    "messages": [{"role": "user", "content": f"{TEXT_PROMPT} (variant {k})"}],
                    "max_tokens": max_tokens,
                    "temperature": 0.7,
                },
            )
            r.raise_for_status()
            return r.json()["usage"]["completion_tokens"]

        t0 = time.perf_counter()
        toks = await asyncio.gather(*(one(k) for k in range(streams)))
        wall = time.perf_counter() - t0
    return {"streams": streams, "tokens": sum(toks), "wall_s": round(wall, 1), "tok_per_s": round(sum(toks) / wall, 2)}


async def tool_calls(url: str, samples: int, temperature: float, max_tokens: int) -> dict:
    """Sample 0 is greedy, the rest at `temperature`; one at a time (the parse rate, not throughput)."""
    rows = []
    async with httpx.AsyncClient(base_url=url, timeout=1800) as c:
        for k in range(samples):
            t = 0.0 if k == 0 else temperature
            r = await c.post(
                "/v1/chat/completions",
                json={
                    "model": "vllm_model",
                    "messages": [{"role": "user", "content": TOOL_PROMPT}],
                    "tools": [BASH_TOOL],
                    "max_tokens": max_tokens,
                    "temperature": t,
                },
            )
            r.raise_for_status()
            msg = r.json()["choices"][0]["message"]
            calls = msg.get("tool_calls") or []
            ok = False
            for call in calls:
                try:
                    args = json.loads(call["function"]["arguments"])
                    ok = ok or (call["function"]["name"] == "bash" and isinstance(args.get("command"), str))
                except (ValueError, KeyError, AttributeError):
                    pass
            rows.append(
                {
                    "temperature": t,
                    "parsed": ok,
                    "tool_calls": [c["function"] for c in calls],
                    "content": (msg.get("content") or "")[:300],
                }
            )
    return {"samples": rows, "parsed": sum(r["parsed"] for r in rows), "of": len(rows)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="qwen2.5-coder-0.5b")
    ap.add_argument("--streams", default="1,8")
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--tool-samples", type=int, default=6)
    ap.add_argument("--temperature", type=float, default=0.7)
    ap.add_argument("--greedy-check", action="store_true")
    a = ap.parse_args()
    t0 = time.perf_counter()
    model_dir = resolve_model_path(a.model)
    if a.greedy_check:
        import torch
        from transformers import AutoModelForCausalLM

        g = gguf_path(SPLIT_GGUF_MODELS[a.model])
        ref = AutoModelForCausalLM.from_pretrained(g.parent, gguf_file=g.name, dtype=torch.float32)
        res = greedy_check(ref, model_dir)
        del ref
        print(json.dumps({"greedy_check": "OK", **res, "s": round(time.perf_counter() - t0, 1)}), flush=True)
        t0 = time.perf_counter()
    engine = LocalEngine.from_path(model_dir)
    load_s = time.perf_counter() - t0
    gw = GatewayServer(create_app(engine, engine.tokenizer, GatewaySettings(trials_root=None))).start()
    out: dict = {"model": a.model, "model_dir": str(model_dir), "load_s": round(load_s, 1)}
    try:
        out["tool_call"] = asyncio.run(tool_calls(gw.url, a.tool_samples, a.temperature, 96))
        for s in out["tool_call"]["samples"]:
            print(json.dumps(s), flush=True)
        out["decode"] = []
        for n in [int(x) for x in a.streams.split(",") if x]:
            out["decode"].append(asyncio.run(decode_rate(gw.url, n, a.max_tokens)))
            print(json.dumps(out["decode"][-1]), flush=True)
    finally:
        gw.stop()
    out["load_average"] = [round(x, 2) for x in os.getloadavg()]
    out["cpus"] = os.cpu_count()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
