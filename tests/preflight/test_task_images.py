"""Preflight: tasks that name a prebuilt image the Docker daemon lacks are reported before launch."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

from swerl.rollout.images import BASE_PY

REPO = Path(__file__).resolve().parents[2]
SWERL = str(REPO / ".venv" / "bin" / "swerl")


def _task(root: Path, name: str, image: str) -> Path:
    t = root / name
    shutil.copytree(REPO / "tasks" / "swe-mini" / "clamp-swapped", t)
    shutil.rmtree(t / "environment" / "repo")
    (t / "environment" / "Dockerfile").unlink()
    (t / "task.toml").write_text(
        (t / "task.toml").read_text().replace("[environment]\n", f'[environment]\ndocker_image = "{image}"\n')
    )
    return t


def test_missing_prebuilt_images_block_with_count_and_fix(make_config, tmp_path, run_dryrun, blocking_lines):
    tasks = tmp_path / "set"
    _task(tasks, "present", BASE_PY)
    for n in range(4):
        _task(tasks, f"absent-{n}", f"swerl-fixture/absent-{n % 2}:never")
    code, text = run_dryrun(make_config({"data.train_index": str(tasks)}))
    line = next(ln for ln in blocking_lines(text) if "task images" in ln)
    assert code == 1
    assert "2/3 prebuilt images missing on the daemon (4 tasks)" in line
    assert "swerl-fixture/absent-0:never, swerl-fixture/absent-1:never" in line
    assert f"swerl sandbox pull {tasks}" in line
    r = subprocess.run([SWERL, "sandbox", "pull", str(tasks), "--check"], capture_output=True, text=True)
    assert r.returncode == 1 and "5 tasks need 3 prebuilt image(s): 1 present, 2 missing" in r.stdout


def test_all_images_present_passes_and_shipped_sets_ask_nothing(make_config, tmp_path, run_dryrun):
    tasks = tmp_path / "set"
    _task(tasks, "present", BASE_PY)
    code, text = run_dryrun(make_config({"data.train_index": str(tasks)}))
    assert "task images  (1 prebuilt image(s) present)" in text
    t0 = time.monotonic()
    code, text = run_dryrun(make_config())  # tasks/easy builds Dockerfiles: no image listing at all
    assert "task images" not in text and code == 0, text
    assert time.monotonic() - t0 < 30
