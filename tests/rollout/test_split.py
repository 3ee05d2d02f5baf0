"""Fixed train/held-out splits: each shipped set's split.json is the deterministic hash split of exactly its task
dirs; the train view (a set's path, as `data.train_index` loads it) never yields a held-out task, from a dir or a
parquet; `PATH:heldout` loads exactly the held-out ones; bad split names and unlisted tasks are one-line errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from swerl.models.task_split import SPLIT_FILE, TaskSplit, heldout_by_hash, parse_spec
from swerl.rollout.tasks import load_index, load_index_checked, write_index

REPO = Path(__file__).resolve().parents[2]
SETS = ("easy", "shell-mid", "swe-mini")


def names_of(rows) -> set[str]:
    return {r.instance_id for r in rows}


@pytest.mark.parametrize("name", SETS)
def test_shipped_split_is_deterministic_disjoint_and_complete(name):
    root = REPO / "tasks" / name
    tasks = sorted(p.name for p in root.iterdir() if (p / "task.toml").is_file())
    sp = TaskSplit.read(root)
    assert sp is not None
    assert not set(sp.train) & set(sp.heldout)
    assert sorted(sp.train + sp.heldout) == tasks  # every task dir, each once
    assert sp == TaskSplit.of(tasks) == TaskSplit.of(list(reversed(tasks)))  # the rule, not a hand edit
    assert 0.1 * len(tasks) <= len(sp.heldout) <= 0.4 * len(tasks)
    assert json.loads((root / SPLIT_FILE).read_text()) == {"train": sp.train, "heldout": sp.heldout}


def test_a_tasks_side_depends_on_its_name_only():
    names = [f"task-{i}" for i in range(200)]
    small, big = TaskSplit.of(names[:50]), TaskSplit.of(names)
    assert set(small.heldout) == set(big.heldout) & set(names[:50])
    assert all(heldout_by_hash(n) == (n in big.heldout) for n in names)
    assert 30 <= len(big.heldout) <= 70  # ~25% of 200


@pytest.mark.parametrize("name", SETS)
def test_train_view_never_yields_heldout_and_heldout_view_is_exact(name):
    root = REPO / "tasks" / name
    sp = TaskSplit.read(root)
    train = load_index(root)  # what data.train_index: tasks/<set> trains on
    assert names_of(train) == set(sp.train) and not names_of(train) & set(sp.heldout)
    assert names_of(load_index(f"{root}:train")) == set(sp.train)
    held = load_index(f"{root}:heldout")
    assert names_of(held) == set(sp.heldout) and {r.split for r in held} == {"heldout"}
    assert names_of(load_index(f"{root}:all")) == set(sp.train) | set(sp.heldout)
    # the tools' loader (validate, pull) sees every task unless told otherwise
    assert names_of(load_index_checked(root)[0]) == set(sp.train) | set(sp.heldout)


def test_dir_of_sets_and_parquet_indexes_honour_the_split(tmp_path):
    held = set().union(*(TaskSplit.read(REPO / "tasks" / s).heldout for s in SETS))
    assert not names_of(load_index(REPO / "tasks")) & held
    assert names_of(load_index(f"{REPO / 'tasks'}:heldout")) == held
    # `swerl tasks index` writes either split; rows carry their side
    train_pq, held_pq, all_pq = tmp_path / "train.parquet", tmp_path / "held.parquet", tmp_path / "all.parquet"
    write_index([REPO / "tasks/easy", REPO / "tasks/swe-mini"], train_pq)
    write_index([f"{REPO / 'tasks/easy'}:heldout"], held_pq)
    write_index([f"{REPO / 'tasks/easy'}:all"], all_pq)
    sides = set(pd.read_parquet(train_pq)["extra_info"].map(lambda e: e["task_split"]))
    assert sides == {"train"}
    info = pd.read_parquet(held_pq)["extra_info"]
    assert set(info.map(lambda e: e["task_split"])) == {"heldout"}
    assert set(info.map(lambda e: e["split"])) == {"train"}  # the role label verl's agent loop reads, unchanged
    easy = TaskSplit.read(REPO / "tasks/easy")
    assert names_of(load_index(held_pq, default="all")) == set(easy.heldout)
    assert names_of(load_index(f"{held_pq}:heldout")) == set(easy.heldout)
    # a parquet holding held-out rows still trains only on its train rows when loaded without a suffix
    assert names_of(load_index(all_pq)) == set(easy.train)
    with pytest.raises(ValueError, match="none of its .* row\\(s\\) is in the train split"):
        load_index(held_pq)


def test_bad_split_name_is_one_line_error(tmp_path):
    for bad in ("tasks/easy:test", "tasks/easy:"):
        with pytest.raises(ValueError) as e:
            load_index(REPO / bad)
        msg = str(e.value)
        assert "\n" not in msg and "unknown split" in msg and ":heldout" in msg
    with pytest.raises(ValueError, match="unknown split"):
        write_index([REPO / "tasks/easy:nope"], tmp_path / "x.parquet")
    assert parse_spec(REPO / "tasks/easy") == (REPO / "tasks/easy", None)  # a real path is never split


def test_copied_set_unlisted_task_and_missing_split(tmp_path):
    s = tmp_path / "set"
    for n in ("create-hello", "fix-echo", "append-log"):
        shutil.copytree(REPO / "tasks/easy" / n, s / n)
    # no split.json: all train, no held-out split
    assert len(load_index(s)) == 3
    with pytest.raises(ValueError, match="has no split.json"):
        load_index(f"{s}:heldout")
    TaskSplit(train=["create-hello", "fix-echo"], heldout=["append-log"]).write(s)
    assert names_of(load_index(s)) == {"create-hello", "fix-echo"}
    assert names_of(load_index(f"{s}:heldout")) == {"append-log"}
    with pytest.raises(ValueError, match="left out: name .*:heldout"):
        load_index(s / "append-log")  # a held-out task dir on its own is not trained on either
    shutil.copytree(REPO / "tasks/easy/create-name", s / "create-name")
    with pytest.raises(ValueError, match="split.json does not list create-name"):
        load_index(s)
    (s / SPLIT_FILE).write_text('{"train": ["a"], "heldout": ["a"]}')
    with pytest.raises(ValueError) as e:
        load_index(s)
    assert "\n" not in str(e.value) and "not a valid split" in str(e.value)
