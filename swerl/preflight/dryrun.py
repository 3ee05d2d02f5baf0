"""`swerl dryrun`: load the config, run every check family, print the summary. No side effects."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO


from swerl.config import ConfigError, load_config
from swerl.preflight import summary
from swerl.preflight.checks import FAMILIES
from swerl.preflight.context import Context
from swerl.preflight.report import Report


def load(config: Path, r: Report) -> Context | None:
    r.section("Config schema")
    try:
        cfg = load_config(config)
    except ConfigError as exc:
        r.fail("config", str(exc))
        return None
    r.ok("config schema", f"{config} — runtime_info.input well-formed")
    if cfg.meta_info.name != "rl":
        r.warn("meta_info.name", f"{cfg.meta_info.name!r} (expected 'rl'; the slash commands look for it)")
    return Context(cfg, Path(config).resolve())


def run(config: str | Path = "config.yaml", out: TextIO | None = None) -> tuple[int, Report, Context | None]:
    """Run the dryrun; returns (exit code, report, context) so `swerl check` can build on it."""
    r = Report(out or sys.stdout)
    ctx = load(Path(config), r)
    if ctx is not None:
        for name, check in FAMILIES:
            r.section(name)
            try:
                check(ctx, r)
            except Exception as exc:  # a broken check must not hide the others; name it
                r.fail(name, f"check crashed: {type(exc).__name__}: {exc}")
        r.write(summary.render(ctx))
    return r.done(), r, ctx
