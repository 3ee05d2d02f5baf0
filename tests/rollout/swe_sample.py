"""A small SWE-bench-format sample built locally from the swe-mini repos (no registry is reachable here).

Per swe-mini task: a git repo with the buggy code as the base commit and the fix as a later commit on `main`
(HEAD detached at the base, as SWE-bench images leave it — so the fix IS reachable through history in the
source image), `patch` = the fix, `test_patch` = adding the task's hidden tests, FAIL_TO_PASS / PASS_TO_PASS
as pytest node ids, and a per-instance image `swerl-fixture/sweb.eval.<name>:latest` = swerl/base-py + the repo at
/testbed. Rows are SWE-bench's columns (FAIL_TO_PASS JSON-encoded, as on the Hub) plus `image_name`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tomllib
from pathlib import Path

from swerl.rollout.images import BASE_PY, build_base_py, image_exists

SWE_MINI = Path(__file__).resolve().parents[2] / "tasks" / "swe-mini"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "swerl",
    "GIT_AUTHOR_EMAIL": "swerl@example.invalid",
    "GIT_COMMITTER_NAME": "swerl",
    "GIT_COMMITTER_EMAIL": "swerl@example.invalid",
    "GIT_AUTHOR_DATE": "2024-01-01T00:00:00Z",
    "GIT_COMMITTER_DATE": "2024-01-01T00:00:00Z",
}


def _git(repo: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV, "GIT_CONFIG_GLOBAL": "/dev/null"}
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env).stdout


def build_instance(name: str, work: Path) -> dict:
    """One row (and its image) from tasks/swe-mini/<name>; returns the row plus `_fix_commit` for guard tests."""
    task = SWE_MINI / name
    meta = tomllib.loads((task / "task.toml").read_text())["metadata"]
    repo = work / name / "testbed"
    shutil.rmtree(work / name, ignore_errors=True)
    shutil.copytree(task / "environment" / "repo", repo)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", f"{name}: base")
    base = _git(repo, "rev-parse", "HEAD").strip()
    hidden = repo / "tests" / "test_hidden.py"
    shutil.copy(task / "tests" / "test_hidden.py", hidden)
    _git(repo, "add", "tests/test_hidden.py")
    test_patch = _git(repo, "diff", "--cached")
    _git(repo, "rm", "-q", "--cached", "tests/test_hidden.py")
    hidden.unlink()
    root = work / name / "solve-root"
    root.mkdir()
    (root / "app").symlink_to(repo)
    subprocess.run(
        ["bash", str(task / "solution" / "solve.sh")], check=True, env={**os.environ, "SWERL_SANDBOX_ROOT": str(root)}
    )
    patch = _git(repo, "diff")
    _git(repo, "commit", "-qam", f"{name}: the fix (future history an agent must not see)")
    fix = _git(repo, "rev-parse", "HEAD").strip()
    _git(repo, "-c", "advice.detachedHead=false", "checkout", "-q", "--detach", base)
    image = f"swerl-fixture/sweb.eval.{name}:latest"
    ctx = work / name
    (ctx / "Dockerfile").write_text(f"FROM {BASE_PY}\nCOPY testbed/ /testbed/\nWORKDIR /testbed\n")
    subprocess.run(
        ["docker", "build", "--network", "none", "-q", "-t", image, str(ctx)], check=True, capture_output=True
    )
    node = "tests/test_hidden.py::"
    return {
        "instance_id": f"swerl-mini__{name}-1",
        "repo": f"swerl-mini/{name}",
        "base_commit": base,
        "problem_statement": (task / "instruction.md").read_text().split("Bug report:", 1)[-1].strip(),
        "patch": patch,
        "test_patch": test_patch,
        "FAIL_TO_PASS": json.dumps([node + t for t in meta["fail_to_pass"]]),
        "PASS_TO_PASS": json.dumps([node + t for t in meta["pass_to_pass"]]),
        "hints_text": "",
        "created_at": "2024-01-01T00:00:00Z",
        "version": "0.1",
        "environment_setup_commit": base,
        "image_name": image,
        "_fix_commit": fix,
    }


def build_sample(work: Path, names: tuple[str, ...] = ("clamp-swapped", "mean-off-by-one")) -> list[dict]:
    if not image_exists(BASE_PY):
        build_base_py()
    return [build_instance(n, work) for n in names]


def write_jsonl(rows: list[dict], path: Path) -> Path:
    path.write_text("".join(json.dumps({k: v for k, v in r.items() if not k.startswith("_")}) + "\n" for r in rows))
    return path
