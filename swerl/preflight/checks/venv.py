"""venv: the interpreter exists, swerl resolves to this checkout, and the heavy deps resolve — all via
`importlib.util.find_spec` (located, not imported: importing torch/verl would take seconds)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from swerl.preflight.context import Context
from swerl.preflight.report import Report

REQUIRED = ("harbor", "verl", "litellm", "torch", "transformers", "docker", "kubernetes", "pyarrow")
FIX = "re-run: bash scripts/setup_env.sh"


def _origin(name: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    loc = spec.origin or next(iter(spec.submodule_search_locations or []), None)
    return Path(loc).resolve() if loc and loc != "namespace" else None


def run(ctx: Context, r: Report) -> None:
    venv = ctx.venv()
    key = "environment.venv_path" if ctx.i.environment.venv_path else "./.venv"
    if not (venv / "bin" / "python").exists():
        r.missing("venv", f"{key}={venv} has no bin/python — {FIX}")
        return
    running = Path(sys.prefix).resolve()
    if running != venv.resolve():
        r.warn("venv", f"this check runs from {running}, the run will use {venv} ({key})")
    else:
        r.ok("venv", f"{venv} (python {sys.version.split()[0]})")
    swerl = _origin("swerl")
    if swerl is None or not swerl.is_relative_to(ctx.root):
        r.fail("venv:editable swerl", f"swerl resolves to {swerl}, not this checkout {ctx.root} — {FIX}")
    else:
        r.ok("venv:editable swerl", str(swerl.parent))
    missing = [m for m in REQUIRED if _origin(m) is None]
    if missing:
        r.missing("venv:deps", f"not installed: {', '.join(missing)} — {FIX}")
    else:
        r.ok("venv:deps", ", ".join(REQUIRED))
