"""Launch scripts parse (`bash -n`): a syntax error would otherwise surface only after setup, mid-launch."""

from __future__ import annotations

import subprocess

from swerl.preflight.context import Context
from swerl.preflight.report import Report

SCRIPTS = ("scripts/start.sh", "scripts/train_1node_cc.sh", "scripts/archive_run.sh", "scripts/setup_env.sh")


def run(ctx: Context, r: Report) -> None:
    for rel in SCRIPTS:
        path = ctx.root / rel
        if not path.is_file():
            r.missing(rel, f"{path} not found — restore it from git (git checkout -- {rel})")
            continue
        out = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True, timeout=10)
        if out.returncode:
            r.fail(rel, f"bash -n: {out.stderr.strip().splitlines()[0][:160]} — fix the script")
        else:
            r.ok(rel, "syntax ok")
