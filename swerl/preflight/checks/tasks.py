"""Task indexes are readable and every row points at a valid Harbor task dir.

An index is a parquet file (one row per task, `extra_info.harbor_task_path`, relative paths taken against
the parquet's dir) or a directory: a task dir itself, or a dir of task dirs. A valid task dir has
`instruction.md`, a parseable `task.toml` and `tests/test.sh`. A path may name a split (`tasks/easy:heldout`;
none named: the train split, as the trainer loads it); sets with a split.json get a `split` line with the counts.
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


def split_dirs(r: Report, key: str, dirs: list[Path], which: str) -> list[Path]:
    """The dirs of the named split (`PATH:heldout`; none named: train) and a `<key> split` line with the counts;
    a held-out task in data.train_index fails (held-out tasks are never trained on)."""
    from swerl.rollout.tasks import Splits

    splits = Splits()
    try:
        sides = {d: splits.of(d) for d in dirs}
    except ValueError as exc:
        r.fail(f"{key} split", str(exc))
        return []
    if not any(sides.values()):
        return dirs  # no set with a split.json: everything is train
    keep = [d for d, s in sides.items() if which == "all" or (s or "train") == which]
    held = [d.name for d in keep if sides[d] == "heldout"]
    n_held = sum(1 for s in sides.values() if s == "heldout")
    counts = f"{which} split: {len(keep)} of {len(dirs)} tasks ({len(dirs) - n_held} train / {n_held} held out)"
    if key == "data.train_index" and held:
        r.fail(
            f"{key} split",
            f"{counts}: {len(held)} held-out task(s) would be trained on ({', '.join(held[:3])}"
            f"{' …' if len(held) > 3 else ''}) — train on the set's train split (the path without :{which}); "
            "held-out tasks belong in data.val_index (PATH:heldout)",
        )
    else:
        r.ok(f"{key} split", counts)
    return keep


def check_index(ctx: Context, r: Report, key: str, value: str, valid: list[Path] | None = None) -> int:
    """Check one index; the valid task dirs are appended to `valid` when given."""
    if not value:
        return 0
    from swerl.models.task_split import parse_spec

    try:
        index, which = parse_spec(ctx.path(value))
    except ValueError:
        return 0  # already reported by the input-paths check
    if not index.exists():
        return 0  # already reported by the input-paths check
    try:
        dirs = split_dirs(r, key, task_dirs(index), which or "train")
    except IndexError_ as exc:
        r.fail(f"{key} rows", str(exc))
        return 0
    if not dirs:
        r.empty(f"{key} rows", f"{index} holds no tasks — add Harbor task dirs or rebuild the index")
        return 0
    problems = {d: task_problem(d) for d in dirs}
    bad = [p for p in problems.values() if p]
    if valid is not None:
        valid.extend(d for d, p in problems.items() if not p)
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


def check_images(ctx: Context, r: Report, dirs: list[Path]) -> None:
    """Tasks that name a prebuilt image (`docker_image`) need it on the Docker daemon before launch, not mid-run.
    No task names one (the shipped sets build their Dockerfiles) → nothing is asked of the daemon."""
    from swerl.preflight.checks.backend import _docker_client, detect
    from swerl.rollout.images import missing_images, needed_images

    need = needed_images(dirs)
    if not need:
        return
    b = detect(ctx)
    if b.kind == "k8s":
        r.ok("task images", f"{len(need)} prebuilt image(s): pulled by the cluster's nodes (not checked here)")
        return
    if b.kind != "docker":
        r.fail("task images", f"{len(need)} task(s) run on prebuilt images, which the {b.kind} backend cannot run")
        return
    try:
        client = _docker_client(ctx, b.url)
        try:
            missing = missing_images(client, sorted(need))
        finally:
            client.close()
    except Exception:  # noqa: BLE001 — an unreachable daemon is the Backend family's line
        r.warn("task images", f"{len(need)} prebuilt image(s) not checked: the docker daemon did not answer")
        return
    if missing:
        tasks = sum(len(need[m]) for m in missing)
        r.missing(
            "task images",
            f"{len(missing)}/{len(need)} prebuilt images missing on the daemon ({tasks} tasks): "
            f"{', '.join(missing[:3])}{' …' if len(missing) > 3 else ''} — pull them: swerl sandbox pull "
            f"{ctx.i.data.train_index}",
        )
    else:
        r.ok("task images", f"{len(need)} prebuilt image(s) present")


def run(ctx: Context, r: Report) -> None:
    valid: list[Path] = []
    n = check_index(ctx, r, "data.train_index", ctx.i.data.train_index, valid)
    check_index(ctx, r, "data.val_index", ctx.i.data.val_index, valid)
    check_images(ctx, r, valid)
    bs = ctx.i.training.train_batch_size
    if 0 < n < bs:
        r.warn(
            "tasks per step",
            f"train_index has {n} task(s) < training.train_batch_size={bs}: tasks repeat within a step",
        )
