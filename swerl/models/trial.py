"""A trial's token record (one `tokens.jsonl` line per model call, written by the gateway; this module is its
one definition and its one reader), the one reader of its `litellm-trajectory.jsonl` (message level, written by
the proxy callback), and the training sample built from the token records."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

ToolParse = Literal["ok", "failed", "none"]
"""A call's tool-call parse outcome (the gateway's parser): `ok` every tool call the reply attempted parsed,
`failed` at least one did not (its text stayed content: the agent saw no call), `none` none was attempted."""

TOKENS_FILE = "tokens.jsonl"
TRAJECTORY_FILE = "litellm-trajectory.jsonl"


class TokenRecord(BaseModel):
    call_id: str
    trial_id: str
    segment: int
    """Continuous-token segment: a new one starts when the agent rewrote its history (the gateway detects it)."""
    new_segment: bool
    prompt_ids: list[int]
    """The exact ids the engine was given (previous prompt + sampled response + the new tool/user delta). Always
    the full prompt here; on disk a continued call stores only the ids after `reused_prefix` (see `dump_line`)."""
    response_ids: list[int]
    """The exact ids the engine sampled — what training uses; never re-tokenized."""
    response_logprobs: list[float]
    """The engine's log-prob of each sampled id (len == len(response_ids))."""
    finish_reason: str
    num_tool_calls: int = 0
    tool_parse: ToolParse | None = None
    """The reply's tool-call parse outcome (`ToolParse`); None in files written before it. Parsing shapes only
    the API answer: `response_ids` are the sampled ids either way."""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    t_start: float = 0.0
    t_end: float = 0.0
    reused_prefix: int = 0
    """Leading prompt ids that are the previous call's prompt + response (continuous tokens)."""
    model: str = ""
    litellm_call_id: str | None = None
    """LiteLLM's call id (header x-swerl-call-id) — the join key with litellm-trajectory.jsonl."""
    parent_call_id: str | None = None
    """The call (same trial) this one continues: its `prompt_ids + response_ids` are this prompt's first
    `reused_prefix` ids. None on a new segment (and in files written before the delta format)."""
    weight_version: int = 0
    """The engine's weights version that sampled `response_ids` (async training: staleness of the sample); of
    the last token when the call was resumed across weight updates (vLLM under verl's async trainers)."""
    min_weight_version: int | None = None
    """The version of the first token of a call resumed across weight updates; None = `weight_version`."""
    temperature: float | None = None
    """The sampling temperature the engine was called with (0 = greedy); None in files written before it."""
    top_p: float | None = None


DELTA_KEY = "prompt_delta"
"""On disk, a continued call's line holds `prompt_delta` (its prompt ids after `reused_prefix`) and
`parent_call_id` instead of `prompt_ids`; a line without `prompt_delta` holds the full `prompt_ids`."""


def dump_line(rec: TokenRecord) -> str:
    """One `tokens.jsonl` line (with its newline). A continued call stores only its new prompt ids, so a
    trial's file grows linearly with its tokens instead of quadratically."""
    d = rec.model_dump()
    if rec.parent_call_id and rec.reused_prefix > 0:  # in prompt_ids' place, so the counts stay near the end
        d = {DELTA_KEY if k == "prompt_ids" else k: v for k, v in d.items()}
        d[DELTA_KEY] = d[DELTA_KEY][rec.reused_prefix :]
    return json.dumps(d, separators=(",", ":")) + "\n"


def _lines(path: Path) -> Iterator[tuple[int, bool, dict | ValueError]]:
    """(line number, is it the last line, its JSON object — or the ValueError it raised) per non-empty line."""
    lines = path.read_text().splitlines() if path.is_file() else []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            yield n, n == len(lines), exc
            continue
        yield n, n == len(lines), obj if isinstance(obj, dict) else ValueError("not a JSON object")


def _corrupt(path: Path, n: int, exc: Exception) -> ValueError:
    return ValueError(
        f"{path}:{n}: not a token record ({str(exc).splitlines()[0][:120]}): the gateway's token record is corrupt"
    )


def _full(obj: dict, by_id: dict[str, TokenRecord]) -> TokenRecord:
    if DELTA_KEY in obj:
        parent = by_id.get(str(obj.get("parent_call_id")))
        if parent is None:
            raise ValueError(f"continues call {obj.get('parent_call_id')!r}, which no earlier line holds")
        base = parent.prompt_ids + parent.response_ids
        if len(base) != obj.get("reused_prefix"):
            raise ValueError(f"reused_prefix {obj.get('reused_prefix')} != the {len(base)} ids of its parent call")
        obj = {k: v for k, v in obj.items() if k != DELTA_KEY} | {"prompt_ids": base + list(obj[DELTA_KEY])}
    return TokenRecord.model_validate(obj)


def read_token_records(path: Path) -> list[TokenRecord]:
    """Every record of a `tokens.jsonl` ([] when absent), each with its FULL `prompt_ids` (a delta line is
    rebuilt from the call it continues; old files hold full lines only). A torn LAST line (trial killed
    mid-write) is skipped; a bad line anywhere else — or a delta whose parent is missing or of another length —
    means the record is corrupt and raises ValueError naming the line."""
    path = Path(path)
    out: list[TokenRecord] = []
    by_id: dict[str, TokenRecord] = {}
    for n, last, obj in _lines(path):
        try:
            if isinstance(obj, ValueError):
                raise obj
            rec = _full(obj, by_id)
        except ValueError as exc:
            if last:
                continue
            raise _corrupt(path, n, exc) from exc
        out.append(rec)
        by_id[rec.call_id] = rec
    return out


_COUNT = re.compile(rb'"(prompt_tokens|completion_tokens|segment)":\s*(\d+)\s*[,}]')
"""The three counts `token_counts` needs: `segment` near a line's start, the token counts near its end."""


def token_counts(path: Path) -> dict:
    """Calls, prompt/completion tokens (summed over calls) and segments of a `tokens.jsonl` ({} when absent),
    without building any ids: the counts are read from a complete line's first/last bytes (µs, where parsing a
    line of thousands of ids takes ms); other lines are parsed, with the torn-last-line rule of
    `read_token_records`."""
    path = Path(path)
    if not path.is_file():
        return {}
    calls = prompt = completion = segments = 0
    lines = path.read_bytes().splitlines()
    for n, line in enumerate(lines, 1):
        line = line.strip()
        if not line:
            continue
        found = dict(_COUNT.findall(line[:512]) + _COUNT.findall(line[-1024:])) if line.endswith(b"}") else {}
        if len(found) == 3:
            s, p, c = (int(found[k]) for k in (b"segment", b"prompt_tokens", b"completion_tokens"))
        else:
            try:
                obj = json.loads(line)
                s, p, c = (int(obj.get(k) or 0) for k in ("segment", "prompt_tokens", "completion_tokens"))
            except (ValueError, TypeError, AttributeError) as exc:
                if n == len(lines):
                    continue
                raise _corrupt(path, n, ValueError(str(exc))) from exc
        calls, prompt, completion, segments = calls + 1, prompt + p, completion + c, max(segments, s + 1)
    return {"calls": calls, "prompt_tokens": prompt, "completion_tokens": completion, "segments": segments}


_TOOL_PARSE = re.compile(rb'"num_tool_calls":\d+,(?:"tool_parse":(?:null|"(ok|failed|none)"))?')
"""`tool_parse` right after `num_tool_calls`, near a line's end (absent in files written before it)."""


class ToolParseCounts(BaseModel):
    """Calls by tool-call parse outcome, over one or more `tokens.jsonl` files."""

    ok: int = 0
    failed: int = 0
    none: int = 0
    unrecorded: int = 0
    """Calls of files written before `tool_parse` existed."""

    @property
    def attempted(self) -> int:
        return self.ok + self.failed

    @property
    def fail_rate(self) -> float:
        """Failed / calls that attempted a tool call (0.0 when none did) — `rollout/tool_parse_fail_rate`."""
        return self.failed / self.attempted if self.attempted else 0.0

    def __add__(self, other: "ToolParseCounts") -> "ToolParseCounts":
        return ToolParseCounts(**{k: getattr(self, k) + getattr(other, k) for k in type(self).model_fields})


_VERSIONS = re.compile(rb'"weight_version":(\d+),"min_weight_version":(\d+|null)')


def resumed_calls(path: Path) -> int:
    """Calls of a `tokens.jsonl` resumed across a weight update (`min_weight_version` below `weight_version`: a
    partial rollout), read from each line's last bytes like `tool_parse_counts`; 0 when absent."""
    path = Path(path)
    if not path.is_file():
        return 0
    n = 0
    for line in path.read_bytes().splitlines():
        m = _VERSIONS.search(line[-1024:])
        n += bool(m and m.group(2) != b"null" and int(m.group(2)) < int(m.group(1)))
    return n


def litellm_overheads(trial_dir: Path) -> list[float]:
    """Per model call of a trial: seconds LiteLLM spent around the gateway's work — its logged call time (the
    `litellm-trajectory.jsonl` line's t_end − t_start) minus the gateway's (the `tokens.jsonl` record's), joined
    by `litellm_call_id`. Calls missing either side (failed, or files written before the join key) are skipped.
    The proxy's HTTP receive, key check and response write fall outside LiteLLM's own clock."""
    trial_dir = Path(trial_dir)
    gw: dict[str, float] = {}
    for _n, _last, obj in _lines(trial_dir / TOKENS_FILE):
        if isinstance(obj, dict) and obj.get("litellm_call_id"):
            gw[str(obj["litellm_call_id"])] = float(obj.get("t_end") or 0) - float(obj.get("t_start") or 0)
    out = []
    for _n, _last, obj in _lines(trial_dir / TRAJECTORY_FILE) if gw else ():
        if not isinstance(obj, dict) or str(obj.get("litellm_call_id")) not in gw or obj.get("error"):
            continue
        t0, t1 = obj.get("t_start"), obj.get("t_end")
        if isinstance(t0, (int, float)) and isinstance(t1, (int, float)):
            out.append(max(0.0, t1 - t0 - gw[str(obj["litellm_call_id"])]))
    return out


def tool_parse_counts(path: Path) -> ToolParseCounts:
    """A `tokens.jsonl`'s calls by `tool_parse` (all zero when absent), read from each complete line's last
    bytes like `token_counts` (other lines are parsed, with the torn-last-line rule of `read_token_records`)."""
    path = Path(path)
    out = ToolParseCounts()
    if not path.is_file():
        return out
    lines = path.read_bytes().splitlines()
    for n, line in enumerate(lines, 1):
        line = line.strip()
        if not line:
            continue
        m = _TOOL_PARSE.search(line[-1024:]) if line.endswith(b"}") else None
        if m is not None:
            outcome = m.group(1).decode() if m.group(1) else None
        else:
            try:
                outcome = json.loads(line).get("tool_parse")
            except (ValueError, AttributeError) as exc:
                if n == len(lines):
                    continue
                raise _corrupt(path, n, ValueError(str(exc))) from exc
        key = outcome if outcome in ("ok", "failed", "none") else "unrecorded"
        setattr(out, key, getattr(out, key) + 1)
    return out


def tool_parse_of_trials(trial_dirs: Iterable[Path]) -> ToolParseCounts:
    """The summed `tool_parse_counts` of these trials' token records (one step's trials → its
    `rollout/tool_parse_fail_rate` = `.fail_rate`)."""
    total = ToolParseCounts()
    for d in trial_dirs:
        total = total + tool_parse_counts(Path(d) / TOKENS_FILE)
    return total


HISTORY_KEY = "history"
"""A `litellm-trajectory.jsonl` line whose request repeats an earlier call's history stores only what is new:
`"history": {"ref": <litellm_call_id of an earlier line>, "messages": k, "tools": true|false}` → its full
`request.messages` = that call's first k messages + its own `request.messages`, and `request.tools` = that
call's when `"tools"` is true. A line without `history` is full (and every line of older files)."""
TRUNCATED_KEY = "swerl_truncated"
"""The marker line that ends a trial's trajectory file at its size cap (`{"swerl_truncated": true, …}`)."""


def read_trajectory(path: Path) -> tuple[list[dict], dict | None]:
    """(every line of a `litellm-trajectory.jsonl` with its full `request.messages`/`tools` rebuilt, the
    truncation marker or None). A debug log, read leniently: unparsable lines (a torn last line) are skipped;
    a line whose `history.ref` is missing keeps only its own messages and gets `"history_missing": true`."""
    path = Path(path)
    out: list[dict] = []
    marker = None
    by_id: dict[str, dict] = {}
    for line in path.read_text(errors="replace").splitlines() if path.is_file() else []:
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if not isinstance(rec, dict):
            continue
        if rec.get(TRUNCATED_KEY):
            marker = rec
            continue
        hist, req = rec.get(HISTORY_KEY), rec.get("request")
        if isinstance(hist, dict) and isinstance(req, dict):
            ref = (by_id.get(str(hist.get("ref"))) or {}).get("request")
            if isinstance(ref, dict):
                req = {**req, "messages": list(ref.get("messages") or [])[: int(hist.get("messages") or 0)]}
                req["messages"] += rec["request"].get("messages") or []
                if hist.get("tools") and "tools" in ref:
                    req["tools"] = ref["tools"]
                rec = {**rec, "request": req}
            else:
                rec = {**rec, "history_missing": True}
        out.append(rec)
        if rec.get("litellm_call_id"):
            by_id[str(rec["litellm_call_id"])] = rec
    return out, marker


class Sample(BaseModel):
    """One training sample: a continuous segment of one trial, built only from its token records (never
    re-tokenized). The local trainer and verl's agent loop (AgentLoopOutput) both take these fields."""

    trial_id: str
    group: str
    """Prompt uid: the trials of one task in one step share it (a GRPO group)."""
    reward: float | None
    """The trial's verifier reward; None for a masked trial (its response_mask is all 0: no loss)."""
    prompt_ids: list[int]
    response_ids: list[int]
    """Everything after the prompt: sampled ids and the tool/user deltas between turns."""
    response_mask: list[int]
    """1 = sampled by the policy (trained on), 0 = a tool/user delta — verl's AgentLoopOutput.response_mask."""
    response_logprobs: list[float]
    """The engine's log-prob per response id (0.0 where response_mask is 0)."""
    segment: int = 0
    min_weight_version: int = 0
    max_weight_version: int = 0
    """The weights versions that sampled this segment's tokens (equal in sync training; async: a segment can
    span a swap). verl's `min/max_global_steps`."""
    truncated: bool = False
    """Cut to max_prompt_length / max_response_length (harbor_runtime.overlong: truncate)."""
    num_turns: int = 0
