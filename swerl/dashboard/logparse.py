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
_STEP_BYTES = re.compile(rb"step:(\d+) - ([^\n]*)")
_BEFORE_STEP = b" \t)]\n"
"""What may precede `step:` (line start, space, the end of a Ray `(Actor pid=…)` prefix)."""
_EXP = re.compile(r"\[sync_1node_cc\][^\n]*?\bexp=(\S+)")
HEADER_BYTES = 16384
"""How much of a log's head is searched for `[sync_1node_cc] exp=<name>`."""


def number(text: str) -> float | None:
    """`0.25`, `np.float64(0.25)`, `nan`, `inf` → float; anything else → None."""
    if text[-1:] == ")":
        text = text[text.find("(") + 1 : -1]
    try:
        return float(text)
    except ValueError:
        return None


def split_step_line(line: str) -> tuple[int, str] | None:
    """`(step, " - k:v - k:v")` for a verl metric line (values left unparsed), None for anything else."""
    if "step:" not in line:
        return None
    m = _STEP.search(line.rstrip("\r\n"))
    return (int(m.group(1)), " - " + m.group(2)) if m else None


def parse_metrics(raw: str) -> dict[str, float]:
    """All numeric metrics of a `" - k:v - …"` string (non-numeric values are dropped)."""
    out: dict[str, float] = {}
    for part in raw.split(" - "):
        key, sep, value = part.rpartition(":")
        if sep and key:
            v = number(value)
            if v is not None:
                out[key.strip()] = v
    return out


def extract(raw: str, key: str) -> float | None:
    """One metric out of a `" - k:v - …"` string without parsing the rest (the first occurrence wins)."""
    i = raw.find(f" - {key}:")
    if i < 0:
        return None
    i += len(key) + 4
    j = raw.find(" - ", i)
    return number(raw[i:] if j < 0 else raw[i:j])


def parse_step_line(line: str) -> tuple[int, dict[str, float]] | None:
    """`(step, metrics)` for a verl metric line, None for anything else."""
    split = split_step_line(line)
    return (split[0], parse_metrics(split[1])) if split else None


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
    steps: dict[int, str] = field(default_factory=dict)
    """step → its unparsed `" - k:v - …"` text (values are parsed per metric on demand: see `extract`)."""
    tail: list[str] = field(default_factory=list)
    """The newest non-empty lines (for the summary), at most `TAIL` of them."""
    keys: dict[str, None] = field(default_factory=dict)
    """Every metric name seen (a line is parsed for names only when its shape differs from the previous one)."""
    exp: str | None = None
    _shape: int = -1
    TAIL = 20

    def refresh(self) -> bool:
        """Read what was appended; returns True when anything changed. A shrunk file (truncated/rotated) is reread."""
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return False
        if st.st_size < self.offset:
            self.offset, self.steps, self.tail, self.exp, self.keys, self._shape = 0, {}, [], None, {}, -1
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
        buf = chunk[: end + 1]
        for m in _STEP_BYTES.finditer(buf):  # one C-level scan; no Python work for the other lines
            at = m.start()
            if at and buf[at - 1] not in _BEFORE_STEP:
                continue
            raw = " - " + m.group(2).rstrip(b"\r").decode("utf-8", "replace")
            self.steps[int(m.group(1))] = raw
            shape = raw.count(" - ")
            if shape != self._shape:
                self._shape = shape
                self.keys.update(dict.fromkeys(parse_metrics(raw)))
        text = buf[-8192:].decode("utf-8", "replace")
        lines = text.splitlines()[1 if len(buf) > 8192 else 0 :]  # drop a cut-off first line
        new_tail = [ln for ln in lines if ln.strip()]
        self.tail = (self.tail + new_tail)[-self.TAIL :]
        return True
