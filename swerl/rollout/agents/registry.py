"""Agent name → Harbor `AgentConfig` (+ sandbox mounts) for one trial.

Names: swerl-bash (ours, host-side), claude-code (Harbor's + `--tools`, agents/claude_code.py; binary mounted
read-only on PATH, so Harbor's network install is skipped), terminus-2 (Harbor's, host-side, tmux in the
sandbox, collect_rollout_details),
mini-swe-agent (Harbor's, with an offline install: host-unpacked wheels mounted read-only, agents/mini_swe.py),
openhands-sdk (Harbor's OpenHandsSDK; its Python 3.12 venv built on the host and mounted read-only,
agents/openhands_sdk.py),
oracle / nop (validation). `agent_import_path` (pkg.mod:Class) overrides the name.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harbor.models.trial.config import AgentConfig

from swerl.models.agent_tools import check_allowed_tools
from swerl.models.names import AGENTS

KNOWN = AGENTS
SWERL_BASH = "swerl.rollout.agents.swerl_bash:SwerlBashAgent"
MINI_SWE = "swerl.rollout.agents.mini_swe:OfflineMiniSweAgent"
CLAUDE_CODE = "swerl.rollout.agents.claude_code:SwerlClaudeCode"
OPENHANDS_SDK = "swerl.rollout.agents.openhands_sdk:OfflineOpenHandsSDK"
CLAUDE_IN_SANDBOX = "/usr/local/bin/claude"


@dataclass
class AgentEndpoint:
    """Where agents reach the policy: the proxy root as seen from the host and from sandboxes."""

    host_url: str = ""
    """http://127.0.0.1:<port> — agents running in the host process (swerl-bash, terminus-2)."""
    sandbox_url: str = ""
    """http://host.docker.internal:<port> — agents running inside the sandbox (claude-code, mini-swe-agent)."""
    api_key: str = ""
    model: str = "vllm_model"
    api_key_env: str = "SWERL_AGENT_API_KEY"
    """Host-side agents read the key from this env var of the runner process: Harbor writes agent kwargs into
    every trial's config.json/result.json, so the key itself is never a kwarg (sandbox agents get it through
    AgentConfig.env, which Harbor redacts)."""

    def publish_key(self) -> str:
        """Put the key where host-side agents read it; returns the variable's name."""
        if self.api_key:
            os.environ[self.api_key_env] = self.api_key
        return self.api_key_env

    def trial_url(self, trial_id: str, *, in_sandbox: bool) -> str:
        return f"{(self.sandbox_url if in_sandbox else self.host_url).rstrip('/')}/trial/{trial_id}"


@dataclass
class AgentOptions:
    max_turns: int = 8
    max_tokens_per_turn: int = 128
    temperature: float = 1.0
    top_p: float = 1.0
    claude_binary: str = ""
    """Host path of the claude ELF (swerl.serve.assets.ensure_claude_binary()); mounted read-only."""
    mswea_dir: str = ""
    """Host dir of the unpacked mini-swe-agent (swerl.rollout.images.ensure_mswea()); mounted read-only."""
    ohsdk_dir: str = ""
    """Host dir of the OpenHands SDK build (swerl.rollout.ohsdk_assets.ensure_ohsdk()); mounted read-only."""
    allowed_tools: list[str] = field(default_factory=list)
    """harbor_agent.allowed_tools: the agent's tool set (empty = its default; swerl.models.agent_tools)."""
    extra: dict[str, Any] = field(default_factory=dict)


def agent_config(
    name: str, import_path: str, trial_id: str, ep: AgentEndpoint, opts: AgentOptions
) -> tuple[AgentConfig, list[dict]]:
    """(Harbor AgentConfig, extra sandbox mounts) for one trial. ValueError when the agent cannot honour
    `opts.allowed_tools` (a task row may name another agent than the config checked at load)."""
    tools = check_allowed_tools(name, opts.allowed_tools, import_path)
    if import_path:
        return AgentConfig(
            import_path=import_path,
            model_name=ep.model,
            kwargs={
                "api_base": ep.trial_url(trial_id, in_sandbox=False) + "/v1",
                "api_key_env": ep.publish_key(),
                "trial_id": trial_id,
                **opts.extra,
            },
        ), []
    if name in ("oracle", "nop"):
        return AgentConfig(name=name), []
    if name == "swerl-bash":
        return AgentConfig(
            import_path=SWERL_BASH,
            model_name=ep.model,
            kwargs={
                "api_base": ep.trial_url(trial_id, in_sandbox=False) + "/v1",
                "api_key_env": ep.publish_key(),
                "trial_id": trial_id,
                "max_turns": opts.max_turns,
                "max_tokens": opts.max_tokens_per_turn,
                "temperature": opts.temperature,
                "top_p": opts.top_p,
                **opts.extra,
            },
        ), []
    if name == "terminus-2":
        if ep.api_key:  # LiteLLM's hosted_vllm provider reads its key from this variable
            os.environ["HOSTED_VLLM_API_KEY"] = ep.api_key
        return AgentConfig(
            name="terminus-2",
            model_name=f"hosted_vllm/{ep.model}",
            kwargs={
                "api_base": ep.trial_url(trial_id, in_sandbox=False) + "/v1",
                "collect_rollout_details": True,
                "max_turns": opts.max_turns,
                "temperature": opts.temperature,
                "record_terminal_session": False,
                "enable_summarize": False,
                **opts.extra,
            },
        ), []
    if name == "claude-code":
        env = _claude_env(trial_id, ep, opts.max_tokens_per_turn)
        mounts = []
        if opts.claude_binary:
            mounts.append(
                {"type": "bind", "source": opts.claude_binary, "target": CLAUDE_IN_SANDBOX, "read_only": True}
            )
        kwargs = {"tools": ",".join(tools)} if tools else {}
        return AgentConfig(
            import_path=CLAUDE_CODE, model_name=ep.model, env=env, kwargs={**kwargs, **opts.extra}
        ), mounts
    if name == "mini-swe-agent":
        from swerl.serve.agent_env import openai_env

        env = {
            **openai_env(ep.trial_url(trial_id, in_sandbox=True), ep.api_key, ep.model),
            "MSWEA_COST_TRACKING": "ignore_errors",
            "MSWEA_API_KEY": ep.api_key,
        }
        from swerl.rollout.images import MSWEA_TARGET, ensure_mswea

        mswea = opts.mswea_dir or str(ensure_mswea())  # offline install: unpacked wheels + launcher, read-only
        mounts = [
            {"type": "bind", "source": mswea, "target": MSWEA_TARGET, "read_only": True},
            {
                "type": "bind",
                "source": f"{mswea}/bin/mini-swe-agent",
                "target": "/usr/local/bin/mini-swe-agent",
                "read_only": True,
            },
        ]
        return AgentConfig(
            import_path=MINI_SWE,
            model_name=f"openai/{ep.model}",
            env=env,
            kwargs={"max_tokens": opts.max_tokens_per_turn, **opts.extra},
        ), mounts
    if name == "openhands-sdk":
        from swerl.rollout.ohsdk_assets import ensure_ohsdk, ohsdk_mounts

        root = opts.ohsdk_dir or str(ensure_ohsdk())  # offline install: a Python 3.12 + the SDK's venv, read-only
        # Harbor resolves the connection from LLM_API_KEY / LLM_BASE_URL (its OpenHandsSDK.MODEL_CONNECTION)
        env = {
            "LLM_API_KEY": ep.api_key,
            "LLM_BASE_URL": ep.trial_url(trial_id, in_sandbox=True) + "/v1",
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",  # the SDK's LiteLLM: no cost-map download (no network)
            "OPENHANDS_SUPPRESS_BANNER": "1",
        }
        llm = {"max_output_tokens": opts.max_tokens_per_turn, "top_p": opts.top_p, "native_tool_calling": True}
        return AgentConfig(
            import_path=OPENHANDS_SDK,
            model_name=f"openai/{ep.model}",
            env=env,
            kwargs={
                "max_iterations": opts.max_turns,
                "temperature": opts.temperature,
                "load_skills": False,
                "config": llm,
                **opts.extra,
            },
        ), ohsdk_mounts(Path(root))
    raise ValueError(f"unknown agent {name!r}: use one of {', '.join(KNOWN)} or set harbor_agent.agent_import_path")


def _claude_env(trial_id: str, ep: AgentEndpoint, max_tokens: int) -> dict[str, str]:
    base = ep.trial_url(trial_id, in_sandbox=True)
    try:  # the inference layer owns the exact variable set
        from swerl.serve.agent_env import claude_code_env

        env = claude_code_env(base, ep.api_key, ep.model, max_output_tokens=max_tokens, home=f"/tmp/home-{trial_id}")
        return {**env, "ANTHROPIC_CUSTOM_HEADERS": f"x-swerl-trial-id: {trial_id}"}
    except ImportError:
        pass
    return {
        "ANTHROPIC_BASE_URL": base,
        "ANTHROPIC_AUTH_TOKEN": ep.api_key,
        "ANTHROPIC_API_KEY": ep.api_key,
        "ANTHROPIC_MODEL": ep.model,
        "ANTHROPIC_DEFAULT_HAIKU_MODEL": ep.model,
        "ANTHROPIC_DEFAULT_SONNET_MODEL": ep.model,
        "ANTHROPIC_DEFAULT_OPUS_MODEL": ep.model,
        "ANTHROPIC_CUSTOM_HEADERS": f"x-swerl-trial-id: {trial_id}",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "DISABLE_TELEMETRY": "1",
        "DISABLE_AUTOUPDATER": "1",
        "CLAUDE_CODE_ATTRIBUTION_HEADER": "0",
        "HOME": f"/tmp/home-{trial_id}",
    }
