"""Samples → padded tensors in verl's layout: prompts left-padded, responses right-padded.

`input_ids = [pad … prompt | response … pad]`, so the response always sits in the last `R` columns and
the logits that predict it are the last `R + 1` positions (`logits_to_keep=R+1`, drop the final one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from swerl.models.trial import Sample


@dataclass
class TrainBatch:
    prompts: torch.Tensor  # (B, P) left-padded
    responses: torch.Tensor  # (B, R) right-padded
    attention_mask: torch.Tensor  # (B, P+R)
    response_mask: torch.Tensor  # (B, R) 1 = sampled by the policy (loss mask)
    rollout_logprobs: torch.Tensor  # (B, R) engine logprobs, 0 where mask 0
    rewards: torch.Tensor  # (B,)
    groups: list[str]
    num_turns: torch.Tensor  # (B,)
    prompt_len: torch.Tensor  # (B,)
    response_len: torch.Tensor  # (B,) all response tokens, incl. tool/user deltas
    trials: list[str] | None = None  # trial id per row (a trial with several segments has several rows)

    def __len__(self) -> int:
        return self.prompts.shape[0]

    @property
    def input_ids(self) -> torch.Tensor:
        return torch.cat([self.prompts, self.responses], dim=1)

    @property
    def position_ids(self) -> torch.Tensor:
        return (self.attention_mask.cumsum(-1) - 1).clamp(min=0)

    def rows(self, idx: Sequence[int]) -> "TrainBatch":
        """A sub-batch, trimmed to its own longest prompt/response (less padding per micro-batch)."""
        i = torch.as_tensor(list(idx), dtype=torch.long)
        p = int(self.prompt_len[i].max())
        r = max(int(self.response_len[i].max()), 1)
        P = self.prompts.shape[1]
        am = self.attention_mask[i]
        return TrainBatch(
            prompts=self.prompts[i, P - p :],
            responses=self.responses[i, :r],
            attention_mask=torch.cat([am[:, P - p : P], am[:, P : P + r]], dim=1),
            response_mask=self.response_mask[i, :r],
            rollout_logprobs=self.rollout_logprobs[i, :r],
            rewards=self.rewards[i],
            groups=[self.groups[j] for j in i.tolist()],
            num_turns=self.num_turns[i],
            prompt_len=self.prompt_len[i],
            response_len=self.response_len[i],
            trials=None if self.trials is None else [self.trials[j] for j in i.tolist()],
        )


def collate(samples: Sequence[Sample], pad_id: int) -> TrainBatch:
    """Pad valid samples (reward not None) into one TrainBatch. Raises on an empty or malformed batch."""
    if not samples:
        raise ValueError("no valid samples to train on (every trial was masked)")
    for s in samples:
        if not (len(s.response_ids) == len(s.response_mask) == len(s.response_logprobs)):
            raise ValueError(f"sample {s.trial_id}: response_ids/mask/logprobs lengths differ")
        if not s.prompt_ids:
            raise ValueError(f"sample {s.trial_id}: empty prompt_ids")
    P = max(len(s.prompt_ids) for s in samples)
    R = max(max(len(s.response_ids) for s in samples), 1)
    B = len(samples)
    prompts = torch.full((B, P), pad_id, dtype=torch.long)
    responses = torch.full((B, R), pad_id, dtype=torch.long)
    am = torch.zeros((B, P + R), dtype=torch.long)
    rmask = torch.zeros((B, R), dtype=torch.long)
    rlogp = torch.zeros((B, R), dtype=torch.float32)
    for b, s in enumerate(samples):
        p, r = len(s.prompt_ids), len(s.response_ids)
        prompts[b, P - p :] = torch.tensor(s.prompt_ids)
        am[b, P - p : P] = 1
        if r:
            responses[b, :r] = torch.tensor(s.response_ids)
            am[b, P : P + r] = 1
            rmask[b, :r] = torch.tensor(s.response_mask)
            rlogp[b, :r] = torch.tensor(s.response_logprobs, dtype=torch.float32)
    return TrainBatch(
        prompts=prompts,
        responses=responses,
        attention_mask=am,
        response_mask=rmask,
        rollout_logprobs=rlogp * rmask,
        rewards=torch.tensor([float(s.reward) for s in samples]),
        groups=[str(s.group) for s in samples],
        num_turns=torch.tensor([int(getattr(s, "num_turns", 1) or 1) for s in samples]),
        prompt_len=torch.tensor([len(s.prompt_ids) for s in samples]),
        response_len=torch.tensor([len(s.response_ids) for s in samples]),
        trials=[str(s.trial_id) for s in samples],
    )
