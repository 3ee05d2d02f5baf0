"""Continuous tokens with the real SmolLM2 tokenizer + chat template, through the real gateway app.

The policy is the ScriptedEngine (a test double: deterministic text tokenized with the real tokenizer), so
the sampled ids are known exactly and can be compared byte for byte.
"""

from __future__ import annotations

import json

import httpx
import pytest

from swerl.serve.engines.scripted import ScriptedEngine
from swerl.serve.gateway import GatewaySettings, create_app
from swerl.serve.gateway.records import read_records
from swerl.serve.gateway.render import ChatRenderer

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "bash",
            "description": "Run a command",
            "parameters": {"type": "object", "properties": {"command": {"type": "string"}}},
        },
    }
]


@pytest.fixture
def gateway(tokenizer, tmp_path):
    engine = ScriptedEngine(tokenizer)
    app = create_app(engine, tokenizer, GatewaySettings(trials_root=tmp_path))
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw")
    return app, client, tmp_path


async def _chat(client, trial, messages, **kw):
    r = await client.post(
        "/v1/chat/completions",
        headers={"x-swerl-trial-id": trial},
        json={"model": "vllm_model", "messages": messages, "tools": TOOLS, **kw},
    )
    assert r.status_code == 200, r.text
    return r.json()


def _as_litellm_would(msg: dict) -> dict:
    """Re-serialize our reply the way an Anthropic↔OpenAI round trip does: compact JSON args, content parts."""
    out = {
        "role": "assistant",
        "content": [
            {"type": "text", "text": (msg.get("content") or "") + "  ", "cache_control": {"type": "ephemeral"}}
        ],
    }
    if msg.get("tool_calls"):
        out["tool_calls"] = [
            {
                "id": c["id"],
                "type": "function",
                "function": {
                    "name": c["function"]["name"],
                    "arguments": json.dumps(json.loads(c["function"]["arguments"]), separators=(",", ":")),
                },
            }
            for c in msg["tool_calls"]
        ]
    return out


async def test_multi_turn_tool_calls_stay_one_segment(gateway, tokenizer):
    app, client, root = gateway
    trial = "step3-demo-0-abcd"
    msgs = [{"role": "system", "content": "You are a coder."}, {"role": "user", "content": "make a file"}]
    r1 = await _chat(client, trial, msgs)
    asis = list(msgs)  # the same conversation with our replies exactly as issued
    call = r1["choices"][0]["message"]["tool_calls"][0]
    assert r1["choices"][0]["finish_reason"] == "tool_calls" and call["function"]["name"] == "bash"
    msgs += [
        _as_litellm_would(r1["choices"][0]["message"]),
        {"role": "tool", "tool_call_id": call["id"], "content": "swerl-scripted\n"},
    ]
    asis += [r1["choices"][0]["message"], msgs[-1]]
    r2 = await _chat(client, trial, msgs, stream=False)
    assert r2["choices"][0]["message"]["content"].startswith("Done")
    msgs += [_as_litellm_would(r2["choices"][0]["message"]), {"role": "user", "content": "and again"}]
    asis += [r2["choices"][0]["message"], msgs[-1]]
    await _chat(client, trial, msgs)

    recs = read_records(root / "step_3" / trial / "tokens.jsonl")
    assert [r.segment for r in recs] == [0, 0, 0] and [r.new_segment for r in recs] == [True, False, False]
    for prev, cur in zip(recs, recs[1:]):
        base = prev.prompt_ids + prev.response_ids
        assert cur.prompt_ids[: len(base)] == base and cur.reused_prefix == len(base)
        assert len(cur.response_logprobs) == len(cur.response_ids)
    # the sampled ids are byte-identical to what the policy produced for that prompt
    sampled = tokenizer.encode("Done: the command ran.", add_special_tokens=False) + [tokenizer.eos_token_id]
    assert recs[1].response_ids == sampled
    # deltas were tokenized at clean boundaries: the continuous prompt decodes to the rendering of the
    # conversation as issued — not of the client's re-serialized copy (extra spaces), which re-tokenizing would use
    render = ChatRenderer(tokenizer, "hermes").render
    assert tokenizer.decode(recs[2].prompt_ids) == render(asis, TOOLS) != render(msgs, TOOLS)
    assert app.state.sessions.get(trial).segments == 1


async def test_rewritten_history_starts_counted_segment(gateway):
    app, client, root = gateway
    trial = "step1-x-0-0000"
    msgs = [{"role": "user", "content": "make a file"}]
    r1 = await _chat(client, trial, msgs)
    msgs2 = [
        {"role": "user", "content": "summary of earlier work (compacted)"},
        _as_litellm_would(r1["choices"][0]["message"]),
        {"role": "tool", "tool_call_id": r1["choices"][0]["message"]["tool_calls"][0]["id"], "content": "ok"},
    ]
    await _chat(client, trial, msgs2)
    # a reply we never issued (edited tool-call id) also breaks continuity
    forged = _as_litellm_would(r1["choices"][0]["message"])
    forged["tool_calls"][0]["id"] = "call_forged"
    await _chat(client, trial, [msgs[0], forged, {"role": "tool", "tool_call_id": "call_forged", "content": "ok"}])
    recs = read_records(root / "step_1" / trial / "tokens.jsonl")
    assert [r.segment for r in recs] == [0, 1, 2] and all(r.new_segment for r in recs)
    assert app.state.sessions.get(trial).segments == 3 and app.state.counters["new_segments"] == 3


async def test_side_calls_do_not_split_main_branch(gateway):
    """Claude Code interleaves side calls (titles, summaries) in one trial: they get their own segment, the
    main conversation keeps continuing its own."""
    app, client, root = gateway
    trial = "step2-y-0-0000"
    main = [{"role": "user", "content": "make a file"}]
    r1 = await _chat(client, trial, main)
    await _chat(client, trial, [{"role": "user", "content": "write a title for this chat"}])
    main += [
        _as_litellm_would(r1["choices"][0]["message"]),
        {"role": "tool", "tool_call_id": r1["choices"][0]["message"]["tool_calls"][0]["id"], "content": "ok"},
    ]
    await _chat(client, trial, main)
    recs = read_records(root / "step_2" / trial / "tokens.jsonl")
    assert [(r.segment, r.new_segment) for r in recs] == [(0, True), (1, True), (0, False)]


async def test_context_clamp_and_400(tokenizer, tmp_path):
    app = create_app(ScriptedEngine(tokenizer), tokenizer, GatewaySettings(max_model_len=64, trials_root=tmp_path))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as c:
        ok = await c.post(
            "/v1/chat/completions",
            json={"messages": [{"role": "user", "content": "hi"}], "max_tokens": 32000, "unknown_field": {"x": 1}},
        )
        assert ok.status_code == 200 and ok.json()["usage"]["total_tokens"] <= 64
        big = await c.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": "word " * 200}]})
        assert big.status_code == 400 and "maximum context length is 64 tokens" in big.json()["error"]["message"]
        models = (await c.get("/v1/models")).json()
        assert models["data"][0]["id"] == "vllm_model"
