"""wandb: a key is needed only for wandb_mode=online; `$WANDB_API_KEY` wins. The key is never printed."""

from __future__ import annotations

from swerl.config import wandb_key
from swerl.preflight.context import Context
from swerl.preflight.report import Report


def run(ctx: Context, r: Report) -> None:
    mode = ctx.i.credentials.wandb_mode
    key, source = wandb_key(ctx.cfg)
    if source == "config":
        r.warn(
            "wandb key",
            "set in config.yaml — prefer `export WANDB_API_KEY=...` (keys in config end up in archives and git)",
        )
    if mode != "online":
        r.ok("wandb", f"wandb_mode={mode}: no key needed")
    elif key:
        r.ok("wandb", f"WANDB_API_KEY set ({source})")
    else:
        r.missing(
            "WANDB_API_KEY",
            "wandb_mode=online needs a key. export it in your shell before launch (do NOT hardcode it in config.yaml). "
            "To opt out, set credentials.wandb_mode: disabled (or offline).",
        )
