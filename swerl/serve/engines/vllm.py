"""Token-id prompts to vLLM replicas' OpenAI `/v1/completions` (return_token_ids + logprobs).

A trial is sticky to one replica (hash of its session id) so its growing prefix stays in that replica's
prefix cache. Non-streamed responses carry per-choice `token_ids` (vLLM ≥0.10; seen with 0.24).

HTTP goes through one aiohttp session per event loop (httpx's connection pool scans every connection per
request: at 256 streams it took most of the gateway's event loop). Request bodies are written and replies read
by `swerl.serve.jsonio` (a token-id prompt of thousands of ints: several times faster than `json`, same objects).

Transient replica failures — a dropped connection, HTTP 5xx, an `abort` finish with no tokens (request
cancelled, replica restarting) — are retried `retries` times with backoff, as verl's own server client does; a
retry samples afresh, and nothing of the failed attempt was returned, so the tokens stay exactly what was
sampled. A 4xx, malformed reply or exhausted retries raise.

Partial rollouts (verl's async trainers): to swap weights verl aborts every in-flight request
(`abort_all_requests` → vLLM `pause_generation`); the HTTP client sees `finish_reason: "abort"` with the tokens
and logprobs sampled so far, and a request sent while paused waits until verl resumes generation. An abort that
carries tokens is RESUMED, as verl's `FullyAsyncLLMServerClient` does: prompt + the partial tokens are the new
prompt, `max_tokens` shrinks by what was sampled, and the parts' token ids and logprobs are concatenated exactly
as sampled. Versions: verl's vLLM HTTP server reports none (verl keeps `global_steps` on its Ray server actor and
hands it only to its own Ray-side `generate`), and verl aborts in-flight requests only around a weight update,
so a call's versions are counted from its first token: each abort after it is one update crossed (verl 0.9.1
aborts once per update: colocate_async at the end of sampling, before it trains and pushes weights with the naive
backend, which does not abort again; separate_async inside the NCCL `update_weights`). `Generation.min_weight_version`
0, `weight_version` = that count. An abort before any token is a plain retry (nothing sampled yet).
The agent loop takes absolute bounds from verl's server actor (`agent_loop.server_weights_version`).
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
from typing import NamedTuple

import aiohttp
import yarl

from swerl.serve import jsonio
from swerl.serve.engines.base import EngineError, FinishReason, Generation

_JSON_HEADERS = {"Content-Type": "application/json"}


class _Transient(Exception):
    """A failure worth one more attempt."""


class _Part(NamedTuple):
    token_ids: list[int]
    logprobs: list[float]
    finish_reason: str
    """stop | length | abort (aborted midway: resume)."""


class VLLMEngine:
    name = "vllm"

    def __init__(
        self,
        addresses: list[str],
        model: str,
        *,
        timeout: float = 600.0,
        retries: int = 3,
        backoff_s: float = 0.5,
        max_connections: int = 2048,
    ):
        if not addresses:
            raise EngineError("vllm engine: no replica addresses — wait for discovery (swerl.serve.discovery)")
        self.urls = [a if a.startswith("http") else f"http://{a}" for a in addresses]
        self._completions = {u: yarl.URL(f"{u}/v1/completions") for u in self.urls}
        """Each replica's completions URL, parsed once (aiohttp parses a str URL on every request)."""
        self.model = model
        self.timeout, self.retries, self.backoff_s, self.max_connections = timeout, retries, backoff_s, max_connections
        self._rr = itertools.cycle(range(len(self.urls)))
        self._sessions: dict[asyncio.AbstractEventLoop, aiohttp.ClientSession] = {}
        self.retried = 0
        """Attempts repeated after a transient failure (all requests)."""
        self.resumed = 0
        """Parts sent to continue a generation aborted midway (all requests)."""

    def replica_for(self, session: str | None) -> str:
        if session is None:
            return self.urls[next(self._rr)]
        h = int.from_bytes(hashlib.blake2b(session.encode(), digest_size=8).digest(), "big")
        return self.urls[h % len(self.urls)]

    def _client(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        c = self._sessions.get(loop)
        if c is None or c.closed:
            conn = aiohttp.TCPConnector(limit=self.max_connections, limit_per_host=0, keepalive_timeout=60)
            c = self._sessions[loop] = aiohttp.ClientSession(
                connector=conn, timeout=aiohttp.ClientTimeout(total=self.timeout)
            )
        return c

    async def generate(
        self,
        prompt_ids: list[int],
        *,
        max_tokens: int,
        temperature: float = 1.0,
        top_p: float = 1.0,
        stop_token_ids: list[int] | None = None,
        session: str | None = None,
    ) -> Generation:
        url = self.replica_for(session)
        body = completion_body(
            self.model,
            prompt_ids,
            max_tokens=max_tokens,
            temperature=temperature,
            top_p=top_p,
            stop_token_ids=stop_token_ids,
        )
        ids: list[int] = []
        lps: list[float] = []
        resumes = swaps = empty = 0  # parts resumed; aborts after the first token (= weight updates); token-less
        while True:
            part = await self._attempts(url, body)
            if part.finish_reason == "abort" and not part.token_ids:  # nothing sampled: a plain retry
                empty += 1
                swaps += bool(ids)  # a resumed part still queued at the next update's abort: that update is crossed
                if empty > self.retries:
                    raise EngineError(
                        f"vllm replica {url}: aborted without a token {empty} times (after {self.retries} retries)"
                    )
                self.retried += 1
                await asyncio.sleep(self.backoff_s * 2 ** (empty - 1))
                continue
            empty = 0
            ids += part.token_ids
            lps += part.logprobs
            if part.finish_reason != "abort":
                finish = part.finish_reason
                break
            swaps += 1
            if len(ids) >= max_tokens:  # aborted on its last token: the budget is spent, as a length stop
                finish = "length"
                break
            resumes += 1
            self.resumed += 1
            # resume: the exact tokens so far extend the prompt, the budget shrinks by them
            body = {**body, "prompt": prompt_ids + ids, "max_tokens": max_tokens - len(ids)}
        return Generation(
            token_ids=ids,
            logprobs=lps,
            finish_reason=finish,
            weight_version=swaps,
            min_weight_version=0 if swaps else None,
            resumes=resumes,
        )

    async def _attempts(self, url: str, body: dict) -> _Part:
        """One part of a generation: its exact tokens, retried on transient failures (5xx, a dropped connection);
        `finish_reason` "abort" = aborted after sampling these tokens (none: the caller retries; else resumes)."""
        last = ""
        for attempt in range(self.retries + 1):
            if attempt:
                self.retried += 1
                await asyncio.sleep(self.backoff_s * 2 ** (attempt - 1))
            try:
                return await self._once(url, body)
            except _Transient as exc:
                last = str(exc)
        raise EngineError(f"vllm replica {url}: {last} (after {self.retries} retries)")

    async def _once(self, url: str, body: dict) -> _Part:
        try:
            async with self._client().post(self._completions[url], data=jsonio.dumps(body), headers=_JSON_HEADERS) as r:
                if r.status >= 500:
                    raise _Transient(f"HTTP {r.status}: {(await r.text())[:300]}")
                if r.status != 200:
                    raise EngineError(f"vllm replica {url}: HTTP {r.status}: {(await r.text())[:300]}")
                data = jsonio.loads(await r.read())
        except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError) as exc:
            raise _Transient(f"{type(exc).__name__}: {exc}") from exc
        except TimeoutError as exc:
            raise EngineError(f"vllm replica {url}: no answer within {self.timeout:.0f}s") from exc
        except ValueError as exc:
            raise EngineError(f"vllm replica {url}: reply is not JSON: {exc}") from exc
        try:
            g = parse_completion(data)
        except Aborted as exc:
            part = exc.partial
            return _Part(part.token_ids, part.logprobs, "abort") if part is not None else _Part([], [], "abort")
        return _Part(g.token_ids, g.logprobs, g.finish_reason)

    async def aclose(self) -> None:
        for c in list(self._sessions.values()):
            await c.close()
        self._sessions.clear()


def completion_body(
    model: str,
    prompt_ids: list[int],
    *,
    max_tokens: int,
    temperature: float = 1.0,
    top_p: float = 1.0,
    stop_token_ids: list[int] | None = None,
) -> dict:
    """The `/v1/completions` request of one generation part: a token-id prompt, the sampled tokens' ids and
    logprobs back, special tokens kept, the stop token included (what `parse_completion` reads)."""
    return {
        "model": model,
        "prompt": prompt_ids,
        "max_tokens": max_tokens,
        "temperature": temperature,
        "top_p": top_p,
        "logprobs": 0,
        "return_token_ids": True,
        "skip_special_tokens": False,
        "stop_token_ids": stop_token_ids or [],
        "include_stop_str_in_output": True,
    }


class Aborted(EngineError):
    """vLLM ended the generation with `abort` (cancelled, or verl pausing for a weight update): not a policy
    stop. `partial`: the tokens sampled before the abort (exact ids + logprobs), None when the reply had none."""

    def __init__(self, msg: str, partial: Generation | None = None):
        super().__init__(msg)
        self.partial = partial


def parse_completion(data: dict) -> Generation:
    """vLLM completion JSON → Generation (token ids from `token_ids`, logprobs from `logprobs.token_logprobs`)."""
    choice = data["choices"][0]
    ids = choice.get("token_ids")
    if ids is None:
        raise EngineError("vllm response has no token_ids — the server must support return_token_ids (vLLM ≥0.10)")
    reason = choice.get("finish_reason")
    lps = (choice.get("logprobs") or {}).get("token_logprobs")
    if reason == "abort":  # cancelled / weights being swapped: not a policy stop — resumed or retried
        partial = _checked(ids, lps, "stop") if ids else None
        raise Aborted("vllm aborted the generation (request cancelled or replica restarting)", partial)
    return _checked(ids, lps, "length" if reason == "length" else "stop")


def _checked(ids: list, lps: list | None, finish: FinishReason) -> Generation:
    if ids and not lps:
        raise EngineError(
            f"vllm returned {len(ids)} tokens without logprobs — the request asks for them "
            "(logprobs=0); is the server started with logprobs disabled?"
        )
    lps = lps or []
    if len(lps) != len(ids):
        raise EngineError(f"vllm response: {len(ids)} token ids but {len(lps)} logprobs")
    if any(x is None for x in lps):
        raise EngineError(f"vllm response: a sampled token has no logprob (position {lps.index(None)})")
    return Generation(token_ids=list(ids), logprobs=[float(x) for x in lps], finish_reason=finish)
