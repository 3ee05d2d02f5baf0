"""Tool calls in sampled text ↔ OpenAI `tool_calls` — the gateway's `--tool-call-parser` (vLLM's names).

A parser mismatch with the model's format shows up as zero tool calls (SPEC: all-zero response masks), so
parsing is strict about structure but forgiving about whitespace; unparseable blocks stay in the content.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable

from pydantic import BaseModel


class ToolCall(BaseModel):
    id: str
    name: str
    arguments: str
    """JSON object text, as OpenAI sends it."""

    def openai(self) -> dict:
        return {"id": self.id, "type": "function", "function": {"name": self.name, "arguments": self.arguments}}


class Parsed(BaseModel):
    content: str
    tool_calls: list[ToolCall] = []


def new_call_id() -> str:
    return f"call_{secrets.token_hex(12)}"


_HERMES = re.compile(r"<tool_call>\s*(.*?)\s*</tool_call>", re.S)


def parse_hermes(text: str) -> Parsed:
    calls: list[ToolCall] = []
    for body in _HERMES.findall(text):
        try:
            obj = json.loads(body)
            name, args = obj["name"], obj.get("arguments", obj.get("parameters", {}))
        except (json.JSONDecodeError, KeyError, TypeError):
            continue
        calls.append(ToolCall(id=new_call_id(), name=str(name), arguments=json.dumps(args if args is not None else {})))
    content = text.split("<tool_call>", 1)[0].strip() if calls else text
    return Parsed(content=content, tool_calls=calls)


_Q3_CALL = re.compile(r"<tool_call>\s*<function=([^>\s]+)>(.*?)</function>\s*</tool_call>", re.S)
_Q3_PARAM = re.compile(r"<parameter=([^>\s]+)>\n?(.*?)\n?</parameter>", re.S)


def _q3_value(raw: str):
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw


def parse_qwen3_coder(text: str) -> Parsed:
    calls = [
        ToolCall(
            id=new_call_id(), name=name, arguments=json.dumps({k: _q3_value(v) for k, v in _Q3_PARAM.findall(body)})
        )
        for name, body in _Q3_CALL.findall(text)
    ]
    content = text.split("<tool_call>", 1)[0].strip() if calls else text
    return Parsed(content=content, tool_calls=calls)


def parse_none(text: str) -> Parsed:
    return Parsed(content=text)


def format_hermes(name: str, arguments: dict) -> str:
    return f"<tool_call>\n{json.dumps({'name': name, 'arguments': arguments})}\n</tool_call>"


def format_qwen3_coder(name: str, arguments: dict) -> str:
    params = "".join(
        f"<parameter={k}>\n{v if isinstance(v, str) else json.dumps(v)}\n</parameter>\n" for k, v in arguments.items()
    )
    return f"<tool_call>\n<function={name}>\n{params}</function>\n</tool_call>"


PARSERS: dict[str, Callable[[str], Parsed]] = {
    "hermes": parse_hermes,
    "qwen3_coder": parse_qwen3_coder,
    "none": parse_none,
}
FORMATTERS: dict[str, Callable[[str, dict], str]] = {
    "hermes": format_hermes,
    "qwen3_coder": format_qwen3_coder,
    "none": format_hermes,
}


def get_parser(name: str) -> Callable[[str], Parsed]:
    if name not in PARSERS:
        raise ValueError(f"unknown tool_call_parser {name!r} — use one of: {', '.join(PARSERS)}")
    return PARSERS[name]


def tools_system_prompt(parser: str, tools: list[dict]) -> str:
    """Tool descriptions for chat templates that ignore `tools` (SmolLM2's): Hermes-style block."""
    specs = "\n".join(json.dumps(t.get("function", t)) for t in tools)
    example = FORMATTERS[parser]("<function-name>", {"<arg>": "<value>"})
    return (
        "# Tools\n\nYou may call one or more functions to assist with the user query.\n"
        f"You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n{specs}\n</tools>\n\n"
        f"For each function call, answer in this format:\n{example}"
    )
