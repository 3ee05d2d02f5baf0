"""The checkpoint layout every layer reads (verl's): `global_step_N/actor/…` + the marker file.

A checkpoint swerl writes carries `actor/manifest.json` (each file's size, written last, then fsynced and
renamed into place); it is valid only when every listed file has its size. A checkpoint without a manifest
was written by verl itself (the verl engine), which replaces the marker only after a complete save.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

MARKER = "latest_checkpointed_iteration.txt"
MANIFEST = "manifest.json"
STEP_DIR = re.compile(r"^global_step_(\d+)$")


def step_dir(root: Path, step: int) -> Path:
    return Path(root) / f"global_step_{step}"


def write_manifest(actor: Path) -> None:
    files = {str(p.relative_to(actor)): p.stat().st_size for p in sorted(actor.rglob("*")) if p.is_file()}
    (actor / MANIFEST).write_text(json.dumps({"files": files}, indent=1))


def is_complete(sdir: Path) -> bool:
    """swerl's manifest matches the files; or (verl's own layout, no manifest) the actor dir holds files."""
    actor = sdir / "actor"
    manifest = actor / MANIFEST
    try:
        if not manifest.exists():
            return actor.is_dir() and any(actor.iterdir()) and not (actor / "trainer_state.json").exists()
        files = json.loads(manifest.read_text())["files"]
        return bool(files) and all((actor / rel).stat().st_size == size for rel, size in files.items())
    except (OSError, ValueError, KeyError, TypeError):
        return False


def complete_steps(root: Path) -> list[int]:
    root = Path(root)
    if not root.is_dir():
        return []
    return sorted(int(m.group(1)) for p in root.iterdir() if (m := STEP_DIR.match(p.name)) and is_complete(p))


def latest_step(root: Path) -> int | None:
    """The marker's step when that checkpoint is complete; else the newest complete one; else None."""
    try:
        step = int((Path(root) / MARKER).read_text().strip())
        if is_complete(step_dir(root, step)):
            return step
    except (OSError, ValueError):
        pass
    steps = complete_steps(root)
    return steps[-1] if steps else None
