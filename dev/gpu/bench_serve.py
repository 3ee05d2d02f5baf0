"""Tokens/s of one vLLM server: direct vs through swerl's gateway (VLLMEngine) vs LiteLLM proxy + gateway.

Same chat request everywhere (sampled, temperature 1.0, max_tokens cap), N requests at concurrency C.
The gateway and proxy are swerl's real ones; the proxy route carries a trial id, so the gateway writes
token-level records (`tokens.jsonl`), which are checked at the end.

    python3 dev/gpu/bench_serve.py --vllm 127.0.0.1:8000 --model-dir DIR --config configs/gpu-1x-smollm2.yaml
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path

import httpx

MESSAGES = [{"role": "user", "content": "Write a long story about a robot who learns to write bash scripts."}]


async def one(client: httpx.AsyncClient, url: str, model: str, max_tokens: int, headers: dict) -> int:
    r = await client.post(
        url, json={"model": model, "messages": MESSAGES, "max_tokens": max_tokens, "temperature": 1.0}, headers=headers
    )
    r.raise_for_status()
    return int(r.json()["usage"]["completion_tokens"])


async def level(url_for, model: str, conc: int, n: int, max_tokens: int, headers: dict) -> dict:
    sem = asyncio.Semaphore(conc)
    lat: list[float] = []
    async with httpx.AsyncClient(timeout=600, limits=httpx.Limits(max_connections=conc + 4)) as client:

        async def run(i: int) -> int:
            async with sem:
                t = time.perf_counter()
                k = await one(client, url_for(i), model, max_tokens, headers)
                lat.append(time.perf_counter() - t)
                return k

        await one(client, url_for(-1), model, 8, headers)  # warm the path
        t0 = time.perf_counter()
        toks = sum(await asyncio.gather(*(run(i) for i in range(n))))
        dt = time.perf_counter() - t0
    lat.sort()
    return {
        "concurrency": conc,
        "requests": n,
        "tokens": toks,
        "seconds": round(dt, 2),
        "tok_s": round(toks / dt, 1),
        "p50_s": round(lat[len(lat) // 2], 2),
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--vllm", required=True, help="host:port of the vLLM OpenAI server")
    ap.add_argument("--model-dir", required=True)
    ap.add_argument("--config", default="configs/gpu-1x-smollm2.yaml")
    ap.add_argument("--levels", default="1,8,32")
    ap.add_argument("--max-tokens", type=int, default=128)
    ap.add_argument("--out", default="")
    a = ap.parse_args()

    from transformers import AutoTokenizer

    from swerl.config.load import load_config
    from swerl.serve.engines.vllm import VLLMEngine
    from swerl.serve.gateway import GatewayServer, create_app
    from swerl.serve.proxy.process import ProxyProcess, master_key_for
    from swerl.serve.stack import gateway_settings

    cfg = load_config(a.config)
    served = cfg.input.model.served_model_name
    trials_root = Path(tempfile.mkdtemp(prefix="bench-trials-"))
    tok = AutoTokenizer.from_pretrained(a.model_dir)
    engine = VLLMEngine([a.vllm], served)
    settings = gateway_settings(cfg, trials_root).model_copy(update={"max_tokens_cap": a.max_tokens})
    gw = GatewayServer(create_app(engine, tok, settings)).start()
    key = master_key_for(cfg)
    t = time.time()
    proxy = (
        ProxyProcess(
            cfg, gw.url, trials_root, key, port=0, state_dir=trials_root / "state", max_tokens_cap=a.max_tokens
        )
        .start()
        .wait_ready(120)
    )
    proxy_ready_s = round(time.time() - t, 1)
    routes = {
        "direct": (lambda i: f"http://{a.vllm}/v1/chat/completions", {}),
        "gateway": (lambda i: f"{gw.url}/v1/chat/completions", {}),
        "proxy+gateway": (
            lambda i: f"{proxy.base_url}/trial/bench{i % 1000 + 1}-t-0-abcd/v1/chat/completions",
            {"Authorization": f"Bearer {key}"},
        ),
    }
    results: dict = {"proxy_ready_s": proxy_ready_s, "max_tokens": a.max_tokens, "routes": {}}
    try:
        for conc in [int(x) for x in a.levels.split(",")]:
            n = max(4, 2 * conc)
            for name, (url_for, headers) in routes.items():
                r = asyncio.run(level(url_for, served, conc, n, a.max_tokens, headers))
                results["routes"].setdefault(name, []).append(r)
                print(
                    f"{name:14s} c={conc:3d} n={n:3d} {r['tokens']:6d} tok {r['seconds']:6.2f}s "
                    f"{r['tok_s']:8.1f} tok/s p50 {r['p50_s']:.2f}s",
                    flush=True,
                )
    finally:
        proxy.stop()
        gw.stop()
    recs = sorted(trials_root.rglob("tokens.jsonl"))
    lines = [json.loads(ln) for f in recs for ln in f.read_text().splitlines() if ln.strip()]
    ok = [r for r in lines if r["response_ids"] and len(r["response_ids"]) == len(r["response_logprobs"])]
    results["token_records"] = {"files": len(recs), "lines": len(lines), "consistent": len(ok)}
    if lines:
        s = lines[0]
        print(
            f"token records: {len(recs)} trial files, {len(lines)} calls, {len(ok)} with ids==logprobs; sample: "
            f"prompt {len(s['prompt_ids'])} ids, response {len(s['response_ids'])} ids, "
            f"logprobs[:3]={[round(x, 3) for x in s['response_logprobs'][:3]]}"
        )
    else:
        print("token records: NONE written by the gateway under", trials_root)
    if a.out:
        Path(a.out).write_text(json.dumps(results, indent=1))
    return 0 if lines else 1


if __name__ == "__main__":
    raise SystemExit(main())
