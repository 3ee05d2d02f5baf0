"""Dashboard assets present (non-blocking: a run works without them)."""

from __future__ import annotations

from swerl.preflight.context import Context
from swerl.preflight.report import Report


def run(ctx: Context, r: Report) -> None:
    pkg = ctx.root / "swerl" / "dashboard"
    candidates = [pkg / "webui" / "dist" / "index.html", ctx.root / "dashboard" / "webui" / "dist" / "index.html"]
    found = next((c for c in candidates if c.is_file()), None)
    if found and (pkg / "cli.py").is_file():
        r.ok("dashboard", f"web UI assets at {found.parent}")
    else:
        r.warn("dashboard", "web UI assets not found (non-blocking: `swerl dashboard summary` still works once built)")
