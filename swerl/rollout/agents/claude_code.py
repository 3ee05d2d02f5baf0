"""Harbor's claude-code agent plus `--tools` (the built-in tools claude offers the model).

Harbor's options have `allowed_tools` (`--allowedTools`, a permission rule: with `bypassPermissions` it
changes nothing the model sees); `tools` here restricts the offered set itself — `harbor_agent.allowed_tools`
(swerl.models.agent_tools) arrives as this kwarg, comma-joined. Everything else is Harbor's ClaudeCode.
"""

from __future__ import annotations

from typing import Annotated

from harbor.agents.installed.claude_code import ClaudeCode, ClaudeCodeOptions
from harbor.agents.options import Cli
from pydantic import Field


class SwerlClaudeCodeOptions(ClaudeCodeOptions):
    tools: Annotated[str | None, Cli("--tools")] = Field(
        default=None, description='Comma-separated built-in tools to offer (claude --tools, e.g. "Bash,Edit").'
    )


class SwerlClaudeCode(ClaudeCode):
    options_model = SwerlClaudeCodeOptions
    options: SwerlClaudeCodeOptions
