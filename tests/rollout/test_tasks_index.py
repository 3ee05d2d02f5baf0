"""Task index: parquet rows verl can read, paths relative to the parquet, loader accepts dirs too."""

import pandas as pd
import pytest

from swerl.rollout.tasks import load_index, write_index


def test_shipped_sets_are_big_enough():
    assert len(load_index("tasks/easy")) >= 20
    assert len(load_index("tasks/swe-mini")) >= 10
    assert len(load_index("tasks")) == len(load_index("tasks/easy")) + len(load_index("tasks/swe-mini"))


def test_index_round_trip_relative_paths(tmp_path):
    out = tmp_path / "idx" / "train.parquet"
    n = write_index(["tasks/easy", "tasks/swe-mini"], out, agent_name="")
    df = pd.read_parquet(out)
    assert len(df) == n and {"prompt", "data_source", "reward_model", "extra_info", "agent_name"} <= set(df.columns)
    row = df.iloc[0]
    assert row["prompt"][0]["role"] == "user" and row["prompt"][0]["content"]
    assert not row["extra_info"]["harbor_task_path"].startswith("/")
    rows = load_index(out)
    assert [r.instance_id for r in rows] == list(df["extra_info"].map(lambda e: e["instance_id"]))
    assert all((r.task_path / "task.toml").is_file() for r in rows)


def test_bad_inputs_say_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match="swerl tasks index"):
        load_index(tmp_path / "missing.parquet")
    with pytest.raises(ValueError, match="no Harbor task dirs"):
        load_index(tmp_path)
