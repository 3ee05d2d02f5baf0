"""The preflight gate of `swerl run`: `swerl check` (or `swerl dryrun`) must pass before a launch."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from dataclasses import dataclass


@dataclass
class GateResult:
    ok: bool
    command: str
    output: str
    available: bool = True


def _commands() -> set[str]:
    from swerl.cli import app

    names = {c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands}
    return names | {g.name or "" for g in app.registered_groups}


def run_gate(config: str, timeout: float = 600) -> GateResult:
    # SWERL_PREFLIGHT_CMD replaces the check (tests; or a site-specific gate). Non-zero exit = refuse.
    override = os.environ.get("SWERL_PREFLIGHT_CMD")
    if override:
        cmd = [*shlex.split(override), "--config", config]
    else:
        have = _commands()
        which = "check" if "check" in have else "dryrun" if "dryrun" in have else ""
        if not which:
            return GateResult(True, "", "no preflight command in this checkout (swerl check/dryrun)", available=False)
        cmd = [sys.executable, "-m", "swerl.cli", which, "--config", config]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return GateResult(False, shlex.join(cmd), f"preflight did not finish in {timeout:.0f}s")
    except OSError as exc:
        return GateResult(False, shlex.join(cmd), f"could not run preflight: {exc}")
    return GateResult(r.returncode == 0, shlex.join(cmd), (r.stdout + r.stderr).strip())
