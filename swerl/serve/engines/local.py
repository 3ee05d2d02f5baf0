"""A transformers causal LM in-process on CPU: batched decode with a KV cache, per-token logprobs.

Requests queue up; one worker thread takes as many as fit a token budget (FIFO), left-pads them into one
batch and decodes step by step until every row has stopped. The trainer updates weights in place under
`engine.paused()` (no batch runs while it holds the lock), so the next batch samples from the new policy.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import torch

from swerl.serve.engines.base import EngineError, Generation


@dataclass
class _Request:
    prompt_ids: list[int]
    max_tokens: int
    temperature: float
    top_p: float
    stop: set[int]
    future: asyncio.Future
    loop: asyncio.AbstractEventLoop
    out: list[int] = field(default_factory=list)
    logprobs: list[float] = field(default_factory=list)
    finish: str | None = None


def _sample(logits: torch.Tensor, temperature: float, top_p: float, gen: torch.Generator) -> tuple[int, float]:
    """One token from a row of logits; logprob under logits/temperature (what the trainer recomputes)."""
    if temperature <= 0:
        lp = torch.log_softmax(logits.float(), -1)
        tok = int(torch.argmax(lp))
        return tok, float(lp[tok])
    lp = torch.log_softmax(logits.float() / temperature, -1)
    probs = lp.exp()
    if top_p < 1.0:
        sp, si = torch.sort(probs, descending=True)
        keep = (sp.cumsum(-1) - sp) < top_p
        probs = torch.zeros_like(probs).scatter(0, si[keep], sp[keep])
    tok = int(torch.multinomial(probs, 1, generator=gen))
    return tok, float(lp[tok])


class LocalEngine:
    name = "local"

    def __init__(self, model, tokenizer, *, max_batch: int = 32, max_batch_tokens: int = 16384, seed: int = 0):
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.max_batch = max_batch
        self.max_batch_tokens = max_batch_tokens
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        self.max_model_len = int(getattr(model.config, "max_position_embeddings", 8192))
        self.default_stop = {t for t in [tokenizer.eos_token_id] if t is not None}
        self._gen = torch.Generator().manual_seed(seed)
        self._lock = threading.Lock()  # held by a batch, or by the trainer via paused()
        self._queue: queue.Queue[_Request | None] = queue.Queue()
        self._pending: list[_Request] = []
        self.stats = {"batches": 0, "requests": 0, "tokens": 0, "max_batch_seen": 0}
        self._thread = threading.Thread(target=self._worker, name="swerl-local-engine", daemon=True)
        self._thread.start()

    @classmethod
    def from_path(cls, model_path: str | Path, **kw) -> "LocalEngine":
        from transformers import AutoModelForCausalLM, AutoTokenizer

        from swerl.serve.assets import resolve_model_path

        d = resolve_model_path(str(model_path))
        tok = AutoTokenizer.from_pretrained(d)
        model = AutoModelForCausalLM.from_pretrained(d, dtype=torch.float32)
        return cls(model, tok, **kw)

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Hold generation (between batches) while the caller changes the weights in place."""
        with self._lock:
            yield

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
        if not prompt_ids:
            raise EngineError("local engine: empty prompt")
        if len(prompt_ids) + max_tokens > self.max_model_len:
            raise EngineError(
                f"local engine: {len(prompt_ids)} prompt + {max_tokens} new tokens exceed the context of {self.max_model_len}"
            )
        loop = asyncio.get_running_loop()
        req = _Request(list(prompt_ids), max(1, max_tokens), temperature, top_p,
                       set(stop_token_ids) if stop_token_ids else set(self.default_stop), loop.create_future(), loop)
        self._queue.put(req)
        return await req.future

    async def aclose(self) -> None:
        self._queue.put(None)
        await asyncio.to_thread(self._thread.join, 10)

    # --- worker thread ---------------------------------------------------------------------------------
    def _take_batch(self) -> list[_Request] | None:
        if not self._pending:
            item = self._queue.get()
            if item is None:
                return None
            self._pending.append(item)
        while True:  # drain what arrived meanwhile
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is None:
                self._queue.put(None)
                break
            self._pending.append(item)
        batch: list[_Request] = []
        longest = 0
        for r in list(self._pending):
            longest2 = max(longest, len(r.prompt_ids) + r.max_tokens)
            if batch and (len(batch) >= self.max_batch or longest2 * (len(batch) + 1) > self.max_batch_tokens):
                break
            batch.append(r)
            longest = longest2
        del self._pending[: len(batch)]
        return batch

    def _worker(self) -> None:
        torch.set_grad_enabled(False)
        while True:
            batch = self._take_batch()
            if batch is None:
                return
            try:
                with self._lock, torch.inference_mode():
                    self._run(batch)
                for r in batch:
                    g = Generation(token_ids=r.out, logprobs=r.logprobs, finish_reason=r.finish or "length")
                    r.loop.call_soon_threadsafe(_resolve, r.future, g, None)
            except Exception as exc:  # a failed batch fails its requests, not the engine
                err = EngineError(f"local engine: {type(exc).__name__}: {exc}")
                for r in batch:
                    r.loop.call_soon_threadsafe(_resolve, r.future, None, err)

    def _run(self, batch: list[_Request]) -> None:
        from transformers import DynamicCache

        self.stats["batches"] += 1
        self.stats["requests"] += len(batch)
        self.stats["max_batch_seen"] = max(self.stats["max_batch_seen"], len(batch))
        n, width = len(batch), max(len(r.prompt_ids) for r in batch)
        ids = torch.full((n, width), self.pad_id, dtype=torch.long)
        mask = torch.zeros((n, width), dtype=torch.long)
        for i, r in enumerate(batch):
            ids[i, width - len(r.prompt_ids):] = torch.tensor(r.prompt_ids)
            mask[i, width - len(r.prompt_ids):] = 1
        pos = (mask.cumsum(-1) - 1).clamp(min=0)
        cache = DynamicCache()
        out = self.model(input_ids=ids, attention_mask=mask, position_ids=pos, past_key_values=cache, use_cache=True)
        logits = out.logits[:, -1, :]
        steps = max(r.max_tokens for r in batch)
        for _ in range(steps):
            nxt = torch.full((n, 1), self.pad_id, dtype=torch.long)
            for i, r in enumerate(batch):
                if r.finish is not None:
                    continue
                tok, lp = _sample(logits[i], r.temperature, r.top_p, self._gen)
                r.out.append(tok)
                r.logprobs.append(lp)
                nxt[i, 0] = tok
                if tok in r.stop:
                    r.finish = "stop"
                elif len(r.out) >= r.max_tokens:
                    r.finish = "length"
            if all(r.finish is not None for r in batch):
                break
            mask = torch.cat([mask, torch.ones((n, 1), dtype=torch.long)], dim=1)
            pos = pos[:, -1:] + 1
            out = self.model(input_ids=nxt, attention_mask=mask, position_ids=pos, past_key_values=cache, use_cache=True)
            logits = out.logits[:, -1, :]
        self.stats["tokens"] += sum(len(r.out) for r in batch)


def _resolve(fut: asyncio.Future, value, exc) -> None:
    if fut.done():
        return
    if exc is not None:
        fut.set_exception(exc)
    else:
        fut.set_result(value)


__all__ = ["LocalEngine"]
_ = time
