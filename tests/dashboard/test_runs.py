"""Runs from logs/: grouping launch + exp logs, skipping *_vllm.log and subdirectories, live vs finished."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from tests.dashboard.make_fixture import EXP, OLD_EXP, age

from swerl.dashboard.runs import LIVE_WINDOW_S, RunIndex
from swerl.run import procs


def test_groups_launch_log_with_its_exp_log_and_skips_vllm_and_subdirs(run_root: Path):
    nested = run_root / "logs" / "outputs" / "2026-11-26"
    nested.mkdir(parents=True)
    (nested / "main_ppo.log").write_text("step:1 - critic/score/mean:0.9\n")
    rows = {r["name"]: r for r in RunIndex(run_root).summaries()}
    assert set(rows) == {EXP, OLD_EXP}  # no run from the vllm log or the nested main_ppo.log
    assert rows[EXP]["files"] == [f"logs/{EXP}.log", "logs/launch_20261126-010203.log"]
    assert rows[EXP]["num_steps"] == 12 and rows[EXP]["last_step"] == 12  # the partial "step:13 - …" is not in
    assert rows[OLD_EXP]["num_steps"] == 5
    assert all(r["state"] == "finished" for r in rows.values())


def test_exp_log_values_win_over_the_launch_log(run_root: Path):
    launch = run_root / "logs" / "launch_20261126-010203.log"
    launch.write_text(launch.read_text() + "step:12 - critic/score/mean:-5.0 - only/in_launch:1.0\n")
    m = RunIndex(run_root).metrics(EXP, ["critic/score/mean", "only/in_launch"])
    assert m["series"]["critic/score/mean"][-1] > 0  # the exp log's value, not -5
    assert m["series"]["only/in_launch"][-1] == 1.0


def test_a_recently_written_log_is_running_and_an_old_one_finished(run_root: Path):
    idx = RunIndex(run_root)
    log = run_root / "logs" / f"{OLD_EXP}.log"
    with log.open("a") as f:
        f.write("step:6 - critic/score/mean:0.5\n")
    rows = {r["name"]: r for r in idx.summaries()}
    assert rows[OLD_EXP]["state"] == "running" and rows[OLD_EXP]["num_steps"] == 6
    t = time.time() - LIVE_WINDOW_S - 5
    os.utime(log, (t, t))
    assert {r["name"]: r for r in idx.summaries()}[OLD_EXP]["state"] == "finished"


def test_run_state_file_with_a_live_pid_marks_the_run_running(run_root: Path):
    """The run layer's `.swerl/run.json` names our exp and a live pid (this test process) → running even
    though the log is old; the same record with a pid that is gone → finished (no stale flag)."""
    state = run_root / ".swerl" / "run.json"
    state.parent.mkdir()
    me = os.getpid()
    state.write_text(
        json.dumps(
            {
                "pid": me,
                "pid_start": procs.start_ticks(me),
                "exp": OLD_EXP,
                "launch_log": str(run_root / "logs" / "launch_x.log"),
            }
        )
    )
    rows = {r["name"]: r["state"] for r in RunIndex(run_root).summaries()}
    assert rows == {OLD_EXP: "running", EXP: "finished"}
    state.write_text(json.dumps({"pid": me, "pid_start": (procs.start_ticks(me) or 0) + 1, "exp": OLD_EXP}))
    assert {r["name"]: r["state"] for r in RunIndex(run_root).summaries()}[OLD_EXP] == "finished"  # pid reused


def test_empty_or_missing_logs_dir(tmp_path: Path):
    assert RunIndex(tmp_path).summaries() == []
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "x_vllm.log").write_text("step:1 - a:1\n")
    assert RunIndex(tmp_path).summaries() == []
    assert RunIndex(tmp_path).metrics("nope") is None


def test_incremental_metrics_follow_a_growing_log(run_root: Path):
    idx = RunIndex(run_root)
    first = idx.metrics(OLD_EXP, ["critic/score/mean"])
    log = run_root / "logs" / f"{OLD_EXP}.log"
    with log.open("a") as f:
        f.write("step:6 - critic/score/mean:np.float64(0.75) - timing_s/step:10.0\nstep:7 - critic/sc")
    age(run_root, 0)
    new = idx.metrics(OLD_EXP, ["critic/score/mean"], since=first["steps"][-1])
    assert new["steps"] == [6] and new["series"]["critic/score/mean"] == [0.75]
    assert new["time"][0] == first["time"][-1] + 10.0  # time axis = cumulative timing_s/step
