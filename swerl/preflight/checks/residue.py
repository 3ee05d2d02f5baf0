"""Leftovers of an earlier run that confuse the next one: Ray's /tmp dir, generated LiteLLM configs,
the trajectory-logger symlink, a `.swerl/run.json` whose process is dead, trial dirs. WARN only."""

from __future__ import annotations

import glob
from pathlib import Path

from swerl.preflight.context import Context
from swerl.preflight.report import Report
from swerl.preflight.runstate import stale_state


def _nonempty(d: Path) -> bool:
    try:
        return d.is_dir() and any(d.iterdir())
    except OSError:
        return False


def residue(ctx: Context) -> list[str]:
    found = []
    if _nonempty(Path("/tmp/ray")):
        found.append("/tmp/ray")
    found += sorted(glob.glob("/tmp/litellm_cc_*"))
    if Path("/tmp/trajectory_logger.py").is_symlink():
        found.append("/tmp/trajectory_logger.py")
    state = ctx.paths.state_dir
    stale = stale_state(ctx)
    if stale:
        found.append(f"{stale} (dead run)")
    found += (
        [str(p) for p in sorted(state.glob("litellm*.yaml"))]
        if not stale and state.is_dir() and not ctx.paths.run_state_file.exists()
        else []
    )
    trials = ctx.paths.root / "trials"
    if _nonempty(trials):
        found.append(f"{trials}/")
    return found


def run(ctx: Context, r: Report) -> None:
    found = residue(ctx)
    if found:
        r.warn(
            "cache",
            f"leftover cache present: {', '.join(found[:6])}{' …' if len(found) > 6 else ''} — run scripts/clean.sh (add --trials to clear trials/)",
            items=found,
        )
    else:
        r.ok("cache", "no leftover ray/litellm/run state")
