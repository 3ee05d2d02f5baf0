"""LocalEngine's per-session prefix KV cache: an LRU over sessions under a total token budget.

Each session keeps the KV (per layer: keys, values of shape (1, heads, n, dim)) of the last sequence the engine
computed for it — prompt + sampled tokens but the last — tagged with the weight version that computed it. The
next generate of that session prefills only what follows the longest common prefix with that sequence.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import torch

Layers = list[tuple[torch.Tensor, torch.Tensor]]


@dataclass
class PrefixEntry:
    ids: list[int]
    layers: Layers
    weight_version: int

    def nbytes(self) -> int:
        return sum(k.numel() * k.element_size() + v.numel() * v.element_size() for k, v in self.layers)


class PrefixCache:
    def __init__(self, max_tokens: int):
        """`max_tokens`: total cached tokens over all sessions (0 = off); least recently used sessions go first."""
        self.max_tokens = max(0, int(max_tokens))
        self._entries: OrderedDict[str, PrefixEntry] = OrderedDict()
        self._tokens = 0
        self._lock = threading.Lock()  # the worker thread stores/looks up; the gateway's loop ends sessions
        self.stats = {"hits": 0, "misses": 0, "reused_tokens": 0, "evicted": 0}

    @property
    def tokens(self) -> int:
        return self._tokens

    @property
    def nbytes(self) -> int:
        with self._lock:
            return sum(e.nbytes() for e in self._entries.values())

    def sessions(self) -> list[str]:
        with self._lock:
            return list(self._entries)

    def lookup(self, session: str | None, ids: list[int], weight_version: int) -> tuple[int, Layers | None]:
        """→ (n, layers cropped to n tokens): the longest cached prefix of `ids` (at most len(ids) - 1 tokens, so
        one token is left to prefill for the next-token logits); (0, None) when nothing usable is cached."""
        if session is None or not self.max_tokens:
            return 0, None
        with self._lock:
            e = self._entries.get(session)
            if e is None or e.weight_version != weight_version:
                if e is not None:  # computed under other weights: never reusable
                    self._pop(session)
                self.stats["misses"] += 1
                return 0, None
            self._entries.move_to_end(session)
            n = _common_prefix(e.ids, ids, len(ids) - 1)
            if n == 0:
                self.stats["misses"] += 1
                return 0, None
            self.stats["hits"] += 1
            self.stats["reused_tokens"] += n
            return n, [(k[:, :, :n], v[:, :, :n]) for k, v in e.layers]

    def store(self, session: str | None, ids: list[int], layers: Layers, weight_version: int) -> None:
        """Keep `layers` (owned tensors: clone views of a batch first) as this session's prefix, evicting LRU."""
        if session is None or not self.max_tokens:
            return
        with self._lock:
            self._pop(session)
            if len(ids) > self.max_tokens:
                return
            while self._entries and self._tokens + len(ids) > self.max_tokens:
                self._pop(next(iter(self._entries)))
                self.stats["evicted"] += 1
            self._entries[session] = PrefixEntry(list(ids), layers, weight_version)
            self._tokens += len(ids)

    def drop(self, session: str) -> bool:
        with self._lock:
            return self._pop(session)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._tokens = 0

    def _pop(self, session: str) -> bool:
        e = self._entries.pop(session, None)
        if e is None:
            return False
        self._tokens -= len(e.ids)
        return True


def _common_prefix(a: list[int], b: list[int], limit: int) -> int:
    n = min(len(a), len(b), limit)
    for i in range(n):
        if a[i] != b[i]:
            return i
    return n


__all__ = ["PrefixCache", "PrefixEntry"]
