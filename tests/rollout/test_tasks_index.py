"""Task index: parquet rows verl can read, paths relative to the parquet, loader accepts dirs too."""

from pathlib import Path

import pandas as pd
import pytest

from swerl.rollout.tasks import load_index, write_index


def test_shipped_sets_are_big_enough():
    assert len(load_index("tasks/easy")) >= 20
    assert len(load_index("tasks/swe-mini")) >= 10
    assert len(load_index("tasks/shell-mid")) >= 15
    sets = ("tasks/easy", "tasks/shell-mid", "tasks/swe-mini")
    assert len(load_index("tasks")) == sum(len(load_index(s)) for s in sets)


def test_index_round_trip_relative_paths(tmp_path):
    out = tmp_path / "idx" / "train.parquet"
    n, refused = write_index(["tasks/easy", "tasks/swe-mini"], out, agent_name="")
    assert refused == []
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
    with pytest.raises(ValueError, match="no runnable Harbor task dirs"):
        load_index(tmp_path)


def test_index_agent_columns_and_absolute_rows(tmp_path):
    """verl reads `agent_name` as the agent-loop name; the Harbor agent rides in extra_info.harbor_agent."""
    from swerl.rollout.tasks import VERL_AGENT_LOOP, write_rows

    out = tmp_path / "a" / "train.parquet"
    write_index(["tasks/easy"], out, agent_name="oracle")
    df = pd.read_parquet(out)
    assert set(df["agent_name"]) == {VERL_AGENT_LOOP}
    assert set(df["extra_info"].map(lambda e: e["harbor_agent"])) == {"oracle"}
    rows = load_index(out)
    assert {r.agent_name for r in rows} == {"oracle"}
    # absolute rows (what `swerl train` hands verl): readable from any cwd, no parquet dir needed
    absp = tmp_path / "b" / "verl.parquet"
    write_rows(rows, absp, relative=False)
    paths = pd.read_parquet(absp)["extra_info"].map(lambda e: e["harbor_task_path"])
    assert all(p.startswith("/") and (Path(p) / "task.toml").is_file() for p in paths)
    assert [r.task_path for r in load_index(absp)] == [r.task_path for r in rows]
    # an old index (Harbor agent in the agent_name column, no harbor_agent) still loads
    old = pd.read_parquet(out)
    old["extra_info"] = [{k: v for k, v in e.items() if k != "harbor_agent"} for e in old["extra_info"]]
    old["agent_name"] = "nop"
    old.to_parquet(tmp_path / "a" / "old.parquet")
    assert {r.agent_name for r in load_index(tmp_path / "a" / "old.parquet")} == {"nop"}
