"""OpenAI messages → chat-template text, and the canonical form used to recognise a conversation's history.

Templates without tool support (SmolLM2's plain ChatML) get the tools as a system-prompt block and earlier
tool calls rendered back in the parser's own text format, so a fresh segment shows the model what it wrote.
"""

from __future__ import annotations

import json

from swerl.serve.gateway.tool_parsers import FORMATTERS, tools_system_prompt

SENTINEL = "\u27e6swerl-reply\u27e7"
"""Stands in for the previous reply when rendering the delta after it (never tokenized)."""


def text_of(content) -> str:
    """String or list of parts (OpenAI / LiteLLM-translated Anthropic blocks, with cache_control) → text."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    out = []
    for part in content:
        if isinstance(part, str):
            out.append(part)
        elif isinstance(part, dict) and part.get("type") in ("text", "input_text", None) and "text" in part:
            out.append(str(part["text"]))
        elif isinstance(part, dict):
            out.append(f"[{part.get('type', 'part')}]")
    return "\n".join(out)


def _args(call: dict) -> dict:
    raw = (call.get("function") or {}).get("arguments", "{}")
    if isinstance(raw, dict):
        return raw
    try:
        val = json.loads(raw or "{}")
        return val if isinstance(val, dict) else {"value": val}
    except json.JSONDecodeError:
        return {"raw": raw}


def canon(msg: dict) -> str:
    """Identity of a message across re-serialization: our replies by their tool-call ids (or stripped text),
    others by role + text + tool_call_id (whitespace at the ends and cache_control parts ignored)."""
    role = msg.get("role", "")
    if role == "assistant" and msg.get("tool_calls"):
        return json.dumps(["assistant", sorted(c.get("id", "") for c in msg["tool_calls"])])
    return json.dumps([role, text_of(msg.get("content")).strip(), msg.get("tool_call_id") or ""])


def tools_key(tools: list[dict] | None) -> str:
    return json.dumps(tools or [], sort_keys=True)


class ChatRenderer:
    def __init__(self, tokenizer, parser: str):
        self.tokenizer = tokenizer
        self.parser = parser
        tmpl = tokenizer.chat_template or ""
        self.native_tools = "tools" in tmpl
        self.native_calls = "tool_calls" in tmpl

    def normalize(self, messages: list[dict], tools: list[dict] | None) -> list[dict]:
        out: list[dict] = []
        for m in messages:
            role = m.get("role", "user")
            role = "system" if role == "developer" else role
            text = text_of(m.get("content"))
            nm: dict = {"role": role, "content": text}
            if role == "assistant" and m.get("tool_calls"):
                if self.native_calls:
                    nm["tool_calls"] = [
                        {
                            "id": c.get("id"),
                            "type": "function",
                            "function": {"name": c["function"]["name"], "arguments": _args(c)},
                        }
                        for c in m["tool_calls"]
                    ]
                else:
                    calls = "\n".join(FORMATTERS[self.parser](c["function"]["name"], _args(c)) for c in m["tool_calls"])
                    nm["content"] = f"{text}\n{calls}" if text else calls
            if role == "tool":
                if m.get("tool_call_id"):
                    nm["tool_call_id"] = m["tool_call_id"]
                if not self.native_calls:
                    nm["content"] = f"<tool_response>\n{text}\n</tool_response>"
            out.append(nm)
        if tools and not self.native_tools:
            block = tools_system_prompt(self.parser, tools)
            if out and out[0]["role"] == "system":
                out[0] = {**out[0], "content": f"{out[0]['content']}\n\n{block}"}
            else:
                out.insert(0, {"role": "system", "content": block})
        return out

    def render(self, messages: list[dict], tools: list[dict] | None, add_generation_prompt: bool = True) -> str:
        kw = {"tools": tools} if (tools and self.native_tools) else {}
        return self.tokenizer.apply_chat_template(
            self.normalize(messages, tools), tokenize=False, add_generation_prompt=add_generation_prompt, **kw
        )

    def encode(self, text: str) -> list[int]:
        return self.tokenizer.encode(text, add_special_tokens=False)
