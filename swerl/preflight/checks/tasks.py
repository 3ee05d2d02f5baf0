"""Task indexes are readable and every row points at a valid Harbor task dir.

An index is a parquet file (one row per task, `extra_info.harbor_task_path`, relative paths taken against
the parquet's dir) or a directory: a task dir itself, or a dir of task dirs. A valid task dir has
`instruction.md`, a parseable `task.toml` and `tests/test.sh`.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from swerl.preflight.context import Context
from swerl.preflight.report import Report

REQUIRED = ("instruction.md", "task.toml", "tests/test.sh")


class IndexError_(ValueError):
    pass


def task_problem(d: Path) -> str | None:
    """Why `d` is not a Harbor task dir, or None."""
    if not d.is_dir():
        return f"{d} is not a directory"
    missing = [f for f in REQUIRED if not (d / f).is_file()]
    if missing:
        return f"{d.name}: missing {', '.join(missing)}"
    try:
        tomllib.loads((d / "task.toml").read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        return f"{d.name}: task.toml does not parse ({exc})"
    return None


def _row_path(row: dict) -> str | None:
    extra = row.get("extra_info")
    if isinstance(extra, dict) and extra.get("harbor_task_path"):
        return str(extra["harbor_task_path"])
    return row.get("harbor_task_path")


def task_dirs(index: Path) -> list[Path]:
    """The task dirs an index names (not validated). Raises IndexError_ when the index itself is unreadable."""
    if index.is_dir():
        if (index / "task.toml").exists():
            return [index]
        return sorted(d for d in index.iterdir() if d.is_dir() and not d.name.startswith((".", "_")))
    try:
        import pyarrow.parquet as pq

        rows = pq.read_table(index).to_pylist()
    except Exception as exc:
        raise IndexError_(
            f"{index} is not a readable parquet index ({str(exc).splitlines()[0][:100]}) — point it at a parquet "
            "from `swerl tasks index` or a dir of Harbor tasks"
        ) from None
    out = []
    for n, row in enumerate(rows):
        p = _row_path(row)
        if not p:
            raise IndexError_(
                f"{index} row {n} has no extra_info.harbor_task_path — rebuild it with: swerl tasks index"
            )
        q = Path(p)
        out.append(q if q.is_absolute() else index.parent / q)
    return out


def check_index(ctx: Context, r: Report, key: str, value: str) -> int:
    if not value:
        return 0
    index = ctx.path(value)
    if not index.exists():
        return 0  # already reported by the input-paths check
    try:
        dirs = task_dirs(index)
    except IndexError_ as exc:
        r.fail(f"{key} rows", str(exc))
        return 0
    if not dirs:
        r.empty(f"{key} rows", f"{index} holds no tasks — add Harbor task dirs or rebuild the index")
        return 0
    bad = [p for p in (task_problem(d) for d in dirs) if p]
    if bad:
        r.fail(
            f"{key} rows",
            f"{len(bad)}/{len(dirs)} task dirs invalid: {'; '.join(bad[:3])}{' …' if len(bad) > 3 else ''} — fix them or the index",
        )
    else:
        r.ok(f"{key} rows", f"{len(dirs)} valid Harbor task dir(s)")
    from swerl.rollout.task_features import refusal  # features swerl's sandboxes cannot run (the trainer's rule)

    refused = [f"{d.name}: {why}" for d in dirs if not task_problem(d) and (why := refusal(d))]
    if refused:
        r.warn(
            f"{key} features",
            f"{len(refused)}/{len(dirs)} tasks refused, not trained on: {'; '.join(refused[:3])}"
            f"{' …' if len(refused) > 3 else ''}",
        )
    return len(dirs) - len(bad) - len(refused)


def run(ctx: Context, r: Report) -> None:
    n = check_index(ctx, r, "data.train_index", ctx.i.data.train_index)
    check_index(ctx, r, "data.val_index", ctx.i.data.val_index)
    bs = ctx.i.training.train_batch_size
    if 0 < n < bs:
        r.warn(
            "tasks per step",
            f"train_index has {n} task(s) < training.train_batch_size={bs}: tasks repeat within a step",
        )
