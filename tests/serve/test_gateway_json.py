"""The serving JSON paths (`swerl.serve.jsonio`) give exactly what `json` gives; the record writer survives a removed trial dir;
the replica request body is the engine's one home."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.responses import JSONResponse

from swerl.serve.engines.vllm import completion_body
from swerl.serve.jsonio import dumps, loads
from swerl.serve.gateway.records import RecordWriter, TokenRecord, read_records


def test_loads_matches_json_on_what_orjson_reads_differently() -> None:
    bodies = [
        b'{"messages": [{"role": "user", "content": "hi \\u00e9"}], "max_tokens": 5}',
        b'{"temperature": NaN, "top_p": Infinity}',  # json accepts, orjson refuses
        b'{"seed": 12345678901234567890123}',  # beyond 64 bits: orjson would give a float
        b'{"x": 1e400}',  # json → inf
        b'{"s": "\\ud800"}',  # a lone surrogate
    ]
    for raw in bodies:
        got, want = loads(raw), json.loads(raw)
        assert repr(got) == repr(want), raw
        assert type(got.get("seed", 0)) is type(want.get("seed", 0))


def test_dumps_renders_the_bytes_jsonresponse_does() -> None:
    answer = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": 'é ✓ \n"q"'}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
        "flag": True,
        "none": None,
    }
    assert dumps(answer) == JSONResponse(answer).body


def _rec(trial: str, call: str) -> TokenRecord:
    return TokenRecord(
        call_id=call,
        trial_id=trial,
        segment=0,
        new_segment=True,
        prompt_ids=[1, 2, 3],
        response_ids=[4, 5],
        response_logprobs=[-0.1, -0.2],
        finish_reason="stop",
        prompt_tokens=3,
        completion_tokens=2,
        t_start=0.0,
        t_end=1.0,
    )


def test_record_writer_makes_a_removed_trial_dir_again(tmp_path: Path) -> None:
    w = RecordWriter(tmp_path, max_paths=1)
    w.write(_rec("step1-a-0-000000000001", "c1"))
    p = w.path("step1-a-0-000000000001")
    assert p is not None and len(read_records(p)) == 1
    for f in p.parent.iterdir():
        f.unlink()
    p.parent.rmdir()  # removed behind the writer's back (a clean-up, a test)
    w.write(_rec("step1-a-0-000000000001", "c2"))
    w.write(_rec("step1-b-0-000000000002", "c3"))  # evicts the first path (max_paths=1)
    w.write(_rec("step1-a-0-000000000001", "c4"))
    assert [r.call_id for r in read_records(p)] == ["c2", "c4"]


def test_completion_body_asks_for_what_parse_completion_reads() -> None:
    b = completion_body("m", [1, 2], max_tokens=7, temperature=0.5, top_p=0.9, stop_token_ids=[2])
    assert b["prompt"] == [1, 2] and b["max_tokens"] == 7 and b["stop_token_ids"] == [2]
    assert b["logprobs"] == 0 and b["return_token_ids"] is True and b["skip_special_tokens"] is False
    assert b["include_stop_str_in_output"] is True and (b["temperature"], b["top_p"]) == (0.5, 0.9)
    assert completion_body("m", [1], max_tokens=1)["stop_token_ids"] == []
