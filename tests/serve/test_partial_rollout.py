"""Partial rollouts: VLLMEngine resumes a generation vLLM aborted midway (verl pausing for a weight update) from
the exact tokens sampled so far — against a stand-in replica over real HTTP, and through the real gateway app
(real SmolLM2 tokenizer) down to the token records and the trial's sample."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from swerl.serve.engines.vllm import VLLMEngine
from swerl.serve.gateway import GatewayServer


class StandInReplica:
    """STAND-IN for one of verl's vLLM replicas (no GPU here): an OpenAI `/v1/completions` server whose "model"
    emits `script` in order, continuing from wherever the prompt leaves off (tokens after the first prompt it saw
    are taken as already generated). `aborts` plans the next requests: an int k = answer the first k tokens with
    finish_reason "abort" and then bump the weights `version` (verl: abort → weight update → resume, one abort per
    update); None = serve normally. Each token's logprob depends on its position AND the version that sampled it."""

    def __init__(self, script: list[int]):
        self.script, self.version = script, 0
        self.aborts: list[int | None] = []
        self.first: list[int] | None = None
        self.requests: list[dict] = []
        self.answers: list[tuple[list[int], list[float], str]] = []
        self.app = FastAPI()
        self.app.post("/v1/completions")(self.completions)

    def logprob(self, pos: int) -> float:
        return -0.01 * (pos + 1) - self.version

    async def completions(self, body: dict) -> dict:
        prompt = list(body["prompt"])
        self.requests.append({"prompt": prompt, "max_tokens": body["max_tokens"]})
        if self.first is None:
            self.first = prompt
        done = len(prompt) - len(self.first)
        ids = self.script[done : done + body["max_tokens"]]
        reason = "stop" if done + len(ids) >= len(self.script) else "length"
        plan = self.aborts.pop(0) if self.aborts else None
        if plan is not None:
            ids, reason = ids[:plan], "abort"
        lps = [self.logprob(done + j) for j in range(len(ids))]
        self.answers.append((ids, lps, reason))
        if plan is not None:
            self.version += 1  # verl swaps the weights in the pause that followed this abort
        return {"choices": [{"token_ids": ids, "finish_reason": reason, "logprobs": {"token_logprobs": lps}}]}


@pytest.fixture
def replica():
    rep = StandInReplica(list(range(100, 130)))
    server = GatewayServer(rep.app).start()
    yield rep, server.url
    server.stop()


async def test_abort_with_tokens_is_resumed_exactly_and_versions_recorded(replica):
    rep, url = replica
    eng = VLLMEngine([url], "m", retries=2, backoff_s=0.01)
    try:
        rep.aborts[:] = [0, 7, 0, 5]  # queued at an abort; abort after 7; the resume aborted before any; after 5
        g = await eng.generate([1, 2, 3], max_tokens=40, session="t")
    finally:
        await eng.aclose()
    # what was sent: a retry of the untouched prompt; then the resumes carry the exact partial tokens, the budget
    # shrinks by them
    assert (
        [r["prompt"] for r in rep.requests]
        == [
            [1, 2, 3],
            [1, 2, 3],  # aborted while queued, before any token: a plain retry
            [1, 2, 3, *rep.script[:7]],
            [1, 2, 3, *rep.script[:7]],  # the resumed part aborted before its first token: retried as it was
            [1, 2, 3, *rep.script[:12]],
        ]
    )
    assert [r["max_tokens"] for r in rep.requests] == [40, 40, 33, 33, 28]
    # the result is exactly the concatenation of what the replica answered, logprobs included
    assert g.token_ids == [t for ids, _, _ in rep.answers for t in ids] == rep.script
    assert g.logprobs == [lp for _, lps, _ in rep.answers for lp in lps]
    assert g.finish_reason == "stop"
    # each token's logprob is from the weights that sampled it: 7 at version 1, 5 at 3 (the resumed part waited
    # through another update), the rest at 4 ...
    per_token = [-round(lp + 0.01 * (p + 1)) for p, lp in enumerate(g.logprobs)]
    assert per_token == [1] * 7 + [3] * 5 + [4] * 18
    # ... and the engine's versions, counted from the call's first token, span exactly those
    assert (g.min_weight_version, g.weight_version) == (0, per_token[-1] - per_token[0])
    assert g.resumes == 2 and g.first_version == 0
    assert (eng.resumed, eng.retried) == (2, 2)


async def test_abort_at_the_budget_is_a_length_stop_and_a_plain_call_has_one_version(replica):
    rep, url = replica
    eng = VLLMEngine([url], "m", retries=1, backoff_s=0.01)
    try:
        rep.aborts[:] = [4]
        g = await eng.generate([9], max_tokens=4)
        assert len(rep.requests) == 1  # nothing left to resume
        assert (g.token_ids, g.finish_reason, g.resumes) == (rep.script[:4], "length", 0)
        rep.first, rep.requests[:] = None, []
        plain = await eng.generate([5, 6], max_tokens=3)
        assert (plain.token_ids, plain.finish_reason) == (rep.script[:3], "length")
        assert (plain.min_weight_version, plain.weight_version, plain.first_version) == (None, 0, 0)
    finally:
        await eng.aclose()


@pytest.mark.integration  # the real SmolLM2 tokenizer
async def test_gateway_records_the_resumed_call_and_the_sample_spans_its_versions(tokenizer, tmp_path):
    import httpx

    from swerl.rollout.samples import SampleSettings, TrialOutcome, build_samples, read_records
    from swerl.serve.gateway import GatewaySettings, create_app

    rep = StandInReplica(tokenizer.encode("All done, the file is written.", add_special_tokens=False))
    rep.script.append(tokenizer.eos_token_id)
    server = GatewayServer(rep.app).start()
    eng = VLLMEngine([server.url], "vllm_model", retries=1, backoff_s=0.01)
    app = create_app(eng, tokenizer, GatewaySettings(trials_root=tmp_path))
    trial = "step2-demo-0-abcd"
    try:
        rep.aborts[:] = [3]
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
            r = await client.post(
                "/v1/chat/completions",
                headers={"x-swerl-trial-id": trial},
                json={"model": "vllm_model", "messages": [{"role": "user", "content": "write the file"}]},
            )
        assert r.status_code == 200, r.text
        assert r.json()["choices"][0]["message"]["content"].startswith("All done")
    finally:
        await eng.aclose()
        server.stop()
    (rec,) = read_records(tmp_path / "step_2" / trial / "tokens.jsonl")
    assert rec["response_ids"] == rep.script and rec["prompt_ids"] == rep.requests[0]["prompt"]
    assert rec["response_logprobs"] == [lp for _, lps, _ in rep.answers for lp in lps]
    assert (rec["min_weight_version"], rec["weight_version"]) == (0, 1)
    out = TrialOutcome(trial_id=trial, task_id="demo", group="demo", reward=1.0, trial_dir=tmp_path)
    (s,) = build_samples(out, SampleSettings(), [rec])
    assert (s.min_weight_version, s.max_weight_version) == (0, 1)
    assert s.response_logprobs == rec["response_logprobs"]
