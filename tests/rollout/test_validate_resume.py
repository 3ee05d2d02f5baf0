"""`swerl tasks validate` at scale: the resume rule (skip a task validated before with the same content hash and a
graded, unmasked result; re-run a changed, masked or never-seen task; --force re-runs all) on real task dirs and a
real store file, and one small real run through the CLI (real Harbor, real Docker) that a second run skips."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from swerl.rollout.tasks import load_index
from swerl.rollout.validate import TaskCheck, ValidationStore, plan, store_path, task_hash

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def task_set(tmp_path):
    d = tmp_path / "set"
    for name in ("create-hello", "create-name", "create-color"):
        shutil.copytree(REPO / "tasks" / "easy" / name, d / name)
    return d


def _check(row, digest: str, **kw) -> TaskCheck:
    return TaskCheck(**{"task_id": row.instance_id, "gold": 1.0, "nop": 0.0, "task_hash": digest, **kw})


def test_store_skips_unchanged_graded_tasks_and_reruns_the_rest(task_set):
    rows = load_index(task_set)
    by = {r.instance_id: r for r in rows}
    hello, name, color = by["create-hello"], by["create-name"], by["create-color"]
    path = store_path(task_set)
    assert path == task_set / ".swerl-validated.json"
    store = ValidationStore(path)
    store.record(_check(hello, task_hash(hello.task_path)))
    store.record(_check(name, task_hash(name.task_path), gold=None, masked=True, problem="gold masked (x)"))
    # a broken (graded) result is a verdict too: kept until the task changes
    store.record(_check(color, task_hash(color.task_path), nop=1.0, problem="no-op scored 1.0 (want 0.0)"))

    # the store file alone (a new process) gives the same plan; the store itself does not change the set's hashes
    again = ValidationStore(path)
    todo, cached = plan(rows, again)
    assert [r.instance_id for r, _ in todo] == ["create-name"]  # masked → re-run
    assert sorted(c.task_id for c in cached) == ["create-color", "create-hello"] and all(c.cached for c in cached)

    # editing a task's test changes its hash → re-run; --force → everything
    (hello.task_path / "tests" / "test.sh").write_text((hello.task_path / "tests" / "test.sh").read_text() + "\n# x\n")
    todo, cached = plan(rows, again)
    assert sorted(r.instance_id for r, _ in todo) == ["create-hello", "create-name"]
    assert [c.task_id for c in cached] == ["create-color"]
    todo, cached = plan(rows, again, force=True)
    assert len(todo) == 3 and not cached


def test_store_paths_and_unreadable_store(tmp_path):
    assert store_path(tmp_path / "train.parquet") == tmp_path / "train.parquet.validated.json"
    bad = tmp_path / "s.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="delete it"):
        ValidationStore(bad)


@pytest.mark.integration
def test_validate_cli_parallel_report_then_resumes(task_set, tmp_path):
    (task_set / "create-color").rename(tmp_path / "aside")  # two tasks: 4 trials, 4 at a time
    cmd = [sys.executable, "-m", "swerl.cli", "tasks", "validate", str(task_set), "-j", "4"]
    cmd += ["--trials-root", str(tmp_path / "trials"), "--report", str(tmp_path / "report.json")]
    first = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, timeout=300)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "2 to run" in first.stdout and "all 2 tasks grade correctly (0 cached)" in first.stdout, first.stdout
    rep = json.loads((tmp_path / "report.json").read_text())
    assert rep["tasks"] == 2 and rep["ok"] == 2 and rep["broken"] == [] and rep["run"] == 2
    stored = json.loads((task_set / ".swerl-validated.json").read_text())["tasks"]
    assert {k: (v["gold"], v["nop"]) for k, v in stored.items()} == {
        "create-hello": (1.0, 0.0),
        "create-name": (1.0, 0.0),
    }

    # break one task (its grader now always passes): only it re-runs, and it is reported broken
    t = task_set / "create-name" / "tests" / "test.sh"
    t.write_text(
        '#!/bin/bash\nR="${SWERL_SANDBOX_ROOT:-}"; mkdir -p "$R/logs/verifier"; echo 1 > "$R/logs/verifier/reward.txt"\n'
    )
    t0 = time.time()
    second = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, timeout=300)
    assert second.returncode == 1, second.stdout + second.stderr
    assert "1 unchanged since validated" in second.stdout and "1 to run" in second.stdout, second.stdout
    assert "no-op scored 1.0" in second.stdout
    rep = json.loads((tmp_path / "report.json").read_text())
    assert [b["task_id"] for b in rep["broken"]] == ["create-name"] and rep["cached"] == 1
    assert time.time() - t0 < 120
