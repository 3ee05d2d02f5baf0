"""Harbor task features: the ones swerl cannot run are refused with a line naming the feature, and every
candidate task is either indexed or listed as refused (counts in and out match)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from swerl.rollout.task_features import refusal, split
from swerl.rollout.tasks import load_index, load_index_checked, write_index

REPO = Path(__file__).resolve().parents[2]
GOOD = REPO / "tasks" / "easy" / "append-log"

REFUSED = {
    "gpu": ("[environment]\ngpus = 1\n", "needs accelerators"),
    "windows": ('[environment]\nos = "windows"\n', "windows"),
    "allowlist": ('[environment]\nnetwork_mode = "allowlist"\nallowed_hosts = ["example.org"]\n', "network allowlist"),
    "bad-toml": ('[environment\nworkdir = "/app"\n', "task.toml rejected by Harbor"),
    "bad-value": ('[environment]\ncpus = "many"\n', "rejected by Harbor: environment.cpus"),
}


def make(root: Path, name: str, toml: str | None = None, instruction: bool = True) -> Path:
    d = root / name
    shutil.copytree(GOOD, d)
    if toml is not None:
        (d / "task.toml").write_text('schema_version = "1.4"\n' + toml)
    if not instruction:
        (d / "instruction.md").unlink()
    return d


def test_supported_features_pass(tmp_path):
    ok = make(
        tmp_path,
        "features-we-run",
        '[agent]\nuser = "nobody"\n[verifier]\nuser = "root"\n'
        '[environment]\nworkdir = "/srv"\ncpus = 1\nmemory_mb = 512\n'
        '[environment.healthcheck]\ncommand = "true"\n',
    )
    assert refusal(ok) == ""
    assert refusal(GOOD) == ""


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_unsupported_feature_is_refused_by_name(tmp_path, name):
    toml, words = REFUSED[name]
    d = make(tmp_path, name, toml)
    why = refusal(d)
    assert words in why and "\n" not in why


def test_multi_container_and_half_made_tasks(tmp_path):
    compose = make(tmp_path, "compose")
    (compose / "environment" / "docker-compose.yaml").write_text("services: {}\n")
    assert "multi-container" in refusal(compose)
    half = make(tmp_path, "half", instruction=False)
    assert "instruction.md" in refusal(half)


def test_nothing_is_dropped_silently(tmp_path):
    root = tmp_path / "set"
    root.mkdir()
    make(root, "a-good")
    make(root, "b-gpu", REFUSED["gpu"][0])
    make(root, "c-half", instruction=False)
    (root / "not-a-task").mkdir()  # no task.toml, no instruction.md: not a candidate at all
    ok, refused = split(root)
    assert [p.name for p in ok] == ["a-good"] and sorted(r.task.name for r in refused) == ["b-gpu", "c-half"]

    out = tmp_path / "idx.parquet"
    n, bad = write_index([root], out)
    assert n == 1 and len(bad) == 2 and len(pd.read_parquet(out)) == 1  # in 3 = out 1 + refused 2
    rows, bad2 = load_index_checked(root)
    assert len(rows) + len(bad2) == 3


def test_parquet_row_whose_task_became_unrunnable_is_listed(tmp_path, capsys):
    root = tmp_path / "set"
    root.mkdir()
    make(root, "a-good")
    b = make(root, "b-later-gpu")
    out = tmp_path / "idx.parquet"
    assert write_index([root], out)[0] == 2
    (b / "task.toml").write_text('schema_version = "1.4"\n' + REFUSED["gpu"][0])
    rows = load_index(out)
    assert [r.instance_id for r in rows] == ["a-good"]
    err = capsys.readouterr().err
    assert "1 of 2 tasks" in err and "b-later-gpu: needs accelerators" in err
