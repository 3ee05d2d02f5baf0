"""The tool sets an agent can be limited to (`harbor_agent.allowed_tools`): checked at config load and again
when a trial's agent is built (a task row's `agent_name` may differ from the config's).

claude-code takes the list as `--tools` (the built-in tools it offers the model: fewer tools, a shorter
prompt and fewer invented names for a small policy; `--allowedTools` would only skip permission prompts,
which `bypassPermissions` already does). claude silently drops a name it does not know — so a list that
names no real tool would leave the agent toolless — hence the snapshot below, checked at load. swerl-bash and
mini-swe-agent have one tool (the shell command in their reply), terminus-2 types keystrokes into tmux, and
oracle / nop run no model: none of them can honour a list, so they refuse one.
"""

from __future__ import annotations

from swerl.models.names import check

CLAUDE_CODE_TOOLS = (
    "Agent",
    "Bash",
    "CronCreate",
    "CronDelete",
    "CronList",
    "Edit",
    "EnterWorktree",
    "ExitWorktree",
    "Glob",
    "Grep",
    "ListAgents",
    "Monitor",
    "NotebookEdit",
    "Read",
    "ReportFindings",
    "ScheduleWakeup",
    "SendMessage",
    "Skill",
    "TaskCreate",
    "TaskGet",
    "TaskList",
    "TaskStop",
    "TaskUpdate",
    "ToolSearch",
    "WebFetch",
    "WebSearch",
    "Workflow",
    "Write",
)
"""Built-in tool names `claude --tools` offers (claude-code 2.1.333: its default set plus Glob, Grep, the Task*
tools and ToolSearch; names are case-sensitive). tests/rollout/test_allowed_tools.py runs the real binary."""

SHELL_ONLY = ("Bash",)
"""The one tool of swerl-bash and mini-swe-agent (a shell command in the reply)."""


def check_allowed_tools(agent_name: str, tools: list[str], import_path: str = "") -> list[str]:
    """`tools` when `agent_name` can honour them (empty = the agent's default set), else ValueError with the
    reason and the fix in one line."""
    if not tools:
        return []
    if len(set(tools)) != len(tools):
        raise ValueError(f"harbor_agent.allowed_tools names a tool twice: {tools}")
    if import_path:
        raise ValueError(
            "harbor_agent.allowed_tools is not passed to an agent_import_path agent (swerl cannot know its tools) "
            "— leave allowed_tools empty and configure the tools in your agent class"
        )
    if agent_name == "claude-code":
        for t in tools:
            try:
                check(t, CLAUDE_CODE_TOOLS, "claude-code tool")
            except ValueError as exc:
                raise ValueError(f"harbor_agent.allowed_tools: {exc} (names are case-sensitive)") from None
        return list(tools)
    if agent_name in ("swerl-bash", "mini-swe-agent"):
        if tools != list(SHELL_ONLY):
            raise ValueError(
                f"{agent_name} has one tool, Bash (it runs the shell command in its reply): "
                f"harbor_agent.allowed_tools can only be [Bash] or empty, not {tools}"
            )
        return list(tools)
    if agent_name == "terminus-2":
        raise ValueError(
            "terminus-2 types keystrokes into a tmux session and has no tool set to limit — leave "
            "harbor_agent.allowed_tools empty (or use agent_name: claude-code)"
        )
    if agent_name in ("oracle", "nop"):
        raise ValueError(f"{agent_name} runs no model and uses no tools — leave harbor_agent.allowed_tools empty")
    raise ValueError(f"agent {agent_name!r} has no known tool set — leave harbor_agent.allowed_tools empty")
