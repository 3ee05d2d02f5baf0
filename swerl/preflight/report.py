"""Dryrun output: status lines in the original's format, section headers, counts.

    [rl/dryrun] <section>...
      OK       <label>  (<detail>)
      FAIL     <label>  (<detail>)

WARN never blocks; MISSING / EMPTY / FAIL are counted as `missing/empty` and make the run exit 1.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from enum import Enum
from typing import TextIO

TAG = "[rl/dryrun]"


class Status(str, Enum):
    OK = "OK"
    MISSING = "MISSING"
    EMPTY = "EMPTY"
    FAIL = "FAIL"
    WARN = "WARN"

    @property
    def blocks(self) -> bool:
        return self in (Status.MISSING, Status.EMPTY, Status.FAIL)


@dataclass
class Line:
    status: Status
    label: str
    detail: str
    section: str
    data: dict = field(default_factory=dict)
    """Structured facts for the live layer (e.g. a port's owner pid) — never printed."""


@dataclass
class Report:
    out: TextIO = field(default_factory=lambda: sys.stdout)
    lines: list[Line] = field(default_factory=list)
    current: str = ""

    def section(self, name: str) -> None:
        self.current = name
        self.write(f"{TAG} {name}...")

    def write(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def add(self, status: Status, label: str, detail: str = "", **data) -> Line:
        line = Line(status, label, detail, self.current, data)
        self.lines.append(line)
        self.write(f"  {status.value:<8} {label}" + (f"  ({detail})" if detail else ""))
        return line

    def ok(self, label: str, detail: str = "", **data) -> Line:
        return self.add(Status.OK, label, detail, **data)

    def warn(self, label: str, detail: str = "", **data) -> Line:
        return self.add(Status.WARN, label, detail, **data)

    def fail(self, label: str, detail: str = "", **data) -> Line:
        return self.add(Status.FAIL, label, detail, **data)

    def missing(self, label: str, detail: str = "", **data) -> Line:
        return self.add(Status.MISSING, label, detail, **data)

    def empty(self, label: str, detail: str = "", **data) -> Line:
        return self.add(Status.EMPTY, label, detail, **data)

    @property
    def n_ok(self) -> int:
        return sum(1 for ln in self.lines if ln.status is Status.OK)

    @property
    def n_blocking(self) -> int:
        return sum(1 for ln in self.lines if ln.status.blocks)

    @property
    def n_warn(self) -> int:
        return sum(1 for ln in self.lines if ln.status is Status.WARN)

    def done(self) -> int:
        self.write(f"{TAG} Done. ok={self.n_ok} missing/empty={self.n_blocking}")
        return 1 if self.n_blocking else 0
