"""Environment for agents: where the policy is (the proxy's per-trial URL) and the key to reach it."""

from __future__ import annotations

import os


def claude_code_env(
    trial_base_url: str, api_key: str, model: str, *, max_output_tokens: int, home: str | None = None
) -> dict[str, str]:
    """Claude Code: base URL WITHOUT /v1 (it appends /v1/messages), every model tier → the served alias."""
    env = {
        "ANTHROPIC_BASE_URL": trial_base_url.rstrip("/"),
        "ANTHROPIC_AUTH_TOKEN": api_key,
        "ANTHROPIC_MODEL": model,
        "ANTHROPIC_DEFAULT_HAIKU_MODEL": model,
        "ANTHROPIC_DEFAULT_SONNET_MODEL": model,
        "ANTHROPIC_DEFAULT_OPUS_MODEL": model,
        "ANTHROPIC_SMALL_FAST_MODEL": model,
        "CLAUDE_CODE_MAX_OUTPUT_TOKENS": str(max_output_tokens),
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "DISABLE_TELEMETRY": "1",
        "DISABLE_AUTOUPDATER": "1",
        "DISABLE_ERROR_REPORTING": "1",
        "CLAUDE_CODE_ATTRIBUTION_HEADER": "0",
    }
    if os.geteuid() == 0:
        env["IS_SANDBOX"] = "1"  # else --dangerously-skip-permissions refuses to run as root
    if home:
        env["HOME"] = home
    return env


def openai_env(trial_base_url: str, api_key: str, model: str) -> dict[str, str]:
    """OpenAI-style agents (mini-swe-agent, terminus-2, OpenHands): base URL WITH /v1 under every name they read."""
    v1 = trial_base_url.rstrip("/") + "/v1"
    return {
        "OPENAI_BASE_URL": v1,
        "OPENAI_API_BASE": v1,
        "LLM_BASE_URL": v1,
        "OPENAI_API_KEY": api_key,
        "LLM_API_KEY": api_key,
        "MSWEA_MODEL_NAME": f"openai/{model}",
        "LLM_MODEL": f"openai/{model}",
    }
