"""Names a config may use for the pieces other libraries own — checked at config load, with did-you-mean.

Kept as literal snapshots (so loading a config never imports verl or torch); tests/models/test_names.py
fails the moment verl's registries or the gateway's parser table differ from these lists.
"""

from __future__ import annotations

import difflib

ADV_ESTIMATORS = (
    "gae",
    "gdpo",
    "gpg",
    "grpo",
    "grpo_passk",
    "grpo_vectorized",
    "opo",
    "optimal_token_baseline",
    "reinforce_plus_plus",
    "reinforce_plus_plus_baseline",
    "remax",
    "rloo",
    "rloo_vectorized",
    "tir_optimal_token_baseline",
)
"""verl.trainer.ppo.core_algos.ADV_ESTIMATOR_REGISTRY (verl 0.9.x)."""
POLICY_LOSSES = (
    "bypass_mode",
    "cispo",
    "clip_cov",
    "dppo_kl",
    "dppo_tv",
    "dro",
    "geo_mean",
    "gpg",
    "gspo",
    "kl_cov",
    "sapo",
    "vanilla",
)
"""verl.trainer.ppo.core_algos.POLICY_LOSS_REGISTRY (verl 0.9.x)."""
TOOL_PARSERS = ("hermes", "qwen3_coder", "none")
"""swerl.serve.gateway.tool_parsers.PARSERS."""


AGENTS = ("swerl-bash", "claude-code", "terminus-2", "mini-swe-agent", "openhands-sdk", "oracle", "nop")
"""`harbor_agent.agent_name` values swerl can run (swerl.rollout.agents.registry builds each); any other Harbor
agent goes through `agent_import_path`."""


def check(value: str, allowed: tuple[str, ...], what: str) -> str:
    """`value` if allowed, else ValueError "unknown <what> 'x' — did you mean 'y'? (one of: …)"."""
    if value in allowed:
        return value
    close = difflib.get_close_matches(value, allowed, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    raise ValueError(f"unknown {what} {value!r} — {hint}(one of: {', '.join(allowed)})")
