"""JSON on the serving hot path (gateway bodies and answers, the vLLM client's requests and replies): orjson where
it gives exactly what `json` gives, `json` itself where it would not.

`loads(raw)` parses to the objects `json.loads` returns: orjson refuses what `json` accepts (NaN, ±Infinity, 1e400,
lone surrogates → `json` parses it) and reads an integer beyond 64 bits (19+ digits) as a float, so a body with a
run of 19 digits anywhere goes to `json`. `dumps(obj)` writes the bytes `JSONResponse` renders
(`ensure_ascii=False`, no NaN, compact separators) for what answers and requests hold (str keys, str, int, bool,
None, lists); what orjson refuses (an int beyond 64 bits, a NaN) is written by `json`.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_DIGITS = bytes(49 if 48 <= b <= 57 else 48 for b in range(256))
"""`raw.translate(_DIGITS)`: every ASCII digit → b"1", every other byte → b"0" (a digit-run search at C speed)."""
_LONG_RUN = b"1" * 19


def loads(raw: bytes) -> Any:
    if _LONG_RUN not in raw.translate(_DIGITS):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    return json.loads(raw)


def dumps(obj: Any) -> bytes:
    try:
        return orjson.dumps(obj)
    except (orjson.JSONEncodeError, TypeError):
        return json.dumps(obj, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")
