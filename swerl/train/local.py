"""LocalTrainer: a plain torch PPO/GRPO/GSPO update of the HF model the local engine serves (CPU default).

The math is verl's (`swerl.train.algos`); this file only does the torch plumbing: forward passes in
micro-batches, old/ref log-probs, the optimizer step, and verl-named metrics. The model object is updated
in place, so the engine serving it samples from the new weights at the next step (the loop wraps
`update` in `engine.paused()`).

PPO (`adv_estimator: gae`): the critic is a linear value head on the policy's last hidden state
(detached, so the critic loss never moves the policy), with its own AdamW — the cheapest critic that
fits a 2-core machine; verl's GPU path uses a separate critic model.
"""

from __future__ import annotations

import copy
import contextlib
import math
import os
import time
from dataclasses import dataclass

import torch
from torch import nn

from swerl.config.schema import AlgorithmSection, TrainingSection
from swerl.train import algos
from swerl.models.trial import Sample
from swerl.train.batch import TrainBatch, collate

CPU_PEAK_FLOPS = float(os.environ.get("SWERL_CPU_PEAK_FLOPS") or 0)
"""A CPU has no meaningful peak to divide by (a guessed one gave perf/mfu/actor > 1), so perf/mfu/actor is
omitted on CPU unless $SWERL_CPU_PEAK_FLOPS names the machine's peak; perf/flops_per_s/actor is always logged."""


@dataclass
class TrainerSettings:
    algorithm: AlgorithmSection
    training: TrainingSection
    temperature: float = 1.0
    """Rollout temperature; logits are divided by it before log-probs, as verl's actor does."""
    seed: int = 0

    @classmethod
    def from_config(cls, cfg) -> "TrainerSettings":
        i = cfg.input
        return cls(i.algorithm, i.training, i.vllm.temperature or 1.0, i.experiment.seed)


class LocalTrainer:
    def __init__(self, model: nn.Module, settings: TrainerSettings, pad_id: int = 0):
        torch.manual_seed(settings.seed)
        self.s = settings
        self.pad_id = pad_id
        t = settings.training
        self.model = self._maybe_lora(model, t.lora_rank)
        if t.gradient_checkpointing and hasattr(self.model, "gradient_checkpointing_enable"):
            self.model.gradient_checkpointing_enable()
        a = settings.algorithm
        self.algo = algos.Algo(a, ppo_mini_batch_size=max(t.ppo_mini_batch_size, 1), rollout_n=t.n_resp_per_prompt)
        params = [p for p in self.model.parameters() if p.requires_grad]
        self.n_params = sum(p.numel() for p in self.model.parameters())
        self.optimizer = torch.optim.AdamW(params, lr=a.learning_rate, weight_decay=0.0)
        self.value_head: nn.Linear | None = None
        self.critic_optimizer = None
        if self.algo.uses_critic:
            self.value_head = nn.Linear(self.model.config.hidden_size, 1)
            nn.init.zeros_(self.value_head.weight)
            nn.init.zeros_(self.value_head.bias)
            self.critic_optimizer = torch.optim.AdamW(self.value_head.parameters(), lr=a.critic_learning_rate)
        self.ref_model = None
        if (a.use_kl_loss or a.use_kl_in_reward) and not t.lora_rank:
            self.ref_model = copy.deepcopy(self.model).eval().requires_grad_(False)

    # ---- model plumbing -------------------------------------------------------------------------
    @staticmethod
    def _maybe_lora(model: nn.Module, rank: int) -> nn.Module:
        """LoRA via peft. peft injects the adapters into the base model's modules in place, so an
        engine holding the base model object serves the adapted policy."""
        if not rank:
            return model
        from peft import LoraConfig, get_peft_model

        return get_peft_model(
            model, LoraConfig(r=rank, lora_alpha=2 * rank, target_modules="all-linear", lora_dropout=0.0)
        )

    @property
    def uses_ref(self) -> bool:
        a = self.s.algorithm
        return a.use_kl_loss or a.use_kl_in_reward

    def _ref_ctx(self):
        if self.ref_model is not None:
            return self.ref_model, contextlib.nullcontext()
        return self.model, self.model.disable_adapter()  # LoRA: the base weights are the reference

    def _forward(self, model: nn.Module, mb: TrainBatch, values: bool = False):
        """→ (logits (b,R,V) tempered, logp (b,R), values (b,R) | None) for the response positions."""
        R = mb.responses.shape[1]
        out = model(
            input_ids=mb.input_ids,
            attention_mask=mb.attention_mask,
            position_ids=mb.position_ids,
            logits_to_keep=R + 1,
            output_hidden_states=values,
            use_cache=False,
        )
        logits = out.logits[:, :-1, :].float() / self.s.temperature
        from verl.utils.torch_functional import logprobs_from_logits

        logp = logprobs_from_logits(logits, mb.responses)
        v = None
        if values and self.value_head is not None:
            h = out.hidden_states[-1][:, -(R + 1) : -1, :].detach().float()
            v = self.value_head(h).squeeze(-1)
        return logits, logp, v

    def _micro(self, idx: list[int]) -> list[list[int]]:
        m = max(self.s.training.ppo_micro_batch_size_per_gpu, 1)
        return [idx[i : i + m] for i in range(0, len(idx), m)]

    @torch.no_grad()
    def _score(self, batch: TrainBatch) -> dict[str, torch.Tensor]:
        """old log-probs (current weights, before the update), values, ref log-probs — full width (B, R)."""
        B, R = batch.responses.shape
        old = torch.zeros(B, R)
        vals = torch.zeros(B, R)
        ref = torch.zeros(B, R) if self.uses_ref else None
        self.model.eval()
        for mi in self._micro(list(range(B))):
            mb = batch.rows(mi)
            r = mb.responses.shape[1]
            _, lp, v = self._forward(self.model, mb, values=self.value_head is not None)
            old[mi, :r] = lp
            if v is not None:
                vals[mi, :r] = v
            if ref is not None:
                rm, ctx = self._ref_ctx()
                with ctx:
                    ref[mi, :r] = self._forward(rm, mb)[1]
        out = {"old_log_probs": old, "values": vals}
        if ref is not None:
            out["ref_log_prob"] = ref
        return out

    # ---- the update -----------------------------------------------------------------------------
    def update(self, samples: list[Sample]) -> dict[str, float]:
        """One PPO update on a batch of samples; masked trials (reward None) never enter. → metrics."""
        valid = [s for s in samples if s.reward is not None]
        metrics: dict[str, float] = {
            "train/num_samples": float(len(valid)),
            "train/num_masked_samples": float(len(samples) - len(valid)),
        }
        if not valid:
            return metrics
        t0 = time.perf_counter()
        batch = collate(valid, self.pad_id)
        mask = batch.response_mask.float()
        scored = self._score(batch)
        t_old = time.perf_counter()
        a = self.s.algorithm
        scores = algos.token_level_scores(batch.rewards, batch.response_mask, batch.response_len)
        rewards = scores
        if a.use_kl_in_reward:
            rewards, kl_mean = algos.kl_in_reward(
                scores, scored["old_log_probs"], scored["ref_log_prob"], mask, a.kl_coef
            )
            metrics["actor/reward_kl_penalty"] = kl_mean
            metrics["actor/reward_kl_penalty_coeff"] = a.kl_coef
        values = scored["values"] if self.value_head is not None else None
        adv, returns = algos.advantages(a, rewards, mask, batch.groups, values=values, trials=batch.trials)
        t_adv = time.perf_counter()
        metrics |= self._ppo(batch, scored, adv, returns)
        t_upd = time.perf_counter()
        metrics |= self._data_metrics(batch, scored, scores, rewards, adv, returns)
        tokens = int(batch.attention_mask.sum())
        upd = t_upd - t_adv
        metrics |= {
            "timing_s/old_log_prob": t_old - t0,
            "timing_s/adv": t_adv - t_old,
            "timing_s/update_actor": upd,
            "perf/total_num_tokens": float(tokens),
            "perf/flops_per_s/actor": 6 * self.n_params * tokens * self.s.training.ppo_epochs / upd,
        }
        if CPU_PEAK_FLOPS > 0:
            metrics["perf/mfu/actor"] = metrics["perf/flops_per_s/actor"] / CPU_PEAK_FLOPS
        return metrics

    def _ppo(self, batch: TrainBatch, scored, adv, returns) -> dict[str, float]:
        a, t = self.s.algorithm, self.s.training
        B = len(batch)
        mini = t.ppo_mini_batch_size or B
        acc: dict[str, list[float]] = {}
        params = [p for p in self.model.parameters() if p.requires_grad]
        self.model.train()
        for _ in range(t.ppo_epochs):
            for start in range(0, B, mini):
                idx = list(range(start, min(start + mini, B)))
                mb_mask = batch.response_mask[idx]
                cfg = self.algo.actor_config(
                    batch_num_tokens=max(int(mb_mask.sum()), 1),
                    global_batch_size=max(int((mb_mask.sum(-1) > 0).sum()), 1),
                )
                self.optimizer.zero_grad(set_to_none=True)
                if self.critic_optimizer:
                    self.critic_optimizer.zero_grad(set_to_none=True)
                for mi in self._micro(idx):
                    mb = batch.rows(mi)
                    r = mb.responses.shape[1]
                    m = mb.response_mask.float()
                    logits, logp, vpred = self._forward(self.model, mb, values=self.value_head is not None)
                    old = scored["old_log_probs"][mi, :r]
                    pg, pgm = algos.policy_loss(self.algo, old, logp, adv[mi, :r], m, cfg)
                    loss = pg
                    if a.entropy_coeff:
                        ent = algos.entropy(logits, m, self.algo, cfg)
                        loss = loss - a.entropy_coeff * ent
                    else:
                        with torch.no_grad():
                            ent = algos.entropy(logits, m, self.algo, cfg)
                    if a.use_kl_loss:
                        kl = algos.kl_loss(self.algo, logp, scored["ref_log_prob"][mi, :r], m, cfg)
                        loss = loss + a.kl_loss_coef * kl
                        acc.setdefault("actor/kl_loss", []).append(float(kl.detach()))
                        acc.setdefault("actor/kl_coef", []).append(a.kl_loss_coef)
                    loss.backward()
                    if vpred is not None:
                        vf, vclip = algos.value_loss(
                            vpred,
                            returns[mi, :r],
                            scored["values"][mi, :r],
                            m,
                            loss_agg_mode=a.loss_agg_mode,
                            **cfg.global_batch_info,
                        )
                        vf.backward()
                        acc.setdefault("critic/vf_loss", []).append(float(vf.detach()))
                        acc.setdefault("critic/vf_clipfrac", []).append(float(vclip))
                    acc.setdefault("actor/pg_loss", []).append(float(pg.detach()))
                    acc.setdefault("actor/entropy", []).append(float(ent.detach()))
                    for k, v in pgm.items():
                        acc.setdefault(k, []).append(float(v))
                gn = float(torch.nn.utils.clip_grad_norm_(params, a.grad_clip))
                acc.setdefault("actor/grad_norm", []).append(gn)
                if math.isfinite(gn):  # verl skips the step on a non-finite grad norm
                    self.optimizer.step()
                if self.critic_optimizer:
                    cgn = float(torch.nn.utils.clip_grad_norm_(self.value_head.parameters(), a.grad_clip))
                    acc.setdefault("critic/grad_norm", []).append(cgn)
                    self.critic_optimizer.step()
        self.model.eval()
        out = {}
        for k, v in acc.items():  # losses are micro-batch partial sums (global_batch_info) → sum per mini-batch
            out[k] = sum(v) / max(t.ppo_epochs * math.ceil(B / mini), 1) if k in _SUMMED else sum(v) / len(v)
        out["actor/lr"] = a.learning_rate
        return out

    def _data_metrics(self, batch: TrainBatch, scored, scores, rewards, adv, returns) -> dict[str, float]:
        """verl's own `compute_data_metrics` + `calculate_debug_metrics` on a DataProto of this batch."""
        from verl.protocol import DataProto
        from verl.trainer.ppo.metric_utils import compute_data_metrics
        from verl.utils.debug.metrics import calculate_debug_metrics

        import numpy as np

        tensors = {
            "prompts": batch.prompts,
            "responses": batch.responses,
            "attention_mask": batch.attention_mask,
            "response_mask": batch.response_mask,
            "token_level_scores": scores,
            "token_level_rewards": rewards,
            "advantages": adv,
            "returns": returns,
            "values": scored["values"],
            "old_log_probs": scored["old_log_probs"],
            "rollout_log_probs": batch.rollout_logprobs,
        }
        dp = DataProto.from_dict(
            tensors=tensors, non_tensors={"__num_turns__": batch.num_turns.numpy().astype(np.int64)}
        )
        m = compute_data_metrics(dp, use_critic=self.value_head is not None)
        m |= calculate_debug_metrics(dp)
        t = self.s.training
        m["response_length/clip_ratio"] = float((batch.response_len >= t.max_response_length).float().mean())
        m["prompt_length/clip_ratio"] = float((batch.prompt_len >= t.max_prompt_length).float().mean())
        return {k: float(v) for k, v in m.items() if _is_num(v)}

    # ---- state (checkpoint) ---------------------------------------------------------------------
    def state_dict(self) -> dict:
        d = {"optimizer": self.optimizer.state_dict()}
        if self.value_head is not None:
            d["value_head"] = self.value_head.state_dict()
            d["critic_optimizer"] = self.critic_optimizer.state_dict()
        return d

    def load_state_dict(self, d: dict) -> None:
        self.optimizer.load_state_dict(d["optimizer"])
        if self.value_head is not None and "value_head" in d:
            self.value_head.load_state_dict(d["value_head"])
            self.critic_optimizer.load_state_dict(d["critic_optimizer"])


_SUMMED = {"actor/pg_loss", "actor/kl_loss", "critic/vf_loss", "actor/entropy"}


def _is_num(v) -> bool:
    try:
        float(v)
        return True
    except (TypeError, ValueError):
        return False
