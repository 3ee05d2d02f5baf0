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
    """The latest *complete* `global_step_N` (marker first, else the newest complete one), or ""."""
    from swerl.models.checkpoint import latest_step, step_dir

    step = latest_step(ckpt_dir)
    return str(step_dir(ckpt_dir, step)) if step is not None else ""
