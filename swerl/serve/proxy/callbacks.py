"""LiteLLM hooks, loaded by the proxy from its generated config (`callbacks: [swerl.serve.proxy.callbacks.handler]`).

- pre-call: forward the trial id upstream (`extra_headers`), clamp `max_tokens`, drop `reasoning_effort`.
- success/failure: one `litellm-trajectory.jsonl` line per call in the trial dir (message level; the gateway's
  `tokens.jsonl` holds the token truth, joined by call id). Cheap: one small append, no headers, no keys.

Size policy (an agent resends its whole history every call, so full lines grow a trial's file quadratically):
- A call whose messages start with those of an earlier call of the same trial (the one with the longest common
  prefix among the last few this process wrote) stores only the messages after that prefix, and omits `tools`
  when they are the same: `"history": {"ref": <that call's litellm_call_id>, "messages": k, "tools": true}`.
  `swerl.models.trial.read_trajectory` rebuilds the full request. The file grows with what is new per call.
- A per-trial cap, `$SWERL_TRAJECTORY_MAX_BYTES` (default 64 MiB, 0 = none): the line that would cross it is
  replaced by one marker line `{"swerl_truncated": true, "trial_id", "max_bytes", "litellm_call_id", "t"}` and
  nothing more is written for that trial (tokens.jsonl, the training data, is never capped).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections import OrderedDict
from datetime import datetime
from pathlib import Path
from typing import Any

from litellm.integrations.custom_logger import CustomLogger

from swerl.config.paths import trial_dir
from swerl.models.trial import HISTORY_KEY, TRAJECTORY_FILE, TRUNCATED_KEY

TRIAL_HEADER = "x-swerl-trial-id"
CALL_HEADER = "x-swerl-call-id"
"""LiteLLM's call id, sent upstream so the gateway's tokens.jsonl line joins this file's line (streamed
Anthropic calls get a LiteLLM-made `msg_…` id instead of the gateway's `chatcmpl-…`)."""
MAX_BYTES_ENV = "SWERL_TRAJECTORY_MAX_BYTES"
DEFAULT_MAX_BYTES = 64 << 20
RECENT_CALLS = 4
"""Earlier calls per trial a new call may reference (the main conversation + side calls such as titles)."""
RECENT_TRIALS = 4096
_SECRET_KEYS = {"api_key", "authorization", "x-api-key", "anthropic-api-key", "master_key"}


def _scrub(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: ("<redacted>" if str(k).lower() in _SECRET_KEYS else _scrub(v)) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_scrub(v) for v in obj]
    return obj


def _trial_from_headers(headers: Any) -> str | None:
    if not isinstance(headers, dict):
        return None
    for k, v in headers.items():
        if str(k).lower() == TRIAL_HEADER:
            return str(v)
    return None


def _digest(obj: Any) -> bytes:
    return hashlib.blake2b(json.dumps(obj, default=str, sort_keys=True).encode(), digest_size=16).digest()


class _Seen:
    """What this process wrote per trial: (litellm_call_id, digest per message, digest of tools) of its last
    few calls, LRU over trials (a few hundred bytes per call; never message text)."""

    def __init__(self) -> None:
        self.trials: OrderedDict[str, list[tuple[str, list[bytes], bytes]]] = OrderedDict()

    def compact(self, trial: str, call_id: str | None, request: Any) -> tuple[Any, dict | None, tuple | None]:
        """(request to store, its `history` or None, what to remember once the line is written)."""
        msgs = request.get("messages") if isinstance(request, dict) else None
        if not call_id or not isinstance(msgs, list):
            return request, None, None
        digests, tools = [_digest(m) for m in msgs], _digest(request.get("tools"))
        best, k = None, 0
        for ref, ref_digests, ref_tools in reversed(self.trials.get(trial, [])):
            n = 0
            for a, b in zip(digests, ref_digests):
                if a != b:
                    break
                n += 1
            if n > k:
                best, k = (ref, ref_tools), n
        remember = (call_id, digests, tools)
        if best is None:
            return request, None, remember
        same_tools = best[1] == tools and "tools" in request
        stored = {key: v for key, v in request.items() if not (key == "tools" and same_tools)}
        stored["messages"] = msgs[k:]
        return stored, {"ref": best[0], "messages": k, "tools": same_tools}, remember

    def remember(self, trial: str, entry: tuple) -> None:
        calls = self.trials.setdefault(trial, [])
        self.trials.move_to_end(trial)
        calls.append(entry)
        del calls[:-RECENT_CALLS]
        while len(self.trials) > RECENT_TRIALS:
            self.trials.popitem(last=False)


def _ts(t: Any) -> float | None:
    return t.timestamp() if isinstance(t, datetime) else (float(t) if isinstance(t, (int, float)) else None)


class SwerlProxyHooks(CustomLogger):
    def __init__(self) -> None:
        super().__init__()
        root = os.environ.get("SWERL_TRIALS_ROOT")
        self.trials_root = Path(root) if root else None
        cap = os.environ.get("SWERL_MAX_TOKENS_CAP")
        self.max_tokens_cap = int(cap) if cap else None
        self.max_bytes = int(os.environ.get(MAX_BYTES_ENV) or DEFAULT_MAX_BYTES)
        self.seen = _Seen()

    async def async_pre_call_hook(self, user_api_key_dict, cache, data: dict, call_type):
        psr = data.get("proxy_server_request") or {}
        trial = _trial_from_headers(psr.get("headers")) or _trial_from_headers(
            (data.get("metadata") or {}).get("headers") or (data.get("litellm_metadata") or {}).get("headers")
        )
        if trial:
            extra = {TRIAL_HEADER: trial}
            if data.get("litellm_call_id"):
                extra[CALL_HEADER] = str(data["litellm_call_id"])
            data["extra_headers"] = {**(data.get("extra_headers") or {}), **extra}
        if self.max_tokens_cap:
            for key in ("max_tokens", "max_completion_tokens"):
                if isinstance(data.get(key), int) and data[key] > self.max_tokens_cap:
                    data[key] = self.max_tokens_cap
        data.pop("reasoning_effort", None)
        data.pop("thinking", None)
        return data

    def _trial_of(self, kwargs: dict) -> str | None:
        lp = kwargs.get("litellm_params") or {}
        for src in (lp.get("proxy_server_request") or {}, lp.get("metadata") or {}, lp.get("litellm_metadata") or {}):
            t = _trial_from_headers(src.get("headers"))
            if t:
                return t
        return _trial_from_headers((kwargs.get("optional_params") or {}).get("extra_headers")) or _trial_from_headers(
            kwargs.get("extra_headers")
        )

    def _write(self, kwargs: dict, response: Any, start: Any, end: Any, error: str | None) -> None:
        trial = self._trial_of(kwargs)
        if not trial or self.trials_root is None:
            return
        resp = kwargs.get("complete_streaming_response") or response
        if hasattr(resp, "model_dump"):
            resp = resp.model_dump()
        elif not isinstance(resp, (dict, list, str, type(None))):
            resp = str(resp)
        add = kwargs.get("additional_args") or {}
        usage = resp.get("usage") if isinstance(resp, dict) else None
        lcid = kwargs.get("litellm_call_id")
        request, history, remember = self.seen.compact(trial, lcid, _scrub(add.get("complete_input_dict")))
        line = {
            "trial_id": trial,
            "call_id": resp.get("id") if isinstance(resp, dict) else None,
            "litellm_call_id": lcid,
            "model": kwargs.get("model"),
            "stream": bool(kwargs.get("stream")),
            "request": request,
            **({HISTORY_KEY: history} if history else {}),
            "response": _scrub(resp) if error is None else None,
            "usage": usage,
            "error": error,
            "t_start": _ts(start),
            "t_end": _ts(end),
        }
        p = trial_dir(self.trials_root, trial) / TRAJECTORY_FILE
        p.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(line, default=str, separators=(",", ":")) + "\n"
        if self.max_bytes > 0:
            size = p.stat().st_size if p.exists() else 0
            if size + len(text) > self.max_bytes:
                if not _ends_with_marker(p, size):
                    marker = {TRUNCATED_KEY: True, "trial_id": trial, "max_bytes": self.max_bytes}
                    with open(p, "a") as f:
                        f.write(json.dumps({**marker, "litellm_call_id": lcid, "t": time.time()}) + "\n")
                return
        with open(p, "a") as f:
            f.write(text)
        if remember is not None:
            self.seen.remember(trial, remember)

    async def async_log_success_event(self, kwargs, response_obj, start_time, end_time):
        self._write(kwargs, response_obj, start_time, end_time, None)

    async def async_log_failure_event(self, kwargs, response_obj, start_time, end_time):
        exc = kwargs.get("exception")
        self._write(kwargs, None, start_time, end_time, f"{type(exc).__name__}: {exc}"[:500] if exc else "failed")


def _ends_with_marker(p: Path, size: int) -> bool:
    with open(p, "rb") as f:
        f.seek(max(0, size - 512))
        return f'"{TRUNCATED_KEY}":'.encode() in f.read()


handler = SwerlProxyHooks()
