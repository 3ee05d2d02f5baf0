"""Output dirs writable and the checkpoints volume has room — checked on the nearest existing parent, so
nothing is created (a dryrun has no side effects)."""

from __future__ import annotations

import os
import shutil

from swerl.preflight.context import Context, nearest_existing
from swerl.preflight.report import Report

MIN_FREE_GB = 50


def run(ctx: Context, r: Report) -> None:
    p = ctx.paths
    for name, d in (
        ("logs", p.logs_dir),
        ("trials", p.root / "trials"),
        ("checkpoints", p.root / "checkpoints"),
        ("artifacts", p.artifacts_dir),
    ):
        base = nearest_existing(d)
        if not base.is_dir():
            r.fail(f"output:{name}", f"{base} is not a directory — fix experiment.output_root")
        elif os.access(base, os.W_OK | os.X_OK):
            r.ok(f"output:{name}", str(d) + ("" if base == d else f" (will be created under {base})"))
        else:
            r.fail(f"output:{name}", f"{base} is not writable — fix permissions or experiment.output_root")


def run_disk(ctx: Context, r: Report) -> None:
    base = nearest_existing(ctx.paths.root / "checkpoints")
    free_gb = shutil.disk_usage(base).free / 1e9
    if free_gb < MIN_FREE_GB:
        r.warn("disk", f"checkpoints volume has {free_gb:.0f}G free (< {MIN_FREE_GB}G) at {base}")
    else:
        r.ok("disk", f"checkpoints volume has {free_gb:.0f}G free")
