"""The `step:` metric line and the exp line — the only formatter and parser of both.

verl's console logger writes `step:{N} - {k}:{pprint.pformat(v)} - …` (`concat_dict_to_str`: numbers only);
values may read `0.25`, `np.float64(0.25)`, `nan` or `inf`, and a Ray prefix like `(TaskRunner pid=12) ` or
colour codes may precede `step:`. The trainer announces its experiment as `[sync_1node_cc] exp=<name>`.
"""

from __future__ import annotations

import numbers
import pprint
import re

STEP = re.compile(r"(?:^|[\s)\]m])step:(\d+) - (.+)$")
"""`step:` at line start or after a space, `)`/`]` (Ray prefix) or `m` (end of an ANSI colour code)."""
STEP_BYTES = re.compile(rb"step:(\d+) - ([^\n]*)")
BEFORE_STEP = b" \t)]m\n"
"""What may precede `step:` in STEP_BYTES matches (line start, space, a Ray prefix's `)`, a colour code's `m`)."""
EXP_PREFIX = "[sync_1node_cc]"
EXP = re.compile(r"\[sync_1node_cc\][^\n]*?\bexp=(\S+)")
REWARD_KEYS = ("critic/score/mean", "critic/rewards/mean", "reward/mean")


def format_step(step: int, metrics: dict) -> str:
    """`step:N - key:value - …` exactly as verl's `concat_dict_to_str` prints it (keys sorted; numbers only)."""
    parts = [f"step:{step}"]
    parts += [f"{k}:{pprint.pformat(v)}" for k, v in sorted(metrics.items()) if isinstance(v, numbers.Number)]
    return " - ".join(parts)


def exp_line(exp: str) -> str:
    return f"{EXP_PREFIX} exp={exp}"


def number(text: str) -> float | None:
    """`0.25`, `np.float64(0.25)`, `nan`, `inf` → float; anything else → None."""
    text = text.strip()
    if text[-1:] == ")":
        text = text[text.find("(") + 1 : -1]
    try:
        return float(text)
    except ValueError:
        return None


def split_step_line(line: str) -> tuple[int, str] | None:
    """`(step, " - k:v - k:v")` for a metric line (values left unparsed), None for anything else."""
    if "step:" not in line:
        return None
    m = STEP.search(line.rstrip("\r\n"))
    return (int(m.group(1)), " - " + m.group(2)) if m else None


def parse_metrics(raw: str) -> dict[str, float]:
    """All numeric metrics of a `" - k:v - …"` string (non-numeric values are dropped)."""
    out: dict[str, float] = {}
    for part in raw.split(" - "):
        key, sep, value = part.rpartition(":")
        if sep and key.strip():
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
    """`(step, metrics)` for a metric line, None for anything else."""
    split = split_step_line(line)
    return (split[0], parse_metrics(split[1])) if split else None


def clean_step_line(line: str) -> str | None:
    """The line from `step:` on (Ray prefix and colour codes dropped), None if not a metric line."""
    split = split_step_line(line)
    return f"step:{split[0]}{split[1]}" if split else None


def exp_from_text(text: str) -> str | None:
    """The experiment name announced in `text` (`[sync_1node_cc] exp=<name>`)."""
    m = EXP.search(text)
    return m.group(1).strip("'\",") if m else None


def reward_of(metrics: dict[str, float]) -> tuple[str, float] | None:
    for key in REWARD_KEYS:
        if key in metrics:
            return key, metrics[key]
    return None
