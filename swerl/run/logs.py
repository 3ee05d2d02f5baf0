"""Reading what a run printed: the exp name line, `step:N - k:v - …` metric lines, log tails."""

from __future__ import annotations

from pathlib import Path

from swerl.models.logline import EXP as EXP_LINE
from swerl.models.logline import parse_step_line as parse_step
from swerl.models.logline import reward_of

__all__ = ["EXP_LINE", "exp_name", "last_step", "parse_step", "reward_of", "tail_lines"]


def tail_lines(path: Path, n: int = 200, max_bytes: int = 1 << 20) -> list[str]:
    try:
        with open(path, "rb") as fh:
            fh.seek(0, 2)
            size = fh.tell()
            fh.seek(max(0, size - max_bytes))
            data = fh.read()
    except OSError:
        return []
    return data.decode(errors="replace").splitlines()[-n:]


def exp_name(path: Path, head: int = 80) -> str | None:
    """The exp name the trainer announced in the first `head` lines (`[sync_1node_cc] exp=<name>`)."""
    try:
        with open(path, errors="replace") as fh:
            for i, line in enumerate(fh):
                if i >= head:
                    break
                if m := EXP_LINE.search(line):
                    return m.group(1).strip("'\",")
    except OSError:
        pass
    return None


def last_step(*paths: Path) -> tuple[int, dict[str, float]] | None:
    """The newest step line across the given logs (launch log and/or `<exp>.log`)."""
    best = None
    for p in paths:
        for line in reversed(tail_lines(p, 2000)):
            if parsed := parse_step(line):
                if best is None or parsed[0] > best[0]:
                    best = parsed
                break
    return best
