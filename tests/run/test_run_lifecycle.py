"""Real launches of the real launcher (start.sh → train_1node_cc.sh → stand-in trainer) in a temp output root:
background run → status → refusal → stop → `interrupted`; completed, failed and kill -9 runs; the gate."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
import yaml

from swerl.run import procs
from swerl.run.index import read_index
from swerl.run.state import read_state

pytestmark = pytest.mark.integration


def _out(cfg: Path) -> Path:
    return cfg.parent / "out"


def _wait(cond, timeout=20.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.2)
    return cond()


def _grep_tree(root: Path, needle: str) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_text(errors="replace")]


def test_background_status_refuse_stop(run_env, cli, monkeypatch, secret):
    monkeypatch.setenv("FAKE_STEPS", "1000")
    monkeypatch.setenv("FAKE_SLEEP", "0.2")
    r = cli("run", "--config", str(run_env), "--yes")
    assert r.exit_code == 0, r.output
    assert "┌─ Run Configuration" in r.output and "Launched (background)" in r.output
    out = _out(run_env)
    st = read_state(out / ".swerl" / "run.json")
    assert st and st.run_id == "run_001" and st.pgid == st.pid and st.launcher_alive()
    assert st.exp.startswith("harbor-cc-sync-1n-") and st.exp in r.output
    assert st.sandbox_label == f"swerl.run={st.exp}"
    assert read_index(out / "artifacts" / "index.yaml")[-1].status == "running"
    assert _wait(lambda: read_state(out / ".swerl" / "run.json").trainer_alive())

    assert _wait(lambda: "critic/score/mean=" in cli("status", "--config", str(run_env)).output)
    s = cli("status", "--config", str(run_env))
    assert s.output.startswith("training  run_001") and f"pid {st.pid}" in s.output
    assert "critic/score/mean=" in s.output and "litellm warming" in s.output

    again = cli("run", "--config", str(run_env), "--yes")
    assert again.exit_code == 1 and "already in flight" in again.output and str(st.pid) in again.output
    refused = cli("clean", "--config", str(run_env))
    assert refused.exit_code == 1 and "is live" in refused.output

    trainer = read_state(out / ".swerl" / "run.json").train_pid
    stop = cli("stop", "--config", str(run_env), "--timeout", "600")  # a ceiling: stop returns when it exits
    assert stop.exit_code == 0, stop.output
    assert "escalat" not in stop.output and "SIGTERM" not in stop.output  # SIGINT was enough
    assert not procs.alive(st.pid, st.pid_start) and not procs.alive(trainer)
    row = read_index(out / "artifacts" / "index.yaml")[-1]
    assert row.id == "run_001" and row.status == "interrupted" and row.completed_at
    arc = out / "artifacts" / "archives" / "run_001"
    for rel in ("config.yaml", "metadata.yaml", "scripts/start.sh", "scripts/train_1node_cc.sh"):
        assert (arc / rel).is_file(), rel
    assert list((arc / "logs").glob("launch_*.log.tail"))
    assert list((arc / "trajectory_sample").glob("*/litellm-trajectory.jsonl"))
    assert _grep_tree(arc, secret) == []
    assert (
        "<redacted>" in (arc / "config.yaml").read_text() and "# must never reach" in (arc / "config.yaml").read_text()
    )
    meta = yaml.safe_load((arc / "metadata.yaml").read_text())
    assert meta["status"] == "interrupted" and meta["git"]["sha"] and meta["packages"]["swerl"]
    assert meta["final_step"] >= 1 and "critic/score/mean" in meta["final_metrics"]
    assert not list(arc.rglob("global_step_*")), "checkpoints must never be archived"
    idle = cli("status", "--config", str(run_env))
    assert idle.output.startswith("idle") and "run_001 interrupted" in idle.output


def test_completed_then_failed_runs(run_env, cli, monkeypatch):
    monkeypatch.setenv("FAKE_STEPS", "2")
    before = run_env.read_text()
    r = cli("run", "--config", str(run_env), "--yes", "--foreground")
    assert r.exit_code == 0, r.output
    after = run_env.read_text()
    assert after.startswith(before), "runtime_info.output is added; every other line (comments too) stays"
    handoff = yaml.safe_load(after)["runtime_info"]["output"]
    assert handoff["run_id"] == "run_001" and handoff["status"] == "completed"
    assert handoff["checkpoint_path"].endswith("global_step_2") and handoff["final_metrics"]["critic/score/mean"] == 0.2
    assert handoff["training_log"].endswith(".log") and "/trials/swerl/" in handoff["trajectory_log"]
    out = _out(run_env)
    row = read_index(out / "artifacts" / "index.yaml")[-1]
    assert (row.id, row.status) == ("run_001", "completed")
    assert "step=2" in row.notes and "critic/score/mean=0.2" in row.notes
    meta = yaml.safe_load((out / row.archive / "metadata.yaml").read_text())
    assert meta["checkpoint_path"].endswith("global_step_2") and meta["exit_code"] == 0
    assert list((out / "logs").glob("launch_*.log")), "foreground runs keep a launch log too (tee)"

    monkeypatch.setenv("FAKE_RC", "3")
    r = cli("run", "--config", str(run_env), "--yes", "--foreground")
    assert r.exit_code == 3
    rows = read_index(out / "artifacts" / "index.yaml")
    assert [(x.id, x.status) for x in rows] == [("run_001", "completed"), ("run_002", "failed")]
    assert "rc=3" in rows[-1].notes


def test_kill9_trainer_is_failed(run_env, cli, monkeypatch):
    monkeypatch.setenv("FAKE_STEPS", "1000")
    assert cli("run", "--config", str(run_env), "--yes").exit_code == 0
    state_file = _out(run_env) / ".swerl" / "run.json"
    assert _wait(lambda: read_state(state_file).trainer_alive())
    st = read_state(state_file)
    os.kill(st.train_pid, signal.SIGKILL)
    assert _wait(lambda: not st.launcher_alive(), 30)
    row = read_index(_out(run_env) / "artifacts" / "index.yaml")[-1]
    assert row.status == "failed" and "rc=137" in row.notes


def test_launch_that_dies_early_reports_log_tail(run_env, cli, monkeypatch):
    monkeypatch.setenv("SWERL_TRAIN_CMD", "sh -c 'echo boom-from-trainer >&2; exit 1' --")
    r = cli("run", "--config", str(run_env), "--yes", "--wait", "30")
    assert r.exit_code == 1 and "Launch failed" in r.output and "boom-from-trainer" in r.output
    assert read_index(_out(run_env) / "artifacts" / "index.yaml")[-1].status == "failed"


def test_preflight_failure_blocks_launch(run_env, cli, monkeypatch):
    monkeypatch.setenv("SWERL_PREFLIGHT_CMD", "sh -c 'echo FAIL: port 8002 busy; exit 1' --")
    r = cli("run", "--config", str(run_env), "--yes")
    assert r.exit_code == 1 and "Preflight failed" in r.output and "port 8002 busy" in r.output
    assert not (_out(run_env) / "artifacts" / "index.yaml").exists()
    assert not (_out(run_env) / ".swerl" / "run.json").exists()


def test_launcher_killed_stop_still_finds_trainer(run_env, cli, monkeypatch):
    """kill -9 of the launcher skips its archiving; the trainer (own process group) lives on. status still sees
    it through run.json, and stop interrupts it and closes the ledger row itself."""
    monkeypatch.setenv("FAKE_STEPS", "1000")
    assert cli("run", "--config", str(run_env), "--yes").exit_code == 0
    state_file = _out(run_env) / ".swerl" / "run.json"
    assert _wait(lambda: read_state(state_file).trainer_alive())
    st = read_state(state_file)
    os.kill(st.pid, signal.SIGKILL)
    assert _wait(lambda: not st.launcher_alive()) and st.trainer_alive()
    assert cli("status", "--config", str(run_env)).output.startswith("training")
    r = cli("stop", "--config", str(run_env), "--timeout", "20")
    assert r.exit_code == 0, r.output
    assert not st.trainer_alive()
    row = read_index(_out(run_env) / "artifacts" / "index.yaml")[-1]
    assert row.status == "interrupted" and "swerl stop" in row.notes
    assert (_out(run_env) / row.archive / "metadata.yaml").exists()
