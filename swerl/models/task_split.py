"""A task set's fixed train/held-out split (`<set>/split.json`, one home for its format and rule) and the
`PATH[:split]` syntax that names one split of an index (`tasks/easy:heldout`)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

SPLIT_FILE = "split.json"
HELDOUT_FRACTION = 0.25
"""Share of a set's tasks held out (by name hash, so adding a task never moves another one)."""
Split = Literal["train", "heldout", "all"]
SPLITS: tuple[str, ...] = ("train", "heldout", "all")


def heldout_by_hash(name: str, fraction: float = HELDOUT_FRACTION) -> bool:
    """The split rule: a task is held out when the first 32 bits of sha256(name) fall below `fraction`."""
    return int(hashlib.sha256(name.encode()).hexdigest()[:8], 16) < fraction * 2**32


class TaskSplit(BaseModel):
    """`<set>/split.json`: every task dir name of the set in exactly one of `train` / `heldout` (sorted)."""

    model_config = ConfigDict(extra="forbid")
    train: list[str]
    heldout: list[str]

    @model_validator(mode="after")
    def _disjoint(self) -> TaskSplit:
        both = sorted(set(self.train) & set(self.heldout))
        if both:
            raise ValueError(f"tasks in both train and heldout: {both[:5]}")
        names = self.train + self.heldout
        if len(set(names)) != len(names):
            raise ValueError(f"task names listed twice: {sorted({n for n in names if names.count(n) > 1})[:5]}")
        return self

    @classmethod
    def of(cls, names: list[str], fraction: float = HELDOUT_FRACTION) -> TaskSplit:
        """The deterministic split of these task names (`heldout_by_hash`)."""
        names = sorted(set(names))
        held = [n for n in names if heldout_by_hash(n, fraction)]
        return cls(train=[n for n in names if n not in held], heldout=held)

    @classmethod
    def read(cls, set_dir: Path) -> TaskSplit | None:
        """The split of the set at `set_dir`; None when it has no split.json. Unreadable → one-line ValueError."""
        p = Path(set_dir) / SPLIT_FILE
        if not p.is_file():
            return None
        try:
            return cls.model_validate(json.loads(p.read_text()))
        except ValueError as exc:
            first = str(exc).strip().splitlines()
            raise ValueError(
                f"{p} is not a valid split ({first[-1] if first else exc}) — it must be "
                '{"train": [names], "heldout": [names]}; regenerate it (python tasks/make_tasks.py)'
            ) from None

    def write(self, set_dir: Path) -> Path:
        p = Path(set_dir) / SPLIT_FILE
        p.write_text(json.dumps({"train": sorted(self.train), "heldout": sorted(self.heldout)}, indent=1) + "\n")
        return p

    def split_of(self, name: str) -> str | None:
        """ "train" / "heldout", or None when the split does not list `name`."""
        return "heldout" if name in self.heldout else ("train" if name in self.train else None)


def parse_spec(value: str | Path) -> tuple[Path, Split | None]:
    """`tasks/easy` → (tasks/easy, None: the default view); `tasks/easy:heldout` → (tasks/easy, "heldout").
    A path that exists as written is taken as is (a real name with a ':' stays whole). Unknown split → ValueError."""
    s = str(value)
    p = Path(s)
    if p.exists() or ":" not in p.name:
        return p, None
    base, _, name = s.rpartition(":")
    if name not in SPLITS:
        raise ValueError(f"{s}: unknown split {name!r} — use {base}:train, {base}:heldout or {base}:all")
    return Path(base), name  # type: ignore[return-value]
