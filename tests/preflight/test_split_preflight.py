"""Preflight on split sets: a `data.train_index split` line with the train/held-out counts; an index that would
train on held-out tasks, or names an unknown split, blocks the launch with one line."""

from __future__ import annotations

from pathlib import Path

from swerl.models.task_split import TaskSplit

REPO = Path(__file__).resolve().parents[2]


def test_preflight_counts_and_refuses_heldout_training(make_config, run_dryrun, blocking_lines):
    code, text = run_dryrun(make_config({"data.train_index": str(REPO / "tasks/easy")}))
    easy = TaskSplit.read(REPO / "tasks/easy")
    n, h = len(easy.train) + len(easy.heldout), len(easy.heldout)
    assert f"train split: {len(easy.train)} of {n} tasks ({n - h} train / {h} held out)" in text
    assert not [ln for ln in blocking_lines(text) if "data.train_index" in ln]
    code, text = run_dryrun(make_config({"data.train_index": f"{REPO / 'tasks/easy'}:heldout"}))
    line = next(ln for ln in blocking_lines(text) if "data.train_index split" in ln)
    assert "held-out task(s) would be trained on" in line and code == 1
    code, text = run_dryrun(make_config({"data.train_index": f"{REPO / 'tasks/easy'}:bogus"}))
    assert any("unknown split 'bogus'" in ln for ln in blocking_lines(text)) and code == 1
