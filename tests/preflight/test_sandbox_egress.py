"""Preflight of harbor_agent.sandbox_egress: proxy_only passes on Docker and is refused (one line, the fix) on a
backend that cannot enforce it — a config that says "no egress" never runs unenforced."""

from __future__ import annotations


def _egress_line(text: str) -> str:
    return next(ln for ln in text.splitlines() if "sandbox egress" in ln)


def test_proxy_only_on_docker_is_ok(make_config, run_dryrun):
    _, text = run_dryrun(make_config({"harbor_agent.sandbox_egress": "proxy_only"}))
    line = _egress_line(text)
    assert line.startswith("  OK") and "proxy_only" in line, line


def test_proxy_only_on_local_process_fails_with_fix(make_config, run_dryrun, blocking_lines):
    code, text = run_dryrun(
        make_config({"harbor_agent.sandbox_egress": "proxy_only", "harbor_agent.environment_import_path": "local"})
    )
    line = _egress_line(text)
    assert code == 1 and line in blocking_lines(text), text
    assert "enforced by the Docker backend only" in line and "sandbox_egress: open" in line


def test_open_is_reported(make_config, run_dryrun):
    _, text = run_dryrun(make_config())
    assert _egress_line(text).startswith("  OK") and "open" in _egress_line(text)
