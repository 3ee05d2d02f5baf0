"""One message shape for the browser, from OpenAI chat messages or Anthropic content blocks.

Shape: `{role, content: str, tool_calls: [{id, name, arguments: str}], tool_call_id?, name?}`. An Anthropic
user message made of `tool_result` blocks becomes `role: tool` (one message; results joined).
"""

from __future__ import annotations

import json
from typing import Any


def _text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for b in content:
            if isinstance(b, dict):
                if b.get("type") in ("text", "input_text", "output_text"):
                    parts.append(str(b.get("text", "")))
                elif b.get("type") == "tool_result":
                    parts.append(_text(b.get("content")))
                elif b.get("type") == "thinking":
                    parts.append(f"[thinking] {b.get('thinking', '')}")
                elif b.get("type") == "image_url" or b.get("type") == "image":
                    parts.append("[image]")
            else:
                parts.append(str(b))
        return "\n".join(p for p in parts if p)
    return json.dumps(content)


def _args(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def normalize_message(m: Any) -> dict:
    if not isinstance(m, dict):
        return {"role": "unknown", "content": str(m), "tool_calls": []}
    out: dict = {"role": str(m.get("role", "unknown")), "content": _text(m.get("content")), "tool_calls": []}
    for tc in m.get("tool_calls") or []:
        fn = tc.get("function") or {}
        out["tool_calls"].append(
            {"id": tc.get("id", ""), "name": fn.get("name", ""), "arguments": _args(fn.get("arguments", ""))}
        )
    blocks = m.get("content") if isinstance(m.get("content"), list) else []
    for b in blocks:
        if isinstance(b, dict) and b.get("type") == "tool_use":
            out["tool_calls"].append(
                {"id": b.get("id", ""), "name": b.get("name", ""), "arguments": _args(b.get("input", {}))}
            )
    results = [b for b in blocks if isinstance(b, dict) and b.get("type") == "tool_result"]
    if results and out["role"] == "user":
        out["role"] = "tool"
        out["tool_call_id"] = ",".join(str(b.get("tool_use_id", "")) for b in results)
    if m.get("tool_call_id"):
        out["tool_call_id"] = m["tool_call_id"]
    if m.get("name"):
        out["name"] = m["name"]
    return out


def normalize_response(rec: dict) -> dict:
    """The model's reply of one logged call: OpenAI `choices[0].message`, Anthropic `content` blocks, or a bare message."""
    resp = rec.get("response")
    if resp is None:
        resp = rec.get("response_message") or rec.get("output") or {}
    if isinstance(resp, str):
        return {"role": "assistant", "content": resp, "tool_calls": [], "finish_reason": None}
    if not isinstance(resp, dict):
        return {"role": "assistant", "content": "", "tool_calls": [], "finish_reason": None}
    choices = resp.get("choices")
    if isinstance(choices, list) and choices:
        c0 = choices[0] or {}
        msg = normalize_message(c0.get("message") or {"role": "assistant", "content": c0.get("text", "")})
        msg["finish_reason"] = c0.get("finish_reason")
        return msg
    if isinstance(resp.get("content"), list) and resp.get("type") == "message":  # Anthropic
        msg = normalize_message({"role": "assistant", "content": resp["content"]})
        msg["finish_reason"] = resp.get("stop_reason")
        return msg
    msg = normalize_message({"role": "assistant", **resp})
    msg["finish_reason"] = resp.get("finish_reason")
    return msg
