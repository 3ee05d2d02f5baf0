"""Tool-call parsing of what small policies really write: each broken shape → the right call or a counted
failure; names checked against the request's tools; nothing invented; the sampled ids recorded untouched
(through the real gateway app + the real SmolLM2 tokenizer; the policy is the ScriptedEngine test double)."""

from __future__ import annotations

import json

import httpx
import pytest

from swerl.config.paths import trial_dir
from swerl.models.trial import TokenRecord, dump_line, read_token_records, tool_parse_counts, tool_parse_of_trials
from swerl.serve.engines.scripted import ScriptedEngine
from swerl.serve.gateway import GatewaySettings, create_app
from swerl.serve.gateway.records import read_records
from swerl.serve.gateway.tool_parsers import PARSERS, parse_tool_calls, repair_json


def tool(name: str, **props: str) -> dict:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": f"{name} tool",
            "parameters": {"type": "object", "properties": {k: {"type": v} for k, v in props.items()}},
        },
    }


TOOLS = [tool("Bash", command="string", timeout="integer"), tool("Read", file_path="string"), tool("Edit")]
LS = {"command": "ls -la"}


def calls(text: str, tools: list[dict] | None = TOOLS, parser: str = "hermes"):
    p = PARSERS[parser](text, tools)
    return p, [(c.name, json.loads(c.arguments)) for c in p.tool_calls]


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ('<tool_call>\n{"name": "Bash", "arguments": {"command": "ls -la"}}\n</tool_call>', [("Bash", LS)]),
        (  # several blocks, text between them
            '<tool_call>{"name":"Bash","arguments":{"command":"ls -la"}}</tool_call> then '
            '<tool_call>{"name":"Read","arguments":{"file_path":"/app/a.py"}}</tool_call>',
            [("Bash", LS), ("Read", {"file_path": "/app/a.py"})],
        ),
        ('Listing.\n<tool_call>\n{"name": "Bash", "arguments": {"command": "ls -la"}}', [("Bash", LS)]),  # no close
        ('<tool_call>{"name": "Bash", "arguments": {"command": "ls -la"}', [("Bash", LS)]),  # nor closing braces
        (  # an unclosed block ends at the next opening
            '<tool_call>{"name": "Bash", "arguments": {"command": "ls -la"}}\n'
            '<tool_call>{"name": "Read", "arguments": {"file_path": "x"}}</tool_call>',
            [("Bash", LS), ("Read", {"file_path": "x"})],
        ),
        ('<tool_call>{"name": "Bash", "arguments": {"command": "ls -la",},}</tool_call>', [("Bash", LS)]),
        (
            "<tool_call>{'name': 'Bash', 'arguments': {'command': \"echo 'hi'\"}}</tool_call>",
            [("Bash", {"command": "echo 'hi'"})],
        ),
        (
            '<tool_call>{"name": "Bash", "arguments": {"command": "cat <<EOF\nx\tb\nEOF"}}</tool_call>',
            [("Bash", {"command": "cat <<EOF\nx\tb\nEOF"})],
        ),
        ('<tool_call>{"name": "Bash", "arguments": "{\\"command\\": \\"ls -la\\"}"}</tool_call>', [("Bash", LS)]),
        ('<tool_call>{"name": "Bash", "parameters": {"command": "ls -la"}}</tool_call>', [("Bash", LS)]),
        (
            "<tool_call>{'name': 'Bash', 'arguments': {'command': 'ls -la', 'background': False}}</tool_call>",
            [("Bash", {"command": "ls -la", "background": False})],
        ),
        (
            r'<tool_call>{"name": "Bash", "arguments": {"command": "grep -E \d+ f"}}</tool_call>',
            [("Bash", {"command": r"grep -E \d+ f"})],
        ),
        (  # OpenAI's own shape, written as text
            '<tool_call>{"type": "function", "function": {"name": "Bash", "arguments": "{\\"command\\": \\"ls -la\\"}"}}'
            "</tool_call>",
            [("Bash", LS)],
        ),
        (
            '<tool_call>[{"name": "Bash", "arguments": {"command": "a"}}, {"name": "Bash", "arguments": {"command": "b"}}]'
            "</tool_call>",
            [("Bash", {"command": "a"}), ("Bash", {"command": "b"})],
        ),
        (
            '<tool_call>\n```json\n{"name": "Bash", "arguments": {"command": "ls -la"}}\n```\n</tool_call>',
            [("Bash", LS)],
        ),
        ('I will list the files.\n```json\n{"name": "Bash", "arguments": {"command": "ls -la"}}\n```', [("Bash", LS)]),
        ('```\n{"name": "Bash", "arguments": {"command": "ls -la",}}\n```', [("Bash", LS)]),  # fence + repair
        ('Sure: {"name": "Bash", "arguments": {"command": "ls -la"}} and done.', [("Bash", LS)]),  # bare JSON
        ('{"name": "Bash", "arguments": {"command": "ls -la"}}', [("Bash", LS)]),
        (  # Qwen3-Coder XML: a parameter's type comes from the tool's schema
            "<tool_call>\n<function=Bash>\n<parameter=command>\n123\n</parameter>\n<parameter=timeout>\n30\n"
            "</parameter>\n</function>\n</tool_call>",
            [("Bash", {"command": "123", "timeout": 30})],
        ),
        ("<function=Bash><parameter=command>ls -la</parameter>", [("Bash", LS)]),  # bare, unclosed
        ('<function=Bash>{"command": "ls -la"}</function>', [("Bash", LS)]),  # Llama-3.1 style
        ('<tool_call>{"name": "Edit"}</tool_call>', [("Edit", {})]),  # no arguments key at all: {}
        ('{"tool_name": "Bash", "arguments": {"command": "ls -la"}}', [("Bash", LS)]),
        ('<tool_call>{"name": "Bash", "arguments": {"command": "ls -la"}} [then read it]</tool_call>', [("Bash", LS)]),
        ('```python\n{"function": "Bash", "arguments": {"command": "ls -la"}}\n```', [("Bash", LS)]),  # Qwen 0.5B
    ],
)
def test_broken_shapes_become_the_right_call(text, want):
    for parser in ("hermes", "qwen3_coder"):
        p, got = calls(text, parser=parser)
        assert got == want, (parser, p.errors)
        assert p.tool_parse == "ok" and p.errors == []


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ('<tool_call>{"name": "Bash", "arguments": {"command": "rm -rf buil', "not valid JSON"),  # cut off: not run
        ('<tool_call>{"name": "Bash", "arguments": {"command": "echo "hi""}}</tool_call>', "not valid JSON"),
        ('<tool_call>{"name": "Bash", "arguments": "ls -la"}</tool_call>', "not a JSON object"),
        ('<tool_call>{"name": "Bash", "arguments": ["ls"]}</tool_call>', "list, not an object"),
        ('<tool_call>{"arguments": {"command": "ls"}}</tool_call>', "without a tool name"),
        ('<tool_call>{"name": "", "arguments": {}}</tool_call>', "no tool name"),
        ('<tool_call>{"name": "Shell", "arguments": {"command": "ls"}}</tool_call>', "unknown tool 'Shell'"),
        ('<tool_call>{"name": "execute_bash", "arguments": {"command": "ls"}}</tool_call>', "unknown tool"),
        ("<tool_call>\n</tool_call>", "no JSON object"),
        (  # Qwen2.5-Coder-0.5B for claude-code: which tool did it mean? Not guessed
            '```json\n{"name": "Bash", "function": {"name": "Edit", "parameters": {"file_path": "a"}}}\n```',
            "two tool names",
        ),
        ('```json\n{"name": "Bash", "arguments": {"command": "echo "x""}}\n```', "not valid JSON"),
        ('{"name": "Python", "arguments": {"code": "print(1)"}}', "unknown tool 'Python'"),
        ('{\n  "function_name": "SystemReminder",\n  "arguments": {"x": "y"}\n}', "unknown tool 'SystemReminder'"),
        ('```python\n{\n  "function": "Bash",\n  "arguments": {\n    "command": "ls -l', "not valid JSON"),  # cut off
    ],
)
def test_unparseable_attempts_stay_text_and_are_counted(text, why):
    p, got = calls(text)
    assert got == [] and p.tool_parse == "failed" and p.content == text
    assert any(why in e for e in p.errors), p.errors


QWEN05_FAILED_BEFORE = [  # Qwen2.5-Coder-0.5B's replies that the strict parser refused (bench/results/qwen05_cpu_bench.json)
    '```json\n<tool_call>\n    {name: "bash", arguments: {"command": "echo hi"}}\n</tool_call>\n```',
    '```json\n{\n  "name": "bash",\n  "arguments": {\n    "command": "echo hi"\n  }\n}\n```',
]


@pytest.mark.parametrize("text", QWEN05_FAILED_BEFORE)
def test_what_qwen05_really_wrote(text):
    p, got = calls(text, [tool("bash", command="string")])
    assert got == [("bash", {"command": "echo hi"})] and p.tool_parse == "ok"
    assert p.content == ""  # the fence around the call goes with it


def test_unquoted_keys_bare():
    assert calls('Run: {name: "Bash", arguments: {command: "ls -la"}}')[1] == [("Bash", LS)]
    assert json.loads(repair_json('{name: "a", "b": {c: [1, 2]}}')) == {"name": "a", "b": {"c": [1, 2]}}


def test_names_exact_casefold_or_one_close_match():
    assert calls('<tool_call>{"name": "bash", "arguments": {}}</tool_call>')[1] == [("Bash", {})]
    assert calls('<tool_call>{"name": "READ", "arguments": {}}</tool_call>')[1] == [("Read", {})]
    assert calls('<tool_call>{"name": "Bsh", "arguments": {}}</tool_call>')[1] == [("Bash", {})]
    twins = [tool("Reads"), tool("Reade")]  # "Read" is as close to both: refused, not guessed
    p, got = calls('<tool_call>{"name": "Read", "arguments": {}}</tool_call>', twins)
    assert got == [] and p.tool_parse == "failed"
    folded = [tool("bash"), tool("BASH")]  # two case-insensitive matches: refused
    assert calls('<tool_call>{"name": "Bash", "arguments": {}}</tool_call>', folded)[0].tool_parse == "failed"


def test_one_failed_block_marks_the_reply_failed_but_the_good_call_goes_out():
    text = (
        'a <tool_call>{"name": "Bash", "arguments": {"command": "ls -la"}}</tool_call> '
        'b <tool_call>{"name": "Nope", "arguments": {}}</tool_call>'
    )
    p, got = calls(text)
    assert got == [("Bash", LS)] and p.tool_parse == "failed" and len(p.errors) == 1
    assert p.content.startswith("a") and "Nope" in p.content and "ls -la" not in p.content


def test_a_good_call_then_a_broken_one_in_one_block():
    text = '<tool_call>{"name": "Bash", "arguments": {"command": "ls"}}\n{"name": "Read", "arguments": {"x": "a"b"}}</tool_call>'
    p, got = calls(text)
    assert got == [("Bash", {"command": "ls"})] and p.tool_parse == "failed" and p.content == text


def test_no_attempt_is_none_and_untouched():
    for text in (
        "I cannot do that.",
        "```bash\nls -la\n```",
        'package.json: {"name": "demo", "version": "1.0.0"}',  # JSON that is no call
        '```json\n{"name": "demo", "version": "1.0.0"}\n```',
    ):
        p, got = calls(text)
        assert (got, p.tool_parse, p.content) == ([], "none", text)


def test_untagged_json_is_a_call_only_when_the_request_has_tools():
    text = '```json\n{"name": "Bash", "arguments": {"command": "ls -la"}}\n```'
    p, got = calls(text, tools=None)
    assert got == [] and p.tool_parse == "none"
    # tagged calls keep the old behaviour without tools: any name
    assert calls('<tool_call>{"name": "anything", "arguments": {}}</tool_call>', tools=None)[1] == [("anything", {})]


def test_parser_none_parses_nothing():
    p = PARSERS["none"]('<tool_call>{"name": "Bash", "arguments": {}}</tool_call>', TOOLS)
    assert p.tool_calls == [] and p.tool_parse == "none"


@pytest.mark.parametrize(
    "value",
    [
        {"a": [1, 2.5, -3e2, True, False, None], "b": {"c": "x'y\"z\\w\n"}, "d": "True, None"},
        [{"name": "t", "arguments": {}}],
        {"unicode": "héllo ✓", "empty": {}, "nested": [[[]]]},
    ],
)
def test_repair_keeps_valid_json_meaning(value):
    for text in (json.dumps(value), json.dumps(value, indent=2)):
        assert json.loads(repair_json(text)) == value


def test_repair_never_completes_an_open_string():
    assert repair_json('{"command": "rm -rf /tmp/bui') is None
    assert json.loads(repair_json('{"command": "ls", "n": [1, 2')) == {"command": "ls", "n": [1, 2]}


def test_two_hundred_blocks_in_one_reply():
    text = "\n".join(
        f'<tool_call>{{"name": "Bash", "arguments": {{"command": "echo {i}"}}}}</tool_call>' for i in range(200)
    )
    p = parse_tool_calls(text, TOOLS)
    assert [json.loads(c.arguments)["command"] for c in p.tool_calls] == [f"echo {i}" for i in range(200)]


# ------------------------------------------------------------------------------------ records and the gateway


def _record(call_id: str, tool_parse: str | None) -> TokenRecord:
    return TokenRecord(
        call_id=call_id,
        trial_id="t",
        segment=0,
        new_segment=True,
        prompt_ids=list(range(500)),
        response_ids=[1, 2, 3],
        response_logprobs=[-0.1, -0.2, -0.3],
        finish_reason="stop",
        model="claude-sonnet-4-5-20250929",
        litellm_call_id="0f8fad5b-d9cb-469f-a165-70867728950e",
        tool_parse=tool_parse,
    )


def test_tool_parse_counts_old_and_new_lines(tmp_path):
    lines = [dump_line(_record(f"c{i}", tp)) for i, tp in enumerate(["ok", "failed", "none", "ok", None])]
    old = json.loads(lines[-1])
    del old["tool_parse"]  # a line written before the field existed
    lines[-1] = json.dumps(old) + "\n"
    p = tmp_path / "a" / "tokens.jsonl"
    p.parent.mkdir()
    p.write_text("".join(lines) + '{"call_id": "torn')  # a torn last line is skipped
    c = tool_parse_counts(p)
    assert (c.ok, c.failed, c.none, c.unrecorded, c.attempted) == (2, 1, 1, 1, 3)
    assert c.fail_rate == pytest.approx(1 / 3)
    # the fast tail read agrees with the full reader
    full = [r.tool_parse for r in read_token_records(p)]
    assert full == ["ok", "failed", "none", "ok", None]
    q = tmp_path / "b" / "tokens.jsonl"
    q.parent.mkdir()
    q.write_text(dump_line(_record("x", "failed")))
    both = tool_parse_of_trials([p.parent, q.parent, tmp_path / "missing"])
    assert (both.failed, both.attempted, both.fail_rate) == (2, 4, 0.5)
    assert tool_parse_of_trials([]).fail_rate == 0.0


REPLIES = [
    # what Qwen2.5-Coder-0.5B wrote through claude-code (fenced JSON), then a broken block, then plain text
    'I will look.\n```json\n{"name": "bash", "arguments": {"command": "ls -la",}}\n```',
    '<tool_call>\n{"name": "Bash", "arguments": {"command": "echo "x""}}',
    "All done.",
]


@pytest.fixture
def gateway(tokenizer, tmp_path):
    engine = ScriptedEngine(tokenizer, policy=lambda prompt, n: REPLIES[min(n, len(REPLIES) - 1)])
    app = create_app(engine, tokenizer, GatewaySettings(trials_root=tmp_path))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw"), tmp_path


async def test_gateway_repairs_the_answer_but_records_the_sampled_ids(gateway, tokenizer):
    client, root = gateway
    trial = "step0-demo-0-beef"
    tools = [tool("bash", command="string")]
    msgs = [{"role": "user", "content": "list files"}]

    async def chat(messages):
        r = await client.post(
            "/v1/chat/completions",
            headers={"x-swerl-trial-id": trial},
            json={"model": "vllm_model", "messages": messages, "tools": tools},
        )
        assert r.status_code == 200, r.text
        return r.json()["choices"][0]

    c1 = await chat(msgs)
    assert c1["finish_reason"] == "tool_calls"
    call = c1["message"]["tool_calls"][0]
    assert call["function"]["name"] == "bash" and json.loads(call["function"]["arguments"]) == LS
    assert c1["message"]["content"] == "I will look."
    msgs += [
        {"role": "assistant", "content": c1["message"]["content"], "tool_calls": [call]},
        {"role": "tool", "tool_call_id": call["id"], "content": "a.txt"},
    ]
    c2 = await chat(msgs)
    assert c2["finish_reason"] == "stop" and "tool_calls" not in c2["message"]
    assert c2["message"]["content"] == REPLIES[1]  # the failed attempt stays text
    msgs += [{"role": "assistant", "content": c2["message"]["content"]}, {"role": "user", "content": "go on"}]
    await chat(msgs)

    recs = read_records(trial_dir(root, trial) / "tokens.jsonl")
    eos = tokenizer.eos_token_id
    assert [r.response_ids for r in recs] == [tokenizer.encode(t, add_special_tokens=False) + [eos] for t in REPLIES]
    assert [r.tool_parse for r in recs] == ["ok", "failed", "none"]
    assert [r.num_tool_calls for r in recs] == [1, 0, 0]
    # the repaired call, sent back, continues the exact sampled ids (one segment, no re-tokenizing)
    assert [r.segment for r in recs] == [0, 0, 0]
    for prev, nxt in zip(recs, recs[1:]):
        assert nxt.reused_prefix == len(prev.prompt_ids) + len(prev.response_ids)
        assert nxt.prompt_ids[: nxt.reused_prefix] == prev.prompt_ids + prev.response_ids
    c = tool_parse_counts(trial_dir(root, trial) / "tokens.jsonl")
    assert (c.ok, c.failed, c.none, c.fail_rate) == (1, 1, 1, 0.5)
