"""Facts about the code that ran: git SHA + dirty flag, package versions, latest checkpoint."""

from __future__ import annotations

import subprocess
from importlib import metadata
from pathlib import Path

PACKAGES = ("swerl", "verl", "vllm", "litellm", "harbor", "torch", "transformers", "ray")


def repo_root() -> Path:
    return Path(__file__).resolve().parents[2]


def git_info(root: Path | None = None) -> dict:
    root = root or repo_root()

    def git(*args: str) -> str:
        r = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=20)
        return r.stdout.strip() if r.returncode == 0 else ""

    sha = git("rev-parse", "HEAD")
    return {"sha": sha or None, "dirty": bool(git("status", "--porcelain", "--untracked-files=no")) if sha else None}


def package_versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def latest_checkpoint(ckpt_dir: Path) -> str:
    """`global_step_N` named by verl's `latest_checkpointed_iteration.txt` (else the highest one), or ""."""
    marker = ckpt_dir / "latest_checkpointed_iteration.txt"
    try:
        step = int(marker.read_text().strip())
        cand = ckpt_dir / f"global_step_{step}"
        if cand.exists():
            return str(cand)
    except (OSError, ValueError):
        pass
    steps = sorted(
        (int(p.name.split("_")[-1]), p) for p in ckpt_dir.glob("global_step_*") if p.name.split("_")[-1].isdigit()
    )
    return str(steps[-1][1]) if steps else ""
