"""Tokens/s of one replica: direct vs through swerl's gateway vs LiteLLM proxy + gateway, side by side per level.

The replica is a real vLLM server (`--vllm host:port`, on the GPU host) or, on a CPU host, the STAND-IN
`dev/gpu/standin_replica.py` (`--standin`: fixed-length replies after a fixed delay, no concurrency limit, so
what the chain adds is all that differs between routes). The gateway runs in its own process over the replica
(`swerl.serve.gateway.process`, as the verl path runs it) and the proxy is swerl's real LiteLLM proxy with
`--litellm-workers` workers. Same chat request on every route: C streams of `--rounds` calls each per level, started together (a burst)
or spread over `--stagger-sec`, optionally pausing `--think-sec` between calls like an agent running tools.
Each proxy request is its own trial, so the gateway writes a `tokens.jsonl` line per call; the proxy's added
latency per call = what the client waited − the gateway's own time for it (t_end − t_start in that line).

    python dev/gpu/bench_serve.py --vllm 127.0.0.1:8000 --model-dir DIR --config configs/gpu-1x-smollm2.yaml
    python dev/gpu/bench_serve.py --standin --model-dir DIR --config config.yaml --levels 32,128,512
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

MESSAGES = [{"role": "user", "content": "Write a long story about a robot who learns to write bash scripts."}]
HERE = Path(__file__).resolve().parent


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(q * len(xs)))], 4) if xs else 0.0


async def level(
    url_for,
    model: str,
    conc: int,
    rounds: int,
    max_tokens: int,
    headers: dict,
    replica_body: dict | None = None,
    stagger_s: float = 0.0,
    think_s: float = 0.0,
) -> dict:
    """One route at one concurrency: `conc` streams of `rounds` calls each. `replica_body`: send this request — the
    gateway's own replica request for the bench's chat (`swerl.serve.engines.vllm.completion_body`: token-id
    prompt, logprobs, token ids, the same stop and sampling fields) — to /v1/completions instead of a chat
    request. `stagger_s`: stream s starts at s/conc · stagger_s (0 = every stream at once, a synchronized burst); `think_s`: a stream waits that long after each call (an agent running a tool),
    so `conc` is then concurrent trials rather than concurrent requests."""
    lat: dict[int, float] = {}
    errors: list[str] = []
    conn = aiohttp.TCPConnector(limit=conc + 8)
    async with aiohttp.ClientSession(connector=conn, timeout=aiohttp.ClientTimeout(total=900)) as client:

        async def one(i: int, tokens: int) -> int:
            body = {"model": model, "messages": MESSAGES, "max_tokens": tokens, "temperature": 1.0}
            if replica_body is not None:
                body = {**replica_body, "max_tokens": tokens}
            async with client.post(url_for(i), json=body, headers=headers) as r:
                if r.status != 200:
                    raise RuntimeError(f"HTTP {r.status}: {(await r.text())[:200]}")
                data = await r.json()
                if replica_body is not None:
                    return len(data["choices"][0]["token_ids"])
                return int(data["usage"]["completion_tokens"])

        async def stream(s: int) -> int:
            await asyncio.sleep(stagger_s * s / conc)
            got = 0
            for r in range(rounds):
                i = s * rounds + r
                t = time.perf_counter()
                try:
                    got += await one(i, max_tokens)
                    lat[i] = time.perf_counter() - t
                except Exception as exc:  # noqa: BLE001 — counted, the level goes on
                    errors.append(f"{type(exc).__name__}: {exc}"[:200])
                if think_s and r + 1 < rounds:
                    await asyncio.sleep(think_s)
            return got

        await one(-1, 8)  # warm the path
        t_wall = time.time()
        t0 = time.perf_counter()
        toks = sum(await asyncio.gather(*(stream(s) for s in range(conc))))
        dt = time.perf_counter() - t0
        n = conc * rounds
    vals = list(lat.values())
    return {
        "concurrency": conc,
        "requests": n,
        "failed": len(errors),
        "first_error": errors[0] if errors else "",
        "tokens": toks,
        "seconds": round(dt, 2),
        "tok_s": round(toks / dt, 1),
        "p50_s": pct(vals, 0.5),
        "p99_s": pct(vals, 0.99),
        "t_start": round(t_wall, 2),
        "_lat": lat,
    }


def pooled(rs: list[dict]) -> dict:
    """One route's repeats as one measurement: tokens over seconds, latency percentiles over all calls."""
    if len(rs) == 1:
        return {k: v for k, v in rs[0].items() if k not in ("_lat", "_added")}
    lat = [x for r in rs for x in r["_lat"].values()]
    added = [x for r in rs for x in r.get("_added", [])]
    toks, secs = sum(r["tokens"] for r in rs), sum(r["seconds"] for r in rs)
    out = {
        "concurrency": rs[0]["concurrency"],
        "requests": sum(r["requests"] for r in rs),
        "failed": sum(r["failed"] for r in rs),
        "first_error": next((r["first_error"] for r in rs if r["first_error"]), ""),
        "tokens": toks,
        "seconds": round(secs, 2),
        "tok_s": round(toks / secs, 1),
        "tok_s_each": [r["tok_s"] for r in rs],
        "t_start_each": [r.get("t_start") for r in rs],
        "p50_s": pct(lat, 0.5),
        "p99_s": pct(lat, 0.99),
    }
    if "_added" in rs[0]:
        out |= added_stats(added)
    return out


def added_stats(added: list[float]) -> dict:
    """The proxy's added seconds per call → p50 / p99 ms and how many calls were matched to a token record."""
    return {
        "proxy_added_p50_ms": round(1000 * pct(added, 0.5), 1),
        "proxy_added_p99_ms": round(1000 * pct(added, 0.99), 1),
        "matched": len(added),
    }


def proxy_added(trials_root: Path, prefix: str, lat: dict[int, float]) -> dict:
    """Client latency − the gateway's own time, per proxy call (matched by its trial id)."""
    from swerl.config.paths import trial_dir
    from swerl.models.trial import TOKENS_FILE, read_token_records

    added = []
    for i, client_s in lat.items():
        f = trial_dir(trials_root, f"{prefix}{i}") / TOKENS_FILE
        recs = read_token_records(f) if f.is_file() else []
        if recs:
            added.append(client_s - (recs[-1].t_end - recs[-1].t_start))
    return added_stats(added) | {"_added": added}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vllm", default="", help="host:port of the vLLM OpenAI server")
    ap.add_argument("--standin", action="store_true", help="start the stand-in replica instead (CPU hosts)")
    ap.add_argument("--standin-delay", type=float, default=0.5)
    ap.add_argument("--model-dir", required=True)
    ap.add_argument("--config", default="configs/gpu-1x-smollm2.yaml")
    ap.add_argument("--levels", default="32,64,128,256,512")
    ap.add_argument("--max-tokens", type=int, default=128)
    ap.add_argument("--litellm-workers", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=2, help="calls per stream at each level")
    ap.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run the routes this many times per level, rotating their order (repeat = routes: each in every position)",
    )
    ap.add_argument(
        "--stagger-sec",
        type=float,
        default=0.0,
        help="spread the streams' first calls over this many seconds (0 = a synchronized burst of C requests)",
    )
    ap.add_argument(
        "--think-sec", type=float, default=0.0, help="pause after each call, as an agent's tool run (0 = back to back)"
    )
    ap.add_argument(
        "--routes",
        default="direct,replica,gateway,proxy+gateway",
        help="direct = chat to the replica; replica = the gateway's own request (token ids, logprobs) to it",
    )
    ap.add_argument(
        "--warmup-runs",
        type=int,
        default=0,
        help="unmeasured runs of every route at each level before its measured repeats (printed, kept apart in the JSON)",
    )
    ap.add_argument("--out", default="")
    a = ap.parse_args()
    if not a.vllm and not a.standin:
        ap.error("give --vllm host:port or --standin")

    from swerl.config.load import load_config
    from swerl.serve.engines.vllm import completion_body
    from swerl.serve.gateway.process import GatewayProcess
    from swerl.serve.proxy.process import ProxyProcess, free_port, master_key_for

    cfg = load_config(a.config)
    served = cfg.input.model.served_model_name
    trials_root = Path(tempfile.mkdtemp(prefix="bench-trials-"))
    standin = None
    replica = a.vllm
    if a.standin:
        port = free_port()
        standin = subprocess.Popen(
            [
                sys.executable,
                str(HERE / "standin_replica.py"),
                "--port",
                str(port),
                "--tokens",
                str(a.max_tokens),
                "--delay",
                str(a.standin_delay),
            ]
        )
        replica = f"127.0.0.1:{port}"
        time.sleep(2)
    from transformers import AutoTokenizer

    from swerl.serve.gateway.render import ChatRenderer

    tok = AutoTokenizer.from_pretrained(a.model_dir)
    renderer = ChatRenderer(tok, cfg.input.vllm.tool_call_parser)
    prompt_ids = renderer.encode(renderer.render(MESSAGES, None))  # what the gateway sends for MESSAGES
    replica_body = completion_body(  # … and how: the engine's own request body (the gateway sets top_p 1.0, eos stop)
        served, prompt_ids, max_tokens=a.max_tokens, temperature=1.0, top_p=1.0, stop_token_ids=[tok.eos_token_id]
    )
    gw = GatewayProcess(
        a.config,
        [replica],
        served,
        a.model_dir,
        log_path=trials_root / "gateway.log",
        trials_root=trials_root,
        max_tokens_cap=a.max_tokens,
    )
    gw.start().wait_ready(180)
    key = master_key_for(cfg)
    t = time.time()
    proxy = (
        ProxyProcess(
            cfg,
            gw.url,
            trials_root,
            key,
            port=0,
            state_dir=trials_root / "state",
            max_tokens_cap=a.max_tokens,
            workers=a.litellm_workers,
        )
        .start()
        .wait_ready(180)
    )
    results: dict = {
        "replica": f"stand-in (dev/gpu/standin_replica.py, delay {a.standin_delay:.2f}s)"
        if a.standin
        else f"vLLM {a.vllm}",
        "proxy_ready_s": round(time.time() - t, 1),
        "litellm_workers": a.litellm_workers,
        "max_tokens": a.max_tokens,
        "rounds": a.rounds,
        "repeat": a.repeat,
        "stagger_sec": a.stagger_sec,
        "think_sec": a.think_sec,
        "warmup_runs": a.warmup_runs,
        "levels": [],
    }
    run_tag = secrets.token_hex(3)
    try:
        for conc in [int(x) for x in a.levels.split(",")]:
            names = a.routes.split(",")
            runs: dict[str, list[dict]] = {name: [] for name in names}
            warm: dict[str, list[float]] = {name: [] for name in names}
            # rep < 0: a warm-up run (not pooled). Rotated each repeat: with repeat = number of routes, every route runs
            # once in every position (first after vLLM's warm-up, middle, last), so no route keeps one position's bias
            for rep in range(-a.warmup_runs, a.repeat):
                prefix = f"bench{conc}x{run_tag}{f'r{rep}' if rep >= 0 else f'w{-rep}'}-t-0-"
                routes = {
                    "direct": (lambda i: f"http://{replica}/v1/chat/completions", {}),
                    "replica": (lambda i: f"http://{replica}/v1/completions", {}),
                    "gateway": (lambda i: f"{gw.url}/v1/chat/completions", {}),
                    "proxy+gateway": (
                        lambda i, prefix=prefix: f"{proxy.base_url}/trial/{prefix}{max(i, 0)}/v1/chat/completions",
                        {"Authorization": f"Bearer {key}"},
                    ),
                }
                for name in names[rep % len(names) :] + names[: rep % len(names)]:
                    url_for, headers = routes[name]
                    body = replica_body if name == "replica" else None
                    r = asyncio.run(
                        level(url_for, served, conc, a.rounds, a.max_tokens, headers, body, a.stagger_sec, a.think_sec)
                    )
                    tag = "warm-up" if rep < 0 else f"repeat {rep}"
                    print(f"  c={conc} {tag} {name}: {r['tok_s']:.1f} tok/s, p50 {r['p50_s']:.2f}s", flush=True)
                    if rep < 0:
                        warm[name].append(r["tok_s"])
                        continue
                    if name == "proxy+gateway":
                        r |= proxy_added(trials_root, prefix, r["_lat"])
                    runs[name].append(r)
            row: dict = {"concurrency": conc} | {name: pooled(rs) for name, rs in runs.items()}
            if a.warmup_runs:
                row["warmup_tok_s"] = warm
            for ref in ("direct", "replica"):
                base = row.get(ref, {}).get("tok_s") or 0
                for name in ("gateway", "proxy+gateway"):
                    if name in row and base:
                        row[name][f"vs_{ref}"] = round(row[name]["tok_s"] / base, 3)
            results["levels"].append(row)
            parts = [
                f"{name} {row[name]['tok_s']:8.1f} tok/s ("
                + (f"{row[name]['vs_replica']:.2f}× replica, " if "vs_replica" in row[name] else "")
                + f"p50 {row[name]['p50_s']:.2f}s, failed {row[name]['failed']})"
                for name in a.routes.split(",")
            ]
            extra = row.get("proxy+gateway", {})
            print(
                f"c={conc:4d}  "
                + "  ".join(parts)
                + (
                    f"  proxy-added p50 {extra.get('proxy_added_p50_ms')} ms p99 {extra.get('proxy_added_p99_ms')} ms"
                    if extra
                    else ""
                ),
                flush=True,
            )
            if a.out:  # each finished level is kept: a call cut at its limit still returns the levels it ran
                Path(a.out).write_text(json.dumps(results, indent=1))
    finally:
        proxy.stop()
        gw.stop()
        if standin is not None:
            standin.terminate()
    recs = sorted(trials_root.rglob("tokens.jsonl"))
    lines = [json.loads(ln) for f in recs for ln in f.read_text().splitlines() if ln.strip()]
    ok = [r for r in lines if r.get("response_ids") and len(r["response_ids"]) == len(r["response_logprobs"])]
    results["token_records"] = {"files": len(recs), "lines": len(lines), "consistent": len(ok)}
    print(f"token records: {len(recs)} trial files, {len(lines)} calls, {len(ok)} with ids==logprobs")
    if a.out:
        Path(a.out).write_text(json.dumps(results, indent=1))
    return 0 if lines else 1


if __name__ == "__main__":
    raise SystemExit(main())
