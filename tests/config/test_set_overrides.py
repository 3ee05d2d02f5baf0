"""`--set section.key=value`: applied by every load_config (through $SWERL_SET, so children see it too)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from swerl.config.load import SET_ENV, ConfigError, load_config

REPO = Path(__file__).resolve().parents[2]


def test_set_applies_and_validates(monkeypatch):
    monkeypatch.setenv(
        SET_ENV, json.dumps(["training.total_training_steps=2", "vllm.temperature=0.3", "experiment.exp_name=abc"])
    )
    cfg = load_config(REPO / "config.yaml")
    assert cfg.input.training.total_training_steps == 2 and cfg.input.vllm.temperature == 0.3
    assert cfg.input.experiment.exp_name == "abc"
    monkeypatch.setenv(SET_ENV, json.dumps(["training.total_trainig_steps=2"]))
    with pytest.raises(ConfigError, match="did you mean 'total_training_steps'.*--set training.total_trainig_steps=2"):
        load_config(REPO / "config.yaml")
    monkeypatch.setenv(SET_ENV, json.dumps(["nonsense"]))
    with pytest.raises(ConfigError, match="section.key=value"):
        load_config(REPO / "config.yaml")


def test_cli_set_reaches_the_summary(monkeypatch):
    monkeypatch.delenv(SET_ENV, raising=False)
    r = subprocess.run(
        [sys.executable, "-m", "swerl.cli", "config", "show", "--config", str(REPO / "config.yaml")],
        capture_output=True,
        text=True,
        timeout=120,
        env={**__import__("os").environ, SET_ENV: json.dumps(["harbor_runtime.num_workers=7"])},
    )
    assert r.returncode == 0 and "num_workers: 7" in r.stdout, r.stdout[-1500:] + r.stderr[-500:]
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "swerl.cli",
            "dryrun",
            "--config",
            str(REPO / "config.yaml"),
            "--set",
            "algorithm.adv_estimator=grpoo",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = r.stdout + r.stderr
    assert r.returncode != 0 and "did you mean 'grpo'" in out and "Traceback" not in out
