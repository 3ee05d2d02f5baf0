"""Reading what a run printed: the exp name line, `step:N - k:v - …` metric lines, log tails."""

from __future__ import annotations

import re
from pathlib import Path

EXP_LINE = re.compile(r"\[sync_1node_cc\] exp=(\S+)")
STEP_LINE = re.compile(r"\bstep:(\d+)\s+-\s+(.*)$")
REWARD_KEYS = ("critic/score/mean", "critic/rewards/mean", "reward/mean")


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
                    return m.group(1)
    except OSError:
        pass
    return None


def parse_step(line: str) -> tuple[int, dict[str, float]] | None:
    m = STEP_LINE.search(line)
    if not m:
        return None
    metrics: dict[str, float] = {}
    for part in m.group(2).split(" - "):
        key, sep, val = part.strip().rpartition(":")
        if not sep:
            continue
        try:
            metrics[key.strip()] = float(val)
        except ValueError:
            continue
    return int(m.group(1)), metrics


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


def reward_of(metrics: dict[str, float]) -> tuple[str, float] | None:
    for key in REWARD_KEYS:
        if key in metrics:
            return key, metrics[key]
    return None
