"""vLLM completion JSON → Generation: exact ids and logprobs, or a clear EngineError (never a silent 0.0)."""

from __future__ import annotations

import pytest

from swerl.serve.engines.base import EngineError
from swerl.serve.engines.vllm import parse_completion


def reply(ids, lps, reason="stop"):
    return {
        "choices": [
            {"token_ids": ids, "logprobs": None if lps is None else {"token_logprobs": lps}, "finish_reason": reason}
        ]
    }


def test_exact_ids_and_logprobs():
    g = parse_completion(reply([5, 6], [-0.1, -0.2], "length"))
    assert (g.token_ids, g.logprobs, g.finish_reason) == ([5, 6], [-0.1, -0.2], "length")
    assert parse_completion(reply([], None)).token_ids == []


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (reply([5, 6], None), "without logprobs"),
        (reply([5, 6], [-0.1, None]), "no logprob"),
        (reply([5, 6], [-0.1]), "2 token ids but 1 logprobs"),
        (reply([5], [-0.1], "abort"), "aborted"),
    ],
)
def test_missing_logprobs_and_abort_raise(data, words):
    with pytest.raises(EngineError, match=words):
        parse_completion(data)
