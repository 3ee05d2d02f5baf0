"""Parse verl metric lines (`step:N - key:value - …`) out of run logs, incrementally.

verl's console logger writes `step:{N} - {k}:{pprint.pformat(v)} - …` (`concat_dict_to_str`); values may read
`0.25`, `np.float64(0.25)`, `nan` or `inf`, and a Ray prefix like `(TaskRunner pid=12) ` may precede the line.
A log being written can end mid-line: only whole lines are consumed, the rest waits for the next read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

_STEP = re.compile(r"(?:^|[\s)\]])step:(\d+) - (.+)$")
_EXP = re.compile(r"\[sync_1node_cc\][^\n]*?\bexp=(\S+)")
_WRAPPED = re.compile(r"^[A-Za-z_][\w.]*\((.*)\)$")  # np.float64(0.25), torch.tensor(1.0) …
HEADER_BYTES = 16384
"""How much of a log's head is searched for `[sync_1node_cc] exp=<name>`."""


def _number(text: str) -> float | None:
    text = text.strip()
    m = _WRAPPED.match(text)
    if m:
        text = m.group(1).split(",")[0].strip()
    try:
        return float(text)
    except ValueError:
        return None


def parse_step_line(line: str) -> tuple[int, dict[str, float]] | None:
    """`(step, metrics)` for a verl metric line, None for anything else (non-numeric values are dropped)."""
    if "step:" not in line:
        return None
    m = _STEP.search(line.rstrip("\r\n"))
    if not m:
        return None
    metrics: dict[str, float] = {}
    for part in m.group(2).split(" - "):
        key, sep, raw = part.rpartition(":")
        if not sep or not key:
            continue
        value = _number(raw)
        if value is not None:
            metrics[key.strip()] = value
    return int(m.group(1)), metrics


def exp_from_header(text: str) -> str | None:
    """The experiment name a launch log announces in its first lines (`[sync_1node_cc] exp=<name>`)."""
    m = _EXP.search(text)
    return m.group(1).strip("'\",") if m else None


@dataclass
class LogFile:
    """One log, read incrementally: each `refresh()` parses only the bytes appended since the last one."""

    path: Path
    offset: int = 0
    size: int = 0
    mtime: float = 0.0
    steps: dict[int, dict[str, float]] = field(default_factory=dict)
    tail: list[str] = field(default_factory=list)
    """The newest non-empty lines (for the summary), at most `TAIL` of them."""
    exp: str | None = None
    TAIL = 20

    def refresh(self) -> bool:
        """Read what was appended; returns True when anything changed. A shrunk file (truncated/rotated) is reread."""
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return False
        if st.st_size < self.offset:
            self.offset, self.steps, self.tail, self.exp = 0, {}, [], None
        changed = (st.st_size, st.st_mtime) != (self.size, self.mtime)
        self.size, self.mtime = st.st_size, st.st_mtime
        if st.st_size == self.offset:
            return changed
        with self.path.open("rb") as f:
            if self.exp is None and self.offset < HEADER_BYTES:
                self.exp = exp_from_header(f.read(HEADER_BYTES).decode("utf-8", "replace"))
            f.seek(self.offset)
            chunk = f.read(st.st_size - self.offset)
        end = chunk.rfind(b"\n")
        if end < 0:
            return changed  # only a partial line so far
        self.offset += end + 1
        text = chunk[: end + 1].decode("utf-8", "replace")
        for line in text.splitlines():
            parsed = parse_step_line(line) if "step:" in line else None
            if parsed:
                self.steps[parsed[0]] = parsed[1]
        lines = text[-8192:].splitlines()[1 if len(text) > 8192 else 0 :]  # drop a cut-off first line
        new_tail = [ln for ln in lines if ln.strip()]
        self.tail = (self.tail + new_tail)[-self.TAIL :]
        return True
