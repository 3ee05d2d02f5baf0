"""The preflight gate of every launch path (`swerl run`, `bash scripts/start.sh`): `swerl check` must pass."""

from __future__ import annotations

import os
import re
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


_BAD = re.compile(r"^\s*(FAIL|MISSING|EMPTY)\s+(.*)$")
_BAD_ROW = re.compile(r"^\|\s*(\w+)\s*\|\s*([^|]+?)\s*\|\s*❌\s*\|\s*([^|]*?)\s*\|")


def first_failure(output: str) -> str:
    """The first failing line of a dryrun/check report, as one line ("" when none is recognisable)."""
    for line in output.splitlines():
        if m := _BAD.match(line):
            return f"{m.group(1)} {m.group(2).strip()}"
    for line in output.splitlines():
        if m := _BAD_ROW.match(line):
            return f"{m.group(1)} {m.group(2)}: {m.group(3)}"
    lines = [ln.strip() for ln in output.splitlines() if ln.strip()]
    return lines[-1][:300] if lines else "(no output)"


def run_gate(config: str, timeout: float = 600) -> GateResult:
    # SWERL_PREFLIGHT_CMD replaces the check (tests; or a site-specific gate). Non-zero exit = refuse.
    override = os.environ.get("SWERL_PREFLIGHT_CMD")
    if override:
        cmd = [*shlex.split(override), "--config", config]
    else:
        cmd = [sys.executable, "-m", "swerl.cli", "check", "--config", config]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return GateResult(False, shlex.join(cmd), f"preflight did not finish in {timeout:.0f}s")
    except OSError as exc:
        return GateResult(False, shlex.join(cmd), f"could not run preflight: {exc}")
    return GateResult(r.returncode == 0, shlex.join(cmd), (r.stdout + r.stderr).strip())
