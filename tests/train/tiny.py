"""A tiny, seeded, in-process policy for trainer tests: random-init LlamaForCausalLM + a word-level tokenizer.

`rollout()` samples responses with plain torch (temperature 1) and records the sampler's log-probs, the
same fields the gateway records for a real trial, so the trainer sees real Samples.
"""

from __future__ import annotations

import torch

from swerl.models.trial import Sample  # the one Sample (masked: reward None)

VOCAB = [f"w{i}" for i in range(28)]
SPECIAL = ["<pad>", "<s>", "</s>", "<unk>"]


def make_tokenizer():
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from tokenizers.pre_tokenizers import Whitespace
    from transformers import PreTrainedTokenizerFast

    vocab = {t: i for i, t in enumerate(SPECIAL + VOCAB)}
    tok = Tokenizer(WordLevel(vocab=vocab, unk_token="<unk>"))
    tok.pre_tokenizer = Whitespace()
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token="<pad>", bos_token="<s>", eos_token="</s>", unk_token="<unk>"
    )


def make_model(seed: int = 0, hidden: int = 32, layers: int = 2):
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    cfg = LlamaConfig(
        vocab_size=len(SPECIAL) + len(VOCAB),
        hidden_size=hidden,
        intermediate_size=2 * hidden,
        num_hidden_layers=layers,
        num_attention_heads=2,
        num_key_value_heads=1,
        max_position_embeddings=64,
        pad_token_id=0,
        bos_token_id=1,
        eos_token_id=2,
        tie_word_embeddings=True,
    )
    return LlamaForCausalLM(cfg).eval()


@torch.no_grad()
def sample(model, prompt: list[int], n: int, length: int, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """n responses of `length` tokens → (ids (n,L), logprobs (n,L)) at temperature 1 (no KV cache: tiny)."""
    ids = torch.tensor([prompt] * n)
    out, lps = [], []
    for _ in range(length):
        logits = model(input_ids=ids).logits[:, -1, :].float()
        logp = torch.log_softmax(logits, -1)
        tok = torch.multinomial(logp.exp(), 1, generator=gen)
        out.append(tok)
        lps.append(logp.gather(-1, tok))
        ids = torch.cat([ids, tok], 1)
    return torch.cat(out, 1), torch.cat(lps, 1)


TARGET = len(SPECIAL) + 7  # reward 1 iff the first sampled token is this one (chance ≈ 1/32 at init)


def rollout(
    model, step: int, prompts: int, n: int, length: int, gen: torch.Generator, masked_every: int = 0
) -> list[Sample]:
    """One step's samples: `prompts` groups × `n` trials. Every `masked_every`-th trial is masked (reward None)."""
    samples = []
    for g in range(prompts):
        prompt = [1, len(SPECIAL) + (g % 5), len(SPECIAL) + 10 + (g % 3)]
        ids, lps = sample(model, prompt, n, length, gen)
        for k in range(n):
            r = 1.0 if int(ids[k, 0]) == TARGET else 0.0
            masked = masked_every and (g * n + k) % masked_every == masked_every - 1
            samples.append(
                Sample(
                    trial_id=f"step{step}-g{g}-{k}",
                    group=f"g{g}",
                    reward=None if masked else r,
                    prompt_ids=prompt,
                    response_ids=ids[k].tolist(),
                    response_mask=[1] * length,
                    response_logprobs=lps[k].tolist(),
                    num_turns=1,
                )
            )
    return samples


def mean_reward(samples: list[Sample]) -> float:
    rs = [s.reward for s in samples if s.reward is not None]
    return sum(rs) / max(len(rs), 1)
