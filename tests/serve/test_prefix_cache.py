"""The local engine's per-session prefix KV cache with the real SmolLM2: exact against the same engine without the
cache over multi-turn sessions (sampled and greedy, mixed cached/uncached rows in one batch), no reuse across a
branch point, LRU eviction by token budget, freed by end_session (also through the real gateway's end-trial
route) and emptied by a weight publish."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import torch

from swerl.serve.engines.local import LocalEngine

pytestmark = pytest.mark.integration  # real model (CI runs it; the fast lane skips it)

NEVER = [-1]  # no stop token: every turn samples exactly max_tokens


@pytest.fixture(scope="module")
def model(smol_dir):
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(smol_dir, dtype=torch.float32).eval()


def _user(tok, text: str, first: bool) -> list[int]:
    """A user turn's tokens as the gateway appends them (the first one with the system prompt)."""
    msgs = [{"role": "user", "content": text}]
    s = tok.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True)
    if not first:
        s = s[s.index("<|im_start|>user") :]
    return tok.encode(s, add_special_tokens=False)


async def _conversation(engine, tok, session: str, texts: list[str], temperature: float) -> list:
    """Turns of one session: each prompt = previous prompt + previous response + the next user turn."""
    ids, outs = [], []
    for k, text in enumerate(texts):
        ids = ids + (outs[-1].token_ids if outs else []) + _user(tok, text, first=k == 0)
        outs.append(
            await engine.generate(ids, max_tokens=6, temperature=temperature, stop_token_ids=NEVER, session=session)
        )
    return outs


def _same(a, b) -> None:
    assert a.token_ids == b.token_ids
    assert torch.allclose(torch.tensor(a.logprobs), torch.tensor(b.logprobs), atol=1e-4)


TURNS = ["Write a bash command that lists files.", "Now only the .py files.", "And count them."]


async def test_three_turns_equal_without_cache_sampled_and_greedy_mixed_batches(model, tokenizer):
    cached, plain = LocalEngine(model, tokenizer, seed=7), LocalEngine(model, tokenizer, seed=7, prefix_cache_tokens=0)
    try:
        for temperature in (0.8, 0.0):
            got = await _conversation(cached, tokenizer, f"t{temperature}", TURNS, temperature)
            want = await _conversation(plain, tokenizer, f"t{temperature}", TURNS, temperature)
            for a, b in zip(got, want):
                _same(a, b)
        # turn k reuses all of turn k-1's prompt + response but its last token (never fed to the model)
        first = len(_user(tokenizer, TURNS[0], True))
        second = first + 6 + len(_user(tokenizer, TURNS[1], False))
        assert cached.prefix_cache.stats["hits"] == 4
        assert cached.stats["prefix_reused_tokens"] == 2 * (first + 5 + second + 5)
        assert plain.stats["prefix_reused_tokens"] == 0

        # one admission with a cached row (session "t0.0", turn 4) and an uncached one (new session): greedy
        async def turn4(engine):
            prev = await _conversation(engine, tokenizer, "t0.0-again", TURNS, 0.0)  # fills cache for this session
            ids = _user(tokenizer, TURNS[0], True) + prev[0].token_ids + _user(tokenizer, TURNS[1], False)
            ids += prev[1].token_ids + _user(tokenizer, TURNS[2], False) + prev[2].token_ids
            ids += _user(tokenizer, "Thanks.", False)
            new = _user(tokenizer, "Print hello.", True)
            return await asyncio.gather(
                engine.generate(ids, max_tokens=6, temperature=0, stop_token_ids=NEVER, session="t0.0-again"),
                engine.generate(new, max_tokens=6, temperature=0, stop_token_ids=NEVER, session="fresh"),
            )

        hits = cached.prefix_cache.stats["hits"]
        for a, b in zip(await turn4(cached), await turn4(plain)):
            _same(a, b)
        assert cached.prefix_cache.stats["hits"] == hits + 3
    finally:
        await cached.aclose()
        await plain.aclose()


async def test_a_branch_reuses_only_the_common_prefix(model, tokenizer):
    cached, plain = LocalEngine(model, tokenizer), LocalEngine(model, tokenizer, prefix_cache_tokens=0)
    try:
        outs = await _conversation(cached, tokenizer, "s", TURNS[:2], 0.0)
        base = _user(tokenizer, TURNS[0], True) + outs[0].token_ids
        kept = base + _user(tokenizer, TURNS[1], False) + outs[1].token_ids[:-1]  # what the cache holds for "s"
        # same session, another user turn after the first reply: shares turn 1 (prompt + reply), not turn 2
        branch = base + _user(tokenizer, "Something else: show the date.", False)
        common = next(i for i, (x, y) in enumerate(zip(kept, branch)) if x != y)
        assert len(base) <= common < len(branch)
        before = cached.stats["prefix_reused_tokens"]
        a = await cached.generate(branch, max_tokens=6, temperature=0, stop_token_ids=NEVER, session="s")
        b = await plain.generate(branch, max_tokens=6, temperature=0, stop_token_ids=NEVER, session="s")
        _same(a, b)
        assert cached.stats["prefix_reused_tokens"] - before == common
        # a prompt sharing nothing with the session's cached tokens: no reuse at all
        other = tokenizer.encode("Completely unrelated text.", add_special_tokens=False)
        assert other[0] != branch[0]
        before = cached.stats["prefix_reused_tokens"]
        _same(
            await cached.generate(other, max_tokens=4, temperature=0, stop_token_ids=NEVER, session="s"),
            await plain.generate(other, max_tokens=4, temperature=0, stop_token_ids=NEVER, session="s"),
        )
        assert cached.stats["prefix_reused_tokens"] == before
    finally:
        await cached.aclose()
        await plain.aclose()


async def test_lru_eviction_by_token_budget_and_end_session(model, tokenizer):
    p = _user(tokenizer, TURNS[0], True)
    one = len(p) + 5  # tokens one finished 6-token turn leaves cached
    engine = LocalEngine(model, tokenizer, prefix_cache_tokens=2 * one + 1)
    try:
        for s in ("a", "b"):
            await engine.generate(p, max_tokens=6, temperature=0, stop_token_ids=NEVER, session=s)
        assert engine.prefix_cache.sessions() == ["a", "b"] and engine.prefix_cache.tokens == 2 * one
        await engine.generate(p + [28], max_tokens=6, temperature=0, stop_token_ids=NEVER, session="a")  # a: used
        await engine.generate(p, max_tokens=6, temperature=0, stop_token_ids=NEVER, session="c")
        assert engine.prefix_cache.sessions() == ["a", "c"]  # b was least recently used
        assert engine.prefix_cache.tokens <= engine.prefix_cache.max_tokens
        assert engine.prefix_cache.stats["evicted"] >= 1
        before = engine.stats["prefix_reused_tokens"]
        await engine.generate(p, max_tokens=2, temperature=0, stop_token_ids=NEVER, session="b")
        assert engine.stats["prefix_reused_tokens"] == before  # evicted: nothing reused

        assert engine.end_session("c") and not engine.end_session("c")
        assert "c" not in engine.prefix_cache.sessions()
        before = engine.stats["prefix_reused_tokens"]
        await engine.generate(p + [28], max_tokens=2, temperature=0, stop_token_ids=NEVER, session="c")
        assert engine.stats["prefix_reused_tokens"] == before
    finally:
        await engine.aclose()


async def test_gateway_end_trial_frees_the_engine_cache(model, tokenizer, tmp_path):
    """Two chat turns through the real gateway reuse the first turn's KV; POST /swerl/trials/{id}/end frees it."""
    from swerl.serve.gateway import GatewaySettings, create_app
    from swerl.serve.gateway.client import END_TRIAL_PATH

    engine = LocalEngine(model, tokenizer)
    app = create_app(engine, tokenizer, GatewaySettings(trials_root=tmp_path))
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw")
    try:
        msgs = [{"role": "user", "content": TURNS[0]}]
        h = {"x-swerl-trial-id": "trial-1"}
        body = {"model": "vllm_model", "max_tokens": 4}
        r = await client.post("/v1/chat/completions", headers=h, json={**body, "messages": msgs})
        assert r.status_code == 200, r.text
        msgs += [r.json()["choices"][0]["message"], {"role": "user", "content": TURNS[1]}]
        r = await client.post("/v1/chat/completions", headers=h, json={**body, "messages": msgs})
        assert r.status_code == 200, r.text
        assert engine.prefix_cache.stats["hits"] == 1 and engine.stats["prefix_reused_tokens"] > 0
        assert engine.prefix_cache.sessions() == ["trial-1"]
        r = await client.post(END_TRIAL_PATH.format(trial_id="trial-1"))
        assert r.status_code == 200 and r.json()["dropped"]
        assert engine.prefix_cache.sessions() == [] and engine.prefix_cache.tokens == 0
    finally:
        await client.aclose()
        await engine.aclose()


async def test_publish_invalidates_equal_to_a_fresh_engine_with_the_new_weights(smol_dir, tokenizer):
    from transformers import AutoModelForCausalLM

    def load():
        return AutoModelForCausalLM.from_pretrained(smol_dir, dtype=torch.float32).eval()

    served = load()
    g = torch.Generator().manual_seed(0)
    new = {
        k: v + 0.02 * torch.randn(v.shape, generator=g) * v.std() if v.is_floating_point() and v.dim() > 1 else v
        for k, v in served.state_dict().items()
    }
    fresh_model = load()
    fresh_model.load_state_dict(new)
    engine, fresh = LocalEngine(served, tokenizer), LocalEngine(fresh_model, tokenizer, prefix_cache_tokens=0)
    try:
        p = _user(tokenizer, TURNS[0], True)
        g1 = await engine.generate(p, max_tokens=6, temperature=0, stop_token_ids=NEVER, session="s")
        assert engine.prefix_cache.sessions() == ["s"]
        await asyncio.to_thread(engine.publish, new)
        assert engine.weight_version == 1 and engine.prefix_cache.sessions() == []
        nxt = p + g1.token_ids + _user(tokenizer, TURNS[1], False)
        before = engine.stats["prefix_reused_tokens"]
        a = await engine.generate(nxt, max_tokens=6, temperature=0, stop_token_ids=NEVER, session="s")
        b = await fresh.generate(nxt, max_tokens=6, temperature=0, stop_token_ids=NEVER, session="s")
        assert engine.stats["prefix_reused_tokens"] == before  # old-weights KV not reused
        _same(a, b)
        assert a.weight_version == 1
    finally:
        await engine.aclose()
        await fresh.aclose()


async def test_config_key_sizes_the_cache_of_the_served_engine(tmp_path):
    """`training.prefix_cache_tokens` reaches the local engine `swerl serve`'s gateway builds."""
    from pathlib import Path

    from swerl.config.load import load_config
    from swerl.serve.stack import build_gateway_app

    cfg = load_config(Path(__file__).resolve().parents[2] / "config.yaml")
    cfg.input.training.prefix_cache_tokens = 123
    app = build_gateway_app(cfg, trials_root=tmp_path)
    try:
        assert app.state.engine.prefix_cache.max_tokens == 123
    finally:
        await app.state.engine.aclose()
