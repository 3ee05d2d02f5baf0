"""LiteLLM hooks, loaded by the proxy from its generated config (`callbacks: [swerl.serve.proxy.callbacks.handler]`).

- pre-call: forward the trial id upstream (`extra_headers`), clamp `max_tokens`, drop `reasoning_effort`.
- success/failure: one `litellm-trajectory.jsonl` line per call in the trial dir (message level; the gateway's
  `tokens.jsonl` holds the token truth, joined by call id). Cheap: one small append, no headers, no keys.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from litellm.integrations.custom_logger import CustomLogger

from swerl.config.paths import trial_dir

TRIAL_HEADER = "x-swerl-trial-id"
CALL_HEADER = "x-swerl-call-id"
"""LiteLLM's call id, sent upstream so the gateway's tokens.jsonl line joins this file's line (streamed
Anthropic calls get a LiteLLM-made `msg_…` id instead of the gateway's `chatcmpl-…`)."""
TRAJECTORY_FILE = "litellm-trajectory.jsonl"
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


def _ts(t: Any) -> float | None:
    return t.timestamp() if isinstance(t, datetime) else (float(t) if isinstance(t, (int, float)) else None)


class SwerlProxyHooks(CustomLogger):
    def __init__(self) -> None:
        super().__init__()
        root = os.environ.get("SWERL_TRIALS_ROOT")
        self.trials_root = Path(root) if root else None
        cap = os.environ.get("SWERL_MAX_TOKENS_CAP")
        self.max_tokens_cap = int(cap) if cap else None

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
        line = {
            "trial_id": trial,
            "call_id": resp.get("id") if isinstance(resp, dict) else None,
            "litellm_call_id": kwargs.get("litellm_call_id"),
            "model": kwargs.get("model"),
            "stream": bool(kwargs.get("stream")),
            "request": _scrub(add.get("complete_input_dict")),
            "response": _scrub(resp) if error is None else None,
            "usage": usage,
            "error": error,
            "t_start": _ts(start),
            "t_end": _ts(end),
        }
        p = trial_dir(self.trials_root, trial) / TRAJECTORY_FILE
        p.parent.mkdir(parents=True, exist_ok=True)
        with open(p, "a") as f:
            f.write(json.dumps(line, default=str, separators=(",", ":")) + "\n")

    async def async_log_success_event(self, kwargs, response_obj, start_time, end_time):
        self._write(kwargs, response_obj, start_time, end_time, None)

    async def async_log_failure_event(self, kwargs, response_obj, start_time, end_time):
        exc = kwargs.get("exception")
        self._write(kwargs, None, start_time, end_time, f"{type(exc).__name__}: {exc}"[:500] if exc else "failed")


handler = SwerlProxyHooks()
