"""Token-id prompts to vLLM replicas' OpenAI `/v1/completions` (return_token_ids + logprobs).

A trial is sticky to one replica (hash of its session id) so its growing prefix stays in that replica's
prefix cache. Non-streamed responses carry per-choice `token_ids` (vLLM ≥0.10; seen with 0.24).
"""

from __future__ import annotations

import hashlib
import itertools

import httpx

from swerl.serve.engines.base import EngineError, Generation


class VLLMEngine:
    name = "vllm"

    def __init__(self, addresses: list[str], model: str, *, timeout: float = 600.0):
        if not addresses:
            raise EngineError("vllm engine: no replica addresses — wait for discovery (swerl.serve.discovery)")
        self.urls = [a if a.startswith("http") else f"http://{a}" for a in addresses]
        self.model = model
        self._rr = itertools.cycle(range(len(self.urls)))
        self._client = httpx.AsyncClient(timeout=timeout, limits=httpx.Limits(max_connections=1024))

    def replica_for(self, session: str | None) -> str:
        if session is None:
            return self.urls[next(self._rr)]
        h = int.from_bytes(hashlib.blake2b(session.encode(), digest_size=8).digest(), "big")
        return self.urls[h % len(self.urls)]

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
        body = {
            "model": self.model,
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
        try:
            r = await self._client.post(f"{url}/v1/completions", json=body)
        except httpx.HTTPError as exc:
            raise EngineError(f"vllm replica {url}: {type(exc).__name__}: {exc}") from exc
        if r.status_code != 200:
            raise EngineError(f"vllm replica {url}: HTTP {r.status_code}: {r.text[:300]}")
        return parse_completion(r.json())

    async def aclose(self) -> None:
        await self._client.aclose()


def parse_completion(data: dict) -> Generation:
    """vLLM completion JSON → Generation (token ids from `token_ids`, logprobs from `logprobs.token_logprobs`)."""
    choice = data["choices"][0]
    ids = choice.get("token_ids")
    if ids is None:
        raise EngineError("vllm response has no token_ids — the server must support return_token_ids (vLLM ≥0.10)")
    reason = choice.get("finish_reason")
    if reason == "abort":  # cancelled / replica going away: not a policy stop — the trial is masked, not trained
        raise EngineError("vllm aborted the generation (request cancelled or replica restarting)")
    lps = (choice.get("logprobs") or {}).get("token_logprobs")
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
    finish = "length" if reason == "length" else "stop"
    return Generation(token_ids=list(ids), logprobs=[float(x) for x in lps], finish_reason=finish)
