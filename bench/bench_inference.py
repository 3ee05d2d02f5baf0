"""Inference chain cost: direct-to-engine vs gateway vs proxy+gateway, at 1/8/32 concurrent streams
(real SmolLM2 LocalEngine on CPU), and proxy req/s saturation per worker count (ScriptedEngine test double
behind the gateway, so the proxy is the bottleneck). Prints tables.

    .venv/bin/python bench/bench_inference.py [--streams 1,8,32] [--max-tokens 16] [--saturation-workers 1,2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

from swerl.config.load import parse_config
from swerl.serve.assets import resolve_model_path
from swerl.serve.engines.local import LocalEngine
from swerl.serve.engines.scripted import ScriptedEngine
from swerl.serve.gateway import GatewayServer, GatewaySettings, create_app
from swerl.serve.proxy import ProxyProcess

KEY = "sk-bench-" + os.urandom(6).hex()
PROMPT = "Write a long bash script that prints the numbers from one to one hundred, with comments."


async def _run_level(call, streams: int) -> tuple[list[float], int, float]:
    t0 = time.perf_counter()
    res = await asyncio.gather(*(call(k) for k in range(streams)))
    wall = time.perf_counter() - t0
    return [r[0] for r in res], sum(r[1] for r in res), wall


async def chain_bench(engine: LocalEngine, gw_url: str, proxy_url: str, levels: list[int], max_tokens: int) -> Table:
    tok = engine.tokenizer
    msgs = [{"role": "user", "content": PROMPT}]
    ids = tok.encode(tok.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True), add_special_tokens=False)
    body = {"model": "vllm_model", "messages": msgs, "max_tokens": max_tokens, "temperature": 0}
    client = httpx.AsyncClient(timeout=600, limits=httpx.Limits(max_connections=256))

    async def direct(k):
        t = time.perf_counter()
        g = await engine.generate(ids, max_tokens=max_tokens, temperature=0)
        return time.perf_counter() - t, len(g.token_ids)

    def via(url, headers):
        async def call(k):
            t = time.perf_counter()
            r = await client.post(f"{url}/v1/chat/completions", json=body,
                                  headers={**headers, "x-swerl-trial-id": f"bench-{k}"})
            r.raise_for_status()
            return time.perf_counter() - t, r.json()["usage"]["completion_tokens"]
        return call

    modes = {"engine": direct, "gateway": via(gw_url, {}),
             "proxy+gateway": via(proxy_url, {"Authorization": f"Bearer {KEY}"})}
    table = Table("streams", "path", "p50 latency s", "max latency s", "tokens/s", title=f"LocalEngine SmolLM2-135M, {max_tokens} new tokens/request, CPU")
    await direct(0)  # warm-up
    for n in levels:
        for name, call in modes.items():
            lat, toks, wall = await _run_level(call, n)
            table.add_row(str(n), name, f"{statistics.median(lat):.2f}", f"{max(lat):.2f}", f"{toks / wall:.1f}")
    await client.aclose()
    return table


async def saturation(proxy_url: str, seconds: float, concurrency: int, route: str) -> float:
    done = 0
    stop = time.perf_counter() + seconds
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=concurrency)) as c:
        async def worker(k):
            nonlocal done
            while time.perf_counter() < stop:
                if route == "openai":
                    r = await c.post(f"{proxy_url}/v1/chat/completions", headers={"Authorization": f"Bearer {KEY}"},
                                     json={"model": "vllm_model", "max_tokens": 8, "messages": [{"role": "user", "content": "hi"}]})
                else:
                    r = await c.post(f"{proxy_url}/v1/messages", headers={"x-api-key": KEY, "anthropic-version": "2023-06-01"},
                                     json={"model": "claude-sonnet-4-5", "max_tokens": 8, "stream": True,
                                           "messages": [{"role": "user", "content": "hi"}]})
                r.raise_for_status()
                done += 1
        t0 = time.perf_counter()
        await asyncio.gather(*(worker(k) for k in range(concurrency)))
        return done / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--streams", default="1,8,32")
    ap.add_argument("--max-tokens", type=int, default=16)
    ap.add_argument("--saturation-workers", default="1,2", help="'' to skip")
    ap.add_argument("--saturation-seconds", type=float, default=8.0)
    a = ap.parse_args()
    console = Console()
    model_dir = resolve_model_path("smollm2")
    with tempfile.TemporaryDirectory(prefix="swerl-bench-") as td:
        root = Path(td)
        cfg = parse_config({"runtime_info": {"input": {"model": {"model_path": str(model_dir)}, "data": {},
                                                         "experiment": {"output_root": str(root)}}}})
        engine = LocalEngine.from_path(model_dir)
        gw = GatewayServer(create_app(engine, engine.tokenizer, GatewaySettings(trials_root=None))).start()
        proxy = ProxyProcess(cfg, gw.url, root / "trials", KEY, port=0, state_dir=root / ".swerl", max_tokens_cap=4096)
        try:
            proxy.start().wait_ready(180)
            levels = [int(x) for x in a.streams.split(",")]
            console.print(asyncio.run(chain_bench(engine, gw.url, proxy.base_url, levels, a.max_tokens)))
        finally:
            proxy.stop()
            gw.stop()
        if a.saturation_workers:
            sgw = GatewayServer(create_app(ScriptedEngine(engine.tokenizer), engine.tokenizer, GatewaySettings())).start()
            table = Table("proxy workers", "OpenAI non-stream req/s", "Anthropic streamed req/s",
                          title=f"LiteLLM proxy saturation (scripted policy, 32 concurrent, {a.saturation_seconds:.0f} s each)")
            for w in [int(x) for x in a.saturation_workers.split(",")]:
                p = ProxyProcess(cfg, sgw.url, root / "trials", KEY, port=0, state_dir=root / ".swerl", workers=w)
                try:
                    p.start().wait_ready(240)
                    o = asyncio.run(saturation(p.base_url, a.saturation_seconds, 32, "openai"))
                    an = asyncio.run(saturation(p.base_url, a.saturation_seconds, 32, "anthropic"))
                    table.add_row(str(w), f"{o:.1f}", f"{an:.1f}")
                finally:
                    p.stop()
            sgw.stop()
            console.print(table)


if __name__ == "__main__":
    main()
