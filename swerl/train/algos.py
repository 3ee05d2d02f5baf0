"""The RL math, taken from verl's `core_algos` (never re-implemented here).

Tensors in, tensors out; shapes are `(batch, response_len)` unless said otherwise. This module only
builds the small config objects verl's functions expect and picks functions from verl's registries.

Groups with fewer than 2 valid trials: handled exactly as verl does. Masked trials are dropped before
this point, so a prompt group may shrink; verl's GRPO gives a singleton group mean 0 / std 1, i.e. its
advantage is its raw score (RLOO and friends have their own singleton rules). A group whose rewards are
all equal gets advantage 0 — no signal, as intended. We do not special-case either: same numbers as a
verl run on the same batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from swerl.config.schema import AlgorithmSection


@dataclass(frozen=True)
class Algo:
    """The algorithm settings of one run, plus the verl config objects built from them."""

    section: AlgorithmSection
    ppo_mini_batch_size: int = 1
    rollout_n: int = 1

    @property
    def uses_critic(self) -> bool:
        return self.section.adv_estimator == "gae"

    def actor_config(self, batch_num_tokens: int | None = None, global_batch_size: int | None = None):
        """verl's real `ActorConfig` (the object its policy losses read clip ratios and agg info from).

        `global_batch_info` makes losses of micro-batches sum to the mini-batch loss (verl's FSDP trick)."""
        from verl.workers.config.actor import ActorConfig, PolicyLossConfig

        s = self.section
        cfg = ActorConfig(
            strategy="fsdp",
            ppo_mini_batch_size=self.ppo_mini_batch_size,
            ppo_micro_batch_size_per_gpu=1,
            rollout_n=self.rollout_n,
            clip_ratio=s.clip_ratio_low,
            clip_ratio_low=s.clip_ratio_low,
            clip_ratio_high=s.clip_ratio_high,
            loss_agg_mode=s.loss_agg_mode,
            policy_loss=PolicyLossConfig(loss_mode=s.policy_loss_mode),
            use_kl_loss=s.use_kl_loss,
            kl_loss_coef=s.kl_loss_coef,
            kl_loss_type=s.kl_loss_type,
            entropy_coeff=s.entropy_coeff,
        )
        info: dict = {"dp_size": 1}
        if batch_num_tokens is not None:
            info["batch_num_tokens"] = batch_num_tokens
        if global_batch_size is not None:
            info["global_batch_size"] = global_batch_size
        cfg.global_batch_info.update(info)  # the dict is mutable even though the field is frozen
        return cfg


def token_level_scores(rewards: torch.Tensor, response_mask: torch.Tensor, response_len: torch.Tensor) -> torch.Tensor:
    """Outcome reward placed on the last response token, as verl's reward managers do. `response_len`: (B,)."""
    scores = torch.zeros_like(response_mask, dtype=torch.float32)
    last = (response_len - 1).clamp(min=0)
    scores[torch.arange(scores.shape[0]), last] = rewards.float()
    return scores


def kl_in_reward(
    scores: torch.Tensor, old_logp: torch.Tensor, ref_logp: torch.Tensor, mask: torch.Tensor, coef: float
) -> tuple[torch.Tensor, float]:
    """verl's `apply_kl_penalty` with a fixed controller: rewards = scores − β·KL(k1) on response tokens."""
    from verl.trainer.ppo.core_algos import kl_penalty
    from verl.utils.torch_functional import masked_mean

    kld = kl_penalty(old_logp, ref_logp, kl_penalty="kl") * mask
    return scores - coef * kld, float(masked_mean(kld, mask).item())


def advantages(
    section: AlgorithmSection,
    token_rewards: torch.Tensor,
    response_mask: torch.Tensor,
    groups: list[str],
    values: torch.Tensor | None = None,
    trials: list[str] | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """(advantages, returns) from verl's estimator registry. `groups`: prompt uid per row (GRPO index).

    `trials`: trial id per row. A trial with several segments (rows) is ONE member of its group, as in verl's
    v1 trainer (`verl.trainer.ppo.v1.utils`): the estimator sees only each trial's final row, and its
    advantage is broadcast to the trial's other rows (masked by their own response_mask)."""
    if trials is not None and section.adv_estimator != "gae" and len(set(trials)) < len(trials):
        final: dict[str, int] = {}
        for row, t in enumerate(trials):
            final[t] = row  # rows are in segment order: the last row of a trial is its final segment
        idx = list(final.values())
        sub_adv, _ = advantages(section, token_rewards[idx], response_mask[idx], [groups[i] for i in idx])
        first = response_mask[idx].float().argmax(dim=1)
        per_trial = sub_adv[torch.arange(len(idx)), first]
        where = {t: k for k, t in enumerate(final)}
        scalar = per_trial[[where[t] for t in trials]]
        adv = scalar.unsqueeze(-1) * response_mask.float()
        return adv, adv.clone()
    from verl.trainer.config import AlgoConfig
    from verl.trainer.ppo.core_algos import get_adv_estimator_fn

    name = section.adv_estimator
    fn = get_adv_estimator_fn(name)
    mask = response_mask.float()
    if name == "gae":
        if values is None:
            raise ValueError("algorithm.adv_estimator=gae needs a critic (values) — the trainer builds one")
        return fn(
            token_level_rewards=token_rewards, values=values, response_mask=mask, gamma=section.gamma, lam=section.lam
        )
    if name == "remax":
        raise ValueError(
            "algorithm.adv_estimator=remax needs greedy baselines swerl does not collect — use grpo or rloo"
        )
    cfg = AlgoConfig(
        gamma=section.gamma,
        lam=section.lam,
        adv_estimator=name,
        norm_adv_by_std_in_grpo=section.norm_adv_by_std_in_grpo,
    )
    kwargs: dict = dict(
        token_level_rewards=token_rewards, response_mask=mask, index=np.array(groups, dtype=object), config=cfg
    )
    if name in ("grpo", "grpo_vectorized"):
        kwargs["norm_adv_by_std_in_grpo"] = section.norm_adv_by_std_in_grpo
    return fn(**kwargs)


def policy_loss(
    algo: Algo, old_logp: torch.Tensor, logp: torch.Tensor, adv: torch.Tensor, mask: torch.Tensor, actor_cfg
) -> tuple[torch.Tensor, dict[str, float]]:
    """verl's registered policy loss (`vanilla`, `gspo`, …) → (loss, {actor/pg_clipfrac, actor/ppo_kl, …})."""
    from verl.trainer.ppo.core_algos import get_policy_loss_fn

    fn = get_policy_loss_fn(algo.section.policy_loss_mode)
    return fn(
        old_log_prob=old_logp,
        log_prob=logp,
        advantages=adv,
        response_mask=mask.float(),
        loss_agg_mode=algo.section.loss_agg_mode,
        config=actor_cfg,
    )


def kl_loss(algo: Algo, logp: torch.Tensor, ref_logp: torch.Tensor, mask: torch.Tensor, actor_cfg) -> torch.Tensor:
    """KL-in-loss term (`use_kl_loss`), aggregated like the policy loss."""
    from verl.trainer.ppo.core_algos import agg_loss, kl_penalty

    kld = kl_penalty(logp, ref_logp, kl_penalty=algo.section.kl_loss_type)
    return agg_loss(
        loss_mat=kld, loss_mask=mask.float(), loss_agg_mode=algo.section.loss_agg_mode, **actor_cfg.global_batch_info
    )


def entropy(logits: torch.Tensor, mask: torch.Tensor, algo: Algo, actor_cfg) -> torch.Tensor:
    """Mean token entropy of the policy on response tokens (verl's `entropy_from_logits` + `agg_loss`)."""
    from verl.trainer.ppo.core_algos import agg_loss
    from verl.utils.torch_functional import entropy_from_logits

    return agg_loss(
        loss_mat=entropy_from_logits(logits),
        loss_mask=mask.float(),
        loss_agg_mode=algo.section.loss_agg_mode,
        **actor_cfg.global_batch_info,
    )


def value_loss(
    vpreds: torch.Tensor,
    returns: torch.Tensor,
    values: torch.Tensor,
    mask: torch.Tensor,
    cliprange_value: float = 0.5,
    **agg,
) -> tuple[torch.Tensor, torch.Tensor]:
    """verl's clipped critic loss → (vf_loss, vf_clipfrac)."""
    from verl.trainer.ppo.core_algos import compute_value_loss

    return compute_value_loss(
        vpreds=vpreds,
        returns=returns,
        values=values,
        response_mask=mask.float(),
        cliprange_value=cliprange_value,
        **agg,
    )


@dataclass(frozen=True)
class GroupFilter:
    """What `filter_groups` decided for one batch of samples."""

    kept: list[str]
    """Informative groups (reward variance over their unmasked trials, or a single unmasked trial), in order."""
    dropped: list[str]
    """Zero-variance groups: ≥ 2 unmasked trials, all with the same reward."""


def filter_groups(samples: list) -> tuple[list, GroupFilter]:
    """DAPO's dynamic-sampling filter → (samples of the informative groups, the decision).

    A group's variance is over its UNMASKED trials, one reward per trial however many segments it has (masked
    trials — reward None — never count: a masked trial scored 0 would fake a signal). Groups with no unmasked
    trial carry no sample that trains and are in neither list. The rule is `rollout_metrics.zero_variance`,
    the same one `rollout/zero_std_fraction` counts."""
    from swerl.models.rollout_metrics import group_rewards, zero_variance

    groups = group_rewards(samples)
    dropped = [g for g, r in groups.items() if zero_variance(r)]
    kept = [g for g in groups if g not in set(dropped)]
    keep = set(kept)
    return [s for s in samples if s.group in keep], GroupFilter(kept, dropped)
