"""LocalEngine's running batch: rows left-padded into one KV cache that grows (admit), shrinks (retire) and
steps one token — so requests join and leave between decode steps (continuous batching).

Layout: every row is `[pad … pad][prompt][generated]`, right-aligned at column `width`; the 2-D attention mask
hides the pads and each row keeps its own position ids, so a row's numbers do not depend on its neighbours
(up to float rounding of different matmul shapes). Rotary positions are baked into the cached keys, so
shifting a row's columns left or right (merge, trim) changes nothing.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


class RunningBatch:
    def __init__(self, model, pad_id: int):
        self.model, self.pad_id = model, pad_id
        self.cache = None
        self.mask: torch.Tensor | None = None  # (rows, width) 1 = real token
        self.pos: torch.Tensor | None = None  # (rows,) position id of each row's next token
        self.logits: torch.Tensor | None = None  # (rows, vocab) next-token logits

    @property
    def size(self) -> int:
        return 0 if self.mask is None else int(self.mask.shape[0])

    @property
    def width(self) -> int:
        return 0 if self.mask is None else int(self.mask.shape[1])

    def reset(self) -> None:
        self.cache = self.mask = self.pos = self.logits = None

    def _forward(self, ids, mask, pos, cache) -> torch.Tensor:
        out = self.model(
            input_ids=ids,
            attention_mask=mask,
            position_ids=pos,
            past_key_values=cache,
            use_cache=True,
            logits_to_keep=1,
        )  # only the last position's logits: no (rows, len, vocab)
        return out.logits[:, -1, :]

    def admit(self, prompts: list[list[int]]) -> None:
        """Prefill `prompts` together (left-padded among themselves) and append them as new rows."""
        from transformers import DynamicCache

        dev = self.model.device
        n, w = len(prompts), max(len(p) for p in prompts)
        ids = torch.full((n, w), self.pad_id, dtype=torch.long, device=dev)
        mask = torch.zeros((n, w), dtype=torch.long, device=dev)
        for i, p in enumerate(prompts):
            ids[i, w - len(p) :] = torch.tensor(p, device=dev)
            mask[i, w - len(p) :] = 1
        pos = (mask.cumsum(-1) - 1).clamp(min=0)
        cache = DynamicCache()
        logits = self._forward(ids, mask, pos, cache)
        self._merge(cache, mask, mask.sum(-1), logits)

    def admit_cached(self, past: list[tuple[torch.Tensor, torch.Tensor]], suffix: list[int]) -> None:
        """Append one row whose first `past` tokens are already computed (per layer keys/values of shape
        (1, heads, n, dim), not modified): prefill only `suffix` on top of them."""
        from transformers import DynamicCache

        dev = self.model.device
        n = int(past[0][0].shape[-2])
        cache = DynamicCache()
        for i, (k, v) in enumerate(past):
            cache.update(k, v, i)
        ids = torch.tensor([suffix], dtype=torch.long, device=dev)
        mask = torch.ones((1, n + len(suffix)), dtype=torch.long, device=dev)
        pos = torch.arange(n, n + len(suffix), device=dev)[None]
        logits = self._forward(ids, mask, pos, cache)
        self._merge(cache, mask, mask.sum(-1), logits)

    def row_kv(self, i: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """Row `i`'s computed tokens (its real columns), copied out of the batch: per layer (keys, values)."""
        n = int(self.mask[i].sum())
        return [(x.keys[i : i + 1, :, -n:].clone(), x.values[i : i + 1, :, -n:].clone()) for x in self.cache.layers]

    def _merge(self, cache, mask: torch.Tensor, nxt: torch.Tensor, logits: torch.Tensor) -> None:
        """Append prefilled rows (their cache right-aligned at their own width) to the running ones."""
        w = int(mask.shape[1])
        if self.mask is None:
            self.cache, self.mask, self.pos, self.logits = cache, mask, nxt, logits
            return
        width = max(self.width, w)
        for old, new in zip(self.cache.layers, cache.layers):
            old.keys = torch.cat([_pad_left(old.keys, width), _pad_left(new.keys, width)], 0)
            old.values = torch.cat([_pad_left(old.values, width), _pad_left(new.values, width)], 0)
        self.mask = torch.cat([F.pad(self.mask, (width - self.width, 0)), F.pad(mask, (width - w, 0))], 0)
        self.pos = torch.cat([self.pos, nxt])
        self.logits = torch.cat([self.logits, logits], 0)

    def retire(self, keep: list[int]) -> None:
        """Keep only rows `keep` (in that order), then drop leading columns that are padding in every row."""
        if not keep:
            self.reset()
            return
        idx = torch.tensor(keep, dtype=torch.long, device=self.mask.device)
        self.mask, self.pos, self.logits = self.mask[idx], self.pos[idx], self.logits[idx]
        cut = int((self.mask.shape[1] - self.mask.sum(-1)).min())
        for layer in self.cache.layers:
            layer.keys = layer.keys[idx, :, cut:]
            layer.values = layer.values[idx, :, cut:]
        self.mask = self.mask[:, cut:]

    def step(self, tokens: list[int]) -> None:
        """Feed one sampled token per row; refresh the next-token logits."""
        dev = self.mask.device
        ids = torch.tensor(tokens, dtype=torch.long, device=dev)[:, None]
        self.mask = torch.cat([self.mask, torch.ones((self.size, 1), dtype=torch.long, device=dev)], 1)
        self.logits = self._forward(ids, self.mask, self.pos[:, None], self.cache)
        self.pos = self.pos + 1


def _pad_left(x: torch.Tensor, width: int) -> torch.Tensor:
    """(rows, heads, w, dim) → (rows, heads, width, dim) with zeros (masked) on the left."""
    return x if x.shape[-2] == width else F.pad(x, (0, 0, width - x.shape[-2], 0))


def sample_rows(
    logits: torch.Tensor, temps: list[float], top_ps: list[float], gen: torch.Generator
) -> tuple[list[int], list[float]]:
    """One token per row; its logprob under logits/temperature (greedy rows: under the raw logits) — the
    distribution the trainer recomputes (top-p only restricts which token is drawn)."""
    t = torch.tensor([x if x > 0 else 1.0 for x in temps], dtype=torch.float32, device=logits.device)
    lp = torch.log_softmax(logits.float() / t[:, None], -1)
    toks = lp.argmax(-1)
    for i, (temp, top_p) in enumerate(zip(temps, top_ps)):
        if temp <= 0:
            continue
        probs = lp[i].exp()
        if top_p < 1.0:
            sp, si = torch.sort(probs, descending=True)
            keep = (sp.cumsum(-1) - sp) < top_p
            probs = torch.zeros_like(probs).scatter(0, si[keep], sp[keep])
        toks[i] = torch.multinomial(probs.cpu(), 1, generator=gen).to(toks.device)[0]
    chosen = lp.gather(1, toks[:, None]).squeeze(1)
    return toks.tolist(), chosen.tolist()
