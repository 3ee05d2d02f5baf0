"""The whole chain with real parts: real `claude` binary / OpenAI client → real LiteLLM proxy process → real
gateway app → ScriptedEngine (a TEST DOUBLE policy: deterministic replies in real token ids) or the real
SmolLM2 LocalEngine. One proxy per module (it takes ~15–30 s to start); trials pick the gateway by id.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time

import httpx
import pytest

from swerl.config.load import parse_config
from swerl.serve.agent_env import claude_code_env, openai_env
from swerl.serve.gateway import GatewayServer, GatewaySettings, create_app
from swerl.serve.gateway.records import read_records
from swerl.config.paths import trial_dir
from swerl.models.trial import litellm_overheads

pytestmark = pytest.mark.integration
KEY = "sk-swerl-test-" + os.urandom(6).hex()


class ByTrial:
    """ASGI dispatch: trials named `…-local-…` go to the LocalEngine gateway, others to the scripted one."""

    def __init__(self, scripted, local):
        self.scripted, self.local = scripted, local

    async def __call__(self, scope, receive, send):
        hdr = dict(scope.get("headers", [])).get(b"x-swerl-trial-id", b"")
        await (self.local if b"-local-" in hdr else self.scripted)(scope, receive, send)


@pytest.fixture(scope="module")
def chain(tokenizer, smol_dir, tmp_path_factory):
    from swerl.serve.engines.local import LocalEngine
    from swerl.serve.engines.scripted import ScriptedEngine
    from swerl.serve.proxy import ProxyProcess

    root = tmp_path_factory.mktemp("run")
    trials = root / "trials"
    cfg = parse_config(
        {
            "runtime_info": {
                "input": {"model": {"model_path": str(smol_dir)}, "data": {}, "experiment": {"output_root": str(root)}}
            }
        }
    )
    scripted = create_app(
        ScriptedEngine(tokenizer), tokenizer, GatewaySettings(max_model_len=200_000, trials_root=trials)
    )
    local_engine = LocalEngine.from_path(smol_dir)
    local = create_app(
        local_engine, tokenizer, GatewaySettings(max_model_len=8192, trials_root=trials, temperature=0.0)
    )
    gw = GatewayServer(ByTrial(scripted, local)).start()
    proxy = ProxyProcess(cfg, gw.url, trials, KEY, port=0, state_dir=root / ".swerl", max_tokens_cap=64)
    proxy.start().wait_ready(180)
    yield {"proxy": proxy, "trials": trials, "root": root, "scripted": scripted, "local_engine": local_engine}
    proxy.stop()
    gw.stop()


def test_claude_code_runs_a_bash_tool_call_through_the_chain(chain, tmp_path):
    from swerl.serve.assets import ensure_claude_binary

    claude = ensure_claude_binary()
    trial = "step0-claude-0-c0de"
    work, home = tmp_path / "work", tmp_path / "home"
    work.mkdir(), home.mkdir()
    env = {
        "PATH": os.environ["PATH"],
        **claude_code_env(
            chain["proxy"].trial_base_url(trial), KEY, "vllm_model", max_output_tokens=256, home=str(home)
        ),
    }
    r = subprocess.run(
        [
            str(claude),
            "-p",
            "Create scripted.txt with a shell command.",
            "--output-format",
            "stream-json",
            "--verbose",
            "--dangerously-skip-permissions",
            "--max-turns",
            "4",
        ],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert r.returncode == 0, (r.stdout[-2000:], r.stderr[-2000:])
    assert (work / "scripted.txt").read_text().strip() == "swerl-scripted"  # the Bash tool really ran
    events = [json.loads(x) for x in r.stdout.splitlines() if x.startswith("{")]
    assert any(e.get("type") == "result" and not e.get("is_error") for e in events)

    recs = read_records(trial_dir(chain["trials"], trial) / "tokens.jsonl")
    tok = chain["scripted"].state.engine.tokenizer
    call = next(i for i, x in enumerate(recs) if x.num_tool_calls == 1)
    after = [x for x in recs[call + 1 :] if x.segment == recs[call].segment]
    assert after, f"the call after the tool result started a new segment: {[(x.segment, x.new_segment) for x in recs]}"
    base = recs[call].prompt_ids + recs[call].response_ids
    assert after[0].prompt_ids[: len(base)] == base and not after[0].new_segment
    assert "<tool_call>" in tok.decode(recs[call].response_ids) and len(recs[call].response_logprobs) == len(
        recs[call].response_ids
    )
    segments = len({x.segment for x in recs})
    print(f"\nclaude-code: {len(recs)} calls, {segments} segments, new_segment flags {[x.new_segment for x in recs]}")
    traj = (trial_dir(chain["trials"], trial) / "litellm-trajectory.jsonl").read_text().splitlines()
    joined = {json.loads(x)["litellm_call_id"] for x in traj} & {x.litellm_call_id for x in recs}
    assert len(joined) == len(recs)


def test_openai_client_to_real_smollm2(chain):
    from openai import OpenAI

    trial = "step0-local-0-0001"
    client = OpenAI(
        base_url=openai_env(chain["proxy"].trial_base_url(trial), KEY, "vllm_model")["OPENAI_BASE_URL"], api_key=KEY
    )
    out = client.chat.completions.create(
        model="vllm_model", max_tokens=8, messages=[{"role": "user", "content": "Say hello."}]
    )
    assert out.choices[0].message.content and out.usage.completion_tokens <= 8
    stream = client.chat.completions.create(
        model="vllm_model",
        max_tokens=8,
        stream=True,
        messages=[
            {"role": "user", "content": "Say hello."},
            {"role": "assistant", "content": out.choices[0].message.content},
            {"role": "user", "content": "Again."},
        ],
    )
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    recs = read_records(trial_dir(chain["trials"], trial) / "tokens.jsonl")
    assert (
        len(recs) == 2
        and recs[1].segment == 0
        and recs[1].reused_prefix == len(recs[0].prompt_ids) + len(recs[0].response_ids)
    )
    tok = chain["scripted"].state.engine.tokenizer
    assert text.strip() and tok.decode(recs[1].response_ids, skip_special_tokens=True).strip() == text.strip()
    assert all(lp <= 0 for lp in recs[1].response_logprobs)


async def test_32_concurrent_trials_streamed_and_not_both_routes(chain):
    proxy = chain["proxy"]
    ids = [f"step5-par-{k}-{k:04x}" for k in range(32)]

    async def one(client: httpx.AsyncClient, k: int, trial: str) -> None:
        base = proxy.trial_base_url(trial)
        if k % 2:  # Anthropic route, streamed
            r = await client.post(
                f"{base}/v1/messages",
                headers={"x-api-key": KEY, "anthropic-version": "2023-06-01"},
                json={
                    "model": "claude-sonnet-4-5",
                    "max_tokens": 32000,
                    "stream": k % 4 == 1,
                    "messages": [{"role": "user", "content": f"trial {trial}"}],
                },
            )
        else:  # OpenAI route
            r = await client.post(
                f"{base}/v1/chat/completions",
                headers={"Authorization": f"Bearer {KEY}"},
                json={
                    "model": "vllm_model",
                    "stream": k % 4 == 0,
                    "max_tokens": 9,
                    "stream_options": {"include_usage": True},
                    "messages": [{"role": "user", "content": f"trial {trial}"}],
                },
            )
        assert r.status_code == 200, r.text

    async with httpx.AsyncClient(timeout=120) as c:
        await asyncio.gather(*(one(c, k, t) for k, t in enumerate(ids)))
    await asyncio.sleep(1.0)  # LiteLLM's success callbacks run after the response
    tok = chain["scripted"].state.engine.tokenizer
    for t in ids:
        d = trial_dir(chain["trials"], t)
        recs = read_records(d / "tokens.jsonl")
        assert len(recs) == 1 and recs[0].trial_id == t and f"trial {t}" in tok.decode(recs[0].prompt_ids)
        lines = [json.loads(x) for x in (d / "litellm-trajectory.jsonl").read_text().splitlines()]
        assert len(lines) == 1 and lines[0]["trial_id"] == t and t in json.dumps(lines[0]["request"])
        # LiteLLM's own time beyond the gateway's: both files joined by litellm_call_id on every route (streamed
        # Anthropic calls included), the gateway's part taken off
        (ov,) = litellm_overheads(d)
        assert 0 <= ov < lines[0]["t_end"] - lines[0]["t_start"], (t, ov)


def test_no_key_no_entry_and_no_key_in_files(chain):
    r = httpx.post(f"{chain['proxy'].base_url}/v1/chat/completions", json={"model": "vllm_model", "messages": []})
    assert r.status_code == 401
    leaks = [p for p in chain["root"].rglob("*") if p.is_file() and KEY.encode() in p.read_bytes()]
    assert not leaks, f"master key found in {leaks}"


def test_count_tokens_through_the_proxy(chain):
    """claude-code asks `/v1/messages/count_tokens` (trial base URL, x-api-key): answered by the proxy, counts
    grow with the text, and no generation runs (no tokens.jsonl line)."""
    trial = "step0-count-0-0c0c"
    base = chain["proxy"].trial_base_url(trial)
    hdr = {"x-api-key": KEY, "anthropic-version": "2023-06-01", "anthropic-beta": "token-counting-2024-11-01"}
    tools = [
        {
            "name": "Bash",
            "description": "Run a shell command",
            "input_schema": {"type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]},
        }
    ]

    def count(text: str, **extra) -> int:
        r = httpx.post(
            f"{base}/v1/messages/count_tokens?beta=true",
            headers=hdr,
            timeout=60,
            json={"model": "claude-sonnet-4-5", "messages": [{"role": "user", "content": text}], **extra},
        )
        assert r.status_code == 200, r.text
        return r.json()["input_tokens"]

    t0 = time.perf_counter()
    short, long = count("hello"), count("hello " * 200)
    assert 0 < short < long and 150 < long - short < 400
    with_tools = count("hello", system="You are a coding agent.", tools=tools)
    assert with_tools > short
    print(f"\ncount_tokens: {short} / {long} / {with_tools} (3 calls in {time.perf_counter() - t0:.2f} s)")
    assert not (trial_dir(chain["trials"], trial) / "tokens.jsonl").exists()


def test_end_trial_through_the_real_proxy(chain):
    """The runner knows the proxy, not the gateway: the proxy passes the end-of-trial call on (key required)."""
    from swerl.serve.gateway.client import end_trial

    trial = "step0-ended-0-0001"
    chain["scripted"].state.sessions.get(trial)
    assert end_trial(chain["proxy"].base_url, trial) is False  # no key: 401
    assert end_trial(chain["proxy"].base_url, trial, api_key=KEY) is True
    assert trial not in chain["scripted"].state.sessions.sessions
