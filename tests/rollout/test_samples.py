"""Samples from token records: hand-built records with the gateway's contract (docs/design.md)."""

from pathlib import Path

import pytest

from swerl.rollout.samples import Sample, SampleSettings, TrialOutcome, build_samples, read_records, segments_of


def rec(prompt, resp, seg=0, new=False, lp=None):
    return {
        "call_id": "c",
        "trial_id": "t",
        "segment": seg,
        "new_segment": new,
        "prompt_ids": prompt,
        "response_ids": resp,
        "response_logprobs": lp or [-0.5] * len(resp),
        "finish_reason": "stop",
    }


def outcome(reward=1.0, masked=False, tdir=Path("/nonexistent")):
    return TrialOutcome(
        trial_id="step0-x-0-aaaa",
        task_id="x",
        group="x",
        reward=None if masked else reward,
        masked=masked,
        mask_reason="agent_timeout" if masked else "",
        trial_dir=tdir,
    )


# Two calls in one segment: prompt [1,2,3], sampled [10,11], tool delta [20,21], sampled [12].
MULTI = [rec([1, 2, 3], [10, 11], lp=[-0.1, -0.2]), rec([1, 2, 3, 10, 11, 20, 21], [12], lp=[-0.3])]


def test_multi_turn_mask_and_logprobs():
    (s,) = build_samples(outcome(), SampleSettings(), MULTI)
    assert s.prompt_ids == [1, 2, 3]
    assert s.response_ids == [10, 11, 20, 21, 12]
    assert s.response_mask == [1, 1, 0, 0, 1]
    assert s.response_logprobs == [-0.1, -0.2, 0.0, 0.0, -0.3]
    assert s.num_turns == 2 and s.reward == 1.0 and not s.truncated


def test_history_rewrite_gives_segments_sharing_reward():
    rewritten = MULTI + [rec([1, 2, 99], [13, 14], seg=1, new=True)]
    all_ = build_samples(outcome(0.0), SampleSettings(multi_segment="all"), rewritten)
    assert [s.segment for s in all_] == [0, 1]
    assert all(s.reward == 0.0 for s in all_)
    assert all_[1].prompt_ids == [1, 2, 99] and all_[1].response_mask == [1, 1]
    last = build_samples(outcome(0.0), SampleSettings(multi_segment="last"), rewritten)
    assert [s.segment for s in last] == [1]


def test_non_continuous_call_is_split_defensively():
    broken = [rec([1, 2], [3]), rec([1, 9, 3, 4], [5])]  # same segment id, but prompt does not extend
    assert len(segments_of(broken)) == 2


def test_side_call_between_main_turns_does_not_split_the_main_conversation():
    """A title/side call (its own segment) between two main turns: the main turns stay ONE sample whose
    response holds both sampled turns (before, the second main turn's tokens went into a later sample's
    prompt and were never trained)."""
    side = rec([7, 7], [8], seg=1, new=True)
    records = [MULTI[0], side, MULTI[1]]
    segs = segments_of(records)
    assert [len(x) for x in segs] == [2, 1]
    main, title = build_samples(outcome(), SampleSettings(), records)
    assert main.segment == 0 and main.response_ids == [10, 11, 20, 21, 12] and main.response_mask == [1, 1, 0, 0, 1]
    assert title.segment == 1 and title.response_ids == [8]
    (last,) = build_samples(outcome(), SampleSettings(multi_segment="last"), records)
    assert last.segment == 0  # the segment holding the final call, not the one that started last


def test_overlong_truncate_and_drop():
    st = SampleSettings(max_prompt_length=2, max_response_length=3)
    (s,) = build_samples(outcome(), st, MULTI)
    assert s.truncated and s.prompt_ids == [2, 3] and s.response_ids == [10, 11, 20] and s.response_mask == [1, 1, 0]
    assert build_samples(outcome(), st.model_copy(update={"overlong": "drop"}), MULTI) == []


def test_masked_trial_gives_no_samples():
    assert build_samples(outcome(masked=True), SampleSettings(), MULTI) == []


def test_reads_tokens_jsonl_and_skips_torn_last_line(tmp_path):
    import json

    lines = [json.dumps(r) for r in MULTI] + ['{"call_id": "tor']
    (tmp_path / "tokens.jsonl").write_text("\n".join(lines))
    assert len(read_records(tmp_path / "tokens.jsonl")) == 2
    (s,) = build_samples(outcome(tdir=tmp_path), SampleSettings())
    assert isinstance(s, Sample) and s.response_mask == [1, 1, 0, 0, 1]


def test_logprob_count_mismatch_is_an_error():
    bad = [rec([1], [2, 3], lp=[-0.1])]
    with pytest.raises(ValueError, match="logprobs"):
        build_samples(outcome(), SampleSettings(), bad)


def test_a_segment_records_the_weight_versions_that_sampled_it():
    """Async training: a trial can span a weight swap; its sample carries the oldest and newest version."""
    a, b = (dict(r) for r in MULTI)
    a["weight_version"], b["weight_version"] = 3, 4
    (s,) = build_samples(outcome(), SampleSettings(), [a, b])
    assert (s.min_weight_version, s.max_weight_version) == (3, 4)
    (old,) = build_samples(outcome(), SampleSettings(), MULTI)  # records from before the field: version 0
    assert (old.min_weight_version, old.max_weight_version) == (0, 0)
