"""`tokens.jsonl` on disk: a continued call stores only its new prompt ids + the call it continues; the one
reader rebuilds every full `prompt_ids` (interleaved branches, torn last line, old full-format files)."""

from __future__ import annotations

import json

import pytest

from swerl.models.trial import DELTA_KEY, TokenRecord, dump_line, read_token_records, token_counts


def _rec(call: str, segment: int, prompt: list[int], response: list[int], parent: TokenRecord | None = None):
    reused = len(parent.prompt_ids) + len(parent.response_ids) if parent else 0
    return TokenRecord(
        call_id=call,
        trial_id="step1-t-0-abcd",
        segment=segment,
        new_segment=parent is None,
        prompt_ids=prompt,
        response_ids=response,
        response_logprobs=[-0.1] * len(response),
        finish_reason="stop",
        prompt_tokens=len(prompt),
        completion_tokens=len(response),
        reused_prefix=reused,
        parent_call_id=parent.call_id if parent else None,
    )


def _interleaved() -> list[TokenRecord]:
    """A main conversation (segment 0), a title side call (segment 1) continued once, and a second branch of
    the main conversation forking from its first call (the gateway keeps several live branches)."""
    m1 = _rec("m1", 0, [1, 2, 3], [4, 5])
    t1 = _rec("t1", 1, [9, 9], [8])
    m2 = _rec("m2", 0, [1, 2, 3, 4, 5, 6, 7], [10, 11], m1)
    t2 = _rec("t2", 1, [9, 9, 8, 7], [6], t1)
    m3 = _rec("m3", 0, [*m2.prompt_ids, *m2.response_ids, 12], [13], m2)
    fork = _rec("f1", 0, [1, 2, 3, 4, 5, 20, 21], [22], m1)
    return [m1, t1, m2, t2, m3, fork]


def test_round_trip_interleaved_branches(tmp_path):
    recs = _interleaved()
    p = tmp_path / "tokens.jsonl"
    p.write_text("".join(dump_line(r) for r in recs))
    lines = [json.loads(ln) for ln in p.read_text().splitlines()]
    assert "prompt_ids" in lines[0] and DELTA_KEY not in lines[0]
    assert lines[2][DELTA_KEY] == [6, 7] and "prompt_ids" not in lines[2] and lines[2]["parent_call_id"] == "m1"
    assert lines[5][DELTA_KEY] == [20, 21]
    assert read_token_records(p) == recs
    assert token_counts(p) == {
        "calls": 6,
        "prompt_tokens": sum(len(r.prompt_ids) for r in recs),
        "completion_tokens": sum(len(r.response_ids) for r in recs),
        "segments": 2,
    }


def test_torn_last_line_is_skipped(tmp_path):
    recs = _interleaved()
    p = tmp_path / "tokens.jsonl"
    text = "".join(dump_line(r) for r in recs)
    p.write_text(text[: len(text) - 25])  # killed mid-write of the last (delta) line
    assert read_token_records(p) == recs[:-1]
    assert token_counts(p)["calls"] == len(recs) - 1


def test_old_full_format_still_reads(tmp_path):
    recs = _interleaved()
    p = tmp_path / "tokens.jsonl"
    old = [r.model_dump(exclude={"parent_call_id"}) for r in recs]  # what the gateway wrote before
    p.write_text("".join(json.dumps(d) + "\n" for d in old))
    got = read_token_records(p)
    assert [r.prompt_ids for r in got] == [r.prompt_ids for r in recs]
    assert all(r.parent_call_id is None for r in got)
    # counts of lines whose fields sit elsewhere (long ids before `segment`) come from parsing the line
    big = {"prompt_ids": list(range(400)), "segment": 3, "response_ids": list(range(400)), "prompt_tokens": 400}
    p.write_text(json.dumps({**big, **old[0], **big}) + "\n" + json.dumps(old[1]) + "\n")
    assert token_counts(p) == {"calls": 2, "prompt_tokens": 402, "completion_tokens": 3, "segments": 4}


def test_missing_parent_or_bad_length_is_corrupt(tmp_path):
    m1, _, m2, *_ = _interleaved()
    p = tmp_path / "tokens.jsonl"
    p.write_text(dump_line(m2) + dump_line(m1))  # the parent comes after its child
    with pytest.raises(ValueError, match=r"tokens.jsonl:1: .*continues call 'm1'"):
        read_token_records(p)
    bad = json.loads(dump_line(m2))
    bad["reused_prefix"] = 4
    p.write_text(dump_line(m1) + json.dumps(bad) + "\n" + dump_line(m1))
    with pytest.raises(ValueError, match=r"tokens.jsonl:2: .*reused_prefix 4"):
        read_token_records(p)
    p.write_text(dump_line(m1) + "{not json\n" + dump_line(m1))
    with pytest.raises(ValueError, match="tokens.jsonl:2"):
        token_counts(p)
    assert read_token_records(tmp_path / "absent.jsonl") == [] and token_counts(tmp_path / "absent.jsonl") == {}
