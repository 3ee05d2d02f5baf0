"""`swerl check`: dryrun + live layer → the "SAFE TO RUN ✅/❌" markdown report (printed even on failure).

R (required) = dryrun MISSING/EMPTY/FAIL lines (a foreign port owner is already one of them) + job:running +
gpu:foreign. ✅ YES iff R == 0. A = advisory live rows (⚠), W = dryrun WARN lines.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

from swerl.preflight import dryrun, summary
from swerl.preflight.context import checkout_root
from swerl.preflight.live import ADVISE, BLOCK, PASS, SKIP, Row, live_rows
from swerl.preflight.report import Report, Status

_GROUPS = {"venv:editable": ("venv",), "wandb": ("wandb", "WANDB"), "cache": ("cache",)}


def det_rows(r: Report) -> list[Row]:
    grouped = {name: [ln for ln in r.lines if ln.label.startswith(prefixes)] for name, prefixes in _GROUPS.items()}
    in_group = {id(ln) for lines in grouped.values() for ln in lines}
    rest = [ln for ln in r.lines if id(ln) not in in_group]
    rows = [
        Row(
            "config · paths · tasks · GPU-count · disk · backend · docker-SDK · ports · KV-head · plan",
            PASS,
            f"ok={sum(ln.status is Status.OK for ln in rest)}",
        )
    ]
    for ln in rest:
        if ln.status.blocks:
            rows.append(Row(ln.label, BLOCK, f"{ln.status.value} {ln.detail}", f"{ln.label}: {ln.detail}"))
    for name, lines in grouped.items():
        bad = [ln for ln in lines if ln.status.blocks]
        warn = [ln for ln in lines if ln.status is Status.WARN]
        if bad:
            rows.append(Row(name, BLOCK, bad[0].detail, f"{bad[0].label}: {bad[0].detail}"))
        elif warn:
            rows.append(Row(name, ADVISE, warn[0].detail))
        elif lines:
            rows.append(Row(name, PASS, lines[-1].detail if name != "cache" else "none"))
        else:
            rows.append(Row(name, SKIP, "not checked (config did not load)"))
    return rows


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(r: Report, det: list[Row], live: list[Row], summary_text: str, nnodes: int) -> str:
    required = r.n_blocking + sum(row.blocks for row in live if row.check in ("job", "gpu"))
    advisory = sum(row.glyph == ADVISE for row in live)
    verdict = "✅ YES" if required == 0 else "❌ NO"
    try:
        where = os.path.relpath(Path.cwd(), checkout_root())
    except ValueError:
        where = str(Path.cwd())
    out = [
        f"## rl block check — CWD={where}",
        "",
        f"**SAFE TO RUN: {verdict}** — {required} required · {advisory} advisory · {r.n_warn} warnings",
        "",
    ]
    if nnodes > 1:
        out += ["*(multi-node: head-only checks; run `swerl check` on each worker)*", ""]
    out += ["| Layer | Check | Status | Detail |", "|---|---|---|---|"]
    out += [f"| det | {row.check} | {row.glyph} | {_cell(row.detail)} |" for row in det]
    out += [f"| live | {row.check} | {row.glyph} | {_cell(row.detail)} |" for row in live]
    out += [
        "",
        "**Run configuration**",
        "",
        "```",
        summary_text or "(config did not load — no summary)",
        "```",
        "",
        "**Next steps**",
        "",
    ]
    steps = [row.fix for row in det + live if row.blocks and row.fix] + [
        row.fix for row in live if row.glyph == ADVISE and row.fix
    ]
    if not steps and required == 0:
        steps = ["Nothing blocks. Launch with `bash scripts/start.sh` (or `/rl:run`)."]
    out += [f"{n}. {s}" for n, s in enumerate(steps, 1)]
    out += ["", "Re-run `swerl check` (or `/rl:check`) after fixing."]
    return "\n".join(out)


def run(config: str | Path = "config.yaml", quiet: bool = False) -> int:
    buf = io.StringIO()
    _, r, ctx = dryrun.run(config, out=buf)
    if not quiet:
        sys.stdout.write(buf.getvalue() + "\n")
    live = (
        live_rows(ctx, r)
        if ctx is not None
        else [Row(n, SKIP, "skip:config-invalid") for n in ("job", "ports", "gpu", "litellm")]
    )
    text = render(r, det_rows(r), live, summary.render(ctx) if ctx else "", ctx.i.infrastructure.nnodes if ctx else 1)
    print(text)
    return 0 if "SAFE TO RUN: ✅" in text else 1
