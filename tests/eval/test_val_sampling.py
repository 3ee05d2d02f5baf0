"""Validation / eval sampling is really applied: a trial's own sampling (set through the gateway's
`/swerl/trials/{id}/sampling`, as the trial runner does) wins over the gateway's training temperature on every
call of that trial — real SmolLM2 LocalEngine, real gateway app; greedy trials sample HF's greedy tokens, the
token records say what was used. Plus the session store keeps it across eviction, and the runner refuses to run
a trial whose sampling could not be set."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import torch

from swerl.serve.gateway import GatewaySettings, create_app
from swerl.serve.gateway.records import read_records
from swerl.serve.gateway.sessions import SessionStore

MESSAGES = [{"role": "user", "content": "Write one sentence about the sea."}]
MAX_TOKENS = 20


@pytest.fixture(scope="module")
def engine(smol_dir):
    from swerl.serve.engines.local import LocalEngine

    return LocalEngine.from_path(smol_dir, seed=1234)


async def _chat(client, trial: str, temperature: float = 1.0) -> dict:
    # the agent asks for the training temperature, as an agent configured for training would
    r = await client.post(
        "/v1/chat/completions",
        headers={"x-swerl-trial-id": trial},
        json={"model": "vllm_model", "messages": MESSAGES, "max_tokens": MAX_TOKENS, "temperature": temperature},
    )
    assert r.status_code == 200, r.text
    return r.json()


def _records(root, trial):
    from swerl.config.paths import trial_dir

    return read_records(trial_dir(root, trial) / "tokens.jsonl")


async def test_greedy_val_trials_sample_greedy_tokens_while_training_default_is_t1(engine, tmp_path):
    # the gateway as training configures it: temperature 1.0 forced over the client
    app = create_app(engine, engine.tokenizer, GatewaySettings(trials_root=tmp_path, temperature=1.0, top_p=1.0))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as c:
        for t in ("step1-val-a-0-x", "step1-val-b-0-x"):
            r = await c.post(f"/swerl/trials/{t}/sampling", json={"temperature": 0.0, "top_p": 1.0})
            assert r.status_code == 200 and r.json()["temperature"] == 0.0, r.text
        bad = await c.post("/swerl/trials/t/sampling", json={"temperature": -1})
        assert bad.status_code == 400 and "temperature must be >= 0" in bad.text
        for t in ("step1-val-a-0-x", "step1-val-b-0-x", "step1-train-a-0-x", "step1-train-b-0-x"):
            await _chat(c, t)
            await _chat(c, t)  # a repeated call of the same trial: same sampling

    val = [r for t in ("step1-val-a-0-x", "step1-val-b-0-x") for r in _records(tmp_path, t)]
    train = [r for t in ("step1-train-a-0-x", "step1-train-b-0-x") for r in _records(tmp_path, t)]
    assert len(val) == 4 and len(train) == 4
    assert {r.temperature for r in val} == {0.0} and {r.temperature for r in train} == {1.0}
    # greedy: the 4 val calls sampled identical tokens, and they are HF's own greedy continuation
    assert len({tuple(r.response_ids) for r in val}) == 1
    prompt = val[0].prompt_ids
    with torch.no_grad():
        ref = engine.model.generate(
            torch.tensor([prompt]), max_new_tokens=MAX_TOKENS, do_sample=False, pad_token_id=engine.pad_id
        )[0, len(prompt) :].tolist()
    assert val[0].response_ids == ref[: len(val[0].response_ids)]
    # the training default still samples: at T=1 four 20-token replies are not all the greedy one
    assert any(r.response_ids != val[0].response_ids for r in train)
    assert train[0].prompt_ids == prompt  # same prompt: only the sampling differed


def test_store_keeps_sampling_across_eviction_and_forgets_it_at_end():
    now = [0.0]
    s = SessionStore(max_sessions=1, ttl_s=100.0, clock=lambda: now[0])
    s.set_sampling("a", 0.0, 0.9)
    s.get("b")  # evicts a (LRU, max 1)
    assert "a" not in s.sessions
    a = s.get("a")  # a calls again: its sampling comes back with it
    assert (a.temperature, a.top_p) == (0.0, 0.9)
    s.end("a")
    assert (s.get("a").temperature, s.get("a").top_p) == (None, None)


def test_runner_masks_a_trial_whose_sampling_cannot_be_set(tmp_path):
    """Nothing listens on the discard port: the trial is masked proxy_error before Harbor starts anything."""
    from swerl.rollout.agents.registry import AgentEndpoint
    from swerl.rollout.runner import RolloutSettings, TrialJob, run_one
    from swerl.rollout.tasks import load_index

    row = load_index("tasks/easy")[0]
    job = TrialJob(trial_id="step1-val-x-0-abc", task=row, group="g", temperature=0.0)
    out = asyncio.run(
        run_one(job, RolloutSettings(trials_root=tmp_path), AgentEndpoint(host_url="http://127.0.0.1:9", api_key="k"))
    )
    assert out.masked and out.mask_reason == "proxy_error" and "sampling of trial" in out.error
    assert not (out.trial_dir / "result.json").exists()
