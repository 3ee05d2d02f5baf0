"""Through the real gateway app (scripted engine, real SmolLM2 tokenizer): a long trial's `tokens.jsonl` grows
linearly with its calls (a continued call stores only its new prompt ids), and the one reader rebuilds exactly
the prompt ids the engine was given — main conversation and side calls interleaved."""

from __future__ import annotations

import json

import httpx

from swerl.models.trial import TokenRecord, read_token_records
from swerl.serve.engines.scripted import ScriptedEngine
from swerl.serve.gateway import GatewaySettings, create_app

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
CALLS = 30


def always_bash(prompt: str, n: int) -> str:
    return f'Step {n}.\n<tool_call>\n{{"name": "bash", "arguments": {{"command": "ls dir{n}"}}}}\n</tool_call>'


class RecordingEngine(ScriptedEngine):
    def __init__(self, tokenizer):
        super().__init__(tokenizer, always_bash)
        self.prompts: list[list[int]] = []

    async def generate(self, prompt_ids, **kw):
        self.prompts.append(list(prompt_ids))
        return await super().generate(prompt_ids, **kw)


async def _trial(tokenizer, tmp_path, calls: int):
    engine = RecordingEngine(tokenizer)
    app = create_app(engine, tokenizer, GatewaySettings(max_model_len=200_000, trials_root=tmp_path))
    trial = "step1-long-0-abcd"
    msgs: list[dict] = [{"role": "system", "content": "You are a coder."}, {"role": "user", "content": "explore"}]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as c:

        async def chat(messages):
            r = await c.post(
                "/v1/chat/completions",
                headers={"x-swerl-trial-id": trial},
                json={"model": "m", "messages": messages, "tools": TOOLS},
            )
            assert r.status_code == 200, r.text
            return r.json()["choices"][0]["message"]

        for k in range(calls):
            if k % 10 == 5:  # a side call (title generation) between two main turns: its own branch
                await chat([{"role": "user", "content": f"write a title for this chat ({k})"}])
            reply = await chat(msgs)
            out = "\n".join(f"file_{k}_{i}.txt" for i in range(20))  # ~the same tool output every turn
            msgs += [reply, {"role": "tool", "tool_call_id": reply["tool_calls"][0]["id"], "content": out}]
    return engine, tmp_path / "step_1" / trial / "tokens.jsonl"


async def test_tokens_jsonl_grows_linearly_and_rebuilds_exact_prompts(tokenizer, tmp_path):
    engine, path = await _trial(tokenizer, tmp_path, CALLS)
    recs = read_token_records(path)
    assert len(recs) == len(engine.prompts) == CALLS + 3
    assert [r.prompt_ids for r in recs] == engine.prompts  # rebuilt == what the engine was given
    main = [r for r in recs if r.segment == 0]
    assert len(main) == CALLS and all(not r.new_segment for r in main[1:])
    assert [r.parent_call_id for r in main[1:]] == [r.call_id for r in main[:-1]]

    sizes = [len(ln) for ln in path.read_bytes().splitlines()]
    old = [len(json.dumps(r.model_dump(exclude={"parent_call_id"}), separators=(",", ":"))) for r in recs]
    assert max(sizes) < 3 * sizes[0]  # no line grows with the conversation …
    assert old[-1] > 10 * sizes[-1]  # … while a full-prompt line does
    print(f"\n{CALLS}-call trial: {sum(sizes)} bytes (delta format) vs {sum(old)} bytes (full prompt_ids)")
    assert sum(old) > 8 * sum(sizes)


async def test_bytes_per_trial_linear_in_calls(tokenizer, tmp_path):
    _, p10 = await _trial(tokenizer, tmp_path / "a", 10)
    _, p30 = await _trial(tokenizer, tmp_path / "b", 30)
    ratio = p30.stat().st_size / p10.stat().st_size
    assert 2.5 < ratio < 3.6, ratio  # 3× the calls → ~3× the bytes (quadratic would be ~9×)
    assert isinstance(read_token_records(p30)[-1], TokenRecord)
