"""Read the key/value header of a GGUF file (only that: no tensors, no numpy) — enough for KV-head counts.

Format (v2/v3): magic `GGUF`, u32 version, u64 tensor_count, u64 kv_count, then kv_count × (string key,
u32 type, value). Little-endian. Arrays are skipped unless small.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import BinaryIO

_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
_STRING, _ARRAY = 8, 9


class GGUFError(ValueError):
    pass


def _read(f: BinaryIO, fmt: str):
    size = struct.calcsize(fmt)
    data = f.read(size)
    if len(data) != size:
        raise GGUFError("truncated GGUF header")
    return struct.unpack(fmt, data)[0]


def _string(f: BinaryIO) -> str:
    n = _read(f, "<Q")
    if n > 1 << 24:
        raise GGUFError("implausible string length in GGUF header")
    return f.read(n).decode("utf-8", errors="replace")


def _value(f: BinaryIO, kind: int):
    if kind in _SCALARS:
        return _read(f, _SCALARS[kind])
    if kind == _STRING:
        return _string(f)
    if kind == _ARRAY:
        sub, n = _read(f, "<I"), _read(f, "<Q")
        if sub in _SCALARS and n > 64:  # big arrays (vocab scores, …): skip the bytes
            f.seek(struct.calcsize(_SCALARS[sub]) * n, 1)
            return None
        items = [_value(f, sub) for _ in range(n)]
        return None if n > 64 else items
    raise GGUFError(f"unknown GGUF value type {kind}")


def read_metadata(path: Path) -> dict:
    with open(path, "rb") as f:
        if f.read(4) != b"GGUF":
            raise GGUFError(f"{path} is not a GGUF file")
        _read(f, "<I")
        _read(f, "<Q")
        n = _read(f, "<Q")
        return {_string(f): _value(f, _read(f, "<I")) for _ in range(n)}


def kv_heads(meta: dict) -> int | None:
    arch = meta.get("general.architecture")
    value = meta.get(f"{arch}.attention.head_count_kv", meta.get(f"{arch}.attention.head_count"))
    return int(value) if isinstance(value, int) else None
