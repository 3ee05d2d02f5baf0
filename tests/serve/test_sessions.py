"""Bounded gateway memory: trial sessions end (endpoint, client helper), expire (TTL) and are evicted (LRU),
never while in flight; and the request's CPU work runs off the event loop without breaking a trial's order."""

from __future__ import annotations

import asyncio
import threading
import time

import httpx
import pytest

from swerl.models.trial import read_token_records
from swerl.serve.engines.scripted import ScriptedEngine
from swerl.serve.gateway import GatewayServer, GatewaySettings, create_app
from swerl.serve.gateway.client import aend_trial, end_trial
from swerl.serve.gateway.sessions import SessionStore
from swerl.serve.proxy.middleware import GATEWAY_ENV, TrialPrefixMiddleware


class Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_store_lru_ttl_inflight_and_segment_numbers():
    clock = Clock()
    store = SessionStore(max_sessions=2, ttl_s=100, clock=clock)
    a = store.get("a")
    a.segments = 3
    store.get("b")
    busy = store.acquire("b")
    store.get("c")  # over the bound: the least recently used idle session goes
    assert list(store.sessions) == ["b", "c"]
    assert store.get("a").segments == 3  # a dropped trial's next segment continues its numbering
    assert list(store.sessions) == ["b", "a"]  # b is in flight: c (idle, older than a) went instead
    clock.t = 500
    store.get("d")  # a is past its TTL; b too, but in flight
    assert set(store.sessions) == {"b", "d"}
    assert store.end("b") and "b" in store.sessions  # ended while in flight: dropped when its call is done
    store.release("b", busy)
    assert "b" not in store.sessions and not store.end("b")
    assert store.dropped == 4


@pytest.fixture
def app(tokenizer, tmp_path):
    return create_app(ScriptedEngine(tokenizer), tokenizer, GatewaySettings(trials_root=tmp_path))


async def _chat(c, trial, messages):
    r = await c.post(
        "/v1/chat/completions", headers={"x-swerl-trial-id": trial}, json={"model": "m", "messages": messages}
    )
    assert r.status_code == 200, r.text
    return r.json()["choices"][0]["message"]


async def test_end_endpoint_drops_the_session(app, tmp_path):
    trial = "step1-end-0-abcd"
    msgs = [{"role": "user", "content": "hi"}]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as c:
        msgs += [await _chat(c, trial, msgs), {"role": "user", "content": "again"}]
        assert (await c.get("/health")).json()["sessions"] == 1
        r = await c.post(f"/swerl/trials/{trial}/end")
        assert r.json() == {"trial_id": trial, "dropped": True, "sessions": 0}
        assert (await c.post(f"/swerl/trials/{trial}/end")).json()["dropped"] is False
        await _chat(c, trial, msgs)  # a straggler: new segment, numbered after the old ones
    recs = read_token_records(tmp_path / "step_1" / trial / "tokens.jsonl")
    assert [(r.segment, r.new_segment) for r in recs] == [(0, True), (1, True)]


def test_client_helpers_through_gateway_and_proxy_middleware(app, monkeypatch):
    trial = "step1-client-0-abcd"
    app.state.sessions.get(trial)
    with GatewayServer(app) as gw:
        assert end_trial(gw.url + "/v1", trial) is True  # a /v1 base URL works too
        assert end_trial(gw.url, trial) is False  # nothing held any more
        app.state.sessions.get(trial)

        async def via_proxy() -> list:
            async def litellm(scope, receive, send):  # stands in for LiteLLM: must never see this path
                raise AssertionError(scope["path"])

            mw = TrialPrefixMiddleware(litellm, master_key="sk-test")
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=mw), base_url="http://proxy") as c:
                denied = (await c.post(f"/swerl/trials/{trial}/end")).status_code
                ok = await c.post(f"/swerl/trials/{trial}/end", headers={"Authorization": "Bearer sk-test"})
                return [denied, ok.json()["dropped"]]

        monkeypatch.setenv(GATEWAY_ENV, gw.url)
        assert asyncio.run(via_proxy()) == [401, True]
    t0 = time.monotonic()
    assert end_trial("http://127.0.0.1:9", trial) is False  # nothing listens: False, fast, no exception
    assert asyncio.run(aend_trial("http://127.0.0.1:9", trial)) is False
    assert end_trial("http://10.255.255.1:9", trial, timeout=0.3) is False  # unroutable: the timeout holds
    assert time.monotonic() - t0 < 5


class SlowTokenizer:
    """The real tokenizer, with encode slowed down and watched: which thread ran it, how many at once."""

    def __init__(self, tok, delay: float):
        self._tok, self.delay, self.threads, self.running, self.peak = tok, delay, set(), 0, 0
        self._lock = threading.Lock()

    def __getattr__(self, name):
        return getattr(self._tok, name)

    def encode(self, *a, **kw):
        with self._lock:
            self.threads.add(threading.current_thread().name)
            self.running += 1
            self.peak = max(self.peak, self.running)
        time.sleep(self.delay)
        with self._lock:
            self.running -= 1
        return self._tok.encode(*a, **kw)


async def test_rendering_runs_off_the_event_loop_and_keeps_trial_order(tokenizer, tmp_path):
    slow = SlowTokenizer(tokenizer, 0.5)
    engine = ScriptedEngine(tokenizer)
    app = create_app(engine, slow, GatewaySettings(trials_root=tmp_path, render_threads=4))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as c:
        first = [{"role": "user", "content": "make a file"}]
        reply = await _chat(c, "step1-a-0-0000", first)
        # 4 calls continue the same reply (forks of one branch) + 4 fresh trials, all at once
        forks = [[*first, reply, {"role": "user", "content": f"fork {i}"}] for i in range(4)]
        chats = [_chat(c, "step1-a-0-0000", m) for m in forks]
        chats += [_chat(c, f"step1-b{i}-0-0000", first) for i in range(4)]
        t0 = time.monotonic()
        task = asyncio.gather(*chats)
        await asyncio.sleep(0.05)
        health = await c.get("/health")  # answered while 8 renders are under way
        assert health.status_code == 200 and time.monotonic() - t0 < 0.4  # renders take ≥ 2 × 0.5 s
        await task
    assert all(t.startswith("swerl-gateway-cpu") for t in slow.threads) and slow.peak > 1
    recs = read_token_records(tmp_path / "step_1" / "step1-a-0-0000" / "tokens.jsonl")
    assert [r.segment for r in recs] == [0] * 5 and not any(r.new_segment for r in recs[1:])
    assert {r.parent_call_id for r in recs[1:]} == {recs[0].call_id}  # each fork continues the same call
    assert app.state.sessions.get("step1-a-0-0000").segments == 1
