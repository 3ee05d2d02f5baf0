"""Inference chain cost: direct-to-engine vs gateway vs proxy+gateway, at 1/8/32 concurrent streams
(real SmolLM2 LocalEngine on CPU), and proxy req/s saturation per worker count (ScriptedEngine test double
behind the gateway, so the proxy is the bottleneck). Prints tables and the load average (the machine is shared).

Two arrival patterns: `together` (all streams at once, same length) and `staggered` (stream k arrives k·gap s
late and asks for 1–3× max-tokens, like agents' turns — where continuous batching matters).

    .venv/bin/python bench/bench_inference.py [--streams 1,8,32] [--max-tokens 16] [--stagger 0.25]
        [--threads 2] [--saturation-workers 1,2]
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
import torch
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


def load_avg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


async def _run_level(call, streams: int, max_tokens: int, gap: float) -> tuple[list[float], int, float]:
    """Stream k starts k·gap s late; with a gap it asks for (1 + k mod 3)·max_tokens (mixed lengths)."""

    async def one(k):
        await asyncio.sleep(k * gap)
        return await call(k, max_tokens * (1 + k % 3) if gap else max_tokens)

    t0 = time.perf_counter()
    res = await asyncio.gather(*(one(k) for k in range(streams)))
    wall = time.perf_counter() - t0
    return [r[0] for r in res], sum(r[1] for r in res), wall


async def chain_bench(
    engine,
    gw_url: str,
    proxy_url: str,
    levels: list[int],
    max_tokens: int,
    stagger: float = 0.0,
    paths: tuple[str, ...] = ("engine", "gateway", "proxy+gateway"),
) -> Table:
    tok = engine.tokenizer
    msgs = [{"role": "user", "content": PROMPT}]
    ids = tok.encode(
        tok.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True), add_special_tokens=False
    )
    client = httpx.AsyncClient(timeout=600, limits=httpx.Limits(max_connections=256))
    never = [-1]  # no stop token: every request decodes exactly max_tokens (comparable runs)

    async def direct(k, mt):
        t = time.perf_counter()
        g = await engine.generate(ids, max_tokens=mt, temperature=0, stop_token_ids=never)
        return time.perf_counter() - t, len(g.token_ids)

    def via(url, headers):
        async def call(k, mt):
            t = time.perf_counter()
            body = {"model": "vllm_model", "messages": msgs, "max_tokens": mt, "temperature": 0}
            r = await client.post(
                f"{url}/v1/chat/completions", json=body, headers={**headers, "x-swerl-trial-id": f"bench-{k}"}
            )
            r.raise_for_status()
            return time.perf_counter() - t, r.json()["usage"]["completion_tokens"]

        return call

    modes = {
        "engine": direct,
        "gateway": via(gw_url, {}),
        "proxy+gateway": via(proxy_url, {"Authorization": f"Bearer {KEY}"}),
    }
    table = Table(
        "streams",
        "arrival",
        "path",
        "p50 latency s",
        "max latency s",
        "tokens/s",
        "load avg",
        title=f"{type(engine).__name__} SmolLM2-135M, {max_tokens} new tokens/request, CPU, "
        f"{getattr(engine, 'threads', torch.get_num_threads())} decode threads",
    )
    await direct(0, max_tokens)  # warm-up
    arrivals = [("together", 0.0)] + ([(f"staggered {stagger:g}s", stagger)] if stagger else [])
    for n in levels:
        for label, gap in arrivals[: 1 if n == 1 else 2]:  # one stream: no arrival pattern
            for name in paths:
                lat, toks, wall = await _run_level(modes[name], n, max_tokens, gap)
                table.add_row(
                    str(n),
                    label,
                    name,
                    f"{statistics.median(lat):.2f}",
                    f"{max(lat):.2f}",
                    f"{toks / wall:.1f}",
                    load_avg(),
                )
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
                    r = await c.post(
                        f"{proxy_url}/v1/chat/completions",
                        headers={"Authorization": f"Bearer {KEY}"},
                        json={"model": "vllm_model", "max_tokens": 8, "messages": [{"role": "user", "content": "hi"}]},
                    )
                else:
                    r = await c.post(
                        f"{proxy_url}/v1/messages",
                        headers={"x-api-key": KEY, "anthropic-version": "2023-06-01"},
                        json={
                            "model": "claude-sonnet-4-5",
                            "max_tokens": 8,
                            "stream": True,
                            "messages": [{"role": "user", "content": "hi"}],
                        },
                    )
                r.raise_for_status()
                done += 1

        t0 = time.perf_counter()
        await asyncio.gather(*(worker(k) for k in range(concurrency)))
        return done / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--streams", default="1,8,32")
    ap.add_argument("--max-tokens", type=int, default=16)
    ap.add_argument("--stagger", type=float, default=0.25, help="arrival gap of the staggered rows (0 = skip them)")
    ap.add_argument("--threads", type=int, default=0, help="engine decode threads (0 = LocalEngine's default)")
    ap.add_argument("--paths", default="engine,gateway,proxy+gateway")
    ap.add_argument("--saturation-workers", default="1,2", help="'' to skip")
    ap.add_argument("--saturation-seconds", type=float, default=8.0)
    a = ap.parse_args()
    console = Console()
    model_dir = resolve_model_path("smollm2")
    with tempfile.TemporaryDirectory(prefix="swerl-bench-") as td:
        root = Path(td)
        cfg = parse_config(
            {
                "runtime_info": {
                    "input": {
                        "model": {"model_path": str(model_dir)},
                        "data": {},
                        "experiment": {"output_root": str(root)},
                    }
                }
            }
        )
        engine = LocalEngine.from_path(model_dir, **({"threads": a.threads} if a.threads else {}))
        console.print(f"load average at start: {load_avg()}")
        gw = GatewayServer(create_app(engine, engine.tokenizer, GatewaySettings(trials_root=None))).start()
        proxy = ProxyProcess(cfg, gw.url, root / "trials", KEY, port=0, state_dir=root / ".swerl", max_tokens_cap=4096)
        try:
            proxy.start().wait_ready(180)
            levels = [int(x) for x in a.streams.split(",")]
            console.print(
                asyncio.run(
                    chain_bench(
                        engine, gw.url, proxy.base_url, levels, a.max_tokens, a.stagger, tuple(a.paths.split(","))
                    )
                )
            )
        finally:
            proxy.stop()
            gw.stop()
        if a.saturation_workers:
            sgw = GatewayServer(
                create_app(ScriptedEngine(engine.tokenizer), engine.tokenizer, GatewaySettings())
            ).start()
            table = Table(
                "proxy workers",
                "OpenAI non-stream req/s",
                "Anthropic streamed req/s",
                title=f"LiteLLM proxy saturation (scripted policy, 32 concurrent, {a.saturation_seconds:.0f} s each)",
            )
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
