"""The engine contract: token ids in, sampled token ids + logprobs out (docs/design.md)."""

from __future__ import annotations

from typing import Literal, Protocol, runtime_checkable

from pydantic import BaseModel

FinishReason = Literal["stop", "length"]


class Generation(BaseModel):
    token_ids: list[int]
    """Sampled tokens, including the stop token when one ended the turn."""
    logprobs: list[float]
    """Log-probability of each sampled token under the sampling distribution (logits / temperature)."""
    finish_reason: FinishReason
    weight_version: int = 0
    """The weights that sampled the LAST token (the local engine counts its in-place swaps; a swap waits for the
    running rows, so one generation has one version). vLLM: a call resumed across verl's weight updates counts
    them from 0 (verl's HTTP server reports no version; see `VLLMEngine`)."""
    min_weight_version: int | None = None
    """The weights that sampled the FIRST token when a resumed call spans versions; None = `weight_version`."""
    resumes: int = 0
    """Times the engine aborted this call midway and it was resumed from the exact tokens sampled so far."""

    @property
    def first_version(self) -> int:
        return self.weight_version if self.min_weight_version is None else self.min_weight_version


class EngineError(RuntimeError):
    """The backend failed a request (message says which backend and why)."""


@runtime_checkable
class Engine(Protocol):
    name: str
    """What `/v1/models` reports as the backend."""

    async def generate(
        self,
        prompt_ids: list[int],
        *,
        max_tokens: int,
        temperature: float = 1.0,
        top_p: float = 1.0,
        stop_token_ids: list[int] | None = None,
        session: str | None = None,
    ) -> Generation: ...

    async def aclose(self) -> None: ...
