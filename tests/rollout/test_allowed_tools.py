"""`harbor_agent.allowed_tools` → the agent's tool set: checked at load (one-line reason for an agent that
cannot honour it), carried to claude-code's command line as `--tools`, and — with the real `claude` binary
against a local HTTP server that records what claude sends (it answers 400: no model runs) — the tools
claude then offers the model are exactly those."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
from harbor.agents.factory import AgentFactory

from swerl.config.load import ConfigError, parse_config
from swerl.models.agent_tools import CLAUDE_CODE_TOOLS, check_allowed_tools
from swerl.rollout.agents.registry import AgentEndpoint, AgentOptions, agent_config
from swerl.rollout.runner import RolloutSettings

EP = AgentEndpoint(host_url="http://127.0.0.1:9", sandbox_url="http://host.docker.internal:9", api_key="sk-test")


def cfg(tmp_path, **ha):
    return parse_config(
        {
            "runtime_info": {
                "input": {
                    "model": {"model_path": "smollm2"},
                    "data": {},
                    "harbor_agent": ha,
                    "experiment": {"output_root": str(tmp_path)},
                }
            }
        }
    )


def built_flags(tools: list[str], tmp_path) -> str:
    """claude-code's CLI flags as Harbor builds them from swerl's AgentConfig (the string `run()` puts
    between `claude --verbose --output-format=stream-json` and `--print`)."""
    ac, _ = agent_config("claude-code", "", "step0-t-0-abcd", EP, AgentOptions(allowed_tools=tools))
    agent = AgentFactory.create_agent_from_config(ac, logs_dir=tmp_path)
    assert agent.name() == "claude-code"
    return agent.build_cli_flags()


def test_the_key_reaches_the_claude_command_line(tmp_path):
    c = cfg(tmp_path, agent_name="claude-code", allowed_tools=["Bash", "Edit"])
    assert c.runtime_info.input.harbor_agent.allowed_tools == ["Bash", "Edit"]
    rs = RolloutSettings.from_config(c, tmp_path / "trials", run_label="t")
    assert rs.agent.allowed_tools == ["Bash", "Edit"]
    flags = built_flags(rs.agent.allowed_tools, tmp_path)
    assert "--tools Bash,Edit" in flags and "--permission-mode=bypassPermissions" in flags
    assert "--tools" not in built_flags([], tmp_path)  # empty = claude's default set


@pytest.mark.parametrize(
    ("ha", "words"),
    [
        (
            {"agent_name": "claude-code", "allowed_tools": ["bash"]},
            "unknown claude-code tool 'bash' — did you mean 'Bash'",
        ),
        ({"agent_name": "claude-code", "allowed_tools": ["Bash", "Shell"]}, "unknown claude-code tool 'Shell'"),
        ({"agent_name": "claude-code", "allowed_tools": ["Bash", "Bash"]}, "names a tool twice"),
        ({"agent_name": "swerl-bash", "allowed_tools": ["Edit"]}, "swerl-bash has one tool, Bash"),
        ({"agent_name": "mini-swe-agent", "allowed_tools": ["Bash", "Read"]}, "mini-swe-agent has one tool"),
        ({"agent_name": "terminus-2", "allowed_tools": ["Bash"]}, "terminus-2 types keystrokes"),
        ({"agent_name": "oracle", "allowed_tools": ["Bash"]}, "runs no model"),
        ({"agent_import_path": "my.mod:Agent", "allowed_tools": ["Bash"]}, "agent_import_path"),
    ],
)
def test_a_list_the_agent_cannot_honour_errors_at_load(tmp_path, ha, words):
    with pytest.raises(ConfigError, match=words) as err:
        cfg(tmp_path, **ha)
    assert "\n" not in str(err.value)


def test_shell_agents_accept_bash_and_a_task_rows_agent_is_checked_at_build(tmp_path):
    assert cfg(tmp_path, agent_name="swerl-bash", allowed_tools=["Bash"]).runtime_info.input.harbor_agent
    assert check_allowed_tools("mini-swe-agent", ["Bash"]) == ["Bash"]
    # the config checked claude-code's list; a task row naming swerl-bash gets the same list at build time
    with pytest.raises(ValueError, match="swerl-bash has one tool"):
        agent_config("swerl-bash", "", "step0-t-0-abcd", EP, AgentOptions(allowed_tools=["Edit"]))


SERVER = textwrap.dedent(
    """
    import json, sys
    from http.server import BaseHTTPRequestHandler, HTTPServer

    class H(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            with open(sys.argv[1], "a") as f:
                f.write(json.dumps({"path": self.path, "body": json.loads(body or b"{}")}) + "\\n")
            self.send_response(400)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"type":"error","error":{"type":"invalid_request_error","message":"recorded"}}')

        def log_message(self, *a):
            pass

    srv = HTTPServer(("127.0.0.1", 0), H)
    print(srv.server_address[1], flush=True)
    srv.serve_forever()
    """
)


@pytest.mark.integration
@pytest.mark.parametrize("tools", [["Bash", "Edit"], ["Bash"], []])
def test_real_claude_offers_exactly_the_configured_tools(tmp_path, tools):
    from swerl.serve.assets import ensure_claude_binary

    claude = ensure_claude_binary()
    log = tmp_path / "requests.jsonl"
    srv = subprocess.Popen([sys.executable, "-c", SERVER, str(log)], stdout=subprocess.PIPE, text=True)
    try:
        port = int(srv.stdout.readline())
        flags = built_flags(tools, tmp_path)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(tmp_path / "home"),
            "ANTHROPIC_BASE_URL": f"http://127.0.0.1:{port}",
            "ANTHROPIC_API_KEY": "sk-test",
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "DISABLE_AUTOUPDATER": "1",
            "IS_SANDBOX": "1",
        }
        (tmp_path / "home").mkdir()
        cmd = f"{claude} --verbose --output-format=stream-json {flags} --print"  # Harbor's run() order
        subprocess.run(["bash", "-c", cmd], input="say hi", env=env, capture_output=True, text=True, timeout=120)
    finally:
        srv.terminate()
        srv.wait(10)
    offered = [
        {t["name"] for t in r["body"].get("tools", [])} - {"DeferredToolPlaceholder"}
        for r in map(json.loads, log.read_text().splitlines())
        if r["path"].startswith("/v1/messages") and "tools" in r["body"]
    ]
    assert offered, "claude sent no /v1/messages request"
    if tools:
        assert all(o == set(tools) for o in offered), offered
    else:  # the default set: more than what a list of two offers, and only names the snapshot knows
        assert all(len(o) > 2 and o <= set(CLAUDE_CODE_TOOLS) for o in offered), offered
