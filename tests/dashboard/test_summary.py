"""`swerl dashboard summary`: the SPEC text block over the recorded tree, idle and with a live run."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from tests.dashboard.make_fixture import EXP, free_port
from typer.testing import CliRunner

from swerl.cli import app
from swerl.dashboard.summary import parse_nvidia_smi
from swerl.run import procs

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def block(run_root: Path, monkeypatch) -> Path:
    shutil.copy(REPO / "config.yaml", run_root / "config.yaml")
    monkeypatch.chdir(run_root)
    # only processes under this test's tree count as "training elsewhere" (the box runs other people's jobs)
    monkeypatch.setenv("SWERL_PROC_PATTERN", f"no-such-process-{os.getpid()}")
    return run_root


def summary() -> str:
    r = CliRunner().invoke(app, ["dashboard", "summary"])
    assert r.exit_code == 0, r.output
    return r.output


def test_idle_summary(block: Path):
    out = summary()
    lines = out.splitlines()
    assert lines[0] == f"## rl dashboard — {block}"
    assert lines[2].startswith("Status: idle — last run running (but no process")
    assert "Model:  smollm2   Backend: docker local   Workers: 4" in out
    assert "Algo:   grpo/vanilla   wandb: offline (swerl)" in out
    assert f"run: {EXP} (finished)" in out and "step: 12   critic/score/mean: 0.725" in out
    assert "Latest run (artifacts/index.yaml): run_002 — running — embedded CPU default" in out
    assert "Web dashboard: not running" in out
    assert "Live:" not in out


def test_live_summary_names_pid_litellm_and_last_lines(block: Path):
    me = os.getpid()
    (block / ".swerl").mkdir(exist_ok=True)
    (block / ".swerl" / "run.json").write_text(
        json.dumps(
            {
                "pid": me,
                "pid_start": procs.start_ticks(me),
                "exp": EXP,
                "run_id": "run_002",
                "launch_log": str(block / "logs" / "launch_20261126-010203.log"),
                "exp_log": str(block / "logs" / f"{EXP}.log"),
                "ports": {"litellm": free_port()},
                "litellm_host": "127.0.0.1",
            }
        )
    )
    out = summary()
    assert f"Status: training (pid={me}, up " in out
    assert "litellm: warming" in out  # nothing listens, the run is young → warming, not down
    assert f"run: {EXP} (running)" in out
    assert f"upstream log: logs/{EXP}.log" in out
    last = out.split("last lines:\n")[1].splitlines()[:3]
    assert last[0].strip().startswith('"step:11 - ')  # complete lines only: the partial "step:13 - …" waits
    assert last[1].strip() == '"2026-11-26 01:14:00,000 INFO harbor: step 12: 16 trials finished (1 masked)"'
    assert last[2].strip().startswith('"step:12 - training/global_step:12')


def test_not_the_rl_block(block: Path):
    cfg = (block / "config.yaml").read_text().replace("name: rl", "name: sft")
    (block / "config.yaml").write_text(cfg)
    r = CliRunner().invoke(app, ["dashboard"])
    assert r.exit_code == 1 and "not 'rl'" in r.output


def test_nvidia_smi_parsing():
    out = "NVIDIA H100 80GB HBM3, 87, 60000, 81559\nNVIDIA H100 80GB HBM3, 93, 61000, 81559\n"
    assert parse_nvidia_smi(out) == "2× NVIDIA H100 80GB HBM3: util avg 90% (87–93%), mem 118/159 GiB"
    assert parse_nvidia_smi("garbage") == "nvidia-smi gave no readable rows"
