"""A missing or broken config is one line and exit 2 from every command — never a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.integration  # real model / real processes (CI runs it; the fast lane skips it)

COMMANDS = [
    ["rollout"],
    ["serve", "gateway"],
    ["serve", "proxy"],
    ["assets", "prepare"],
    ["health"],
    ["train"],
    ["status"],
    ["dryrun"],
    ["clean"],
]


@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: " ".join(c))
def test_missing_config_is_one_line(tmp_path, cmd):
    r = subprocess.run(
        [sys.executable, "-m", "swerl.cli", *cmd, "--config", str(tmp_path / "nope.yaml")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    out = (r.stdout + r.stderr).strip()
    assert r.returncode in (1, 2) and "Traceback" not in out, out[-2000:]
    assert "nope.yaml" in out and len([ln for ln in out.splitlines() if ln.strip()]) <= 3, out
