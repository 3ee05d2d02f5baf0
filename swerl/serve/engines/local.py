"""A transformers causal LM in-process on CPU: continuous batching with a KV cache, per-token logprobs.

One worker thread owns a `RunningBatch`. Between decode steps it admits queued requests (prefilled together,
merged into the batch by left padding) and retires rows the moment they stop, so a request that arrives
while others decode waits one step, not a whole batch. The trainer updates weights in place under
`engine.paused()`: admission stops, the running rows finish, then the trainer holds the engine — no
generation is in flight while paused and no request ever mixes two policies.

Per-session prefix cache: when a row of a `session` finishes, the KV of its prompt + sampled tokens is kept
(`PrefixCache`, LRU under `prefix_cache_tokens`); that session's next prompt — the gateway sends the previous
prompt + response + new tokens — prefills only what follows the common prefix. `paused()` (every weight change
goes through it) empties the cache, and `end_session` drops a session's entry.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Iterator

import torch

from swerl.serve.engines.base import EngineError, Generation
from swerl.serve.engines.batch import RunningBatch, sample_rows
from swerl.serve.engines.prefix_cache import PrefixCache


@dataclass
class _Request:
    prompt_ids: list[int]
    max_tokens: int
    temperature: float
    top_p: float
    stop: set[int]
    future: asyncio.Future
    loop: asyncio.AbstractEventLoop
    session: str | None = None
    out: list[int] = field(default_factory=list)
    logprobs: list[float] = field(default_factory=list)
    finish: str | None = None


DEFAULT_THREADS = 1
"""Intra-op threads for decoding. Measured on the 2-core machine shared with the proxy, agents and other
jobs (load ≈ 5): 1 thread decodes 3–5× more tokens/s than 2 (32 streams 57–83 vs 17–20 tok/s) — two OpenMP
threads stall on every barrier when a core is taken. Pass threads=2 on a machine of its own."""

DEFAULT_PREFIX_CACHE_TOKENS = 65536
"""Tokens of per-session prefix KV kept (SmolLM2: 45 KB a token → ~3 GB; Qwen2.5-0.5B: 24 KB a token); as many as
the running batch may hold (`max_batch_tokens`)."""


class LocalEngine:
    name = "local"

    def __init__(
        self,
        model,
        tokenizer,
        *,
        max_batch: int = 32,
        max_batch_tokens: int = 65536,
        seed: int = 0,
        threads: int = DEFAULT_THREADS,
        prefix_cache_tokens: int = DEFAULT_PREFIX_CACHE_TOKENS,
    ):
        """`max_batch_tokens` bounds rows × padded width of the KV cache at admission (SmolLM2: 46 KB a token);
        `prefix_cache_tokens` bounds the per-session prefix KV kept between turns (0 = off)."""
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.max_batch = max_batch
        self.max_batch_tokens = max_batch_tokens
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        self.max_model_len = int(getattr(model.config, "max_position_embeddings", 8192))
        self.default_stop = {t for t in [tokenizer.eos_token_id] if t is not None}
        self.threads = max(1, threads)
        """Applied in the worker thread (OpenMP thread counts are per thread: the trainer keeps its own)."""
        self._gen = torch.Generator().manual_seed(seed)
        self.prefix_cache = PrefixCache(prefix_cache_tokens)
        self._lock = threading.Lock()  # held by the worker while rows run, or by the trainer via paused()
        self._resume = threading.Event()  # cleared while paused() is wanted: no admission
        self._resume.set()
        self._queue: queue.Queue[_Request | None] = queue.Queue()
        self._pending: list[_Request] = []
        self._closed = False
        self.weight_version = 0
        """+1 per `publish` (async training swaps new weights in while trials run)."""
        self.stats = {"batches": 0, "joins": 0, "requests": 0, "tokens": 0, "steps": 0, "max_batch_seen": 0}
        self.stats["prefix_reused_tokens"] = 0
        """batches: prefills (admission groups); joins: prefills merged into rows already decoding;
        prefix_reused_tokens: prompt tokens taken from the prefix cache instead of prefilled."""
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
        """Stop admitting, wait for the running rows to finish, hold the engine while the caller changes weights."""
        self._resume.clear()
        self._lock.acquire()
        self.prefix_cache.clear()  # the caller may change weights: no KV of the old ones is reused
        try:
            yield
        finally:
            self._lock.release()
            self._resume.set()

    def publish(self, state_dict: dict) -> float:
        """Swap in new weights (async training: the trainer updates its own copy of the model): waits only for
        the rows running now, loads the weights, bumps `weight_version`. → seconds the engine was held."""
        import time

        t0 = time.perf_counter()
        with self.paused(), torch.no_grad():
            self.model.load_state_dict(state_dict)
            self.weight_version += 1
        return time.perf_counter() - t0

    def end_session(self, session: str) -> bool:
        """The gateway dropped this session: free its cached prefix. → whether one was cached."""
        return self.prefix_cache.drop(session)

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
        req = _Request(
            list(prompt_ids),
            max(1, max_tokens),
            temperature,
            top_p,
            set(stop_token_ids) if stop_token_ids else set(self.default_stop),
            loop.create_future(),
            loop,
            session,
        )
        self._queue.put(req)
        return await req.future

    async def aclose(self) -> None:
        self._queue.put(None)
        await asyncio.to_thread(self._thread.join, 10)

    # --- worker thread ---------------------------------------------------------------------------------
    def _drain(self, block: bool) -> None:
        """Move queued requests to `_pending` (blocking for the first one when asked)."""
        while True:
            try:
                item = self._queue.get(block=block)
            except queue.Empty:
                return
            block = False
            if item is None:
                self._closed = True
            else:
                self._pending.append(item)

    def _admit(self, batch: RunningBatch, rows: list[_Request]) -> None:
        """FIFO: take pending requests while rows and the padded KV size stay within budget."""
        self._drain(block=False)
        if not self._pending or not self._resume.is_set():
            return
        take, width = [], batch.width
        for r in self._pending:
            n, w = len(rows) + len(take) + 1, max(width, len(r.prompt_ids))
            if rows or take:
                if n > self.max_batch or n * w > self.max_batch_tokens:
                    break
            take.append(r)
            width = w
        del self._pending[: len(take)]
        self.stats["batches"] += 1
        self.stats["joins"] += int(bool(rows))
        self.stats["requests"] += len(take)
        hits = [(r, *self.prefix_cache.lookup(r.session, r.prompt_ids, self.weight_version)) for r in take]
        fresh = [r for r, n, _ in hits if not n]
        rows.extend(fresh + [r for r, n, _ in hits if n])  # before the prefill, so a failure fails them too
        if fresh:
            batch.admit([r.prompt_ids for r in fresh])
        for r, n, past in hits:  # cached rows: one prefill each, of the suffix only
            if n:
                batch.admit_cached(past, r.prompt_ids[n:])
                self.stats["prefix_reused_tokens"] += n
        self.stats["max_batch_seen"] = max(self.stats["max_batch_seen"], len(rows))

    def _step(self, batch: RunningBatch, rows: list[_Request]) -> list[_Request]:
        """Sample one token per row, resolve finished rows now, feed the rest one step."""
        toks, lps = sample_rows(batch.logits, [r.temperature for r in rows], [r.top_p for r in rows], self._gen)
        for r, tok, lp in zip(rows, toks, lps):
            r.out.append(tok)
            r.logprobs.append(lp)
            if tok in r.stop:
                r.finish = "stop"
            elif len(r.out) >= r.max_tokens or r.future.cancelled():
                r.finish = "length"
        keep = [i for i, r in enumerate(rows) if r.finish is None]
        for i, r in enumerate(rows):
            if r.finish is not None:
                if r.session is not None and self.prefix_cache.max_tokens:  # its KV: prompt + out but the last
                    self.prefix_cache.store(r.session, r.prompt_ids + r.out[:-1], batch.row_kv(i), self.weight_version)
                self.stats["tokens"] += len(r.out)
                g = Generation(
                    token_ids=r.out, logprobs=r.logprobs, finish_reason=r.finish, weight_version=self.weight_version
                )
                r.loop.call_soon_threadsafe(_resolve, r.future, g, None)
        if len(keep) < len(rows):
            batch.retire(keep)
            rows = [rows[i] for i in keep]
        if rows:
            batch.step([toks[i] for i in keep])
            self.stats["steps"] += 1
        return rows

    def _worker(self) -> None:
        torch.set_grad_enabled(False)
        batch = RunningBatch(self.model, self.pad_id)
        rows: list[_Request] = []
        threads = 0
        while True:
            if threads != self.threads:
                threads = self.threads
                torch.set_num_threads(threads)
            if not rows:  # idle: wait for work and for the trainer to let go, then own the engine
                if not self._pending:
                    if self._closed:
                        return
                    self._drain(block=True)
                    continue
                self._resume.wait()
                self._lock.acquire()
                if not self._resume.is_set():  # paused() asked in between: let it have the engine
                    self._lock.release()
                    continue
            try:
                with torch.inference_mode():
                    self._admit(batch, rows)
                    if rows:
                        rows = self._step(batch, rows)
            except Exception as exc:  # a failed step fails its rows, not the engine
                err = EngineError(f"local engine: {type(exc).__name__}: {exc}")
                for r in rows:
                    r.loop.call_soon_threadsafe(_resolve, r.future, None, err)
                rows = []
                batch.reset()
            if not rows:
                self._lock.release()


def _resolve(fut: asyncio.Future, value, exc) -> None:
    if fut.done():
        return
    if exc is not None:
        fut.set_exception(exc)
    else:
        fut.set_result(value)


__all__ = ["LocalEngine"]
