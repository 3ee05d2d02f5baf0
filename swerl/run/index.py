"""`artifacts/index.yaml`: the append-only run ledger (one row per run, newest last).

Rows are written `running` at start and updated at exit. Every change is a locked read-modify-write with
an atomic replace, so 20 racing writers or a full disk leave valid YAML behind.
"""

from __future__ import annotations

import re
from datetime import datetime, UTC
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict

from swerl.run.fsio import atomic_write, locked

Status = Literal["running", "completed", "interrupted", "failed"]


class IndexError_(Exception):
    """The ledger cannot be read or written; the message is one line with the fix."""


class IndexRow(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    started_at: str
    completed_at: str = ""
    status: Status = "running"
    archive: str = ""
    notes: str = ""
    exp: str = ""


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def read_index(path: Path) -> list[IndexRow]:
    if not path.exists():
        return []
    try:
        data = yaml.safe_load(path.read_text()) or []
    except yaml.YAMLError:
        raise IndexError_(f"{path} is not valid YAML — fix or move it aside; it is the run ledger") from None
    if not isinstance(data, list):
        raise IndexError_(f"{path} must be a YAML list of run rows — fix or move it aside")
    return [IndexRow.model_validate(r) for r in data if isinstance(r, dict)]


def _dump(rows: list[IndexRow]) -> str:
    body = [r.model_dump(exclude_defaults=False) for r in rows]
    return "# swerl run ledger — one row per run, written by scripts/archive_run.sh (swerl archive)\n" + yaml.safe_dump(
        body, sort_keys=False, allow_unicode=True, width=1000
    )


def _write(path: Path, rows: list[IndexRow]) -> None:
    try:
        atomic_write(path, _dump(rows))
    except OSError as exc:
        raise IndexError_(
            f"could not write {path}: {exc.strerror or exc} — the previous ledger is unchanged; free space and retry"
        ) from None


def _next_id(rows: list[IndexRow]) -> str:
    nums = [int(m.group(1)) for r in rows if (m := re.fullmatch(r"run_(\d+)", r.id))]
    return f"run_{(max(nums) if nums else 0) + 1:03d}"


def add_running(path: Path, *, exp: str = "", notes: str = "", archive_root: str = "artifacts/archives") -> IndexRow:
    """Allocate the next `run_NNN` and append its `running` row (atomically, under the lock)."""
    with locked(path):
        rows = read_index(path)
        rid = _next_id(rows)
        row = IndexRow(
            id=rid, started_at=utc_now(), status="running", archive=f"{archive_root}/{rid}/", exp=exp, notes=notes
        )
        _write(path, [*rows, row])
        return row


def update_row(path: Path, run_id: str, **fields) -> IndexRow:
    with locked(path):
        rows = read_index(path)
        for i, r in enumerate(rows):
            if r.id == run_id:
                rows[i] = IndexRow.model_validate({**r.model_dump(), **fields})
                _write(path, rows)
                return rows[i]
    raise IndexError_(f"run {run_id} is not in {path} — was it started with another output_root?")


def last_row(path: Path) -> IndexRow | None:
    rows = read_index(path)
    return rows[-1] if rows else None
