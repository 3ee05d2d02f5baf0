"""Per-trial files of a run (`trials/<project>/<exp>/step_<N>/<trial>/`) turned into what the browser shows.

Reads, never writes: Harbor's `result.json` (reward, exception → masked via the rollout layer's rule), an
optional `outcome.json` (a dumped `TrialOutcome`, which wins when present), `litellm-trajectory.jsonl` (the
proxy callback's line per call: `request` = the upstream request dict with `messages`, `response` = the model
response dump, `usage`, `error`, `t_start`/`t_end`; OpenAI or Anthropic message shapes; read through
`swerl.models.trial.read_trajectory`, which rebuilds the history a line shares with an earlier one) and
`tokens.jsonl` (gateway token records; only counts, through `swerl.models.trial.token_counts`).
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

from swerl.dashboard.messages import normalize_message, normalize_response
from swerl.models.trial import TOKENS_FILE, TRAJECTORY_FILE, TRUNCATED_KEY, read_trajectory, token_counts

MAX_CONTENT = 200_000
"""Characters kept per message (the browser collapses long ones anyway)."""
_MARKER = f'"{TRUNCATED_KEY}"'.encode()


def trials_root(root: Path, exp: str) -> Path | None:
    """`trials/<project>/<exp>` for whichever project holds this experiment (the log does not name it)."""
    base = root / "trials"
    if not base.is_dir():
        return None
    for project in sorted(base.iterdir()):
        if (project / exp).is_dir():
            return project / exp
    return None


def list_steps(root: Path, exp: str) -> list[int]:
    tr = trials_root(root, exp)
    if tr is None:
        return []
    return sorted(int(p.name[5:]) for p in tr.glob("step_*") if p.name[5:].isdigit() and p.is_dir())


def _json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _token_counts(path: Path) -> dict:
    """`swerl.models.trial.token_counts` (the one tokens.jsonl reader); {} for an unreadable or corrupt file."""
    try:
        return token_counts(path)
    except (OSError, ValueError):
        return {}


def _ns(obj: dict | None) -> SimpleNamespace | None:
    """One level of a JSON object as attributes (values stay as stored: `rewards` remains a dict)."""
    return SimpleNamespace(**obj) if isinstance(obj, dict) else None


def verdict(result: dict, outcome: dict) -> tuple[float | None, bool, str | None]:
    """(reward, masked, mask_reason): the runner's own `outcome.json` when present, else the rollout layer's
    rule (`swerl.rollout.outcome.classify`) applied to Harbor's result.json; (None, False, None) while running."""
    if outcome:
        return outcome.get("reward"), bool(outcome.get("masked")), outcome.get("mask_reason") or None
    if not result:
        return None, False, None
    from swerl.rollout.outcome import classify

    ns = SimpleNamespace(**{k: _ns(result.get(k)) for k in ("exception_info", "verifier_result", "agent_execution")})
    reward, reason, _ = classify(ns)
    return reward, bool(reason), reason or None


def trial_summary(d: Path, step: int) -> dict:
    result, outcome = _json(d / "result.json"), _json(d / "outcome.json")
    exc = result.get("exception_info") or {}
    reward, masked, reason = verdict(result, outcome)
    traj = d / TRAJECTORY_FILE
    return {
        "trial": d.name,
        "step": step,
        "task": outcome.get("task_id") or result.get("task_name") or "",
        "finished": bool(result or outcome),
        "reward": reward,
        "masked": masked,
        "mask_reason": reason,
        "error": exc.get("exception_type"),
        "num_calls": sum(1 for ln in traj.open("rb") if ln.strip() and _MARKER not in ln[:40]) if traj.is_file() else 0,
        "tokens": _token_counts(d / TOKENS_FILE),
        "duration_s": outcome.get("duration_s") or _duration(result),
    }


def list_trials(root: Path, exp: str, step: int) -> list[dict] | None:
    tr = trials_root(root, exp)
    step_dir = tr / f"step_{step}" if tr else None
    if step_dir is None or not step_dir.is_dir():
        return None
    return [trial_summary(d, step) for d in sorted(step_dir.iterdir()) if d.is_dir()]


def search_trials(root: Path, exp: str, text: str, limit: int = 200) -> list[dict]:
    """Trials whose id or task name contains `text` (case-insensitive), across all steps."""
    tr, needle = trials_root(root, exp), text.lower()
    out: list[dict] = []
    if tr is None or not needle:
        return out
    for step in list_steps(root, exp):
        for d in sorted((tr / f"step_{step}").iterdir()):
            if not d.is_dir():
                continue
            if needle in d.name.lower() or needle in str(_json(d / "result.json").get("task_name", "")).lower():
                out.append(trial_summary(d, step))
                if len(out) >= limit:
                    return out
    return out


def _cap(msg: dict) -> dict:
    c = msg.get("content")
    if isinstance(c, str) and len(c) > MAX_CONTENT:
        msg["content"] = c[:MAX_CONTENT] + f"\n… [{len(c) - MAX_CONTENT} more characters]"
    return msg


def load_trajectory(root: Path, exp: str, step: int, trial: str) -> dict | None:
    """One trial: its summary plus turns — per model call, the messages new since the previous call, the reply."""
    tr = trials_root(root, exp)
    if tr is None or "/" in trial or trial in ("", ".", ".."):
        return None
    d = tr / f"step_{step}" / trial
    if not d.is_dir():
        return None
    out = trial_summary(d, step)
    turns: list[dict] = []
    prev_len = -1
    records, truncated = read_trajectory(d / TRAJECTORY_FILE)  # full requests rebuilt; torn lines skipped
    for i, rec in enumerate(records):
        req = rec.get("request") if isinstance(rec.get("request"), dict) else rec
        msgs = [normalize_message(m) for m in (req.get("messages") or [])]
        system = req.get("system")
        if system and not any(m["role"] == "system" for m in msgs):  # Anthropic keeps it outside messages
            msgs.insert(0, normalize_message({"role": "system", "content": system}))
        rewritten = len(msgs) <= prev_len
        start = 0 if rewritten or prev_len < 0 else prev_len + 1
        prev_len = len(msgs)
        usage = rec.get("usage") or (rec.get("response") or {}).get("usage") or {}
        turns.append(
            {
                "index": i,
                "new_messages": [_cap(m) for m in msgs[start:]],
                "history_rewritten": rewritten and i > 0,
                "response": _cap(normalize_response(rec)),
                "usage": {
                    k: usage.get(k)
                    for k in ("prompt_tokens", "completion_tokens", "input_tokens", "output_tokens")
                    if k in usage
                },
                "latency_s": _latency(rec),
                "error": rec.get("error"),
            }
        )
    out["turns"] = turns
    out["trajectory_truncated"] = truncated  # the proxy's size cap stopped this trial's log (None: complete)
    out["result_excerpt"] = {
        k: v
        for k, v in _json(d / "result.json").items()
        if k in ("task_name", "trial_name", "exception_info", "verifier_result", "started_at", "finished_at")
    }
    return out


def _duration(result: dict) -> float | None:
    from datetime import datetime

    try:
        a, b = (datetime.fromisoformat(str(result[k]).replace("Z", "+00:00")) for k in ("started_at", "finished_at"))
    except (KeyError, ValueError, TypeError):
        return None
    return round((b - a).total_seconds(), 1)


def _latency(rec: dict) -> float | None:
    a, b = rec.get("t_start", rec.get("start_time")), rec.get("t_end", rec.get("end_time"))
    return round(b - a, 3) if isinstance(a, (int, float)) and isinstance(b, (int, float)) else None
