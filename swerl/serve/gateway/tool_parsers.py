"""Tool calls in sampled text ↔ OpenAI `tool_calls` — the gateway's `--tool-call-parser` (vLLM's names).

Small policies rarely write the format their chat template asks for, and a reply whose tool call does not
parse ends the agent (Claude Code stops after a text-only reply). Both parsers therefore accept every shape
below; they differ only in the format earlier calls are rendered back in (`FORMATTERS`):

- `<tool_call>{json}</tool_call>` (hermes, Qwen2.5), several per reply, the closing tag optional (a block
  then ends at the next `<tool_call>` or the end of the text), several JSON objects or a list in one block;
- `<function=name><parameter=k>v</parameter></function>` (Qwen3-Coder), inside `<tool_call>` or bare, the
  closing tags optional; `<function=name>{json}</function>` (Llama-3.1 style);
- with no tag at all and tools in the request: a fenced ```json block or a bare JSON object holding
  `name` + `arguments`.

JSON is repaired for what small models break (`repair_json`): trailing commas, single quotes, unquoted keys,
raw newlines or tabs inside strings, Python's True/False/None, invalid escapes, missing closing brackets at
the end. An
unterminated string is never completed (a command cut off by max_tokens is not run), and arguments are never
invented: `parameters` / `input` / `args` stand in for `arguments`, `arguments` given as a JSON string is
decoded (it must hold an object), and only a call with no arguments key at all gets `{}`.

Tool names are checked against the request's tools: exact, else a unique case-insensitive match, else a
unique close match (difflib ≥ 0.85); anything else is refused. A reply that attempts a call which cannot be
parsed (or names no tool of the request) keeps that text in its content and has `tool_parse == "failed"`;
the calls that did parse still go out. The token ids the engine sampled are never touched: parsing only
shapes the API answer (the gateway records `response_ids` as sampled, and `tool_parse` per call).
"""

from __future__ import annotations

import difflib
import json
import re
import secrets
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from swerl.models.trial import ToolParse  # the token record's field: ok | failed | none


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
    tool_parse: ToolParse = "none"
    errors: list[str] = []
    """Why each failed attempt failed (one short line each)."""


def new_call_id() -> str:
    return f"call_{secrets.token_hex(12)}"


# ---------------------------------------------------------------------------------------------- JSON repair

_WORDS = {"True": "true", "False": "false", "None": "null"}
_ESCAPES = set('"\\/bfnrtu')


def _after_open(out: list[str]) -> bool:
    """Is the last non-blank output a `{` or `,` (so a word there is a key)?"""
    for piece in reversed(out):
        stripped = piece.rstrip()
        if stripped:
            return stripped[-1] in "{,"
    return False


def repair_json(s: str) -> str | None:
    """`s` with the common breakages fixed (see the module docstring); None when a string is left open at the
    end (truncated: completing it would invent its end). Valid JSON comes back unchanged in meaning."""
    out: list[str] = []
    closers: list[str] = []
    quote: str | None = None
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if quote is not None:
            if c == "\\" and i + 1 < n:
                nxt = s[i + 1]
                if quote == "'" and nxt == "'":
                    out.append("'")
                elif nxt in _ESCAPES:
                    out.append(c + nxt)
                else:  # `\d`, `\.`: the model meant a literal backslash
                    out.append("\\\\" + nxt if nxt != "\n" else "\\\\\\n")
                i += 2
                continue
            if c == quote:
                out.append('"')
                quote = None
            elif c == '"':
                out.append('\\"')
            elif c == "\n":
                out.append("\\n")
            elif c == "\r":
                out.append("\\r")
            elif c == "\t":
                out.append("\\t")
            elif ord(c) < 0x20:
                out.append(f"\\u{ord(c):04x}")
            else:
                out.append(c)
            i += 1
            continue
        if c in "\"'":
            quote = c
            out.append('"')
        elif c in "{[":
            closers.append("}" if c == "{" else "]")
            out.append(c)
        elif c in "}]":
            if closers and closers[-1] == c:
                closers.pop()
            out.append(c)
        elif c == ",":
            j = i + 1
            while j < n and s[j] in " \t\r\n":
                j += 1
            if j < n and s[j] in "}]":  # trailing comma
                i += 1
                continue
            out.append(c)
        elif c.isalpha():
            j = i
            while j < n and (s[j].isalnum() or s[j] == "_"):
                j += 1
            word = s[i:j]
            k = j
            while k < n and s[k] in " \t":
                k += 1
            if k < n and s[k] == ":" and _after_open(out):  # an unquoted key: {name: "bash"}
                out.append(f'"{word}"')
            else:
                out.append(_WORDS.get(word, word))
            i = j
            continue
        else:
            out.append(c)
        i += 1
    if quote is not None:
        return None
    return "".join(out) + "".join(reversed(closers))


_DECODER = json.JSONDecoder(strict=False)


_VALUE_START = re.compile(r"[{\[]")


def _decode_from(text: str) -> tuple[list[Any], bool]:
    vals: list[Any] = []
    i = 0
    while (m := _VALUE_START.search(text, i)) is not None:
        try:
            v, i = _DECODER.raw_decode(text, m.start())
        except json.JSONDecodeError:
            # after a value, a bracket in trailing prose ("[done]") is not a broken call
            return vals, bool(vals) and not _LOOKS_LIKE_CALL.search(text, m.start())
        vals.append(v)
    return vals, True


def decode_all(s: str) -> tuple[list[Any], bool]:
    """(every JSON object/list in `s`, separated by anything that is not JSON — repaired where needed, whether
    all of them decoded). A value that starts but does not decode even repaired makes it False."""
    vals, complete = _decode_from(s)
    if complete:
        return vals, True
    fixed = repair_json(s)
    if fixed is not None:
        fixed_vals, fixed_complete = _decode_from(fixed)
        if fixed_complete or len(fixed_vals) > len(vals):
            return fixed_vals, fixed_complete
    return vals, False


def loads_lenient(s: str) -> Any:
    """One JSON value, repaired where needed; raises ValueError when there is not exactly one."""
    vals, complete = decode_all(s.strip())
    if not complete or len(vals) != 1:
        raise ValueError("not one JSON value")
    return vals[0]


# ---------------------------------------------------------------------------------------------- tool names


class ToolSpec:
    """The request's tools: names (None = any name accepted) and each one's JSON-schema properties."""

    def __init__(self, tools: list[dict] | None):
        self.props: dict[str, dict] = {}
        for t in tools or []:
            fn = t.get("function", t) if isinstance(t, dict) else {}
            if isinstance(fn, dict) and isinstance(fn.get("name"), str):
                params = fn.get("parameters") or fn.get("input_schema") or {}
                self.props[fn["name"]] = (params.get("properties") or {}) if isinstance(params, dict) else {}
        self.names: list[str] | None = list(self.props) if self.props else None

    def resolve(self, name: str) -> str | None:
        """The request's tool `name` means, or None when it names none (or more than one)."""
        name = name.strip()
        if self.names is None:
            return name or None
        if name in self.props:
            return name
        folded = [t for t in self.names if t.casefold() == name.casefold()]
        if len(folded) == 1:
            return folded[0]
        if folded:
            return None
        close = difflib.get_close_matches(name, self.names, n=2, cutoff=0.85)
        if len(close) == 1:
            return close[0]
        return None

    def param_type(self, tool: str, param: str) -> str | None:
        t = (self.props.get(tool) or {}).get(param, {})
        kind = t.get("type") if isinstance(t, dict) else None
        return kind if isinstance(kind, str) else None


# ---------------------------------------------------------------------------------------------- one call

_ARG_KEYS = ("arguments", "parameters", "input", "args")
_NAME_KEYS = ("function", "function_name", "tool_name", "tool")


class _Failed(Exception):
    pass


def _call_of(obj: Any) -> tuple[str, Any, bool] | None:
    """(name, raw arguments, arguments key present) of a call-shaped value; None when it is not one."""
    if not isinstance(obj, dict):
        return None
    fn = obj.get("function")
    if isinstance(fn, dict) and ("name" in fn or any(k in fn for k in _ARG_KEYS)):
        obj = fn
    elif "name" not in obj:  # {"function": "Bash", …}, {"function_name": …}, {"tool_name": …}, {"tool": …}
        alias = next((obj[k] for k in _NAME_KEYS if isinstance(obj.get(k), str)), None)
        if alias is not None:
            obj = {**obj, "name": alias}
    key = next((k for k in _ARG_KEYS if k in obj), None)
    if "name" not in obj:
        return None
    return obj["name"], (obj[key] if key else None), key is not None


def _arguments(raw: Any, present: bool) -> dict:
    if not present or raw is None:
        return {}
    if isinstance(raw, str):
        if not raw.strip():
            return {}
        try:
            raw = loads_lenient(raw)
        except ValueError:
            raise _Failed("arguments is a string that is not a JSON object") from None
    if not isinstance(raw, dict):
        raise _Failed(f"arguments is a {type(raw).__name__}, not an object")
    return raw


def _finish(name: Any, args: dict, spec: ToolSpec) -> ToolCall:
    if not isinstance(name, str) or not name.strip():
        raise _Failed("no tool name")
    real = spec.resolve(name)
    if real is None:
        raise _Failed(f"unknown tool {name[:60]!r}")
    return ToolCall(id=new_call_id(), name=real, arguments=json.dumps(args, ensure_ascii=False))


def _json_calls(body: str, spec: ToolSpec) -> list[ToolCall | str]:
    """The calls of a JSON tool-call body (each a ToolCall or the reason it failed)."""
    vals, complete = decode_all(_unfence(body))
    flat = [v for val in vals for v in (val if isinstance(val, list) else [val])]
    out: list[ToolCall | str] = [] if complete else ["tool call is not valid JSON (even repaired)"]
    for v in flat:
        call = _call_of(v)
        if call is None:
            out.append("JSON without a tool name")
            continue
        inner = v.get("function") if isinstance(v, dict) else None
        if isinstance(inner, dict) and isinstance(inner.get("name"), str) and isinstance(v.get("name"), str):
            if inner["name"].casefold() != v["name"].casefold():  # {"name": "Bash", "function": {"name": "Edit"…
                out.append(f"two tool names ({v['name'][:30]!r} and {inner['name'][:30]!r})")
                continue
        try:
            out.append(_finish(call[0], _arguments(call[1], call[2]), spec))
        except _Failed as exc:
            out.append(str(exc))
    return out or ["no JSON object in the tool call"]


_FENCE = re.compile(r"^\s*```[\w-]*[ \t]*\n?(.*?)(?:```\s*)?$", re.S)


def _unfence(body: str) -> str:
    m = _FENCE.match(body)
    return m.group(1) if m else body


_FUNC = re.compile(r"<function=([^>\n]+)>")
_PARAM = re.compile(r"<parameter=([^>\n]+)>(.*?)(?:</parameter>|(?=<parameter=)|(?=</function>)|\Z)", re.S)


def _param_value(raw: str, kind: str | None) -> Any:
    raw = raw[1:] if raw.startswith("\n") else raw
    raw = raw[:-1] if raw.endswith("\n") else raw
    if kind in (None, "string"):
        return raw
    try:
        return loads_lenient(raw) if kind in ("object", "array") else json.loads(raw)
    except ValueError:
        return raw


def _xml_calls(body: str, spec: ToolSpec) -> list[ToolCall | str]:
    """`<function=name>…` calls of a body (Qwen3-Coder parameters, or a JSON object as the arguments)."""
    heads = list(_FUNC.finditer(body))
    out: list[ToolCall | str] = []
    for k, m in enumerate(heads):
        end = heads[k + 1].start() if k + 1 < len(heads) else len(body)
        inner = body[m.end() : end].split("</function>", 1)[0]
        name = m.group(1).strip()
        try:
            real = spec.resolve(name)
            params = _PARAM.findall(inner)
            if params:
                args = {p.strip(): _param_value(v, spec.param_type(real or name, p.strip())) for p, v in params}
            elif inner.strip():
                args = _arguments(inner, True)
            else:
                args = {}
            out.append(_finish(name, args, spec))
        except _Failed as exc:
            out.append(str(exc))
    return out


# ---------------------------------------------------------------------------------------------- a reply

_OPEN, _CLOSE = "<tool_call>", "</tool_call>"
_FENCED = re.compile(r"```[\w-]*[ \t]*\n(.*?)```", re.S)
_LOOKS_LIKE_CALL = re.compile(
    r"(?<!\w)[\"']?(?:name|function|function_name|tool_name|tool)[\"']?\s*:.*(?<!\w)[\"']?(?:arguments|parameters)[\"']?\s*:",
    re.S,
)
_EMPTY_FENCE = re.compile(r"```[\w-]*\s*```")
_BARE_START = re.compile(r"\{\s*[\"']?(?:name|function|function_name|tool_name|tool|arguments|parameters)[\"']?\s*:")


def _tagged_blocks(text: str) -> list[tuple[int, int, str]]:
    """(start, end, body) of every `<tool_call>` block; an unclosed one ends at the next opening or the end."""
    blocks = []
    i = text.find(_OPEN)
    while i != -1:
        start = i + len(_OPEN)
        nxt = text.find(_OPEN, start)
        close = text.find(_CLOSE, start)
        if close != -1 and (nxt == -1 or close < nxt):
            blocks.append((i, close + len(_CLOSE), text[start:close]))
        else:
            stop = nxt if nxt != -1 else len(text)
            blocks.append((i, stop, text[start:stop]))
        i = nxt
    return blocks


def _bare_objects(text: str) -> list[tuple[int, int, str]]:
    """Spans of call-looking JSON objects outside any fence: from a `{"name":`-like start to its balanced end
    (or the end of the text)."""
    spans = []
    i = 0
    while (m := _BARE_START.search(text, i)) is not None:
        depth, j, quote = 0, m.start(), None
        while j < len(text):
            c = text[j]
            if quote:
                if c == "\\":
                    j += 1
                elif c == quote:
                    quote = None
            elif c in "\"'":
                quote = c
            elif c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        end = min(j + 1, len(text))
        spans.append((m.start(), end, text[m.start() : end]))
        i = end
    return spans


def _untagged_call(body: str, spec: ToolSpec) -> bool:
    """Does untagged JSON attempt a call: a value with a name and an arguments key (or naming a tool of the
    request), or broken JSON with `name` and `arguments` keys? JSON that is no call — the model showing a
    package.json — is not an attempt."""
    vals, complete = decode_all(body)
    for v in (v for val in vals for v in (val if isinstance(val, list) else [val])):
        call = _call_of(v)
        if call is not None and (call[2] or (isinstance(call[0], str) and spec.resolve(call[0]) is not None)):
            return True
    return not complete and bool(_LOOKS_LIKE_CALL.search(body))


def parse_tool_calls(text: str, tools: list[dict] | None = None) -> Parsed:
    """The robust parser behind both `hermes` and `qwen3_coder` (the formats in the module docstring)."""
    spec = ToolSpec(tools)
    results: list[tuple[int, int, list[ToolCall | str]]] = []
    tagged = _tagged_blocks(text)
    if tagged:
        for s, e, body in tagged:
            results.append((s, e, _xml_calls(body, spec) if _FUNC.search(body) else _json_calls(body, spec)))
    elif (first := _FUNC.search(text)) is not None:
        results.append((first.start(), len(text), _xml_calls(text[first.start() :], spec)))
    elif spec.names is not None:  # untagged JSON is a call only when the request offers tools
        for m in _FENCED.finditer(text):
            if _untagged_call(m.group(1), spec):
                results.append((m.start(), m.end(), _json_calls(m.group(1), spec)))
        if not results:
            results = [
                (s, e, _json_calls(body, spec)) for s, e, body in _bare_objects(text) if _untagged_call(body, spec)
            ]
    calls = [c for _, _, rs in results for c in rs if isinstance(c, ToolCall)]
    errors = [c for _, _, rs in results for c in rs if isinstance(c, str)]
    outcome: ToolParse = "failed" if errors else ("ok" if calls else "none")
    if not calls:
        return Parsed(content=text, tool_parse=outcome, errors=errors)
    # content: the text outside the spans that parsed; a span with a failed call stays visible
    keep, pos = [], 0
    for s, e, rs in results:
        if any(isinstance(c, ToolCall) for c in rs) and not any(isinstance(c, str) for c in rs):
            keep.append(text[pos:s])
            pos = e
    keep.append(text[pos:])
    content = _EMPTY_FENCE.sub("", "".join(keep)).strip()  # ```json <tool_call>…</tool_call> ```: the fence too
    return Parsed(content=content, tool_calls=calls, tool_parse=outcome, errors=errors)


def parse_hermes(text: str, tools: list[dict] | None = None) -> Parsed:
    return parse_tool_calls(text, tools)


def parse_qwen3_coder(text: str, tools: list[dict] | None = None) -> Parsed:
    return parse_tool_calls(text, tools)


def parse_none(text: str, tools: list[dict] | None = None) -> Parsed:
    return Parsed(content=text)


def format_hermes(name: str, arguments: dict) -> str:
    return f"<tool_call>\n{json.dumps({'name': name, 'arguments': arguments})}\n</tool_call>"


def format_qwen3_coder(name: str, arguments: dict) -> str:
    params = "".join(
        f"<parameter={k}>\n{v if isinstance(v, str) else json.dumps(v)}\n</parameter>\n" for k, v in arguments.items()
    )
    return f"<tool_call>\n<function={name}>\n{params}</function>\n</tool_call>"


Parser = Callable[[str, "list[dict] | None"], Parsed]
"""(decoded reply text, the request's tools or None) → content + tool calls + outcome."""

PARSERS: dict[str, Parser] = {
    "hermes": parse_hermes,
    "qwen3_coder": parse_qwen3_coder,
    "none": parse_none,
}
FORMATTERS: dict[str, Callable[[str, dict], str]] = {
    "hermes": format_hermes,
    "qwen3_coder": format_qwen3_coder,
    "none": format_hermes,
}


def get_parser(name: str) -> Parser:
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
