"""How often a policy's replies to Claude Code's real first request parse as tool calls: the strict hermes
parser (swerl's before issue 17.5: closed `<tool_call>` blocks of valid JSON) vs the gateway's parser now.

1. Capture: the real `claude` binary → real LiteLLM proxy → real gateway (ScriptedEngine, a TEST DOUBLE that
   answers text, so claude stops after one call and runs nothing) with the policy's tokenizer: the gateway
   records claude's main request as the exact prompt ids the policy sees, and its tools.
2. Sample: the real policy (LocalEngine) answers that prompt `--samples` times; each reply is decoded as the
   gateway decodes it and parsed by both parsers (nothing is executed).

    .venv/bin/python bench/bench_tool_parse.py [--model qwen2.5-coder-0.5b] [--tools Bash,Edit,Read,Write]
        [--samples 6] [--temperature 1.0] [--max-tokens 160]

`--tools ''` = claude's default tool set. Prints one JSON line per sample and a summary line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import tempfile
import time
from pathlib import Path

from swerl.config.load import parse_config
from swerl.config.paths import trial_dir
from swerl.serve.agent_env import claude_code_env
from swerl.serve.assets import ensure_claude_binary, resolve_model_path
from swerl.serve.engines.scripted import ScriptedEngine
from swerl.serve.gateway import GatewayServer, GatewaySettings, create_app
from swerl.serve.gateway.records import read_records
from swerl.serve.gateway.tool_parsers import parse_tool_calls

PROMPT = "Create a file named hello.txt in the current directory containing the word hi."
KEY = "sk-swerl-bench-" + os.urandom(6).hex()
_STRICT = re.compile(r"<tool_call>\s*(.*?)\s*</tool_call>", re.S)


def strict_hermes(text: str) -> int:
    """Calls the parser before issue 17.5 accepted (closed blocks, json.loads, a name)."""
    n = 0
    for body in _STRICT.findall(text):
        try:
            obj = json.loads(body)
            n += isinstance(obj, dict) and isinstance(obj.get("name"), str)
        except json.JSONDecodeError:
            pass
    return n


class Recorder:
    """ASGI wrapper: keeps the JSON body of every chat request (claude's tools, as the gateway gets them)."""

    def __init__(self, app):
        self.app, self.bodies = app, []

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not scope["path"].endswith("/chat/completions"):
            return await self.app(scope, receive, send)
        chunks, more = [], True
        while more:
            msg = await receive()
            chunks.append(msg.get("body", b""))
            more = msg.get("more_body", False)
        body = b"".join(chunks)
        self.bodies.append(json.loads(body or b"{}"))
        sent = False

        async def replay():
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


def capture(model_dir: Path, tokenizer, tools: str, root: Path) -> tuple[list[int], list[dict], dict]:
    from swerl.serve.proxy import ProxyProcess

    trials = root / "trials"
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
    engine = ScriptedEngine(tokenizer, policy=lambda prompt, n: "I have nothing to do.")
    rec = Recorder(create_app(engine, tokenizer, GatewaySettings(max_model_len=32768, trials_root=trials)))
    gw = GatewayServer(rec).start()
    proxy = ProxyProcess(cfg, gw.url, trials, KEY, port=0, state_dir=root / ".swerl", max_tokens_cap=64)
    trial = "step0-bench-0-70015"
    work, home = root / "work", root / "home"
    work.mkdir(), home.mkdir()
    try:
        proxy.start().wait_ready(180)
        env = {
            "PATH": os.environ["PATH"],
            **claude_code_env(proxy.trial_base_url(trial), KEY, "vllm_model", max_output_tokens=256, home=str(home)),
        }
        cmd = [str(ensure_claude_binary()), "--output-format", "stream-json", "--verbose"]
        cmd += ["--dangerously-skip-permissions", "--max-turns", "2", *(["--tools", tools] if tools else []), "-p"]
        subprocess.run(cmd, input=PROMPT, cwd=work, env=env, capture_output=True, text=True, timeout=300)
    finally:
        proxy.stop()
        gw.stop()
    recs = read_records(trial_dir(trials, trial) / "tokens.jsonl")
    main = max(range(len(recs)), key=lambda i: recs[i].prompt_tokens)  # the agent turn, not a side call
    body = [b for b in rec.bodies if b.get("tools")]
    info = {"calls": len(recs), "prompt_tokens": recs[main].prompt_tokens}
    return recs[main].prompt_ids, (body[-1]["tools"] if body else []), info


async def sample(engine, prompt_ids: list[int], tools: list[dict], n: int, temperature: float, max_tokens: int):
    eos = engine.tokenizer.eos_token_id
    rows = []
    for k in range(n):
        t0 = time.perf_counter()
        gen = await engine.generate(prompt_ids, max_tokens=max_tokens, temperature=temperature, stop_token_ids=[eos])
        ids = gen.token_ids[:-1] if gen.token_ids and gen.token_ids[-1] == eos else gen.token_ids
        text = engine.tokenizer.decode(ids, skip_special_tokens=False)
        new = parse_tool_calls(text, tools)
        row = {
            "k": k,
            "strict_calls": strict_hermes(text),
            "tool_parse": new.tool_parse,
            "calls": [(c.name, c.arguments[:80]) for c in new.tool_calls],
            "errors": new.errors,
            "finish": gen.finish_reason,
            "s": round(time.perf_counter() - t0, 1),
            "text": text,
        }
        print(json.dumps(row), flush=True)
        rows.append(row)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="qwen2.5-coder-0.5b")
    ap.add_argument("--tools", default="Bash,Edit,Read,Write")
    ap.add_argument("--samples", type=int, default=6)
    ap.add_argument("--temperature", type=float, default=1.0)
    ap.add_argument("--max-tokens", type=int, default=160)
    ap.add_argument("--capture-only", action="store_true", help="only the prompt size of claude's request")
    a = ap.parse_args()
    from transformers import AutoTokenizer

    from swerl.serve.engines.local import LocalEngine

    model_dir = resolve_model_path(a.model)
    with tempfile.TemporaryDirectory(prefix="swerl-bench-parse-") as td:
        prompt_ids, tools, info = capture(model_dir, AutoTokenizer.from_pretrained(model_dir), a.tools, Path(td))
    names = [t.get("function", t).get("name") for t in tools]
    print(json.dumps({"captured": info, "claude_tools": a.tools or "default", "tools": names}), flush=True)
    if a.capture_only:
        return
    engine = LocalEngine.from_path(model_dir)
    rows = asyncio.run(sample(engine, prompt_ids, tools, a.samples, a.temperature, a.max_tokens))
    attempted = [r for r in rows if r["tool_parse"] != "none"]
    out = {
        "model": a.model,
        "claude_tools": a.tools or "default",
        "prompt_tokens": info["prompt_tokens"],
        "samples": len(rows),
        "temperature": a.temperature,
        "strict_parsed": sum(r["strict_calls"] > 0 for r in rows),
        "now_ok": sum(r["tool_parse"] == "ok" for r in rows),
        "now_failed": sum(r["tool_parse"] == "failed" for r in rows),
        "now_none": sum(r["tool_parse"] == "none" for r in rows),
        "tool_parse_fail_rate": round(sum(r["tool_parse"] == "failed" for r in rows) / max(len(attempted), 1), 3),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
