"""Parse verl metric lines (`step:N - key:value - …`) out of run logs, incrementally.

verl's console logger writes `step:{N} - {k}:{pprint.pformat(v)} - …` (`concat_dict_to_str`); values may read
`0.25`, `np.float64(0.25)`, `nan` or `inf`, and a Ray prefix like `(TaskRunner pid=12) ` may precede the line.
A log being written can end mid-line: only whole lines are consumed, the rest waits for the next read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from swerl.models.logline import BEFORE_STEP as _BEFORE_STEP
from swerl.models.logline import STEP_BYTES as _STEP_BYTES
from swerl.models.logline import exp_from_text as exp_from_header
from swerl.models.logline import extract, number, parse_metrics, parse_step_line, split_step_line

__all__ = [
    "HEADER_BYTES",
    "LogFile",
    "exp_from_header",
    "extract",
    "number",
    "parse_metrics",
    "parse_step_line",
    "split_step_line",
]
HEADER_BYTES = 16384
"""How much of a log's head is searched for `[sync_1node_cc] exp=<name>`."""


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
